"""Level validation (RFC 76; Rust: `validator/level_validate.rs`).

A policy validates at level `n` when no chain of entity dereferences in it is
longer than `n`, counting from the request's variables: `principal.manager`
reads one entity away from the request, `principal.manager.name` two. An
entity is dereferenced by reading an attribute (`.a`, `has a`) or a tag
(`.getTag`, `.hasTag`) of it, or by asking `in` about its ancestors. Knowing
the level, an application can load just the entities within `n` hops of the
request (entity slicing).

The walk runs on a policy in each request environment where it typechecks (or
types as `false`), over the subexpressions the typechecker looked at: `false &&
e`, `true || e` and the dead branch of `if true/false` are skipped, as Rust's
typed AST drops them. An entity literal cannot be dereferenced at any level
(only the environment's own action may be), since it is not reachable from the
request.
"""

from __future__ import annotations

import re

from ..ast import (
    And,
    BinaryApp,
    Expr,
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
from ..errors import Loc
from ..extensions import EXTENSION_FUNCTIONS
from ..parser.policy import children
from ..types import EntityType, RecordType
from ..values import EntityUID
from .result import ValidationError, make_error
from .typecheck import FALSE, TRUE, RecordingChecker

_DEREF_OPS = ("in", "hasTag", "getTag")  # the binary operators that dereference their left operand
_METHOD_OPS = frozenset(("contains", "containsAll", "containsAny", "hasTag", "getTag"))
_CHAIN_CONTINUES = re.compile(r"(?:\s|//[^\n]*)*[.\[]")
_CLOSING_PARENS = re.compile(r"(?:\s*\))+")


def _receiver(e: Expr) -> Expr | None:
    """The expression `e` is a member access on (`r.a`, `r["a"]`, `r.m(...)`), if it is one."""
    cls = e.__class__
    if cls is GetAttr:
        return e.expr  # type: ignore[union-attr]
    if cls is BinaryApp and e.op in _METHOD_OPS:  # type: ignore[union-attr]
        return e.left  # type: ignore[union-attr]
    if cls is UnaryApp and e.op == "isEmpty":  # type: ignore[union-attr]
        return e.arg  # type: ignore[union-attr]
    if cls is ExtCall and e.args and EXTENSION_FUNCTIONS.get(e.name) is not None \
            and EXTENSION_FUNCTIONS[e.name].is_method:  # type: ignore[union-attr]
        return e.args[0]  # type: ignore[union-attr]
    return None


def member_chain_locs(condition: Expr) -> dict[int, Loc]:
    """Where Rust locates each access of a chain like `(e).a.b.hasTag("t")`: at the whole chain.

    Rust's parser gives every access of one chain the span of the chain, from
    its first character (a parenthesis included), and so underlines all of
    `principal.nested.user` for a dereference of `principal.nested`. Here each
    access spans only its own prefix of the chain, without the parentheses; the
    map gives the Rust span of each access whose span differs.
    """
    chain: dict[int, Loc] = {}
    stack = [condition]
    while stack:
        e = stack.pop()
        r = _receiver(e)
        if r is not None and e.loc is not None:
            whole = chain.get(id(e))
            if whole is None:  # the outermost access of its chain
                whole = _with_leading_parens(e, e.loc)
                if whole != e.loc:
                    chain[id(e)] = whole
            if _receiver(r) is not None and r.loc is not None and _continues(r):
                chain[id(r)] = whole
        stack.extend(children(e))
    return chain


def _continues(r: Expr) -> bool:
    """Is access `r` followed by a further access of the same chain (not by the `)` of `(r).a`)?"""
    return _CHAIN_CONTINUES.match(r.loc.source.text, r.loc.end) is not None  # type: ignore[union-attr]


def _with_leading_parens(top: Expr, loc: Loc) -> Loc:
    """`loc` of chain `top` starting at the chain's first token: the `(` of a parenthesized first item."""
    item = _receiver(top)
    while item is not None and _receiver(item) is not None and _continues(item):
        item = _receiver(item)
    if item is None or item.loc is None:
        return loc
    text = item.loc.source.text
    closing = _CLOSING_PARENS.match(text, item.loc.end)
    if closing is None:
        return loc
    start = item.loc.start
    for _ in range(closing.group().count(")")):
        i = start - 1
        while i >= 0 and text[i].isspace():
            i -= 1
        if i < 0 or text[i] != "(":
            break
        start = i
    return Loc(loc.source, start, loc.end)


class LevelChecker:
    """Finds the dereference chains of one policy, in one request environment, longer than `max_level`."""

    def __init__(self, typed: RecordingChecker, max_level: int, errors: list[ValidationError],
                 chain_locs: dict[int, Loc]) -> None:
        self.typed = typed
        self.chain_locs = chain_locs
        self.policy_id = typed.policy_id
        self.action = typed.env.action
        self.max_level = max_level
        self.errors = errors

    def _too_deep(self, target_level: int, e: Expr) -> None:
        """`target_level` is how far the entity `e` reads is from the request; reading it takes one more."""
        if target_level >= self.max_level:
            loc = self.chain_locs.get(id(e), e.loc)
            self.errors.append(make_error(
                self.policy_id, "entity_deref_level_violation",
                f"this policy requires level {target_level + 1}, which exceeds the maximum allowed level "
                f"({self.max_level})", loc))

    def _literal_target(self, loc: Loc | None) -> None:
        self.errors.append(make_error(
            self.policy_id, "entity_deref_level_violation",
            "entity literals cannot be dereferenced at any level", loc))

    def _invariant(self, loc: Loc | None) -> None:
        self.errors.append(make_error(
            self.policy_id, "internal_invariant_violation", "internal invariant violated", loc,
            "please file an issue at <https://github.com/cedar-policy/cedar/issues> including the schema "
            "and policy for which you observed the issue"))

    # ------------------------------------------------------------ every expression

    def check(self, e: Expr) -> None:
        """Report every dereference in `e` that goes past the maximum level."""
        cls = e.__class__
        if cls is Lit or cls is Var or cls is Slot:
            return
        if cls is And or cls is Or:
            self._check_chain(e)  # type: ignore[arg-type]
        elif cls is If:
            for branch in self._live_parts(e):  # type: ignore[arg-type]
                self.check(branch)
        elif cls is UnaryApp:
            self.check(e.arg)  # type: ignore[union-attr]
        elif cls is BinaryApp:
            if e.op in _DEREF_OPS:  # type: ignore[union-attr]
                self._too_deep(self.target_level(e.left, []), e)  # type: ignore[union-attr]
            else:
                self.check(e.left)  # type: ignore[union-attr]
            self.check(e.right)  # type: ignore[union-attr]
        elif cls is GetAttr or cls is HasAttr:
            target = e.expr  # type: ignore[union-attr]
            t = self.typed.type_of(target)
            if isinstance(t, EntityType):
                self._too_deep(self.target_level(target, []), e)
            elif isinstance(t, RecordType) or t is None:  # None: a subexpression that failed to typecheck
                self.check(target)
            else:
                self._invariant(e.loc)
        elif cls is Like:
            self.check(e.expr)  # type: ignore[union-attr]
        elif cls is Is:
            self._check_is(e)  # type: ignore[arg-type]
        elif cls is SetLit:
            for x in e.elements:  # type: ignore[union-attr]
                self.check(x)
        elif cls is RecordLit:
            for _, x in e.fields:  # type: ignore[union-attr]
                self.check(x)
        elif cls is ExtCall:
            for x in e.args:  # type: ignore[union-attr]
                self.check(x)

    def _check_chain(self, e: And | Or) -> None:
        """`((a && b) && c) && ...` up its left spine with a loop, as the typechecker walks it."""
        spine = [e]
        while spine[-1].left.__class__ is e.__class__:
            spine.append(spine[-1].left)  # type: ignore[arg-type]
        self.check(spine[-1].left)
        decided = FALSE if e.__class__ is And else TRUE  # a left operand of this type short-circuits
        for node in reversed(spine):
            if self.typed.type_of(node.left) != decided:
                self.check(node.right)

    def _live_parts(self, e: If) -> list[Expr]:
        """The test and the branches the typechecker kept: only one when the test is constant."""
        t = self.typed.type_of(e.cond)
        if t == TRUE:
            return [e.cond, e.then]
        if t == FALSE:
            return [e.cond, e.else_]
        return [e.cond, e.then, e.else_]

    def _check_is(self, e: Is) -> None:
        """`x is T in y` is `x is T && x in y`, both located at the whole expression."""
        self.check(e.expr)
        if e.in_expr is None:
            return
        t = self.typed.type_of(e.expr)
        if isinstance(t, EntityType) and t.name != e.entity_type:
            return  # `x is T` is `false` here, so the `in` is never evaluated
        self._too_deep(self.target_level(e.expr, []), e)
        self.check(e.in_expr)

    # ------------------------------------------------------------ dereferenced expressions

    def target_level(self, e: Expr, access_path: list[str]) -> int:
        """How many dereferences it takes to reach the entity `e` denotes (reporting deeper ones inside it).

        `access_path` lists the record attributes read from `e` on the way to the
        entity, innermost last, so that in `{a: principal, b: resource.x}.a.y` only
        `a` counts as the target and `b` is checked as an ordinary expression.
        """
        cls = e.__class__
        if cls is Var:
            return 0
        if cls is Slot:
            self._literal_target(e.loc)
            return 0
        if cls is Lit and isinstance(e.value, EntityUID):  # type: ignore[union-attr]
            if e.value != self.action:  # type: ignore[union-attr]
                self._literal_target(e.loc)
            return 0
        if cls is If:
            parts = self._live_parts(e)  # type: ignore[arg-type]
            self.check(parts[0])
            return max(self.target_level(branch, list(access_path)) for branch in parts[1:])
        if cls is GetAttr:
            target = e.expr  # type: ignore[union-attr]
            t = self.typed.type_of(target)
            if isinstance(t, EntityType):
                return self.target_level(target, access_path) + 1
            if isinstance(t, RecordType):
                return self.target_level(target, access_path + [e.attr])  # type: ignore[union-attr]
            if t is None:
                self.check(target)
            else:
                self._invariant(e.loc)
            return 0
        if cls is BinaryApp and e.op == "getTag":  # type: ignore[union-attr]
            level = self.target_level(e.left, access_path)  # type: ignore[union-attr]
            self.check(e.right)  # type: ignore[union-attr]
            return level + 1
        if cls is RecordLit and access_path:
            attr = access_path[-1]
            accessed = next((x for name, x in e.fields if name == attr), None)  # type: ignore[union-attr]
            if accessed is not None:
                for name, x in e.fields:  # type: ignore[union-attr]
                    if name != attr:
                        self.check(x)
                return self.target_level(accessed, access_path[:-1])
        if self.typed.type_of(e) is None:
            self.check(e)  # part of a subexpression that failed to typecheck: no reliable types to go on
        else:
            self._invariant(e.loc)  # a successful typecheck never puts anything else where an entity is read
        return 0


def check_levels(typed: RecordingChecker, condition: Expr, max_level: int,
                 chain_locs: dict[int, Loc]) -> list[ValidationError]:
    """The level errors of a policy whose `condition` `typed` has just typechecked in one environment
    (`chain_locs` from `member_chain_locs(condition)`)."""
    errors: list[ValidationError] = []
    LevelChecker(typed, max_level, errors, chain_locs).check(condition)
    return errors
