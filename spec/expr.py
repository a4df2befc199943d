"""Cedar expressions (Lean `Spec/Expr.lean`) and a reader for their JSON form.

The reader takes Cedar's JSON policy format (`JsonExpr` objects, docs
`json-format.md`) and desugars it the way Cedar does: `!=` is `!(==)`,
`a > b` is `!(a <= b)`, `a >= b` is `!(a < b)`, `e is T in x` is
`e is T && e in x`, and `e has a.b` is `e has a && e.a has b`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Union

from spec.errors import InputError

I64_MIN, I64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class Uid:
    """An entity uid literal: its type name (e.g. `A::B`) and id."""
    ty: str
    eid: str


Prim = Union[bool, int, str, Uid]


@dataclass(frozen=True)
class Like:
    """The `like` operator; the pattern is a tuple of characters, None standing for `*`."""
    pattern: tuple[str | None, ...]


@dataclass(frozen=True)
class Is:
    """The `is` operator, testing an entity's type."""
    ety: str


UnaryOp = Union[str, Like, Is]  # "not" | "neg" | "isEmpty" | Like | Is
BINARY_OPS = ("eq", "mem", "hasTag", "getTag", "less", "lessEq", "add", "sub", "mul",
              "contains", "containsAll", "containsAny")
EXTENSION_FUNCTIONS = ("decimal", "lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual",
                       "ip", "isIpv4", "isIpv6", "isLoopback", "isMulticast", "isInRange",
                       "datetime", "duration", "offset", "durationSince", "toDate", "toTime",
                       "toMilliseconds", "toSeconds", "toMinutes", "toHours", "toDays")
VARS = ("principal", "action", "resource", "context")


@dataclass(frozen=True)
class Lit:
    prim: Prim


@dataclass(frozen=True)
class Var:
    name: str  # one of VARS


@dataclass(frozen=True)
class Ite:
    cond: "Expr"
    then_expr: "Expr"
    else_expr: "Expr"


@dataclass(frozen=True)
class And:
    a: "Expr"
    b: "Expr"


@dataclass(frozen=True)
class Or:
    a: "Expr"
    b: "Expr"


@dataclass(frozen=True)
class UnaryApp:
    op: UnaryOp
    arg: "Expr"


@dataclass(frozen=True)
class BinaryApp:
    op: str  # one of BINARY_OPS
    a: "Expr"
    b: "Expr"


@dataclass(frozen=True)
class GetAttr:
    expr: "Expr"
    attr: str


@dataclass(frozen=True)
class HasAttr:
    expr: "Expr"
    attr: str


@dataclass(frozen=True)
class SetExpr:
    elems: tuple["Expr", ...]


@dataclass(frozen=True)
class RecordExpr:
    attrs: tuple[tuple[str, "Expr"], ...]  # in key order, as Rust's AST keeps them: the first error in it wins


@dataclass(frozen=True)
class Call:
    fn: str  # one of EXTENSION_FUNCTIONS
    args: tuple["Expr", ...]


Expr = Union[Lit, Var, Ite, And, Or, UnaryApp, BinaryApp, GetAttr, HasAttr, SetExpr, RecordExpr, Call]


# ----- traversal -----

def map_expr(f: Callable[[Expr], Expr | None], x: Expr) -> Expr:
    """`x` with every sub-expression `e` for which `f(e)` is not None replaced by it."""
    if (y := f(x)) is not None:
        return y

    def sub(v: object) -> object:
        if isinstance(v, tuple):
            return tuple(sub(e) for e in v)
        return map_expr(f, v) if dataclasses.is_dataclass(v) and not isinstance(v, (Uid, Like, Is)) else v
    return dataclasses.replace(x, **{fl.name: sub(getattr(x, fl.name)) for fl in dataclasses.fields(x)})


def subexpressions(x: Expr) -> list[Expr]:
    """`x` and every expression inside it."""
    found: list[Expr] = []
    map_expr(lambda e: found.append(e), x)  # type: ignore[func-returns-value]
    return found


# ----- reading the JSON form -----

def uid_of_json(j: Any) -> Uid:
    """An entity reference: `{"type", "id"}` or `{"__entity": {"type", "id"}}`."""
    if isinstance(j, dict) and set(j) == {"__entity"}:
        j = j["__entity"]
    if not (isinstance(j, dict) and isinstance(j.get("type"), str) and isinstance(j.get("id"), str)):
        raise InputError(f"expected an entity reference {{\"type\", \"id\"}}, got {j!r}")
    return Uid(checked_string(j["type"]), checked_string(j["id"]))


def checked_string(s: str) -> str:
    """A Cedar string: Unicode scalar values only (no lone surrogates)."""
    if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
        raise InputError(f"string {s!r} is not valid Unicode")
    return s


