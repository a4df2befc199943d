"""The abstract syntax of Cedar policies: the one contract between the parser, the
JSON policy form, the formatter, the evaluator and the validator.

It stays close to the surface language (`!=`, `>`, `>=`, `is ... in` and
`action in [...]` are kept as written) so that text -> AST -> text and
AST <-> JSON keep the author's shape. `Policy.to_expr` gives the single
condition expression the semantics is defined on (Lean: `Policy.toExpr`).

Every node is immutable and compares structurally, ignoring `loc`.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Literal, Union

from .errors import Loc
from .values import EntityUID

# ---------------------------------------------------------------- expressions

VAR_NAMES = ("principal", "action", "resource", "context")
SLOT_NAMES = ("?principal", "?resource")

UNARY_OPS = ("!", "neg", "isEmpty")
BINARY_OPS = (
    "==", "!=", "<", "<=", ">", ">=",       # comparison
    "+", "-", "*",                          # 64-bit checked arithmetic
    "in",                                   # hierarchy membership
    "contains", "containsAll", "containsAny",
    "hasTag", "getTag",
)


class _Wildcard:
    """The `*` of a `like` pattern (a singleton)."""

    _instance: "_Wildcard | None" = None

    def __new__(cls) -> "_Wildcard":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "WILDCARD"

    def __reduce__(self) -> str:
        return "WILDCARD"


WILDCARD = _Wildcard()
PatternElem = Union[str, _Wildcard]
"""A `like` pattern is a tuple of literal chunks (escapes already resolved) and WILDCARDs.

