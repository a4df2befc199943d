"""The evaluator: each expression is compiled once into nested Python closures.

`compile_expr(expr)` turns an AST into a function `f(env) -> Value` that
raises `EvaluationError` (one of the six `ErrorKind`s). Nothing on the request
path walks the AST or looks at text. Semantics follow Lean's
`Cedar.Spec.Evaluator` and Rust's `evaluator.rs`:
- operands are evaluated left to right, all of them before the operator
  applies, except `&&`, `||` and `if`, which short-circuit; the operand of
  `&&`/`||`/`if`/`!` must be a Bool;
- `+ - *` and unary `-` are checked 64-bit arithmetic (arithBoundsError);
- `e in E` holds when `e == E` or `E` is among `e`'s (transitively closed)
  ancestors; a missing entity has no ancestors; with a set on the right, every
  element must be an entity;
- `has` on a missing entity is false, attribute access on one is an error;
- `a > b` is `!(a <= b)` and `a >= b` is `!(a < b)`, as Rust builds them;
- reading an `Unknown` (an attribute, tag or record field given as `unknown(..)`
  in JSON) is an error, as the residual Rust would leave makes the policy error.

Deep expressions: chains of `&&` or `||` (however nested) are evaluated by
loops, not recursion. Nesting deeper than `MAX_DEPTH`, counting every `&&`
and `||` node as Rust's evaluator recurses through it (after Rust's folding of
Boolean literals, see `_chain`), compiles to a closure that fails with
"recursion limit reached" when evaluation reaches it: Rust fails the same way,
at the depth its stack allows; Cedar has no error kind for it, so it is
reported as a type error.
"""

from __future__ import annotations

import sys
import threading
from operator import attrgetter
from typing import Any, Callable

from . import ast
from .ast import (
    WILDCARD,
    And,
    BinaryApp,
    ExtCall,
    GetAttr,
    HasAttr,
    If,
    Is,
    Like,
    Lit,
    Or,
    RecordLit,
    SetLit,
    Slot,
    UnaryApp,
    Var,
)
from .errors import ErrorKind, EvaluationError, LinkError, ParseError
from .extensions import EXTENSION_FUNCTIONS, Datetime, Duration
from .values import (
    LONG_MAX,
    LONG_MIN,
    EntityUID,
    Record,
    Set,
    Unknown,
    UnknownSet,
    Value,
    cedar_eq,
    key,
    type_name,
)

MAX_DEPTH = 1708
"""Nesting beyond which evaluation fails instead of recursing: where Rust's evaluator (as
cedarpy runs it, on an 8 MiB stack) reports "recursion limit reached"."""

# Compiling takes up to three Python frames per nesting level and evaluating up to two;
# make room for MAX_DEPTH levels on top of the caller's own stack. (Python 3.11 runs
# Python-to-Python calls without growing the C stack, so this is safe.)
if sys.getrecursionlimit() < MAX_DEPTH * 4 + 1000:
    sys.setrecursionlimit(MAX_DEPTH * 4 + 1000)


class Env:
    """What a compiled expression reads: the request and the entity store (uid -> `Entity`)."""

    __slots__ = ("principal", "action", "resource", "context", "entities")

    def __init__(self, principal: EntityUID, action: EntityUID, resource: EntityUID,
                 context: Record, entities: dict) -> None:
        self.principal = principal
        self.action = action
        self.resource = resource
        self.context = context
        self.entities = entities


Compiled = Callable[[Env], Value]
_NOT_CONST = object()

TYPE_ERROR = ErrorKind.TYPE_ERROR


def _type_error(expected: str, v: object) -> EvaluationError:
    return EvaluationError(TYPE_ERROR, f"type error: expected {expected}, got {type_name(v)}")


def _raiser(error: EvaluationError) -> Compiled:
    def fail(env: Env) -> Value:
        raise EvaluationError(error.kind, error.message)

    return fail


def _reraiser(error: Exception) -> Compiled:
    if isinstance(error, EvaluationError):
        return _raiser(error)

    def fail(env: Env) -> Value:
        raise error

    return fail


def _const(v: Value) -> Compiled:
    def const(env: Env) -> Value:
        return v

    return const


