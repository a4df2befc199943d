"""Cedar types, as schemas declare them (Lean: `Cedar.Validation.Types`).

These are the types of schema attributes, tags and contexts, used by the schema
loader, schema-directed entity parsing, request validation and the validator.
The validator's own refinements (singleton Bool types, unions of entity types)
extend this file rather than live elsewhere, so a type has one definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Iterator, Mapping, Union

EXTENSION_TYPE_NAMES = ("decimal", "ipaddr", "datetime", "duration")


@dataclass(frozen=True, slots=True)
class BoolType:
    """`Bool`; the validator also uses the singleton types `BoolType(True)` and `BoolType(False)`.

    Schemas only ever contain `BoolType()`.
    """

    value: bool | None = None

    def __str__(self) -> str:
        return "Bool" if self.value is None else f"Bool (always {str(self.value).lower()})"


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


@dataclass(frozen=True, slots=True)
class NeverType:
    """The validator's bottom type: the element type of an empty set."""

    def __str__(self) -> str:
        return "Never"


@dataclass(frozen=True, slots=True)
class AnyEntityType:
    """The validator's type of an entity of unknown type (an unlinked template slot)."""

    def __str__(self) -> str:
        return "entity"


CedarType = Union[BoolType, LongType, StringType, EntityType, SetType, RecordType, ExtensionType, NeverType, AnyEntityType]


# ---------------------------------------------------------------- the validator's type lattice (strict mode)


class LubFailure(Enum):
    """Why two types have no least upper bound in strict mode (Rust: `LubHelp`)."""

    ATTRIBUTE_QUALIFIER = "corresponding attributes of compatible record types must have the same optionality"
    RECORD_WIDTH = "compatible record types must have exactly the same attributes"
    ENTITY_TYPE = "different entity types are never compatible"
    ENTITY_RECORD = "entity and record types are never compatible"
    NONE = "types must be exactly equal to be compatible"


def is_subtype(t0: CedarType, t1: CedarType, strict: bool = True) -> bool:
    """`t0 <: t1` (Rust: `Type::is_subtype`); `strict` False gives the permissive relation."""
    c0, c1 = t0.__class__, t1.__class__
    if c0 is NeverType:
        return True
    if c0 is BoolType and c1 is BoolType:
        return t1.value is None or t0.value == t1.value  # type: ignore[union-attr]
    if c0 is not c1:
        return c0 is EntityType and c1 is AnyEntityType and not strict
    if c0 in (LongType, StringType, AnyEntityType):
        return True
    if c0 is SetType:
        return is_subtype(t0.element, t1.element, strict)  # type: ignore[union-attr]
    if c0 is RecordType:
        return _record_subtype(t0, t1, strict)  # type: ignore[arg-type]
    return t0 == t1  # entity and extension types


def _record_subtype(r0: RecordType, r1: RecordType, strict: bool) -> bool:
    if r0.open and not r1.open:
        return False

    def attrs_subtype() -> bool:
        for name, a1 in r1.attrs.items():
            a0 = r0.attrs.get(name)
            if a0 is None:
                return False
            qualifier = a0.required == a1.required if strict else (a0.required or not a1.required)
            if not (qualifier and is_subtype(a0.type, a1.type, strict)):
                return False
        return True

    if r1.open and not strict and attrs_subtype():
        return True
    return r0.attrs.keys() == r1.attrs.keys() and attrs_subtype()


def least_upper_bound(t0: CedarType, t1: CedarType) -> CedarType | LubFailure:
    """The strict-mode least upper bound of two types, or why there is none (Rust: `Type::least_upper_bound`)."""
    if is_subtype(t0, t1):
        return t1
    if is_subtype(t1, t0):
        return t0
    c0, c1 = t0.__class__, t1.__class__
    if c0 is BoolType and c1 is BoolType:
        return BoolType()
    if c0 is SetType and c1 is SetType:
        element = least_upper_bound(t0.element, t1.element)  # type: ignore[union-attr]
        return element if isinstance(element, LubFailure) else SetType(element)
    if c0 is RecordType and c1 is RecordType:
        a0, a1 = t0.attrs, t1.attrs  # type: ignore[union-attr]
        if a0.keys() != a1.keys():
            return LubFailure.RECORD_WIDTH
        attrs: dict[str, AttrType] = {}
        for name, x in a0.items():
            y = a1[name]
            lub = least_upper_bound(x.type, y.type)
            if isinstance(lub, LubFailure):
                return lub
            if x.required != y.required:
                return LubFailure.ATTRIBUTE_QUALIFIER
            attrs[name] = AttrType(lub, x.required)
        return RecordType(attrs, t0.open or t1.open)  # type: ignore[union-attr]
    entities = (EntityType, AnyEntityType)
    if c0 in entities and c1 in entities:
        return LubFailure.ENTITY_TYPE
    if (c0 in entities and c1 is RecordType) or (c0 is RecordType and c1 in entities):
        return LubFailure.ENTITY_RECORD
    return LubFailure.NONE