def value_expr(j: Any) -> Expr:
    """A Cedar JSON value (`Value` key) as an expression; `__extn` becomes a call."""
    if isinstance(j, bool):
        return Lit(j)
    if isinstance(j, str):
        return Lit(checked_string(j))
    if isinstance(j, int):
        if not I64_MIN <= j <= I64_MAX:
            raise InputError(f"integer literal {j} does not fit in 64 bits")
        return Lit(j)
    if isinstance(j, list):
        return SetExpr(tuple(value_expr(x) for x in j))
    if isinstance(j, dict) and set(j) == {"__entity"}:
        return Lit(uid_of_json(j))
    if isinstance(j, dict) and set(j) == {"__extn"}:
        ext = j["__extn"]
        args = ext.get("args", [ext.get("arg")]) if isinstance(ext, dict) else None
        if not (isinstance(args, list) and ext.get("fn") in EXTENSION_FUNCTIONS):
            raise InputError(f"malformed extension value {j!r}")
        return Call(ext["fn"], tuple(value_expr(a) for a in args))
    if isinstance(j, dict):
        return RecordExpr(tuple((k, value_expr(v)) for k, v in sorted(j.items())))
    raise InputError(f"not a Cedar value: {j!r}")


def _pattern(j: Any) -> tuple[str | None, ...]:
    elems: list[str | None] = []
    for p in j if isinstance(j, list) else [None]:
        if p == "Wildcard":
            elems.append(None)
        elif isinstance(p, dict) and isinstance(p.get("Literal"), str):
            elems.extend(p["Literal"])
        else:
            raise InputError(f"malformed `like` pattern {j!r}")
    return tuple(elems)


def _has(left: Expr, attr: Any) -> Expr:
    path = [attr] if isinstance(attr, str) else attr
    if not (isinstance(path, list) and path and all(isinstance(a, str) for a in path)):
        raise InputError(f"malformed `has` attribute {attr!r}")
    test: Expr = HasAttr(left, path[0])
    prefix = left
    for before, a in zip(path, path[1:]):
        prefix = GetAttr(prefix, before)
        test = And(test, HasAttr(prefix, a))
    return test


_BINARY = {"==": "eq", "in": "mem", "<": "less", "<=": "lessEq", "+": "add", "-": "sub", "*": "mul",
           "contains": "contains", "containsAll": "containsAll", "containsAny": "containsAny",
           "hasTag": "hasTag", "getTag": "getTag"}
_NEGATED = {"!=": "eq", ">": "lessEq", ">=": "less"}  # a op b  is  !(a op' b)
_UNARY = {"!": "not", "neg": "neg", "isEmpty": "isEmpty"}


def expr_of_json(j: Any) -> Expr:
    """An expression from its JSON form (one key per object)."""
    if not (isinstance(j, dict) and len(j) == 1):
        raise InputError(f"expected a JSON expression object with one key, got {j!r}")
    (op, body), = j.items()
    if op == "Value":
        return value_expr(body)
    if op == "Var" and body in VARS:
        return Var(body)
    if op in _UNARY:
        return UnaryApp(_UNARY[op], expr_of_json(_field(body, "arg")))
    if op in _BINARY:
        return BinaryApp(_BINARY[op], expr_of_json(_field(body, "left")), expr_of_json(_field(body, "right")))
    if op in _NEGATED:
        return UnaryApp("not", BinaryApp(_NEGATED[op], expr_of_json(_field(body, "left")), expr_of_json(_field(body, "right"))))
    if op in ("&&", "||"):
        return (And if op == "&&" else Or)(expr_of_json(_field(body, "left")), expr_of_json(_field(body, "right")))
    if op == ".":
        return GetAttr(expr_of_json(_field(body, "left")), _string(_field(body, "attr")))
    if op == "has":
        return _has(expr_of_json(_field(body, "left")), _field(body, "attr"))
    if op == "is":
        left = expr_of_json(_field(body, "left"))
        test: Expr = UnaryApp(Is(_string(_field(body, "entity_type"))), left)
        return And(test, BinaryApp("mem", left, expr_of_json(body["in"]))) if "in" in body else test
    if op == "like":
        return UnaryApp(Like(_pattern(_field(body, "pattern"))), expr_of_json(_field(body, "left")))
    if op == "if-then-else":
        return Ite(expr_of_json(_field(body, "if")), expr_of_json(_field(body, "then")), expr_of_json(_field(body, "else")))
    if op == "Set" and isinstance(body, list):
        return SetExpr(tuple(expr_of_json(x) for x in body))
    if op == "Record" and isinstance(body, dict):
        return RecordExpr(tuple((k, expr_of_json(v)) for k, v in sorted(body.items())))
    if op in EXTENSION_FUNCTIONS and isinstance(body, list):
        return Call(op, tuple(expr_of_json(x) for x in body))
    raise InputError(f"unsupported JSON expression {op!r}")


def _field(body: Any, name: str) -> Any:
    if not (isinstance(body, dict) and name in body):
        raise InputError(f"expected a field {name!r} in {body!r}")
    return body[name]


def _string(j: Any) -> str:
    if not isinstance(j, str):
        raise InputError(f"expected a string, got {j!r}")
    return j