# ---------------------------------------------------------------- entry points


def compile_expr(expr: ast.Expr) -> Compiled:
    """Compile `expr` (which must have no slots) into a closure over `Env`."""
    outer = getattr(_compiling, "folded", None), getattr(_compiling, "attrs", None)
    # Per-compilation memos by node id (stable while `expr` is alive): `_chain`'s folding, and
    # `_get_attr`'s closures, as `e has a.b.c` shares `e.a.b` between its parts.
    _compiling.folded, _compiling.attrs = {}, {}
    try:
        return _compile(expr, 0)[0]
    finally:
        _compiling.folded, _compiling.attrs = outer


_compiling = threading.local()


def evaluate(expr: ast.Expr | str, request: Any, entities: Any = None) -> Value:
    """Evaluate one expression (AST or Cedar text) on a request; for tests and the CLI.

    `request` is an `impl.authorizer.Request` or a dict as `impl.is_authorized`
    takes; `entities` an `Entities`, entities JSON, or None for none. Raises
    `EvaluationError` when the expression errors.
    """
    from .authorizer import as_entities, as_request

    if isinstance(expr, (str, bytes, bytearray, memoryview)):
        from .arguments import text_argument
        from .parser import parse_expr

        expr = parse_expr(text_argument(expr, "expression text", ParseError))
    elif expr.__class__ not in _HANDLERS or expr.__class__ is Slot:
        raise ParseError(f"expected an expression as Cedar text or an `impl.ast` expression, got {type(expr).__name__}")
    store = as_entities(entities, None)
    req = as_request(request)
    env = Env(req.principal, req.action, req.resource, req.context, store.by_uid)
    return compile_expr(expr)(env)


# ---------------------------------------------------------------- compiler


def _compile(e: ast.Expr, depth: int) -> tuple[Compiled, Any]:
    """The closure for `e` and, when `e` is a constant that evaluates without error, its value."""
    if depth > MAX_DEPTH:
        return _raiser(EvaluationError(TYPE_ERROR, "recursion limit reached")), _NOT_CONST
    handler = _HANDLERS.get(e.__class__)
    if handler is None:
        raise TypeError(f"not a Cedar expression: {e!r}")
    return handler(e, depth + 1)


def _lit(e: Lit, depth: int) -> tuple[Compiled, Any]:
    return _const(e.value), e.value


_VAR_GETTERS = {name: attrgetter(name) for name in ast.VAR_NAMES}


def _var(e: Var, depth: int) -> tuple[Compiled, Any]:
    return _VAR_GETTERS[e.name], _NOT_CONST


def _slot(e: Slot, depth: int) -> tuple[Compiled, Any]:
    raise LinkError(f"cannot evaluate a template: slot `{e.name}` is not linked", e.loc)


def _if(e: If, depth: int) -> tuple[Compiled, Any]:
    cond = _compile(e.cond, depth)[0]
    then = _compile(e.then, depth)[0]
    else_ = _compile(e.else_, depth)[0]

    def if_(env: Env) -> Value:
        b = cond(env)
        if b is True:
            return then(env)
        if b is False:
            return else_(env)
        raise _type_error("bool", b)

    return if_, _NOT_CONST


def _chain(e: ast.Expr, cls: type) -> list[tuple[ast.Expr, int]]:
    """The operands of a chain of `cls` (And or Or) in evaluation order, each with how many
    `cls` nodes enclose it, without recursion.

    Rust builds `&&` and `||` nodes with a rule that folds two Boolean literals into one
    (`true && false` is the literal `false`), so a part of the chain whose operands are all
    Boolean literals is one literal: the same value, but fewer levels for Rust's evaluator
    to recurse through (and where Rust stops with "recursion limit reached", so do we).
    """
    folded = _fold(e)
    operands: list[tuple[ast.Expr, int]] = []
    pending: list[tuple[Any, int]] = [(e, 0)]
    while pending:
        x, level = pending.pop()
        if x.__class__ is cls:
            value = folded[id(x)]
            if value is None:
                pending += ((x.right, level + 1), (x.left, level + 1))
                continue
            x = Lit(value)
        operands.append((x, level))
    return operands


