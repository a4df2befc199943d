"""A `Fragment` for a schema built directly in its resolved form (Rust: `ValidatorSchema::to_json_schema`).

Every name is written fully qualified, so the fragment means exactly the resolved schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..types import BoolType, CedarType, EntityType, ExtensionType, LongType, RecordType, SetType, StringType
from .fragment import (
    ActionDecl,
    ActionRef,
    ApplySpec,
    AttrDecl,
    EntityT,
    EntityTypeDecl,
    ExtensionT,
    Fragment,
    NameRef,
    NamespaceDef,
    PrimitiveT,
    RawType,
    RecordT,
    SetT,
)

if TYPE_CHECKING:
    from .model import Schema


def _split(name: str) -> tuple[str, str]:
    ns, _, base = name.rpartition("::")
    return ns, base


def raw_type(t: CedarType) -> RawType:
    if isinstance(t, BoolType):
        return PrimitiveT("Boolean")
    if isinstance(t, LongType):
        return PrimitiveT("Long")
    if isinstance(t, StringType):
        return PrimitiveT("String")
    if isinstance(t, EntityType):
        return EntityT(t.name)
    if isinstance(t, ExtensionType):
        return ExtensionT(t.name)
    if isinstance(t, SetType):
        return SetT(raw_type(t.element))
    assert isinstance(t, RecordType)
    return RecordT(tuple(sorted((n, AttrDecl(raw_type(a.type), a.required)) for n, a in t.attrs.items())))


def fragment_of(schema: "Schema") -> Fragment:
    entities: dict[str, list[tuple[str, EntityTypeDecl]]] = {}
    actions: dict[str, list[tuple[str, ActionDecl]]] = {}
    for name, e in schema.entity_types.items():
        ns, base = _split(name)
        if e.enum_ids is not None:
            decl = EntityTypeDecl(enum=e.enum_ids)
        else:
            decl = EntityTypeDecl(
                member_of_types=tuple(NameRef(p) for p in e.member_of_types),
                shape=raw_type(e.attributes),
                tags=raw_type(e.tags) if e.tags is not None else None,
            )
        entities.setdefault(ns, []).append((base, decl))
    for uid, a in schema.actions.items():
        ns, _ = _split(uid.type)
        decl = ActionDecl(
            applies_to=ApplySpec(
                tuple(NameRef(p) for p in a.principal_types),
                tuple(NameRef(r) for r in a.resource_types),
                raw_type(a.context),
            ),
            member_of=tuple(ActionRef(p.id, p.type) for p in a.member_of) or None,
        )
        actions.setdefault(ns, []).append((uid.id, decl))
    return Fragment(tuple(
        (ns, NamespaceDef((), tuple(sorted(entities.get(ns, []))), tuple(sorted(actions.get(ns, [])))))
        for ns in sorted(set(entities) | set(actions))
    ))
