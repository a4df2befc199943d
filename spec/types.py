"""Cedar types (Lean `Validation/Types.lean`, `Subtyping.lean`) and the values that have them.

The typechecker works on types as Python values. `type_term(t)` is the same type
as a term of the Z3 datatype `CedarType`, and `has_type(v, t, env)` is the Z3
formula "value `v` is an instance of type `t`" (Lean `InstanceOfType`), built by
structural recursion over the type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Union

import z3

from spec.values import EntityUID, Entry, Value, string_val

BOOL_KINDS = ("anyBool", "tt", "ff")
EXT_TYPES = ("decimal", "ipaddr", "datetime", "duration")


@dataclass(frozen=True)
class BoolType:
    kind: str = "anyBool"  # "tt" and "ff" type the literals true and false


@dataclass(frozen=True)
class LongType:
    pass


@dataclass(frozen=True)
class StringType:
    pass


@dataclass(frozen=True)
class EntityType:
    ety: str


@dataclass(frozen=True)
class SetType:
    elem: "CedarType"


@dataclass(frozen=True)
class Qualified:
    ty: "CedarType"
    required: bool = True


@dataclass(frozen=True)
class RecordType:
    attrs: tuple[tuple[str, Qualified], ...]  # sorted by name

    def find(self, a: str) -> Qualified | None:
        return dict(self.attrs).get(a)


@dataclass(frozen=True)
class ExtType:
    name: str  # one of EXT_TYPES


CedarType = Union[BoolType, LongType, StringType, EntityType, SetType, RecordType, ExtType]


def record_type(attrs: dict[str, Qualified]) -> RecordType:
    return RecordType(tuple(sorted(attrs.items())))


# ----- least upper bounds and subtyping (Lean `Subtyping.lean`) -----

def lub(t1: CedarType, t2: CedarType) -> CedarType | None:
    """Lean `lub?`: booleans join to anyBool; sets and records pointwise (records need equal attributes)."""
    if isinstance(t1, BoolType) and isinstance(t2, BoolType):
        return t1 if t1 == t2 else BoolType()
    if isinstance(t1, SetType) and isinstance(t2, SetType):
        elem = lub(t1.elem, t2.elem)
        return None if elem is None else SetType(elem)
    if isinstance(t1, RecordType) and isinstance(t2, RecordType):
        if [a for a, _ in t1.attrs] != [a for a, _ in t2.attrs]:
            return None
        attrs = []
        for (a, q1), (_, q2) in zip(t1.attrs, t2.attrs):
            ty = lub(q1.ty, q2.ty)
            if ty is None or q1.required != q2.required:
                return None
            attrs.append((a, Qualified(ty, q1.required)))
        return RecordType(tuple(attrs))
    return t1 if t1 == t2 else None


def subty(t1: CedarType, t2: CedarType) -> bool:
    return lub(t1, t2) == t2


# ----- types as Z3 terms -----

_type, _field = z3.Datatype("CedarType"), z3.Datatype("Field")
_type.declare("bool_type", ("bool_kind", z3.StringSort()))
_type.declare("long_type")
_type.declare("string_type")
_type.declare("entity_type", ("ety", z3.StringSort()))
_type.declare("set_type", ("elem_type", z3.DatatypeSort("CedarType")))
_type.declare("record_type", ("fields", z3.SeqSort(z3.DatatypeSort("Field"))))
_type.declare("ext_type", ("ext_name", z3.StringSort()))
_field.declare("field", ("field_name", z3.StringSort()), ("required", z3.BoolSort()),
               ("field_type", z3.DatatypeSort("CedarType")))
TypeSort, FieldSort = z3.CreateDatatypes(_type, _field)


def type_term(t: CedarType) -> z3.DatatypeRef:
    """`t` as a term of the Z3 datatype `CedarType`."""
    if isinstance(t, BoolType):
        return TypeSort.bool_type(z3.StringVal(t.kind))
    if isinstance(t, (LongType, StringType)):
        return TypeSort.long_type if isinstance(t, LongType) else TypeSort.string_type
    if isinstance(t, EntityType):
        return TypeSort.entity_type(string_val(t.ety))
    if isinstance(t, SetType):
        return TypeSort.set_type(type_term(t.elem))
    if isinstance(t, RecordType):
        fields = [z3.Unit(FieldSort.field(string_val(a), z3.BoolVal(q.required), type_term(q.ty))) for a, q in t.attrs]
        return TypeSort.record_type(z3.Empty(z3.SeqSort(FieldSort)) if not fields else
                                    fields[0] if len(fields) == 1 else z3.Concat(*fields))
    return TypeSort.ext_type(z3.StringVal(t.name))


# ----- instances (Lean `InstanceOfType`) -----

class EntityTypes(Protocol):
    """What `has_type` needs to know of a schema: which entity uids of a type are valid."""

    def valid_uid(self, uid: z3.DatatypeRef, ety: str) -> z3.BoolRef: ...


def has_type(v: z3.DatatypeRef, t: CedarType, env: EntityTypes) -> z3.BoolRef:
    """Value `v` is an instance of type `t`: the right kind, and so on down (sets: every element; records:
    only declared attributes, each of its type, the required ones present; entities: a valid uid of the type)."""
    if isinstance(t, BoolType):
        return z3.And(Value.is_bool(v), {"anyBool": z3.BoolVal(True), "tt": Value.b(v), "ff": z3.Not(Value.b(v))}[t.kind])
    if isinstance(t, LongType):
        return Value.is_long(v)
    if isinstance(t, StringType):
        return Value.is_string(v)
    if isinstance(t, EntityType):
        return z3.And(Value.is_entity(v), EntityUID.ty(Value.uid(v)) == string_val(t.ety), env.valid_uid(Value.uid(v), t.ety))
    if isinstance(t, SetType):
        i, elems = z3.Int("i"), Value.elems(v)
        return z3.And(Value.is_set(v), z3.ForAll([i], z3.Implies(z3.And(0 <= i, i < z3.Length(elems)),
                                                                 has_type(elems[i], t.elem, env))))
    if isinstance(t, RecordType):
        k, attrs = z3.String("k"), Value.attrs(v)
        declared = z3.ForAll([k], z3.Implies(Entry.is_present(attrs[k]), z3.Or([k == string_val(a) for a, _ in t.attrs])))
        each = [z3.If(Entry.is_present(attrs[string_val(a)]), has_type(Entry.entry_value(attrs[string_val(a)]), q.ty, env),
                      z3.BoolVal(not q.required)) for a, q in t.attrs]
        return z3.And(Value.is_record(v), declared, *each)
    return {"decimal": Value.is_decimal, "ipaddr": Value.is_ipaddr, "datetime": Value.is_datetime,
            "duration": Value.is_duration}[t.name](v)