def _fold(e: ast.Expr) -> dict[int, bool | None]:
    """For each `&&` and `||` node under `e` (through other `&&` and `||` nodes), by id: its value
    if Rust folds it into a literal, else None. Computed once per `compile_expr`, however the
    chains nest."""
    folded: dict[int, bool | None] = getattr(_compiling, "folded", None)
    if folded is None:
        folded = {}
    stack: list[tuple[Any, bool]] = [(e, False)]
    while stack:
        x, done = stack.pop()
        cls = x.__class__
        if (cls is not And and cls is not Or) or (not done and id(x) in folded):
            continue
        if done:
            left, right = _folded_value(x.left, folded), _folded_value(x.right, folded)
            if left is None or right is None:
                folded[id(x)] = None
            else:
                folded[id(x)] = (left and right) if cls is And else (left or right)
        else:
            stack += ((x, True), (x.right, False), (x.left, False))
    return folded


def _folded_value(x: Any, folded: dict[int, bool | None]) -> bool | None:
    if x.__class__ is And or x.__class__ is Or:
        return folded[id(x)]
    if x.__class__ is Lit and x.value.__class__ is bool:
        return x.value
    return None


def _and(e: And, depth: int) -> tuple[Compiled, Any]:
    """`a && b && ...`: stop at the first false; each operand evaluated must be a Bool."""
    parts = [_compile(x, depth + level - 1)[0] for x, level in _chain(e, And)]
    if len(parts) == 2:
        a, b = parts

        def and2(env: Env) -> Value:
            x = a(env)
            if x is False:
                return False
            if x is not True:
                raise _type_error("bool", x)
            y = b(env)
            if y is True or y is False:
                return y
            raise _type_error("bool", y)

        return and2, _NOT_CONST

    def and_n(env: Env) -> Value:
        for part in parts:
            x = part(env)
            if x is False:
                return False
            if x is not True:
                raise _type_error("bool", x)
        return True

    return and_n, _NOT_CONST


def _or(e: Or, depth: int) -> tuple[Compiled, Any]:
    """`a || b || ...`: stop at the first true; each operand evaluated must be a Bool."""
    parts = [_compile(x, depth + level - 1)[0] for x, level in _chain(e, Or)]

    def or_n(env: Env) -> Value:
        for part in parts:
            x = part(env)
            if x is True:
                return True
            if x is not False:
                raise _type_error("bool", x)
        return False

    return or_n, _NOT_CONST


# ---------------------------------------------------------------- unary operators


def _unary(e: UnaryApp, depth: int) -> tuple[Compiled, Any]:
    arg = _compile(e.arg, depth)[0]
    if e.op == "!":
        def not_(env: Env) -> Value:
            b = arg(env)
            if b is True:
                return False
            if b is False:
                return True
            raise _type_error("bool", b)

        return not_, _NOT_CONST
    if e.op == "neg":
        def neg(env: Env) -> Value:
            i = arg(env)
            if i.__class__ is not int:
                raise _type_error("long", i)
            if i == LONG_MIN:
                raise EvaluationError(ErrorKind.ARITH_BOUNDS_ERROR, f"integer overflow while attempting to negate the value `{i}`")
            return -i

        return neg, _NOT_CONST
    if e.op == "isEmpty":
        def is_empty(env: Env) -> Value:
            s = arg(env)
            if s.__class__ is not Set:
                raise _type_error("set", s)
            return not s.members  # type: ignore[union-attr]

        return is_empty, _NOT_CONST
    raise TypeError(f"unknown unary operator {e.op!r}")


# ---------------------------------------------------------------- binary operators


def _binary(e: BinaryApp, depth: int) -> tuple[Compiled, Any]:
    left, left_const = _compile(e.left, depth)
    right, right_const = _compile(e.right, depth)
    return _BINARY[e.op](left, right, left_const, right_const), _NOT_CONST


def _eq(left: Compiled, right: Compiled, lc: Any, rc: Any) -> Compiled:
    if rc is not _NOT_CONST:
        cls = rc.__class__
        if cls is str or cls is EntityUID:
            # no other kind of value is == to a string or an entity uid in Python
            def eq_plain(env: Env) -> Value:
                return left(env) == rc

            return eq_plain
        if cls is bool:
            def eq_bool(env: Env) -> Value:
                return left(env) is rc

            return eq_bool

    def eq(env: Env) -> Value:
        return cedar_eq(left(env), right(env))

    return eq


