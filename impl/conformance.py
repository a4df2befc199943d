"""Whether values and entities fit a schema (Rust: `entities/conformance.rs`).

Used by schema-directed entity loading and by request (context) validation:
- `type_mismatch`: does a value have a schema type (a missing required record
  attribute or an undeclared one is a mismatch; an empty set has every set type);
- `invalid_entity_uid`: every entity reference inside a value of an enumerated
  entity type must use a declared id, and every action reference must be a
  declared action;
- `SchemaFacts`: what entity loading derives from a schema once (the parent
  types each entity type may have, transitively closed as Rust's
  `allowed_parent_types`, and the action entities with their ancestors).
"""

from __future__ import annotations

import weakref
from typing import Iterator

from .schema.model import Schema
from .types import BoolType, CedarType, EntityType, ExtensionType, LongType, RecordType, SetType, StringType
from .values import EntityUID, ExtensionValue, Record, Set, Unknown, Value, to_cedar, type_name


def is_action_type(entity_type: str) -> bool:
    """Rust's `EntityType::is_action`: the last path segment is `Action`."""
    return entity_type == "Action" or entity_type.endswith("::Action")


def type_mismatch(v: Value, t: CedarType, unknowns_conform: bool = True) -> str | None:
    """None if `v` has type `t`; otherwise Rust's explanation of the mismatch.

    An `Unknown` has every type for entity conformance (Rust's
    `typecheck_restricted_expr_against_schematype`) but none for request
    validation (the validator's `typecheck_partial_value`): `unknowns_conform`.
    """
    reason = _reason(v, t, unknowns_conform)
    if reason is None:
        return None
    return f"type mismatch: value was expected to have type {t}, but it {reason}: `{to_cedar(v)}`"


def _reason(v: Value, t: CedarType, unknowns_conform: bool) -> str | None:
    if v.__class__ is Unknown:
        return None if unknowns_conform else "is not known"
    cls = t.__class__
    if cls is BoolType:
        return None if v.__class__ is bool else _actual(v)
    if cls is LongType:
        return None if v.__class__ is int else _actual(v)
    if cls is StringType:
        return None if v.__class__ is str else _actual(v)
    if cls is EntityType:
        return None if v.__class__ is EntityUID and v[0] == t.name else _actual(v)  # type: ignore[attr-defined,index]
    if cls is ExtensionType:
        return None if isinstance(v, ExtensionValue) and v.type_name == t.name else _actual(v)  # type: ignore[attr-defined]
    if cls is SetType:
        if not isinstance(v, Set):
            return _actual(v)
        for x in v:  # type: ignore[union-attr]
            if _reason(x, t.element, unknowns_conform) is not None:  # type: ignore[attr-defined]
                return "does not"
        return None
    if cls is RecordType:
        if v.__class__ is not Record:
            return _actual(v)
        for name, attr in t.attrs.items():  # type: ignore[attr-defined]
            if name in v:  # type: ignore[operator]
                if _reason(v[name], attr.type, unknowns_conform) is not None:  # type: ignore[index]
                    return "does not"
            elif attr.required:
                return f"is missing the required attribute `{name}`"
        if not t.open:  # type: ignore[attr-defined]
            for name in v:  # type: ignore[union-attr]
                if name not in t.attrs:  # type: ignore[attr-defined]
                    return f"contains an unexpected attribute `{name}`"
        return None
    return _actual(v)


def _actual(v: Value) -> str:
    return f"actually has type {type_name(v)}"


def entity_uids(v: Value) -> Iterator[EntityUID]:
    """Every entity reference inside `v`."""
    stack = [v]
    while stack:
        x = stack.pop()
        cls = x.__class__
        if cls is EntityUID:
            yield x  # type: ignore[misc]
        elif isinstance(x, Set):
            stack.extend(x)  # type: ignore[arg-type]
        elif cls is Record:
            stack.extend(x.attrs.values())  # type: ignore[union-attr]


def invalid_entity_uid(uid: EntityUID, schema: Schema) -> str | None:
    """Rust's `validate_euid`: enumerated ids and declared actions."""
    etype = schema.entity_types.get(uid[0])
    if etype is not None and etype.enum_ids is not None and uid[1] not in etype.enum_ids:
        return f"entity `{uid}` is of an enumerated entity type, but `{to_cedar(uid[1])}` is not declared as a valid eid"
    if is_action_type(uid[0]) and uid not in schema.actions:
        return f"found action entity `{uid}`, but it was not declared as an action in the schema"
    return None


def invalid_entity_uid_in(v: Value, schema: Schema) -> str | None:
    for uid in entity_uids(v):
        problem = invalid_entity_uid(uid, schema)
        if problem is not None:
            return problem
    return None


class SchemaFacts:
    """What loading entities needs from a schema, computed once per schema."""

    def __init__(self, schema: Schema) -> None:
        self.allowed_parent_types: dict[str, frozenset[str]] = _closed_parent_types(schema)
        self.action_ancestors: dict[EntityUID, frozenset[EntityUID]] = _closure(
            {uid: a.member_of for uid, a in schema.actions.items()}
        )


# id(schema) -> (weak reference, facts); keyed by identity since schemas compare by meaning
_FACTS: dict[int, tuple[weakref.ref, SchemaFacts]] = {}


def schema_facts(schema: Schema) -> SchemaFacts:
    key = id(schema)
    entry = _FACTS.get(key)
    if entry is not None and entry[0]() is schema:
        return entry[1]
    facts = SchemaFacts(schema)
    _FACTS[key] = (weakref.ref(schema, lambda _ref, key=key: _FACTS.pop(key, None)), facts)
    return facts


def _closed_parent_types(schema: Schema) -> dict[str, frozenset[str]]:
    return _closure({name: t.member_of_types for name, t in schema.entity_types.items()})


def _closure(edges: dict) -> dict:
    """The transitive closure of `edges` (node -> direct successors), cycles allowed."""
    result: dict = {}
    for start in edges:
        seen: set = set()
        stack = list(edges[start])
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(edges.get(n, ()))
        result[start] = frozenset(seen)
    return result
