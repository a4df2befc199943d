"""Cedar policy text -> `impl.ast`, with Rust's rules and error cases.

One pass: an LALR automaton (built by lark from `policy.lark`) calls the
`_Builder` methods bottom-up as it reduces, so no recursion happens however
deep the input nests. The builder
mirrors Rust's `cst_to_ast.rs`: a primary stays "special" (a variable, a bare
name, a string, Boolean or number literal, or a member chain on a name or
variable) until its context decides what it may be, because `a.b` is an
attribute path after `has`, `"x*"` a pattern after `like`, `User` an entity
type after `is` and `-9223372036854775808` one literal.

Errors: the first problem in each policy is reported; when a file has several
broken policies, each is reported (one `ParseError` listing them all).
"""

from __future__ import annotations

import threading
from itertools import accumulate, repeat
from pathlib import Path
from typing import Any, Callable, NamedTuple

from lark import Lark

from ..ast import (
    ActionConstraint, And, BinaryApp, Condition, ExtCall, GetAttr, HasAttr, If, Is, Like, Lit, Or,
    Policy, RecordLit, ScopeConstraint, SetLit, Slot, UnaryApp, Var,
)
from ..errors import Loc, ParseError, Source
from ..gc_pause import paused_gc
from ..values import EntityUID
from . import extension_names
from .lalr import Driver, NoAction, TokenList
from .lexer import DESCRIPTIONS, Comment, Token, tokenize
from .strings import unescape, unescape_pattern

MAX_DEPTH = 1000
"""Expression nesting (AST depth) every consumer of the AST handles in full, recursing if it
needs to (tools size Python's recursion limit from it).

The parser takes any depth of operators, as Rust's does: how deep is too deep is the
consumer's call, as in Rust. The evaluator reports "recursion limit reached" where Rust does,
the validator a `too_deep` error, and writers of JSON or text a `CedarError`. Brackets are the
exception: Rust's parser recurses on them and overflows its stack (cedarpy crashes at about 600
nested `(`, `[` or `{`), so more than `MAX_DEPTH` of them is a parse error here."""

_NESTING = {"LPAR": 1, "LSQB": 1, "LBRACE": 1, "RPAR": -1, "RSQB": -1, "RBRACE": -1}

I64_MAX = 2**63 - 1
U64_MAX = 2**64 - 1

# Keywords that cannot be identifiers (Rust `to_valid_ident`); `__cedar` is reserved as a name too.
RESERVED = frozenset({"true", "false", "if", "then", "else", "in", "is", "has", "like"})
RESERVED_NAMESPACE = "__cedar"

VARIABLES = frozenset({"PRINCIPAL", "ACTION", "RESOURCE", "CONTEXT"})
_new_tuple = tuple.__new__  # `_new_tuple(Loc, (source, start, end))`: a `Loc` without a Python-level call
_EXPRESSIONS = frozenset({Lit, Var, Slot, If, And, Or, UnaryApp, BinaryApp, GetAttr, HasAttr, Like, Is, SetLit,
                          RecordLit, ExtCall})
_REL_OPS = {"LT": "<", "LE": "<=", "GE": ">=", "GT": ">", "NE": "!=", "EQEQ": "==", "IN": "in"}