def _neq(left: Compiled, right: Compiled, lc: Any, rc: Any) -> Compiled:
    eq = _eq(left, right, lc, rc)

    def neq(env: Env) -> Value:
        return not eq(env)

    return neq


def _compare_slow(a: Value, b: Value) -> None:
    """Raise the type error Rust reports for `a < b` when they are not two Longs or two
    datetimes/durations of the same type; return if they are comparable extension values."""
    ca, cb = a.__class__, b.__class__
    if (ca is Datetime or ca is Duration) and ca is cb:
        return
    if ca is int:
        raise _type_error("long", b)
    if cb is int:
        raise _type_error("long", a)
    if ca is Datetime or ca is Duration:
        raise _type_error(type_name(a), b)
    if cb is Datetime or cb is Duration:
        raise _type_error(type_name(b), a)
    raise _type_error("one of [long, datetime, duration]", a)


def _less(left: Compiled, right: Compiled, lc: Any, rc: Any) -> Compiled:
    def less(env: Env) -> Value:
        a = left(env)
        b = right(env)
        if a.__class__ is int and b.__class__ is int:
            return a < b  # type: ignore[operator]
        _compare_slow(a, b)
        return a < b  # type: ignore[operator]

    return less


def _less_eq(left: Compiled, right: Compiled, lc: Any, rc: Any) -> Compiled:
    def less_eq(env: Env) -> Value:
        a = left(env)
        b = right(env)
        if a.__class__ is int and b.__class__ is int:
            return a <= b  # type: ignore[operator]
        _compare_slow(a, b)
        return a <= b  # type: ignore[operator]

    return less_eq


def _greater(left: Compiled, right: Compiled, lc: Any, rc: Any) -> Compiled:
    def greater(env: Env) -> Value:
        a = left(env)
        b = right(env)
        if a.__class__ is int and b.__class__ is int:
            return a > b  # type: ignore[operator]
        _compare_slow(a, b)
        return not a <= b  # type: ignore[operator]

    return greater


def _greater_eq(left: Compiled, right: Compiled, lc: Any, rc: Any) -> Compiled:
    def greater_eq(env: Env) -> Value:
        a = left(env)
        b = right(env)
        if a.__class__ is int and b.__class__ is int:
            return a >= b  # type: ignore[operator]
        _compare_slow(a, b)
        return not a < b  # type: ignore[operator]

    return greater_eq


def _arith(symbol: str, op: Callable[[int, int], int]) -> Callable[..., Compiled]:
    def build(left: Compiled, right: Compiled, lc: Any, rc: Any) -> Compiled:
        def arith(env: Env) -> Value:
            a = left(env)
            b = right(env)
            if a.__class__ is not int:
                raise _type_error("long", a)
            if b.__class__ is not int:
                raise _type_error("long", b)
            r = op(a, b)  # type: ignore[arg-type]
            if LONG_MIN <= r <= LONG_MAX:
                return r
            raise EvaluationError(
                ErrorKind.ARITH_BOUNDS_ERROR,
                f"integer overflow while attempting to {symbol} the values `{a}` and `{b}`",
            )

        return arith

    return build


def _in(left: Compiled, right: Compiled, lc: Any, rc: Any) -> Compiled:
    if rc.__class__ is EntityUID:
        def in_entity(env: Env) -> Value:
            a = left(env)
            if a.__class__ is not EntityUID:
                raise _in_type_error(a, rc)
            if a == rc:
                return True
            entity = env.entities.get(a)
            return entity is not None and rc in entity.ancestors

        return in_entity
    if rc.__class__ is Set and all(m.__class__ is EntityUID for m in rc.members):
        targets = rc.members

        def in_entity_set(env: Env) -> Value:
            a = left(env)
            if a.__class__ is not EntityUID:
                raise _in_type_error(a, rc)
            if a in targets:
                return True
            entity = env.entities.get(a)
            return entity is not None and not entity.ancestors.isdisjoint(targets)

        return in_entity_set

    def in_(env: Env) -> Value:
        a = left(env)
        b = right(env)
        if a.__class__ is not EntityUID:
            raise _in_type_error(a, b)
        cb = b.__class__
        if cb is EntityUID:
            if a == b:
                return True
            entity = env.entities.get(a)
            return entity is not None and b in entity.ancestors
        if cb is Set:
            members = b.members  # type: ignore[union-attr]
            for m in members:
                if m.__class__ is not EntityUID:
                    raise _type_error("(entity of type `any_entity_type`)", m)
            if a in members:
                return True
            entity = env.entities.get(a)
            return entity is not None and not entity.ancestors.isdisjoint(members)
        raise _type_error("one of [set, (entity of type `any_entity_type`)]", b)

    return in_


