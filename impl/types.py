"""Cedar types, as schemas declare them (Lean: `Cedar.Validation.Types`).

These are the types of schema attributes, tags and contexts, used by the schema
loader, schema-directed entity parsing, request validation and the validator.
The validator's own refinements (singleton Bool types, unions of entity types)
extend this file rather than live elsewhere, so a type has one definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping, Union

EXTENSION_TYPE_NAMES = ("decimal", "ipaddr", "datetime", "duration")


@dataclass(frozen=True, slots=True)
class BoolType:
    def __str__(self) -> str:
        return "Bool"


@dataclass(frozen=True, slots=True)
class LongType:
    def __str__(self) -> str:
        return "Long"


@dataclass(frozen=True, slots=True)
class StringType:
    def __str__(self) -> str:
        return "String"


@dataclass(frozen=True, slots=True)
class EntityType:
    name: str  # fully qualified, e.g. "NS::User"

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class SetType:
    element: "CedarType"

    def __str__(self) -> str:
        return f"Set<{self.element}>"


@dataclass(frozen=True, slots=True)
class ExtensionType:
    name: str  # one of EXTENSION_TYPE_NAMES

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class AttrType:
    type: "CedarType"
    required: bool = True


class RecordType:
    """A record type: attribute name -> `AttrType`.

    `open` records (the validator's view of an entity with unknown attributes)
    admit attributes beyond those listed; schema records are closed.
    """

    __slots__ = ("attrs", "open", "_hash")

    def __init__(self, attrs: Mapping[str, AttrType] | None = None, open: bool = False) -> None:
        self.attrs: dict[str, AttrType] = dict(attrs or {})
        self.open = open
        self._hash = hash((frozenset(self.attrs.items()), open))

    def get(self, name: str) -> AttrType | None:
        return self.attrs.get(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.attrs)

    def __len__(self) -> int:
        return len(self.attrs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecordType) and self.open == other.open and self.attrs == other.attrs

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"RecordType({self.attrs!r}, open={self.open})"

    def __str__(self) -> str:
        fields = ", ".join(f"{k}{'' if a.required else '?'}: {a.type}" for k, a in self.attrs.items())
        return "{" + fields + "}"


CedarType = Union[BoolType, LongType, StringType, EntityType, SetType, RecordType, ExtensionType]