Canonical form (what the parser and the JSON reader produce, so patterns compare
structurally): adjacent literal characters are merged into one chunk; no empty chunk."""


@dataclass(frozen=True, slots=True, eq=False)
class Lit:
    """A literal. Equality also compares the Python type, so `Lit(True) != Lit(1)` as in Cedar."""

    value: bool | int | str | EntityUID
    loc: Loc | None = field(default=None, compare=False, repr=False)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Lit:
            return NotImplemented
        return self.value.__class__ is other.value.__class__ and self.value == other.value  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.value.__class__, self.value))


@dataclass(frozen=True, slots=True)
class Var:
    name: str  # one of VAR_NAMES
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Slot:
    """A template placeholder; only in the scope of a template."""

    name: str  # one of SLOT_NAMES
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class If:
    cond: "Expr"
    then: "Expr"
    else_: "Expr"
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class And:
    left: "Expr"
    right: "Expr"
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Or:
    left: "Expr"
    right: "Expr"
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class UnaryApp:
    op: str  # one of UNARY_OPS
    arg: "Expr"
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BinaryApp:
    op: str  # one of BINARY_OPS; `a.contains(b)` is BinaryApp("contains", a, b)
    left: "Expr"
    right: "Expr"
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class GetAttr:
    expr: "Expr"
    attr: str
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class HasAttr:
    """`e has a`. The parser desugars `e has a.b` to `e has a && e.a has b`, as Rust does."""

    expr: "Expr"
    attr: str
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Like:
    expr: "Expr"
    pattern: tuple[PatternElem, ...]
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Is:
    """`e is T` or, with `in_expr`, `e is T in e2` (meaning `e is T && e in e2`)."""

    expr: "Expr"
    entity_type: str
    in_expr: "Expr | None" = None
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SetLit:
    elements: tuple["Expr", ...]
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True, eq=False)
class RecordLit:
    """Field order as written (for printing); the parser rejects duplicate keys.

    Equality ignores field order: a record is a map, as in Rust's AST and the JSON form.
    """

    fields: tuple[tuple[str, "Expr"], ...]
    loc: Loc | None = field(default=None, compare=False, repr=False)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not RecordLit:
            return NotImplemented
        return self.fields == other.fields or dict(self.fields) == dict(other.fields)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(frozenset(self.fields))


@dataclass(frozen=True, slots=True)
class ExtCall:
    """An extension function (`ip("...")`) or method (`a.lessThan(b)`, receiver first in `args`).

    Whether a name is a function or a method is fixed by the extension table,
    so the formatter can print it back the way it was written.
    """

    name: str
    args: tuple["Expr", ...]
    loc: Loc | None = field(default=None, compare=False, repr=False)


Expr = Union[Lit, Var, Slot, If, And, Or, UnaryApp, BinaryApp, GetAttr, HasAttr, Like, Is, SetLit, RecordLit, ExtCall]


# ---------------------------------------------------------------- policies

Effect = Literal["permit", "forbid"]
EntityOrSlot = Union[EntityUID, Slot]


@dataclass(frozen=True, slots=True)
class ScopeConstraint:
    """The `principal` or `resource` part of a policy's scope.

    op "all": no constraint; "==" / "in": `entity` set; "is": `entity_type` set;
    "is_in": both (`principal is T in E`). `entity` may be a `Slot` in a template.
    """

    op: Literal["all", "==", "in", "is", "is_in"] = "all"
    entity: EntityOrSlot | None = None
    entity_type: str | None = None
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ActionConstraint:
    """op "all"; "==" with one entity; "in" with `entities` (`is_list` tells `in [..]` from `in E`).

    `is_list` only records how the author wrote it (`in [A]` means `in A`), so equality ignores it.
    """

    op: Literal["all", "==", "in"] = "all"
    entities: tuple[EntityUID, ...] = ()
    is_list: bool = field(default=False, compare=False)
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Condition:
    kind: Literal["when", "unless"]
    body: Expr
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Policy:
    """A static policy or a template (a template has a `Slot` in its scope)."""

    id: str
    effect: Effect
    principal: ScopeConstraint
    action: ActionConstraint
    resource: ScopeConstraint
    conditions: tuple[Condition, ...] = ()
    # in source order; keys unique; value None = written `@key` without a value (means "")
    annotations: tuple[tuple[str, str | None], ...] = ()
    loc: Loc | None = field(default=None, compare=False, repr=False)

    @property
    def slots(self) -> tuple[str, ...]:
        """The slot names this policy uses, in scope order (empty for a static policy)."""
        return tuple(
            c.entity.name for c in (self.principal, self.resource) if isinstance(c.entity, Slot)
        )

    @property
    def is_template(self) -> bool:
        return isinstance(self.principal.entity, Slot) or isinstance(self.resource.entity, Slot)

    def to_expr(self) -> Expr:
        """The one Boolean expression whose value decides whether the policy is satisfied.

        `principal-scope && action-scope && resource-scope && cond1 && ...`, with
        `unless { e }` read as `!e` (Lean: `Policy.toExpr`). Slots stay `Slot`s;
        a linked policy substitutes them before compiling.
        """
        parts = [
            _scope_expr("principal", self.principal),
            _action_expr(self.action),
            _scope_expr("resource", self.resource),
        ]
        for cond in self.conditions:
            body = cond.body if cond.kind == "when" else UnaryApp("!", cond.body, cond.loc)
            parts.append(body)
        expr = parts[-1]
        for part in reversed(parts[:-1]):
            expr = And(part, expr)
        return expr


def _entity_expr(e: EntityOrSlot) -> Expr:
    return e if isinstance(e, Slot) else Lit(e)


def _scope_expr(var: str, c: ScopeConstraint) -> Expr:
    v = Var(var)
    if c.op == "all":
        return Lit(True)
    if c.op == "==":
        return BinaryApp("==", v, _entity_expr(c.entity))
    if c.op == "in":
        return BinaryApp("in", v, _entity_expr(c.entity))
    if c.op == "is":
        return Is(v, c.entity_type)
    return Is(v, c.entity_type, _entity_expr(c.entity))


def _action_expr(c: ActionConstraint) -> Expr:
    v = Var("action")
    if c.op == "all":
        return Lit(True)
    if c.op == "==":
        return BinaryApp("==", v, Lit(c.entities[0]))
    if c.is_list:
        return BinaryApp("in", v, SetLit(tuple(Lit(e) for e in c.entities)))
    return BinaryApp("in", v, Lit(c.entities[0]))


@dataclass(frozen=True, slots=True)
class TemplateLink:
    """`new_id` is the template `template_id` with each slot bound to an entity."""

    template_id: str
    new_id: str
    values: tuple[tuple[str, EntityUID], ...]  # (slot name, entity), sorted by slot name


# ---------------------------------------------------------------- construction speed


def _direct_init(cls: type) -> None:
    """Give a frozen slots dataclass an `__init__` that stores each field through its slot.

    The dataclass one stores through `object.__setattr__` (to get past `frozen`), which
    costs about twice as much, and the parser builds a node for every few tokens of a
    policy set. Same parameters, defaults and result; still frozen afterwards."""
    names: dict[str, object] = {}
    params, lines = [], []
    for f in fields(cls):
        assert f.default_factory is MISSING and f.init, f  # not handled (and not needed)
        names[f"_set_{f.name}"] = getattr(cls, f.name).__set__
        if f.default is MISSING:
            params.append(f.name)
        else:
            names[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        lines.append(f"    _set_{f.name}(self, {f.name})")
    assert not hasattr(cls, "__post_init__"), cls
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(lines), names)  # noqa: S102 - field names only
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    cls.__init__ = init  # type: ignore[misc]


for _node in (Lit, Var, Slot, If, And, Or, UnaryApp, BinaryApp, GetAttr, HasAttr, Like, Is, SetLit, RecordLit,
              ExtCall, ScopeConstraint, ActionConstraint, Condition, Policy, TemplateLink):
    _direct_init(_node)
del _node