def _in_type_error(a: Value, b: Value) -> EvaluationError:
    err = _type_error("(entity of type `any_entity_type`)", a)
    if b.__class__ is Set:
        err.message += "; `in` is for checking the entity hierarchy; use `.contains()` to test set membership"
    elif b.__class__ is Record:
        err.message += "; `in` is for checking the entity hierarchy; use `has` to test if a record has a key"
    return err


def _contains(left: Compiled, right: Compiled, lc: Any, rc: Any) -> Compiled:
    def contains(env: Env) -> Value:
        s = left(env)
        v = right(env)
        if s.__class__ is not Set:
            raise _type_error("set", s)
        return key(v) in s.members  # type: ignore[union-attr]

    return contains


def _contains_all(left: Compiled, right: Compiled, lc: Any, rc: Any) -> Compiled:
    def contains_all(env: Env) -> Value:
        s = left(env)
        t = right(env)
        if s.__class__ is not Set:
            raise _type_error("set", s)
        if t.__class__ is not Set:
            raise _type_error("set", t)
        return t.members <= s.members  # type: ignore[union-attr]

    return contains_all


def _contains_any(left: Compiled, right: Compiled, lc: Any, rc: Any) -> Compiled:
    def contains_any(env: Env) -> Value:
        s = left(env)
        t = right(env)
        if s.__class__ is not Set:
            raise _type_error("set", s)
        if t.__class__ is not Set:
            raise _type_error("set", t)
        return not s.members.isdisjoint(t.members)  # type: ignore[union-attr]

    return contains_any


def _has_tag(left: Compiled, right: Compiled, lc: Any, rc: Any) -> Compiled:
    def has_tag(env: Env) -> Value:
        uid = left(env)
        tag = right(env)
        if uid.__class__ is not EntityUID:
            raise _type_error("(entity of type `any_entity_type`)", uid)
        if tag.__class__ is not str:
            raise _type_error("string", tag)
        entity = env.entities.get(uid)
        return entity is not None and tag in entity.tags

    return has_tag


def _get_tag(left: Compiled, right: Compiled, lc: Any, rc: Any) -> Compiled:
    def get_tag(env: Env) -> Value:
        uid = left(env)
        tag = right(env)
        if uid.__class__ is not EntityUID:
            raise _type_error("(entity of type `any_entity_type`)", uid)
        if tag.__class__ is not str:
            raise _type_error("string", tag)
        entity = env.entities.get(uid)
        if entity is None:
            raise _no_entity(uid)
        try:
            found = entity.tags[tag]
        except KeyError:
            raise EvaluationError(
                ErrorKind.TAG_DOES_NOT_EXIST, f"`{uid}` does not have the tag `{tag}`"
            ) from None
        if found.__class__ is Unknown or found.__class__ is UnknownSet:
            raise _unknown_error(found)
        return found

    return get_tag


_BINARY: dict[str, Callable[[Compiled, Compiled, Any, Any], Compiled]] = {
    "==": _eq,
    "!=": _neq,
    "<": _less,
    "<=": _less_eq,
    ">": _greater,
    ">=": _greater_eq,
    "+": _arith("add", lambda a, b: a + b),
    "-": _arith("subtract", lambda a, b: a - b),
    "*": _arith("multiply", lambda a, b: a * b),
    "in": _in,
    "contains": _contains,
    "containsAll": _contains_all,
    "containsAny": _contains_any,
    "hasTag": _has_tag,
    "getTag": _get_tag,
}


