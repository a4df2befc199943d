"""The schema as written: namespaces, common types and raw (unresolved) type names.

Both syntaxes read into this one form (Rust: `json_schema::Fragment<RawName>`),
so the Cedar-syntax reader, the JSON reader, both printers and name resolution
share it. Names here are as the author wrote them (`User`, `NS::User`,
`__cedar::Long`); `resolve.py` turns a fragment into the resolved `Schema`.

Every mapping (namespaces, declarations, attributes, annotations) is a tuple of
pairs sorted by name, as Rust's ordered maps keep them, so equal schemas give
equal fragments whatever order they were written in.

Every node carries `where`: a `Loc` for Cedar schema text, a JSON path string
(`$.NS.entityTypes.User`) for the JSON form, or None. It never takes part in
equality, so a fragment read from text equals the one read from its JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from ..errors import Loc, SchemaError

Where = Union[Loc, str, None]

MAX_TYPE_DEPTH = 128
"""How deeply types may nest (`Set<Set<...>>`, records in records); deeper is a `SchemaError`.

Every consumer of a type (entity parsing, the validator) walks it recursively,
so a bound here keeps all of them clear of Python's recursion limit.
"""

PRIMITIVE_JSON_NAMES = ("Long", "String", "Boolean")
RESERVED_COMMON_TYPE_NAMES = ("Bool", "Boolean", "Entity", "Extension", "Long", "Record", "Set", "String")
RESERVED_IDENTS = ("true", "false", "if", "then", "else", "in", "is", "like", "has")
CEDAR_NAMESPACE = "__cedar"


def schema_error(message: str, where: Where, help: str | None = None) -> SchemaError:
    """A `SchemaError` located by a text span or, for the JSON form, by a JSON path."""
    if isinstance(where, str):
        return SchemaError(f"{where}: {message}", None, help)
    return SchemaError(message, where, help)


# ---------------------------------------------------------------- types


@dataclass(frozen=True, slots=True)
class PrimitiveT:
    """JSON `{"type": "Long" | "String" | "Boolean"}`: always the builtin, never a user type."""

    name: str  # one of PRIMITIVE_JSON_NAMES
    where: Where = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SetT:
    element: "RawType"
    where: Where = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class AttrDecl:
    type: "RawType"
    required: bool = True
    annotations: tuple[tuple[str, str], ...] = ()
    where: Where = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class RecordT:
    attributes: tuple[tuple[str, AttrDecl], ...] = ()
    additional_attributes: bool = False
    where: Where = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class EntityT:
    """JSON `{"type": "Entity", "name": N}`: N must name an entity type."""

    name: str
    where: Where = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class EntityOrCommonT:
    """A bare type name (every Cedar-syntax path; JSON `EntityOrCommon`): common type first, then entity type."""

    name: str
    where: Where = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ExtensionT:
    name: str
    where: Where = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CommonRefT:
    """JSON `{"type": N}` for any other N: N must name a common type."""

    name: str
    where: Where = field(default=None, compare=False, repr=False)


RawType = Union[PrimitiveT, SetT, RecordT, EntityT, EntityOrCommonT, ExtensionT, CommonRefT]


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True)
class NameRef:
    """A reference to an entity type by name (parents, `principal`/`resource` types)."""

    name: str
    where: Where = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ActionRef:
    """A parent action; `type` None means `Action` (qualified by the enclosing namespace if it declares it)."""

    id: str
    type: str | None = None
    where: Where = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CommonTypeDecl:
    type: RawType
    annotations: tuple[tuple[str, str], ...] = ()
    where: Where = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class EntityTypeDecl:
    """A standard entity type (`enum` None) or an enumerated one (`enum` the ids)."""

    member_of_types: tuple[NameRef, ...] = ()
    shape: RawType = RecordT()
    tags: RawType | None = None
    enum: tuple[str, ...] | None = None
    annotations: tuple[tuple[str, str], ...] = ()
    where: Where = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ApplySpec:
    principal_types: tuple[NameRef, ...] = ()
    resource_types: tuple[NameRef, ...] = ()
    context: RawType = RecordT()


@dataclass(frozen=True, slots=True)
class ActionDecl:
    applies_to: ApplySpec | None = None
    member_of: tuple[ActionRef, ...] | None = None
    annotations: tuple[tuple[str, str], ...] = ()
    has_attributes: bool = False  # JSON `attributes`: Rust rejects action attributes
    where: Where = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class NamespaceDef:
    common_types: tuple[tuple[str, CommonTypeDecl], ...] = ()
    entity_types: tuple[tuple[str, EntityTypeDecl], ...] = ()
    actions: tuple[tuple[str, ActionDecl], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    where: Where = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Fragment:
    """Namespace name ("" for the empty namespace) -> its declarations."""

    namespaces: tuple[tuple[str, NamespaceDef], ...] = ()
