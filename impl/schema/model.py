"""The resolved schema: what the rest of the engine reads.

Common types are expanded and every name is fully qualified here, so consumers
(schema-directed entity parsing, request validation, the validator) never
resolve names themselves. The syntax-level forms (Cedar schema text, JSON
schema) are read into and written from this by the other modules of
`impl.schema`; the `Fragment` they were read from is kept for printing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..types import CedarType, RecordType
from ..values import EntityUID

if TYPE_CHECKING:
    from .fragment import Fragment


@dataclass(slots=True)
class EntityTypeDef:
    """`entity name in [member_of_types] { attributes } tags T;` or `entity name enum [...]`."""

    name: str  # fully qualified
    member_of_types: tuple[str, ...] = ()  # the types an entity of this type may have as parents (sorted)
    attributes: RecordType = field(default_factory=RecordType)
    tags: CedarType | None = None
    enum_ids: tuple[str, ...] | None = None  # set for `enum` entity types
    # The types whose entities may have an entity of this type as an ancestor
    # (transitively; may include `name` itself when the type hierarchy has a cycle).
    # Computed by `Schema` from `member_of_types`.
    descendants: frozenset[str] = frozenset()


@dataclass(slots=True)
class ActionDef:
    """An action: its uid, its groups and what it applies to."""

    uid: EntityUID  # e.g. EntityUID("NS::Action", "view")
    member_of: tuple[EntityUID, ...] = ()  # direct parents (sorted)
    principal_types: tuple[str, ...] = ()  # sorted
    resource_types: tuple[str, ...] = ()  # sorted
    context: RecordType = field(default_factory=RecordType)
    # Whether the action applies to any request: both `principal_types` and
    # `resource_types` non-empty (no `appliesTo` at all means neither is).
    applies: bool = True
    descendants: frozenset[EntityUID] = frozenset()  # transitively; computed by `Schema` from `member_of`
    ancestors: frozenset[EntityUID] = frozenset()  # transitively; computed by `Schema` from `member_of`


class Schema:
    """The entity types and actions of an application.

    INVARIANT: every type and action named anywhere in it is declared in it,
    except the action entity types (`Action`, `NS::Action`), which attribute
    types may name without declaring.
    Readers: `Schema.from_str` (Cedar schema syntax), `Schema.from_json`.
    Two schemas are equal when they mean the same (the resolved forms agree).
    """

    def __init__(
        self,
        entity_types: dict[str, EntityTypeDef],
        actions: dict[EntityUID, ActionDef],
        fragment: "Fragment | None" = None,
    ) -> None:
        self.entity_types = entity_types
        self.actions = actions
        self.fragment = fragment
        _close_hierarchies(entity_types, actions)

    # ---------------------------------------------------------------- reading

    @classmethod
    def from_fragment(cls, fragment: "Fragment") -> "Schema":
        from .resolve import resolve

        entity_types, actions = resolve(fragment)
        return cls(entity_types, actions, fragment)

    @classmethod
    def from_str(cls, text: str, name: str = "<schema>") -> "Schema":
        """Read the Cedar schema syntax; `SchemaError` (with line:column) if malformed or ill-formed."""
        from ..arguments import text_argument
        from ..errors import SchemaError
        from .cedar_syntax import parse_cedar_schema

        return cls.from_fragment(parse_cedar_schema(text_argument(text, "schema text", SchemaError, name), name))

    @classmethod
    def from_json(cls, value: Any, name: str = "<schema>") -> "Schema":
        """Read the JSON schema format, given as JSON text or as parsed JSON; errors name a JSON path."""
        from ..arguments import json_argument, text_argument
        from ..errors import SchemaError
        from .json_form import load_json_text, parse_json_schema

        if isinstance(value, (str, bytes, bytearray, memoryview)):
            value = load_json_text(text_argument(value, "JSON schema", SchemaError, name), name)
        json_argument(value, "JSON schema", SchemaError)  # Python data, and Rust's nesting limit
        return cls.from_fragment(parse_json_schema(value))

    # ---------------------------------------------------------------- writing

    def _as_fragment(self) -> "Fragment":
        from .from_resolved import fragment_of

        return self.fragment if self.fragment is not None else fragment_of(self)

    def to_json(self) -> dict[str, Any]:
        """The JSON schema form (as Rust writes it)."""
        from .json_form import fragment_to_json

        return fragment_to_json(self._as_fragment())

    def to_cedar(self) -> str:
        """The Cedar schema syntax (laid out as Rust lays it out)."""
        from .cedar_print import fragment_to_cedar

        return fragment_to_cedar(self._as_fragment())

    # ---------------------------------------------------------------- queries

    def is_known_entity_type(self, name: str) -> bool:
        """Declared, or an action entity type (`Action`, `NS::Action`), as Rust's `is_known_entity_type` has it."""
        return name in self.entity_types or name == "Action" or name.endswith("::Action")

    def entity_types_in(self, name: str) -> frozenset[str]:
        """The types whose entities may be `in` an entity of type `name` (itself included)."""
        e = self.entity_types.get(name)
        return (e.descendants if e is not None else frozenset()) | {name}

    # ---------------------------------------------------------------- equality

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self.entity_types == other.entity_types and self.actions == other.actions

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Schema({len(self.entity_types)} entity types, {len(self.actions)} actions)"