# ---------------------------------------------------------------- attributes


def _no_entity(uid: EntityUID) -> EvaluationError:
    return EvaluationError(ErrorKind.ENTITY_DOES_NOT_EXIST, f"entity `{uid}` does not exist")


def _unknown_error(u: Value) -> EvaluationError:
    return EvaluationError(TYPE_ERROR, f"the expression reads `{u!r}`, whose value is not known")


def _get_attr(e: GetAttr, depth: int) -> tuple[Compiled, Any]:
    """`e.attr`; compiled once per depth, because `has` chains share their paths (see `extended_has`)."""
    memo = getattr(_compiling, "attrs", None)
    if memo is None:
        return _compile_get_attr(e, depth)
    key = (id(e), depth)
    compiled = memo.get(key)
    if compiled is None:
        compiled = memo[key] = _compile_get_attr(e, depth)
    return compiled


def _compile_get_attr(e: GetAttr, depth: int) -> tuple[Compiled, Any]:
    obj = _compile(e.expr, depth)[0]
    attr = e.attr

    def get_attr(env: Env) -> Value:
        v = obj(env)
        cls = v.__class__
        if cls is EntityUID:
            entity = env.entities.get(v)
            if entity is None:
                raise _no_entity(v)  # type: ignore[arg-type]
            try:
                found = entity.attrs[attr]
            except KeyError:
                raise EvaluationError(
                    ErrorKind.ATTR_DOES_NOT_EXIST, f"`{v}` does not have the attribute `{attr}`"
                ) from None
        elif cls is Record:
            try:
                found = v.attrs[attr]  # type: ignore[union-attr]
            except KeyError:
                raise EvaluationError(
                    ErrorKind.ATTR_DOES_NOT_EXIST, f"record does not have the attribute `{attr}`"
                ) from None
        else:
            raise _type_error("one of [record, (entity of type `any_entity_type`)]", v)
        if found.__class__ is Unknown or found.__class__ is UnknownSet:
            raise _unknown_error(found)
        return found

    return get_attr, _NOT_CONST


def _has_attr(e: HasAttr, depth: int) -> tuple[Compiled, Any]:
    obj = _compile(e.expr, depth)[0]
    attr = e.attr

    def has_attr(env: Env) -> Value:
        v = obj(env)
        cls = v.__class__
        if cls is EntityUID:
            entity = env.entities.get(v)
            return entity is not None and attr in entity.attrs
        if cls is Record:
            return attr in v.attrs  # type: ignore[union-attr]
        raise _type_error("one of [record, (entity of type `any_entity_type`)]", v)

    return has_attr, _NOT_CONST


# ---------------------------------------------------------------- like, is


def _matcher(pattern: tuple) -> Callable[[str], bool]:
    """A `like` matcher: literal chunks separated by `*`, matched greedily left to right.

    Leftmost matching of each middle chunk is optimal for `*`-only patterns, so
    this runs in O(len(text) * len(pattern)) with no backtracking.
    """
    chunks: list[str] = [""]
    for elem in pattern:
        if elem is WILDCARD:
            chunks.append("")
        else:
            chunks[-1] += elem
    if len(chunks) == 1:
        exact = chunks[0]
        return lambda s: s == exact
    first, middle, last = chunks[0], chunks[1:-1], chunks[-1]
    min_len = sum(map(len, chunks))

    def match(s: str) -> bool:
        if len(s) < min_len or not s.startswith(first) or not s.endswith(last):
            return False
        pos, end = len(first), len(s) - len(last)
        for chunk in middle:
            found = s.find(chunk, pos, end)
            if found < 0:
                return False
            pos = found + len(chunk)
        return True

    return match


def _like(e: Like, depth: int) -> tuple[Compiled, Any]:
    arg = _compile(e.expr, depth)[0]
    match = _matcher(e.pattern)

    def like(env: Env) -> Value:
        s = arg(env)
        if s.__class__ is not str:
            raise _type_error("string", s)
        return match(s)  # type: ignore[arg-type]

    return like, _NOT_CONST