class _Fail(Exception):
    """A problem at `[start, end)`; turned into a `ParseError` by the caller."""

    def __init__(self, message: str, start: int, end: int, help: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end
        self.help = help


# ---------------------------------------------------------------- "special" primaries
#
# Named tuples, made with `_new_tuple(Class, (...))` where they are hot: a policy set has a
# few of them per policy, and a tuple is the cheapest object Python builds.


class _Var(NamedTuple):
    name: str
    start: int
    end: int


class _Name(NamedTuple):
    """A bare (possibly namespaced) name: an entity type, a function, or an error as an expression."""

    path: tuple[str, ...]
    start: int
    end: int

    @property
    def text(self) -> str:
        return "::".join(self.path)


class _Str(NamedTuple):
    """A string literal, still escaped (it may become a string, an attribute or a pattern)."""

    raw: str
    start: int
    end: int


class _Bool(NamedTuple):
    value: bool
    start: int
    end: int


class _Num(NamedTuple):
    """An unsigned integer literal; its range is checked once we know whether a `-` precedes it."""

    value: int
    start: int
    end: int


class _Access(NamedTuple):
    """`.name`, `(args)` or `["attr"]` after a primary."""

    kind: str
    value: Any
    start: int
    end: int


class _Member(NamedTuple):
    """Accesses on a variable or a name, kept raw because after `has` they are an attribute path."""

    head: "_Var | _Name"
    accesses: list[_Access]
    start: int
    end: int


class _Path:
    """Two or more `::`-separated identifier tokens (a class: a longer path extends it in place)."""

    __slots__ = ("tokens", "start", "end")

    def __init__(self, tokens: list[Token], start: int, end: int) -> None:
        self.tokens, self.start, self.end = tokens, start, end


class _VarDef(NamedTuple):
    var: Token
    type_annotation: Any
    is_type: Any
    rel: Any
    start: int
    end: int


_SPECIALS = frozenset({_Var, _Name, _Str, _Bool, _Num, _Access, _Member, _Path, _VarDef})


def _start(x: Any) -> int:
    """Where a token, a special primary or an AST node starts."""
    cls = x.__class__
    if cls is Token or cls in _SPECIALS:
        return x.start  # type: ignore[no-any-return]
    loc = getattr(x, "loc", None)
    return loc.start if loc is not None else x.start


def _end(x: Any) -> int:
    cls = x.__class__
    if cls is Token or cls in _SPECIALS:
        return x.end  # type: ignore[no-any-return]
    loc = getattr(x, "loc", None)
    return loc.end if loc is not None else x.end


def _describe(x: Any) -> str:
    """What the author wrote, for messages."""
    if isinstance(x, _Name):
        return f"name `{x.text}`"
    if isinstance(x, _Var):
        return f"variable `{x.name}`"
    if isinstance(x, _Str):
        return f'literal `"{x.raw}"`'
    if isinstance(x, _Bool):
        return f"literal `{str(x.value).lower()}`"
    if isinstance(x, _Num):
        return f"literal `{x.value}`"
    if isinstance(x, Slot):
        return f"template slot `{x.name}`"
    return "an expression"


# ---------------------------------------------------------------- the builder


class _Builder:
    """The lark callbacks (one per grammar rule or alias); state is per parse."""

    def __init__(self) -> None:
        self.source = Source("", "<input>")
        self.policy_count = 0
        self.slots: list[Slot] = []
        self.entity_uids: dict[tuple[Any, str], EntityUID] = {}

    def reset(self, source: Source, first_policy: int = 0) -> None:
        self.source = source
        self.policy_count = first_policy
        self.slots = []
        self.entity_uids = {}

    def loc(self, start: int, end: int) -> Loc:
        return _new_tuple(Loc, (self.source, start, end))

    def span(self, first: Any, last: Any) -> Loc:
        return _new_tuple(Loc, (self.source, _start(first), _end(last)))

    # ------------------------------------------------------------ conversions (Rust `ExprOrSpecial`)

    def expr(self, x: Any) -> Any:
        """`x` as an expression (Rust `into_expr`)."""
        cls = x.__class__
        if cls in _EXPRESSIONS:
            return x
        if cls is _Var:
            return Var(x.name, self.loc(x.start, x.end))
        if cls is _Str:
            return Lit(self.unescaped(x), self.loc(x.start, x.end))
        if cls is _Bool:
            return Lit(x.value, self.loc(x.start, x.end))
        if cls is _Num:
            if x.value > I64_MAX:
                raise _Fail(f"integer literal `{x.value}` is too large", x.start, x.end,
                            help=f"the largest Long is {I64_MAX}")
            return Lit(x.value, self.loc(x.start, x.end))
        if cls is _Member:
            return self.member_expr(x)
        if cls is _Name:
            raise _Fail(f"invalid variable: {x.text}", x.start, x.end,
                        help="the variables are `principal`, `action`, `resource` and `context`; "
                             "an entity literal needs an id, as in `User::\"alice\"`")
        return x

    def unescaped(self, s: _Str) -> str:
        result = unescape(s.raw)
        if isinstance(result, tuple):
            raise _Fail(f"invalid escape in string literal: {result[2]}", s.start + 1 + result[0], s.start + 1 + result[1])
        return result

    def attribute(self, x: Any) -> str:
        """`x` as a record key (Rust `into_valid_attr`)."""
        cls = x.__class__
        if cls is _Var:
            return x.name
        if cls is _Name:
            if len(x.path) > 1:
                raise _Fail(f"`{x.text}` cannot be used as an attribute as it contains a namespace", x.start, x.end)
            return x.path[0]
        if cls is _Str:
            return self.unescaped(x)
        if cls is _Bool:
            raise _Fail(f"this identifier is reserved and cannot be used: {str(x.value).lower()}", x.start, x.end)
        raise _Fail("invalid attribute name: a record key must be an identifier or a string literal",
                    _start(x), _end(x))

    def entity_type(self, x: Any) -> str:
        """`x` as the entity type after `is` (Rust `into_entity_type`)."""
        if x.__class__ is _Var:
            return x.name
        if x.__class__ is _Name:
            return x.text
        text = self.source.text[_start(x):_end(x)]
        if len(text) > 60:
            text = text[:57] + "..."
        raise _Fail(f"right hand side of an `is` expression must be an entity type name, but got `{text}`",
                    _start(x), _end(x), help="write an entity type such as `User` or `NS::User`")

    def ident(self, tok: Token) -> str:
        """An identifier used as a name component (Rust `to_valid_ident` + `__cedar` check)."""
        value = tok.value
        if value in RESERVED:
            raise _Fail(f"this identifier is reserved and cannot be used: {value}", tok.start, tok.end)
        if value == RESERVED_NAMESPACE:
            raise _Fail(f"The name `{value}` contains `{RESERVED_NAMESPACE}`, which is reserved", tok.start, tok.end)
        return value

    def name_of(self, tokens: list[Token]) -> str:
        return "::".join(self.ident(t) for t in tokens)

    # ------------------------------------------------------------ policies

    def policies(self, children: list[Policy]) -> list[Policy]:
        return children

    def policy(self, c: list[Any]) -> Policy:
        i = 0
        annotations: dict[str, str | None] = {}
        while c[i].__class__ is tuple:
            key, value, start, end = c[i]
            if key in annotations:
                raise _Fail(f"duplicate annotation: @{key}", start, end)
            annotations[key] = value
            i += 1
        effect_tok: Token = c[i]
        if effect_tok[0] == "PERMIT":
            effect = "permit"
        elif effect_tok[0] == "FORBID":
            effect = "forbid"
        else:
            raise _Fail(f"invalid policy effect: {effect_tok.value}", effect_tok.start, effect_tok.end,
                        help="effect must be either `permit` or `forbid`")
        rpar: Token = c[i + 3]
        principal, action, resource = self.scope(c[i + 2], effect_tok, rpar)
        conditions = tuple(c[i + 4:-1])
        start = c[0][2]  # an annotation's start, or the effect token's
        policy_id = f"policy{self.policy_count}"
        self.policy_count += 1
        self.slots = []
        return Policy(policy_id, effect, principal, action, resource, conditions,
                      tuple(annotations.items()) if annotations else (), _new_tuple(Loc, (self.source, start, c[-1][3])))

    def annotation(self, c: list[Any]) -> tuple[str, str | None, int, int]:
        key = c[1].value
        value = None
        if len(c) > 2:
            value = self.unescaped(_Str(c[3].value[1:-1], c[3].start, c[3].end))
        return (key, value, c[0].start, c[-1].end)

    def variables(self, c: list[_VarDef]) -> list[_VarDef]:
        return c

    def variable_def(self, c: list[Any]) -> _VarDef:
        var = c[0]
        if len(c) == 1:
            return _new_tuple(_VarDef, (var, None, None, None, var[2], var[3]))
        if len(c) == 2 and c[1][0] == "rel":
            rhs = c[1][2]
            return _new_tuple(_VarDef, (var, None, None, c[1], var[2], rhs.loc.end if rhs.__class__ is Lit else _end(rhs)))
        type_annotation = is_type = rel = None
        for part in c[1:]:
            kind = part[0]
            if kind == "type":
                type_annotation = part
            elif kind == "is":
                is_type = part[1]
            else:
                rel = part
        end = c[0].end
        if len(c) > 1:
            last = c[-1]
            end = last[2] if last[0] == "type" else _end(last[-1])
        return _VarDef(c[0], type_annotation, is_type, rel, c[0].start, end)

    def type_annotation(self, c: list[Any]) -> tuple[str, int, int]:
        return ("type", c[0].start, _end(c[1]))

    def is_type(self, c: list[Any]) -> tuple[str, Any]:
        return ("is", c[1])

    def scope_rel(self, c: list[Any]) -> tuple[str, Token, Any]:
        return ("rel", c[0], c[1])

    def name(self, c: list[Any]) -> Any:
        return c[0]

    def cond(self, c: list[Any]) -> Condition:
        kw: Token = c[0]
        if kw[0] == "WHEN":
            kind = "when"
        elif kw[0] == "UNLESS":
            kind = "unless"
        else:
            raise _Fail(f"invalid policy condition: {kw.value}", kw.start, kw.end,
                        help="condition must be either `when` or `unless`")
        if len(c) == 3:
            raise _Fail(f"`{kind}` condition clause cannot be empty", kw.start, c[-1].end)
        for slot in self.slots:
            if slot.loc is not None and slot.loc.start > kw[2]:
                raise _Fail(f"found template slot {slot.name} in a `{kind}` clause", slot.loc.start, slot.loc.end,
                            help="slots are currently unsupported in `when` and `unless` clauses")
        body = c[2]
        if body.__class__ not in _EXPRESSIONS:
            body = self.expr(body)
        return Condition(kind, body, _new_tuple(Loc, (self.source, kw[2], c[-1][3])))

    # ------------------------------------------------------------ scope

    def scope(self, defs: list[_VarDef], effect: Token, rpar: Token) -> tuple[ScopeConstraint, ActionConstraint, ScopeConstraint]:
        expected = ("principal", "action", "resource")
        if len(defs) < 3:
            raise _Fail(f"this policy is missing the `{expected[len(defs)]}` variable in the scope",
                        effect.start, rpar.end)
        if len(defs) > 3:
            extra = defs[3]
            raise _Fail(f"this policy has an extra element in the scope: "
                        f"{self.source.text[extra.start:extra.end]}", extra.start, extra.end)
        return (self.principal_or_resource(defs[0], "principal"),
                self.action_scope(defs[1]),
                self.principal_or_resource(defs[2], "resource"))

    def scope_var(self, d: _VarDef, expected: str) -> None:
        tok = d.var
        if tok[1] == expected and d.type_annotation is None:  # the common case: nothing to check further
            return
        if tok.type not in ("PRINCIPAL", "ACTION", "RESOURCE"):
            raise _Fail(f"found an invalid variable in the policy scope: {tok.value}", tok.start, tok.end,
                        help="policy scopes must contain a `principal`, `action`, and `resource` element in that order")
        if tok.value != expected:
            raise _Fail(f"found the variable `{tok.value}` where the variable `{expected}` must be used",
                        tok.start, tok.end,
                        help="policy scopes must contain a `principal`, `action`, and `resource` element in that order")
        if d.type_annotation is not None:
            raise _Fail("type constraints using `:` are not supported", d.type_annotation[1], d.type_annotation[2],
                        help="try using `is` instead")

    def principal_or_resource(self, d: _VarDef, var: str) -> ScopeConstraint:
        self.scope_var(d, var)
        loc = _new_tuple(Loc, (self.source, d.start, d.end))
        entity_type = None
        if d.is_type is not None:
            entity_type = self.entity_type(d.is_type)
        if d.rel is None:
            if entity_type is None:
                return ScopeConstraint("all", None, None, loc)
            return ScopeConstraint("is", None, entity_type, loc)
        _, op, rhs = d.rel
        op_type = op[0]
        if op_type == "EQ":
            raise _Fail("'=' is not a valid operator in Cedar", op.start, op.end, help="try using '==' instead")
        if op_type != "EQEQ" and op_type != "IN":
            raise _Fail(f"invalid operator in the policy scope: {op.value}", op.start, op.end,
                        help="policy scope clauses can only use `==`, `in`, `is`, or `_ is _ in _`")
        if op_type == "IN" and rhs.__class__ is Is:
            raise _Fail("when `is` and `in` are used together, `is` must come first", d.start, d.end,
                        help=f"try `_ is _ in _`")
        if rhs.__class__ is Lit and rhs.value.__class__ is EntityUID:
            entity = rhs.value
        else:
            entity = self.scope_entity(rhs, var)
        if op_type == "EQEQ":
            if entity_type is not None:
                raise _Fail("`is` cannot be used together with `==`", d.start, d.end, help="try using `_ is _ in _`")
            return ScopeConstraint("==", entity, None, loc)
        if entity_type is not None:
            return ScopeConstraint("is_in", entity, entity_type, loc)
        return ScopeConstraint("in", entity, None, loc)

    def scope_entity(self, rhs: Any, var: str) -> EntityUID | Slot:
        """The entity uid or the matching slot a principal/resource constraint compares with."""
        if rhs.__class__ is Lit and rhs.value.__class__ is EntityUID:
            return rhs.value
        if rhs.__class__ is Slot:
            if rhs.name != f"?{var}":
                raise _Fail(f"expected an entity uid or matching template slot, found {rhs.name} instead of ?{var}",
                            _start(rhs), _end(rhs))
            return rhs
        if rhs.__class__ is SetLit:
            raise _Fail("expected single entity uid or template slot, found set of entity uids",
                        _start(rhs), _end(rhs), help=f"`in` with a set of entities is only allowed for `action`")
        raise self.not_an_entity(rhs, "an entity uid or matching template slot", var)

    def not_an_entity(self, rhs: Any, expected: str, var: str) -> _Fail:
        help = None
        if rhs.__class__ is _Str:
            help = "try including the entity type if you intended this string to be an entity uid"
        elif rhs.__class__ is _Name:
            help = ("try including an identifier string if you intended this name to be an entity uid"
                    if var == "action" else
                    "try using `is` to test for an entity type or including an identifier string "
                    "if you intended this name to be an entity uid")
        return _Fail(f"expected {expected}, found {_describe(rhs)}", _start(rhs), _end(rhs), help=help)

    def action_scope(self, d: _VarDef) -> ActionConstraint:
        self.scope_var(d, "action")
        loc = _new_tuple(Loc, (self.source, d.start, d.end))
        if d.is_type is not None:
            raise _Fail("`is` cannot appear in the action scope", d.start, d.end,
                        help="try moving `action is ..` into a `when` condition")
        if d.rel is None:
            return ActionConstraint("all", loc=loc)
        _, op, rhs = d.rel
        op_type = op[0]
        if op_type == "EQ":
            raise _Fail("'=' is not a valid operator in Cedar", op.start, op.end, help="try using '==' instead")
        if op_type == "EQEQ":
            if rhs.__class__ is Slot:
                raise _Fail("expected single entity uid, found template slot", _start(rhs), _end(rhs))
            uid = self.action_uid(rhs, "single entity uid")
            return ActionConstraint("==", (uid,), False, loc)
        if op_type == "IN":
            if rhs.__class__ is Is:
                raise _Fail("`is` cannot appear in the action scope", d.start, d.end,
                            help="try moving `action is ..` into a `when` condition")
            if rhs.__class__ is SetLit:
                uids = tuple(self.action_uid(e, "single entity uid") for e in rhs.elements)
                return ActionConstraint("in", uids, True, loc)
            if rhs.__class__ is Slot:
                raise _Fail("expected single entity uid or set of entity uids, found template slot",
                            _start(rhs), _end(rhs))
            uid = self.action_uid(rhs, "single entity uid or set of entity uids")
            return ActionConstraint("in", (uid,), False, loc)
        raise _Fail(f"invalid operator in the action scope: {op.value}", op.start, op.end,
                    help="action scope clauses can only use `==` or `in`")

    def action_uid(self, rhs: Any, expected: str) -> EntityUID:
        if rhs.__class__ is Lit and rhs.value.__class__ is EntityUID:
            uid: EntityUID = rhs.value
            if uid[0] != "Action" and not uid[0].endswith("::Action"):
                raise _Fail(f"expected an entity uid with type `Action` but got `{uid}`", _start(rhs), _end(rhs),
                            help="action entities must have type `Action`, optionally in a namespace")
            return uid
        if rhs.__class__ is Slot:
            raise _Fail(f"expected {expected}, found template slot", _start(rhs), _end(rhs))
        raise self.not_an_entity(rhs, expected, "action")

    # ------------------------------------------------------------ expressions

    def if_expr(self, c: list[Any]) -> If:
        return If(self.expr(c[1]), self.expr(c[3]), self.expr(c[5]), self.loc(c[0].start, _end(c[5])))

    def or_op(self, c: list[Any]) -> Or:
        return Or(self.expr(c[0]), self.expr(c[1]), self.span(c[0], c[1]))

    def and_op(self, c: list[Any]) -> And:
        return And(self.expr(c[0]), self.expr(c[1]), self.span(c[0], c[1]))

    def rel_op(self, c: list[Any]) -> BinaryApp:
        if len(c) > 3:
            raise _Fail("multiple relational operators (>, ==, in, etc.) must be used with parentheses "
                        "to make ordering explicit", _start(c[0]), _end(c[-1]))
        op = c[1]
        if op.type == "EQ":
            raise _Fail("'=' is not a valid operator in Cedar", op.start, op.end, help="try using '==' instead")
        left, right = c[0], c[2]
        return BinaryApp(_REL_OPS[op[0]], left if left.__class__ in _EXPRESSIONS else self.expr(left),
                         right if right.__class__ in _EXPRESSIONS else self.expr(right), self.span(left, right))

    def has_op(self, c: list[Any]) -> Any:
        target = self.expr(c[0])
        attrs = self.has_rhs(c[2])
        loc = self.span(c[0], c[2])
        return extended_has(target, attrs, loc)

    def has_if(self, c: list[Any]) -> Any:
        tok = c[2]
        raise _Fail("this identifier is reserved and cannot be used: if", tok.start, tok.end)

    def has_rhs(self, x: Any) -> list[str]:
        """The attribute path after `has` (Rust `to_has_rhs`)."""
        cls = x.__class__
        if cls is _Str:
            return [self.unescaped(x)]
        if cls is _Var:
            return [x.name]
        if cls is _Name:
            return [self.has_head(x)]
        if cls is _Member:
            head = x.head
            attrs = [head.name if head.__class__ is _Var else self.has_head(head)]
            for acc in x.accesses:
                if acc.kind != "field":
                    raise self.bad_has_rhs(x)
                attrs.append(acc.value)
            return attrs
        if cls is _Bool:
            raise _Fail(f"this identifier is reserved and cannot be used: {str(x.value).lower()}", x.start, x.end)
        raise self.bad_has_rhs(x)

    def has_head(self, name: _Name) -> str:
        if len(name.path) > 1:
            raise _Fail(f"`{name.text}` cannot be used as an attribute as it contains a namespace",
                        name.start, name.end)
        return name.path[0]

    def bad_has_rhs(self, x: Any) -> _Fail:
        text = self.source.text[_start(x):_end(x)]
        return _Fail(f"invalid RHS of a `has` operation: {text}", _start(x), _end(x),
                     help="valid RHS of a `has` operation is either a sequence of identifiers separated by `.` "
                          "or a string literal")

    def like_op(self, c: list[Any]) -> Like:
        target = self.expr(c[0])
        p = c[2]
        if p.__class__ is not _Str:
            text = self.source.text[_start(p):_end(p)]
            raise _Fail(f"right hand side of a `like` expression must be a pattern literal, but got `{text}`",
                        _start(p), _end(p))
        pattern = unescape_pattern(p.raw)
        if pattern.__class__ is tuple and len(pattern) == 3 and pattern[0].__class__ is int:
            raise _Fail(f"invalid escape in pattern: {pattern[2]}", p.start + 1 + pattern[0], p.start + 1 + pattern[1])
        return Like(target, pattern, self.span(c[0], p))  # type: ignore[arg-type]

    def is_op(self, c: list[Any]) -> Is:
        target = self.expr(c[0])
        entity_type = self.entity_type(c[2])
        if len(c) > 3:
            return Is(target, entity_type, self.expr(c[4]), self.span(c[0], c[4]))
        return Is(target, entity_type, None, self.span(c[0], c[2]))

    def add_op(self, c: list[Any]) -> BinaryApp:
        return BinaryApp("+" if c[1].type == "PLUS" else "-", self.expr(c[0]), self.expr(c[2]), self.span(c[0], c[2]))

    def mul_op(self, c: list[Any]) -> BinaryApp:
        op = c[1]
        if op.type == "SLASH":
            raise _Fail("division is not supported", op.start, op.end)
        if op.type == "PERCENT":
            raise _Fail("remainder/modulo is not supported", op.start, op.end)
        return BinaryApp("*", self.expr(c[0]), self.expr(c[2]), self.span(c[0], c[2]))

    def not_op(self, c: list[Any]) -> Any:
        n = len(c) - 1
        if n > 4:
            raise _Fail("too many occurrences of `!`", c[0].start, _end(c[-1]), help="cannot chain more than 4 applications of `!`")
        e = self.expr(c[-1])
        loc = self.span(c[0], c[-1])
        for _ in range(n):
            e = UnaryApp("!", e, loc)
        return e

    def neg_op(self, c: list[Any]) -> Any:
        n = len(c) - 1
        if n > 4:
            raise _Fail("too many occurrences of `-`", c[0].start, _end(c[-1]), help="cannot chain more than 4 applications of `-`")
        item = c[-1]
        if item.__class__ is _Num:
            # `-N` is one literal, which is how `-9223372036854775808` is written.
            if item.value > I64_MAX + 1:
                raise _Fail(f"integer literal `{item.value}` is too large", c[-2].start, item.end,
                            help=f"the smallest Long is {-I64_MAX - 1}")
            e = Lit(-item.value, self.loc(c[-2].start, item.end))
            n -= 1
        else:
            e = self.expr(item)
        loc = self.span(c[0], item)
        for _ in range(n):
            e = UnaryApp("neg", e, loc)
        return e

    # ------------------------------------------------------------ member access

    def member(self, c: list[Any]) -> Any:
        head = c[0]
        accesses: list[_Access] = c[1:]
        if head.__class__ is _Var or head.__class__ is _Name:
            return _new_tuple(_Member, (head, accesses, head.start, accesses[-1].end))
        return self.apply_accesses(self.expr(head), _start(head), accesses)

    def member_expr(self, m: _Member) -> Any:
        """A member chain on a variable or name as an expression (Rust `Member::to_expr_or_special`)."""
        head, acc = m.head, m.accesses
        first = acc[0]
        if head.__class__ is _Name:
            if first.kind == "call":
                return self.apply_accesses(self.function_call(head, first), m.start, acc[1:])
            if first.kind == "field":
                if len(acc) > 1 and acc[1].kind == "call":
                    raise _Fail(f"attempted to call `{head.text}.{first.value}(...)`, but `{head.text}` does not have "
                                f"any methods", m.start, acc[1].end)
                raise _Fail(f"invalid member access `{head.text}.{first.value}`, `{head.text}` has no fields or methods",
                            m.start, first.end)
            raise _Fail(f"invalid indexing expression `{head.text}[\"{first.value}\"]`, `{head.text}` has no fields",
                        m.start, first.end)
        if first.kind == "call":
            raise _Fail(f"`{head.name}(...)` is not a valid function call", m.start, first.end,
                        help="variables cannot be called as functions")
        return self.apply_accesses(self.expr(head), m.start, acc)

    def apply_accesses(self, e: Any, start: int, acc: list[_Access]) -> Any:
        """Apply attribute accesses and method calls left to right (Rust `build_expr_accessor`)."""
        i, n = 0, len(acc)
        while i < n:
            a = acc[i]
            if a.kind == "call":
                raise _Fail("function calls must be of the form `<name>(arg1, arg2, ...)`", start, a.end)
            if a.kind == "field" and i + 1 < n and acc[i + 1].kind == "call":
                call = acc[i + 1]
                e = self.method_call(e, a, call, self.loc(start, call.end))
                i += 2
                continue
            e = GetAttr(e, a.value, self.loc(start, a.end))
            i += 1
        return e

    def method_call(self, receiver: Any, name: _Access, call: _Access, loc: Loc) -> Any:
        method: str = name.value
        args: list[Any] = call.value
        builtin = extension_names.BUILTIN_METHODS.get(method)
        if builtin is not None:
            op, arity = builtin
            if len(args) != arity:
                raise _Fail(f"call to `{method}` requires exactly {arity} argument{'' if arity == 1 else 's'}, "
                            f"but got {len(args)} argument{'' if len(args) == 1 else 's'}", loc.start, loc.end)
            if arity == 0:
                return UnaryApp(op, receiver, loc)
            return BinaryApp(op, receiver, args[0], loc)
        if extension_names.is_method(method):
            return ExtCall(method, (receiver, *args), loc)
        if extension_names.is_function(method):
            raise _Fail(f"`{method}` is a function, not a method", name.start, call.end,
                        help=f"use a function-style call `{method}(..)`")
        raise _Fail(f"`{method}` is not a valid method", name.start, call.end)

    def function_call(self, name: _Name, call: _Access) -> ExtCall:
        text = name.text
        loc = self.loc(name.start, call.end)
        if len(name.path) == 1 and (extension_names.is_method(text) or text in extension_names.BUILTIN_METHODS):
            raise _Fail(f"`{text}` is a method, not a function", loc.start, loc.end,
                        help=f"use a method-style call `e.{text}(..)`")
        if not extension_names.is_function(text):
            raise _Fail(f"`{text}` is not a valid function", loc.start, loc.end)
        return ExtCall(text, tuple(call.value), loc)

    def field(self, c: list[Token]) -> _Access:
        tok = c[1]
        return _new_tuple(_Access, ("field", self.ident(tok), c[0][2], tok[3]))

    def call(self, c: list[Any]) -> _Access:
        return _Access("call", [self.expr(a) for a in c[1]], c[0].start, c[2].end)

    def index(self, c: list[Any]) -> _Access:
        key = c[1]
        if key.__class__ is not _Str:
            raise _Fail("the contents of an index expression must be a string literal", _start(key), _end(key))
        return _Access("index", self.unescaped(key), c[0].start, c[2].end)

    def exprs(self, c: list[Any]) -> list[Any]:
        return c

    # ------------------------------------------------------------ primaries

    def bool_lit(self, c: list[Token]) -> _Bool:
        t = c[0]
        return _Bool(t.type == "TRUE", t.start, t.end)

    def num_lit(self, c: list[Token]) -> _Num:
        t = c[0]
        digits = t.value.lstrip("0")  # `int()` refuses thousands of digits; more than 20 cannot fit anyway
        value = int(digits) if 0 < len(digits) <= 20 else (0 if not digits else U64_MAX + 1)
        if value > U64_MAX:
            raise _Fail(f"integer literal `{t.value}` is too large", t.start, t.end,
                        help=f"the largest Long is {I64_MAX}")
        return _Num(value, t.start, t.end)

    def str_lit(self, c: list[Token]) -> _Str:
        t = c[0]
        return _new_tuple(_Str, (t[1][1:-1], t[2], t[3]))

    def ident_prim(self, c: list[Token]) -> _Var | _Name:
        t = c[0]
        if t[0] in VARIABLES:
            return _new_tuple(_Var, (t[1], t[2], t[3]))
        return _new_tuple(_Name, ((self.ident(t),), t[2], t[3]))

    def name_path(self, c: list[Any]) -> _Path:
        head = c[0]
        if head.__class__ is _Path:  # extended in place (the reduction consumes it): linear in the path length
            head.tokens.append(c[1])
            head.end = c[1].end
            return head
        return _Path([head, c[1]], head.start, c[1].end)

    def path_prim(self, c: list[_Path]) -> _Name:
        p = c[0]
        return _Name(tuple(self.ident(t) for t in p.tokens), p.start, p.end)

    def ref_one(self, c: list[Token]) -> Lit:
        head, eid = c
        key = (head[1], eid[1])
        uid = self.entity_uids.get(key)  # policy sets repeat their entities
        if uid is None:
            uid = self.entity_uids[key] = self.entity_uid([head], eid)
        return Lit(uid, _new_tuple(Loc, (self.source, head[2], eid[3])))

    def ref_path(self, c: list[Any]) -> Lit:
        path, eid = c
        key = (tuple(t.value for t in path.tokens), eid.value)
        uid = self.entity_uids.get(key)
        if uid is None:
            uid = self.entity_uids[key] = self.entity_uid(path.tokens, eid)
        return Lit(uid, self.loc(path.start, eid.end))

    def entity_uid(self, path: list[Token], eid: Token) -> EntityUID:
        raw = eid[1][1:-1]
        if "\\" in raw or "\r" in raw:
            raw = self.unescaped(_Str(raw, eid.start, eid.end))
        return EntityUID(self.name_of(path), raw)

    def entity_record(self, c: list[Any]) -> Any:
        raise _Fail("invalid entity literal: an entity literal is written `Type::\"id\"`", _start(c[0]), c[-1].end)

    def ref_inits(self, c: list[Any]) -> list[Any]:
        return c

    def ref_init(self, c: list[Any]) -> list[Any]:
        return c

    def slot(self, c: list[Token]) -> Slot:
        t = c[0]
        if t.type == "OTHER_SLOT":
            raise _Fail(f"`{t.value}` is not a valid template slot", t.start, t.end,
                        help="a template slot may only be `?principal` or `?resource`")
        s = Slot(t.value, self.loc(t.start, t.end))
        self.slots.append(s)
        return s

    def paren(self, c: list[Any]) -> Any:
        return self.expr(c[1])

    def set_lit(self, c: list[Any]) -> SetLit:
        expressions, expr = _EXPRESSIONS, self.expr
        return SetLit(tuple([e if e.__class__ in expressions else expr(e) for e in c[1]]),
                      _new_tuple(Loc, (self.source, c[0][2], c[2][3])))

    def record_lit(self, c: list[Any]) -> RecordLit:
        seen: set[str] = set()
        for key, _value, start, end in c[1]:
            if key in seen:
                raise _Fail(f"duplicate key `{key}` in record literal", start, end)
            seen.add(key)
        return RecordLit(tuple((k, v) for k, v, _s, _e in c[1]), self.loc(c[0].start, c[2].end))

    def rec_inits(self, c: list[Any]) -> list[Any]:
        return c

    def rec_init(self, c: list[Any]) -> tuple[str, Any, int, int]:
        return (self.attribute(c[0]), self.expr(c[2]), _start(c[0]), _end(c[2]))

    def rec_init_if(self, c: list[Any]) -> Any:
        raise _Fail("this identifier is reserved and cannot be used: if", c[0].start, c[0].end)


def extended_has(target: Any, attrs: list[str], loc: Loc | None) -> Any:
    """`e has a.b.c` as `e has a && e.a has b && e.a.b has c` (Rust `extended_has_attr`)."""
    result = HasAttr(target, attrs[0], loc)
    path = target
    for prev, attr in zip(attrs, attrs[1:]):
        path = GetAttr(path, prev, loc)
        result = And(result, HasAttr(path, attr, loc), loc)
    return result


# ---------------------------------------------------------------- the parser


_lock = threading.Lock()
_driver: Driver | None = None
_builder = _Builder()


def _parser() -> Driver:
    global _driver
    if _driver is None:
        grammar = (Path(__file__).parent / "policy.lark").read_text()
        lark = Lark(grammar, parser="lalr", lexer=TokenList, start=["policies", "policy", "expr"],
                    maybe_placeholders=False)
        _driver = Driver(lark, _builder)
    return _driver


_tree_driver: Driver | None = None


def parse_tree(tokens: list[Token]) -> Any:
    """The concrete syntax tree of a policy set, for the formatter (which prints what the author
    wrote: parentheses, `["a"]`, string escapes). Lark `Tree`s named after the rules and aliases
    of `policy.lark`, with our tokens as leaves and `_`-named tokens dropped. The tokens must
    be of a policy set that `parse_policies` accepts."""
    global _tree_driver
    with _lock:
        if _tree_driver is None:
            grammar = (Path(__file__).parent / "policy.lark").read_text()
            _tree_driver = Driver(Lark(grammar, parser="lalr", lexer=TokenList, start="policies",
                                        maybe_placeholders=False))
        return _tree_driver.parse(tokens, "policies")


_IDENTIFIER_TERMINALS = frozenset({"IDENT", "TRUE", "FALSE", "IF", "PERMIT", "FORBID", "WHEN", "UNLESS", "IN", "HAS",
                                   "LIKE", "IS", "THEN", "ELSE", "PRINCIPAL", "ACTION", "RESOURCE", "CONTEXT"})


def _describe_expected(expected: list[str]) -> str | None:
    """A readable `expected ...` line: keywords usable as identifiers collapse into "identifier"."""
    names = set(expected)
    items: list[str] = []
    if "IDENT" in names:
        names -= _IDENTIFIER_TERMINALS
        if "WHEN" in expected:
            items.append("`when`, `unless`")
        items.append("identifier")
    items = sorted(DESCRIPTIONS.get(t, t) for t in names) + items
    return f"expected {', '.join(items)}" if items else None


def _to_parse_error(e: Exception, source: Source, tokens: list[Token]) -> ParseError:
    if isinstance(e, _Fail):
        return ParseError(e.message, Loc(source, e.start, max(e.end, e.start)), help=e.help)
    assert isinstance(e, NoAction)
    tok = e.token
    if tok is None:
        end = len(source.text)
        start = tokens[-1].end if tokens else end
        return ParseError("unexpected end of input", Loc(source, start, end), help=_describe_expected(e.expected))
    return ParseError(f"unexpected token `{tok.value}`", Loc(source, tok.start, tok.end),
                      help=_describe_expected(e.expected))


def _check_nesting(tokens: list[Token]) -> None:
    """Fail at the first bracket nested more than `MAX_DEPTH` deep (see `MAX_DEPTH`)."""
    if max(accumulate(map(_NESTING.get, [t[0] for t in tokens], repeat(0))), default=0) > MAX_DEPTH:
        levels = list(accumulate(map(_NESTING.get, [t[0] for t in tokens], repeat(0))))
        tok = tokens[levels.index(MAX_DEPTH + 1)]
        raise _Fail(f"expression nested too deeply: more than {MAX_DEPTH} levels of parentheses and brackets",
                    tok.start, tok.end)


def _run(tokens: list[Token], source: Source, start: str, first_policy: int = 0) -> Any:
    _check_nesting(tokens)
    driver = _parser()
    _builder.reset(source, first_policy)
    return driver.parse(tokens, start)


def _run_by_shape(tokens: list[Token], source: Source) -> list[Policy] | None:
    """`_run(tokens, source, "policies")` one policy at a time, or None if the last policy has no `;`.

    `;` ends a policy and appears nowhere else, so a policy set is the policies
    between its `;`s, each parsed from the `policy` rule. Large sets repeat a few
    shapes (sequences of token types) many times: a shape's parse is recorded the
    first time, replayed the next times, and compiled once it is seen to recur
    (`Driver.replay`, `Driver.compile`). Errors are for the caller to report with `_run`.
    """
    driver = _parser()
    _builder.reset(source)
    types = [t[0] for t in tokens]
    shapes: dict[tuple[str, ...], _Shape] = {}
    policies: list[Policy] = []
    start, count = 0, len(types)
    while start < count:
        try:
            end = types.index("SEMI", start) + 1
        except ValueError:
            return None
        shape = tuple(types[start:end])
        known = shapes.get(shape)
        if known is None:
            trace: list[Any] = []
            _check_nesting(tokens[start:end])
            policies.append(driver.parse(tokens[start:end], "policy", trace))
            shapes[shape] = _Shape(trace)
        elif known.compiled is not None:
            policies.append(known.compiled(tokens, start))
        else:
            known.replays += 1
            if known.replays == _COMPILE_AFTER:
                known.compiled = driver.compile(known.trace)
            policies.append(driver.replay(known.trace, tokens, start))
        start = end
    return policies


_COMPILE_AFTER = 20  # replays of a shape before it is compiled (compiling costs about 12 replays and saves 30% of each)


class _Shape:
    __slots__ = ("trace", "replays", "compiled")

    def __init__(self, trace: list[Any]) -> None:
        self.trace = trace
        self.replays = 0
        self.compiled: Callable[[list[Token], int], Policy] | None = None


def parse_policies(text: str, name: str = "<input>") -> list[Policy]:
    """Every policy and template in `text`, named `policy0`, `policy1`, ... in file order."""
    policies, _comments = parse_policies_with_comments(text, name)
    return policies


def parse_policies_with_comments(text: str, name: str = "<input>") -> tuple[list[Policy], list[Comment]]:
    """`parse_policies`, plus the comments (with offsets) for tools that print them back."""
    source = Source(text, name)
    with paused_gc():
        tokens, comments = tokenize(text, name)
        with _lock:
            try:
                try:
                    policies = _run_by_shape(tokens, source)
                except (_Fail, NoAction):
                    policies = None
                if policies is None:
                    policies = _run(tokens, source, "policies")
            except (_Fail, NoAction) as e:
                first = _to_parse_error(e, source, tokens)
                raise _all_errors(tokens, source, first) from None
    return policies, comments


def parse_policy(text: str, name: str = "<input>", policy_id: str = "policy0") -> Policy:
    """Exactly one policy or template."""
    source = Source(text, name)
    tokens, _comments = tokenize(text, name)
    with _lock:
        try:
            policy = _run(tokens, source, "policy")
        except (_Fail, NoAction) as e:
            raise _to_parse_error(e, source, tokens) from None
    if policy.id != policy_id:
        policy = _with_id(policy, policy_id)
    return policy


def parse_expr(text: str, name: str = "<input>") -> Any:
    """A standalone expression (slots are not allowed)."""
    source = Source(text, name)
    tokens, _comments = tokenize(text, name)
    with _lock:
        try:
            result = _run(tokens, source, "expr")
            expr = _builder.expr(result)
            slots = list(_builder.slots)
        except (_Fail, NoAction) as e:
            raise _to_parse_error(e, source, tokens) from None
    if slots:
        raise ParseError(f"found template slot {slots[0].name} in an expression", slots[0].loc)
    return expr


def _with_id(policy: Policy, policy_id: str) -> Policy:
    return Policy(policy_id, policy.effect, policy.principal, policy.action, policy.resource,
                  policy.conditions, policy.annotations, policy.loc)


def _all_errors(tokens: list[Token], source: Source, first: ParseError) -> ParseError:
    """Re-parse policy by policy (split at `;`, where Rust recovers too) to report every broken policy."""
    errors: list[ParseError] = []
    chunk: list[Token] = []
    index = 0
    for tok in tokens:
        chunk.append(tok)
        if tok.type == "SEMI":
            _collect(chunk, source, index, errors)
            chunk = []
            index += 1
    if chunk:
        _collect(chunk, source, index, errors)
    if len(errors) <= 1:
        return errors[0] if errors else first
    listing = "\n".join(f"  {e.loc}: {e.message}" for e in errors)
    combined = ParseError(f"{len(errors)} errors:\n{listing}", errors[0].loc, help=errors[0].help)
    combined.errors = errors  # type: ignore[attr-defined]
    return combined


def _collect(chunk: list[Token], source: Source, index: int, errors: list[ParseError]) -> None:
    try:
        _run(chunk, source, "policy", index)
    except (_Fail, NoAction) as e:
        errors.append(_to_parse_error(e, source, chunk))


# ---------------------------------------------------------------- sub-expressions


def children(e: Any) -> tuple[Any, ...]:
    """The direct sub-expressions of an expression node."""
    cls = e.__class__
    getter = _CHILDREN.get(cls)
    return getter(e) if getter is not None else ()


_CHILDREN: dict[type, Callable[[Any], tuple[Any, ...]]] = {
    If: lambda e: (e.cond, e.then, e.else_),
    And: lambda e: (e.left, e.right),
    Or: lambda e: (e.left, e.right),
    UnaryApp: lambda e: (e.arg,),
    BinaryApp: lambda e: (e.left, e.right),
    GetAttr: lambda e: (e.expr,),
    HasAttr: lambda e: (e.expr,),
    Like: lambda e: (e.expr,),
    Is: lambda e: (e.expr,) if e.in_expr is None else (e.expr, e.in_expr),
    SetLit: lambda e: e.elements,
    RecordLit: lambda e: tuple(v for _k, v in e.fields),
    ExtCall: lambda e: e.args,
}