def _close_hierarchies(entity_types: dict[str, EntityTypeDef], actions: dict[EntityUID, ActionDef]) -> None:
    """Fill in every `descendants` (and actions' `ancestors`) from the declared parents."""
    type_children: dict[str, set[str]] = {}
    for name, e in entity_types.items():
        for parent in e.member_of_types:
            type_children.setdefault(parent, set()).add(name)
    for name, closure in _closures(entity_types, type_children).items():
        entity_types[name].descendants = closure
    action_children: dict[EntityUID, set[EntityUID]] = {}
    for uid, a in actions.items():
        for parent in a.member_of:
            action_children.setdefault(parent, set()).add(uid)
    action_parents = {uid: a.member_of for uid, a in actions.items()}
    for uid, closure in _closures(actions, action_children).items():
        actions[uid].descendants = closure
    for uid, closure in _closures(actions, action_parents).items():
        actions[uid].ancestors = closure


def _closures(nodes: Any, edges: dict[Any, Any]) -> dict[Any, frozenset[Any]]:
    """Every node's transitive successors along `edges`.

    Without cycles (always, for actions) a node's closure is built from its successors'
    closures, sinks first: set unions in C rather than a walk per node, which matters for
    long chains (a 5,000-action chain has 12 million pairs).
    """
    indegree: dict[Any, int] = dict.fromkeys(nodes, 0)
    for targets in edges.values():
        for t in targets:
            indegree[t] = indegree.get(t, 0) + 1
    order = [n for n, d in indegree.items() if d == 0]
    for n in order:  # Kahn's algorithm: `order` grows as nodes lose their last incoming edge
        for t in edges.get(n, ()):
            indegree[t] -= 1
            if indegree[t] == 0:
                order.append(t)
    if len(order) < len(indegree):  # a cycle: walk from each node
        return {n: frozenset(_reachable(n, edges)) for n in nodes}
    closures: dict[Any, frozenset[Any]] = {}
    empty: frozenset[Any] = frozenset()
    for n in reversed(order):
        targets = edges.get(n, ())
        if not targets:
            closures[n] = empty
        elif len(targets) == 1:
            (t,) = targets
            closures[n] = closures[t] | {t}
        else:
            closures[n] = frozenset(targets).union(*(closures[t] for t in targets))
    return {n: closures[n] for n in nodes}


def _reachable(start: Any, edges: dict[Any, Any]) -> set[Any]:
    seen: set[Any] = set()
    stack = list(edges.get(start, ()))
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return seen
