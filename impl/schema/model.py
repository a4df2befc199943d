"""The resolved schema: what the rest of the engine reads.

Common types are expanded and every name is fully qualified here, so consumers
(schema-directed entity parsing, request validation, the validator) never
resolve names themselves. The syntax-level forms (Cedar schema text, JSON
schema) are read into and written from this by the other modules of
`impl.schema`; they keep what a round trip needs (namespaces, common types).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..types import CedarType, RecordType
from ..values import EntityUID


@dataclass(slots=True)
class EntityTypeDef:
    """`entity name in [member_of_types] { attributes } tags T;` or `entity name enum [...]`."""

    name: str  # fully qualified
    member_of_types: tuple[str, ...] = ()  # the types an entity of this type may have as parents
    attributes: RecordType = field(default_factory=RecordType)
    tags: CedarType | None = None
    enum_ids: tuple[str, ...] | None = None  # set for `enum` entity types


@dataclass(slots=True)
class ActionDef:
    """An action: its uid, its groups and what it applies to."""

    uid: EntityUID  # e.g. EntityUID("NS::Action", "view")
    member_of: tuple[EntityUID, ...] = ()
    principal_types: tuple[str, ...] = ()
    resource_types: tuple[str, ...] = ()
    context: RecordType = field(default_factory=RecordType)
    # False when the action has no appliesTo (it then applies to no request).
    applies: bool = True


class Schema:
    """The entity types and actions of an application.

    INVARIANT: every type and action named anywhere in it is declared in it.
    Readers: `Schema.from_str` (Cedar schema syntax), `Schema.from_json`.
    """

    def __init__(self, entity_types: dict[str, EntityTypeDef], actions: dict[EntityUID, ActionDef]) -> None:
        self.entity_types = entity_types
        self.actions = actions