def _is(e: Is, depth: int) -> tuple[Compiled, Any]:
    """`e is T`, and `e is T in x`, which means `e is T && e in x`."""
    arg = _compile(e.expr, depth)[0]
    etype = e.entity_type
    if e.in_expr is None:
        def is_(env: Env) -> Value:
            v = arg(env)
            if v.__class__ is not EntityUID:
                raise _type_error("(entity of type `any_entity_type`)", v)
            return v[0] == etype  # type: ignore[index]

        return is_, _NOT_CONST
    target, target_const = _compile(e.in_expr, depth)
    in_check = _in(arg, target, _NOT_CONST, target_const)

    def is_in(env: Env) -> Value:
        v = arg(env)
        if v.__class__ is not EntityUID:
            raise _type_error("(entity of type `any_entity_type`)", v)
        if v[0] != etype:  # type: ignore[index]
            return False
        return in_check(env)

    return is_in, _NOT_CONST


# ---------------------------------------------------------------- literals and calls


def _set(e: SetLit, depth: int) -> tuple[Compiled, Any]:
    compiled = [_compile(x, depth) for x in e.elements]
    if all(c is not _NOT_CONST for _, c in compiled):
        value = Set(c for _, c in compiled)
        return _const(value), value
    parts = [f for f, _ in compiled]

    def set_(env: Env) -> Value:
        return Set.from_members(frozenset([key(part(env)) for part in parts]))

    return set_, _NOT_CONST


def _record(e: RecordLit, depth: int) -> tuple[Compiled, Any]:
    """Fields are evaluated in key order, as Rust's (sorted) record literals are: it decides which error wins."""
    compiled = [(name, _compile(x, depth)) for name, x in sorted(e.fields, key=lambda f: f[0])]
    if all(c is not _NOT_CONST for _, (_, c) in compiled):
        value = Record({name: c for name, (_, c) in compiled})
        return _const(value), value
    parts = [(name, f) for name, (f, _) in compiled]

    def record(env: Env) -> Value:
        return Record({name: part(env) for name, part in parts})

    return record, _NOT_CONST


def _call(e: ExtCall, depth: int) -> tuple[Compiled, Any]:
    compiled = [_compile(x, depth) for x in e.args]
    args = [f for f, _ in compiled]
    fn = EXTENSION_FUNCTIONS.get(e.name)
    if fn is None:
        failure = EvaluationError(ErrorKind.EXTENSION_ERROR, f"extension function `{e.name}` does not exist")
    elif len(args) != len(fn.arg_types):
        failure = EvaluationError(
            TYPE_ERROR,
            f"wrong number of arguments provided to extension function `{e.name}`: "
            f"expected {len(fn.arg_types)}, got {len(args)}",
        )
    else:
        failure = None
    if failure is not None:
        # Rust evaluates the arguments first, so their errors come first.
        def fail(env: Env) -> Value:
            for arg in args:
                arg(env)
            raise EvaluationError(failure.kind, failure.message)

        return fail, _NOT_CONST
    call = fn.call  # type: ignore[union-attr]
    if all(c is not _NOT_CONST for _, c in compiled):
        try:
            value = call(*(c for _, c in compiled))
        except Exception as err:  # noqa: BLE001 - raised again when (and only if) evaluation gets here
            return _reraiser(err), _NOT_CONST
        return _const(value), value
    if len(args) == 1:
        (a,) = args

        def call1(env: Env) -> Value:
            return call(a(env))

        return call1, _NOT_CONST
    if len(args) == 2:
        a, b = args

        def call2(env: Env) -> Value:
            return call(a(env), b(env))

        return call2, _NOT_CONST

    def call_n(env: Env) -> Value:
        return call(*[arg(env) for arg in args])

    return call_n, _NOT_CONST


_HANDLERS: dict[type, Callable[[Any, int], tuple[Compiled, Any]]] = {
    Lit: _lit,
    Var: _var,
    Slot: _slot,
    If: _if,
    And: _and,
    Or: _or,
    UnaryApp: _unary,
    BinaryApp: _binary,
    GetAttr: _get_attr,
    HasAttr: _has_attr,
    Like: _like,
    Is: _is,
    SetLit: _set,
    RecordLit: _record,
    ExtCall: _call,
}

__all__ = ["Env", "compile_expr", "evaluate", "MAX_DEPTH"]
