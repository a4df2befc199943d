"""Schemas (Lean `Validation/Types.lean`: `EntitySchema`, `ActionSchema`), read from Cedar's JSON schema format.

A schema declares entity types (allowed ancestor types, attributes, tags, or an
enumeration of ids) and actions (the principal and resource types they apply
to, their context type, their ancestors). Ancestor relations are transitively
closed here. A type name resolves, in its namespace, to a common type, else an
entity type, else a primitive or extension type (`__cedar::T` is always the
latter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import z3

from spec.entities import transitive_closure
from spec.errors import InputError
from spec.expr import Uid
from spec.types import (BoolType, CedarType, EntityType, ExtType, LongType, Qualified, RecordType, SetType,
                        StringType, record_type)
from spec.values import EntityUID, string_val

_BUILTIN: dict[str, CedarType] = {"Bool": BoolType(), "Boolean": BoolType(), "Long": LongType(), "String": StringType(),
                                  **{x: ExtType(x) for x in ("ipaddr", "decimal", "datetime", "duration")}}


@dataclass(frozen=True)
class EntitySchemaEntry:
    ancestors: frozenset[str]  # the types an entity of this type may have as ancestors
    attrs: RecordType
    tags: CedarType | None
    members: frozenset[str] | None  # the ids of an enumerated type


@dataclass(frozen=True)
class ActionSchemaEntry:
    principals: frozenset[str]
    resources: frozenset[str]
    ancestors: frozenset[Uid]
    context: RecordType


@dataclass(frozen=True)
class RequestType:
    principal: str
    action: Uid
    resource: str
    context: RecordType


@dataclass(frozen=True)
class Schema:
    entity_types: dict[str, EntitySchemaEntry]
    actions: dict[Uid, ActionSchemaEntry]

    def is_valid_uid(self, uid: Uid) -> bool:
        """Lean `isValidEntityUID` or an action: declared type, and a member if enumerated."""
        entry = self.entity_types.get(uid.ty)
        return uid in self.actions or (entry is not None and (entry.members is None or uid.eid in entry.members))

    def is_action_type(self, ety: str) -> bool:
        return any(a.ty == ety for a in self.actions)

    def valid_uid(self, uid: z3.DatatypeRef, ety: str) -> z3.BoolRef:
        """The Z3 form of `is_valid_uid` for a uid of type `ety` (for `types.has_type`)."""
        entry = self.entity_types.get(ety)
        if entry is not None:
            members = entry.members
            return z3.BoolVal(True) if members is None else z3.Or([EntityUID.eid(uid) == string_val(m) for m in members])
        return z3.Or([EntityUID.eid(uid) == string_val(a.eid) for a in self.actions if a.ty == ety])

    def environments(self) -> list[RequestType]:
        """Every (principal type, action, resource type) the schema allows, with the action's context."""
        return [RequestType(p, action, r, entry.context) for action, entry in self.actions.items()
                for p in sorted(entry.principals) for r in sorted(entry.resources)]


# ----- reading the JSON form -----

class _Reader:
    def __init__(self, j: Any) -> None:
        if not isinstance(j, dict):
            raise InputError("a JSON schema is an object from namespaces to declarations")
        self.namespaces = {ns: body for ns, body in j.items() if isinstance(body, dict)}
        self.commons = {_qualify(ns, n): (ns, t) for ns, b in self.namespaces.items()
                        for n, t in (b.get("commonTypes") or {}).items()}
        self.entities = {_qualify(ns, n): (ns, e) for ns, b in self.namespaces.items()
                         for n, e in (b.get("entityTypes") or {}).items()}
        self.action_types = {_qualify(ns, "Action") for ns in self.namespaces}

    def name(self, n: str, ns: str, kinds: tuple[str, ...] = ("common", "entity", "builtin")) -> CedarType:
        if n.startswith("__cedar::") and n[9:] in _BUILTIN:
            return _BUILTIN[n[9:]]
        candidates = [_qualify(ns, n), n] if ns and "::" not in n else [n]
        for c in candidates:
            if "common" in kinds and c in self.commons:
                common_ns, t = self.commons[c]
                return self.type(t, common_ns)
        for c in candidates:
            if c in self.entities or c in self.action_types:
                return EntityType(c)
        if "builtin" in kinds and n in _BUILTIN:
            return _BUILTIN[n]
        raise InputError(f"unknown type name {n!r} in namespace {ns!r}")

    def type(self, j: Any, ns: str) -> CedarType:
        kind = j.get("type") if isinstance(j, dict) else None
        if kind in ("Boolean", "Long", "String"):
            return _BUILTIN[kind]
        if kind == "Set":
            return SetType(self.type(j.get("element"), ns))
        if kind == "Record":
            attrs = j.get("attributes") or {}
            return record_type({a: Qualified(self.type(t, ns), t.get("required", True)) for a, t in attrs.items()})
        if kind == "Entity":
            return self.name(str(j.get("name")), ns, ("entity",))
        if kind == "Extension":
            return ExtType(str(j.get("name")))
        if kind == "EntityOrCommon":
            return self.name(str(j.get("name")), ns)
        if isinstance(kind, str):
            return self.name(kind, ns, ("common", "builtin"))
        raise InputError(f"malformed schema type {j!r}")

    def record(self, j: Any, ns: str) -> RecordType:
        if j is None:
            return RecordType(())
        t = self.type(j, ns)
        if not isinstance(t, RecordType):
            raise InputError(f"expected a record type, got {j!r}")
        return t

    def entity_type_names(self, names: Any, ns: str) -> frozenset[str]:
        return frozenset(self.name(n, ns, ("entity",)).ety for n in names or [])  # type: ignore[union-attr]

    def schema(self) -> Schema:
        parents = {ety: self.entity_type_names(e.get("memberOfTypes"), ns) for ety, (ns, e) in self.entities.items()}
        ancestors = transitive_closure(parents)
        entity_types = {
            ety: EntitySchemaEntry(ancestors[ety], self.record(e.get("shape"), ns),
                                   self.type(e["tags"], ns) if e.get("tags") else None,
                                   frozenset(e["enum"]) if "enum" in e else None)
            for ety, (ns, e) in self.entities.items()}
        declared = {Uid(_qualify(ns, "Action"), a): (ns, body or {})
                    for ns, b in self.namespaces.items() for a, body in (b.get("actions") or {}).items()}
        action_parents = {uid: frozenset(Uid(p.get("type") or _qualify(ns, "Action"), p["id"])
                                         for p in body.get("memberOf") or [])
                          for uid, (ns, body) in declared.items()}
        action_ancestors = transitive_closure(action_parents)
        actions = {}
        for uid, (ns, body) in declared.items():
            applies = body.get("appliesTo") or {}
            actions[uid] = ActionSchemaEntry(self.entity_type_names(applies.get("principalTypes"), ns),
                                             self.entity_type_names(applies.get("resourceTypes"), ns),
                                             action_ancestors[uid], self.record(applies.get("context"), ns))
        return Schema(entity_types, actions)


def _qualify(ns: str, name: str) -> str:
    return f"{ns}::{name}" if ns else name


def schema_of_json(j: Any) -> Schema:
    """A schema in Cedar's JSON schema format (parsed JSON)."""
    try:
        return _Reader(j).schema()
    except (KeyError, TypeError, AttributeError) as e:
        raise InputError(f"malformed JSON schema: {e}") from e
