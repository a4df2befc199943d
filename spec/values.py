"""Cedar values as a Z3 datatype (Lean `Spec/Value.lean`).

    Value = bool | long (64-bit) | string | entity (type, id)
          | set (elements, key) | record (attributes, key)
          | decimal | ipaddr | datetime | duration

Z3's own equality on `Value` is Cedar's equality. For that, every set and record
is kept in one canonical form, which only `make_set` and `make_record` build:

* a set's elements are a sequence, strictly ascending by `key(v)`, a string that
  ranks values (so no duplicates);
* a record's attributes are a map from names to `Entry` (absent | present value),
  built in ascending name order;
* each set and record stores its own key, so that the concrete `KEY` is not
  recursive and ground terms reduce by rewriting (`z3.simplify`).

A map from strings to values (records, entity attributes, tags) is a Z3 array
from `String` to `Entry`; a name absent from the map maps to `absent`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Iterable, Mapping

import z3

from spec.ext.ipaddr import IPNet
from spec.terms import fast_decl, fast_decls, select, store

String = z3.StringSort()
Long = z3.BitVecSort(64)

EntityUID = z3.Datatype("EntityUID")
EntityUID.declare("entity_uid", ("ty", String), ("eid", String))
EntityUID = EntityUID.create()

_value = z3.Datatype("Value")
_entry = z3.Datatype("Entry")
_value.declare("bool", ("b", z3.BoolSort()))
_value.declare("long", ("i", Long))
_value.declare("string", ("s", String))
_value.declare("entity", ("uid", EntityUID))
_value.declare("set", ("elems", z3.SeqSort(z3.DatatypeSort("Value"))), ("set_key", String))
_value.declare("record", ("attrs", z3.ArraySort(String, z3.DatatypeSort("Entry"))), ("record_key", String))
_value.declare("decimal", ("d", Long))
_value.declare("ipaddr", ("ip", IPNet))
_value.declare("datetime", ("dt", Long))
_value.declare("duration", ("dur", Long))
_entry.declare("absent")
_entry.declare("present", ("entry_value", z3.DatatypeSort("Value")))
Value, Entry = z3.CreateDatatypes(_value, _entry)

fast_decls(EntityUID, Value, Entry)

Map = z3.ArraySort(String, Entry)
Values = z3.SeqSort(Value)
EMPTY_MAP = z3.K(String, Entry.absent)


@lru_cache(maxsize=65536)
def string_val(s: str) -> z3.SeqRef:
    """A Cedar string as a Z3 string of UTF-16 code units.

    Z3's alphabet stops at U+2FFFF, so characters beyond the BMP become surrogate
    pairs. Cedar strings never contain lone surrogates, so this is exact for
    equality and for `like` (a `*` cannot usefully stop inside a pair).
    (`z3.StringVal` itself would read a literal `\\u{41}` as "A".)
    """
    units = s.encode("utf-16-be", "surrogatepass")
    codes = (int.from_bytes(units[i:i + 2], "big") for i in range(0, len(units), 2))
    return z3.StringVal("".join(chr(c) if 32 <= c < 127 and c != 92 else f"\\u{{{c:x}}}" for c in codes))


def string_of(s: z3.SeqRef) -> str:
    """The Python string of a ground Z3 string built by `string_val`."""
    units = re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda m: chr(int(m.group(1), 16)), s.as_string())
    return units.encode("utf-16-be", "surrogatepass").decode("utf-16-be")


@lru_cache(maxsize=65536)
def entity_uid(ty: str, eid: str) -> z3.DatatypeRef:
    return EntityUID.entity_uid(string_val(ty), string_val(eid))


def bool_value(b: bool | z3.BoolRef) -> z3.DatatypeRef:
    return Value.bool(z3.BoolVal(b) if isinstance(b, bool) else b)


def long_value(i: int | z3.BitVecRef) -> z3.DatatypeRef:
    return Value.long(z3.BitVecVal(i, 64) if isinstance(i, int) else i)


def string_value(s: str | z3.ExprRef) -> z3.DatatypeRef:
    return Value.string(string_val(s) if isinstance(s, str) else s)


# ----- keys and the canonical order -----

def _digits(n: z3.ExprRef) -> z3.SeqRef:
    return z3.IntToStr(n)


def _sized(s: z3.SeqRef) -> z3.SeqRef:
    """`s` prefixed with its length, so that it can be followed by anything."""
    return z3.Concat(_digits(z3.Length(s)), z3.StringVal(":"), s)


def _bits(tag: str, bv: z3.BitVecRef) -> z3.SeqRef:
    return z3.Concat(z3.StringVal(tag), _digits(z3.BV2Int(bv)), z3.StringVal(";"))


def _ipaddr_key(ip: z3.DatatypeRef) -> z3.SeqRef:
    return z3.If(IPNet.is_ipv4(ip),
                 z3.Concat(_bits("I4", IPNet.v4_addr(ip)), _bits("/", IPNet.v4_prefix(ip))),
                 z3.Concat(_bits("I6", IPNet.v6_addr(ip)), _bits("/", IPNet.v6_prefix(ip))))


def _key(v: z3.DatatypeRef) -> z3.SeqRef:
    uid = Value.uid(v)
    return z3.If(Value.is_bool(v), z3.If(Value.b(v), z3.StringVal("B1"), z3.StringVal("B0")),
           z3.If(Value.is_long(v), _bits("L", Value.i(v)),
           z3.If(Value.is_string(v), z3.Concat(z3.StringVal("S"), _sized(Value.s(v))),
           z3.If(Value.is_entity(v), z3.Concat(z3.StringVal("E"), _sized(EntityUID.ty(uid)), _sized(EntityUID.eid(uid))),
           z3.If(Value.is_set(v), Value.set_key(v),
           z3.If(Value.is_record(v), Value.record_key(v),
           z3.If(Value.is_decimal(v), _bits("D", Value.d(v)),
           z3.If(Value.is_ipaddr(v), _ipaddr_key(Value.ip(v)),
           z3.If(Value.is_datetime(v), _bits("T", Value.dt(v)),
           _bits("U", Value.dur(v)))))))))))


key = fast_decl(z3.Function("key", Value, String))
"""The rank of a value in the canonical order, which sorts sets: any injective function will do.

The model leaves it uninterpreted, so what is proved holds whichever one Cedar
uses; the concrete mode fixes `KEY`: each kind has its own leading character,
strings and names carry their length (so no key is a proper prefix of another),
and a set or record answers its stored key.
"""

KEY = _key(z3.Var(0, Value))


def with_concrete_key(term: z3.ExprRef) -> z3.ExprRef:
    """`term` with `key` replaced by the concrete `KEY`, so that `z3.simplify` can compute it."""
    return z3.substitute_funs(term, (key, KEY))


# ----- sets -----

def _filter(keeps: Callable[[z3.SeqRef, z3.SeqRef], z3.BoolRef]) -> z3.ArrayRef:
    """`fun k => fun acc e => if keeps (key e) k then acc ++ [e] else acc`: a fold step, for the key `k` of a value.

    Closed, so the value (which may hold sets, with folds of their own) is never
    under a binder: Z3 rewrites a term anew under each binder, so a step that
    captured the value would cost exponential time in the depth of nested sets.
    """
    k, acc, e = z3.String("k"), z3.Const("acc", Values), z3.Const("e", Value)
    return z3.Lambda([k], z3.Lambda([acc, e], z3.If(keeps(key(e), k), z3.Concat(acc, z3.Unit(e)), acc)))


BELOW = _filter(lambda key_e, k: key_e < k)
"""`BELOW[key(v)]`: the fold step keeping the elements below `v`."""
ABOVE = _filter(lambda key_e, k: k < key_e)
"""`ABOVE[key(v)]`: the fold step keeping the elements above `v`."""


def _insert(elems: z3.SeqRef, v: z3.DatatypeRef) -> z3.SeqRef:
    """`elems` (ascending by key) with `v` in its place, unless it is already there."""
    empty = z3.Empty(Values)
    below = z3.SeqFoldLeft(BELOW[key(v)], empty, elems)
    above = z3.SeqFoldLeft(ABOVE[key(v)], empty, elems)
    return z3.Concat(below, z3.Unit(v), above)


def _keys_step() -> z3.ArrayRef:
    acc, e = z3.Const("acc", String), z3.Const("e", Value)
    return z3.Lambda([acc, e], z3.Concat(acc, key(e)))


_KEYS_STEP = _keys_step()


def _set_of(elems: z3.SeqRef) -> z3.DatatypeRef:
    """The set whose elements, ascending by key, are `elems`."""
    keys = z3.SeqFoldLeft(_KEYS_STEP, z3.StringVal(""), elems)
    return Value.set(elems, z3.Concat(z3.StringVal("["), keys, z3.StringVal("]")))


def make_set(values: Iterable[z3.DatatypeRef]) -> z3.DatatypeRef:
    """The set of `values` (Lean `Set.make`): sorted by key, duplicates dropped."""
    elems: z3.SeqRef = z3.Empty(Values)
    for v in values:
        elems = _insert(elems, v)
    return _set_of(elems)


def ascending_set(values: list[tuple[z3.BoolRef, z3.DatatypeRef]]) -> tuple[z3.DatatypeRef, z3.BoolRef]:
    """The set of those `values` whose condition holds, provided they ascend by key (the second result).

    A symbolic set of bounded size; stating the order as a constraint, not sorting, keeps it easy to solve.
    """
    empty, nothing = z3.Empty(Values), z3.StringVal("")
    elems = [z3.If(p, z3.Unit(v), empty) for p, v in values]
    keys = [z3.If(p, key(v), nothing) for p, v in values]
    ascending = [z3.Implies(z3.And(p, q), key(v) < key(w))
                 for i, (p, v) in enumerate(values) for q, w in values[i + 1:]]
    seq = elems[0] if len(elems) == 1 else z3.Concat(*elems) if elems else empty
    return Value.set(seq, z3.Concat(z3.StringVal("["), *keys, z3.StringVal("]"))), z3.And(ascending)


def set_contains(s: z3.DatatypeRef, v: z3.DatatypeRef) -> z3.BoolRef:
    return z3.Contains(Value.elems(s), z3.Unit(v))


def set_all(s: z3.DatatypeRef, pred) -> z3.BoolRef:
    """Every element of set `s` satisfies `pred` (a Python function building a Z3 formula)."""
    acc, e = z3.Bool("acc"), z3.Const("e", Value)
    return z3.SeqFoldLeft(z3.Lambda([acc, e], z3.And(acc, pred(e))), z3.BoolVal(True), Value.elems(s))


def set_any(s: z3.DatatypeRef, pred) -> z3.BoolRef:
    """Some element of set `s` satisfies `pred`."""
    acc, e = z3.Bool("acc"), z3.Const("e", Value)
    return z3.SeqFoldLeft(z3.Lambda([acc, e], z3.Or(acc, pred(e))), z3.BoolVal(False), Value.elems(s))


# ----- records -----

def make_record(attrs: Mapping[str, z3.DatatypeRef | tuple[z3.BoolRef, z3.DatatypeRef]]) -> z3.DatatypeRef:
    """The record with these attributes (Lean `Map.make`).

    An attribute given as `(present, value)` is optional: it exists when `present`
    holds (for symbolic records of a record type).
    """
    entries: z3.ArrayRef = EMPTY_MAP
    keys: list[z3.SeqRef] = [z3.StringVal("{")]
    for name in sorted(attrs):
        given = attrs[name]
        if isinstance(given, tuple):
            present, v = given
            entry = z3.If(present, Entry.present(v), Entry.absent)
            entry_key = z3.If(present, z3.Concat(_sized(string_val(name)), key(v)), z3.StringVal(""))
        else:
            entry, entry_key = Entry.present(given), z3.Concat(_sized(string_val(name)), key(given))
        entries = store(entries, string_val(name), entry)
        keys.append(entry_key)
    keys.append(z3.StringVal("}"))
    return Value.record(entries, z3.Concat(*keys))


def units(seq: z3.SeqRef) -> list[z3.ExprRef]:
    """The elements of a ground sequence (a concatenation of units)."""
    if seq.decl().kind() == z3.Z3_OP_SEQ_CONCAT:
        return [u for child in seq.children() for u in units(child)]
    return [] if seq.decl().kind() == z3.Z3_OP_SEQ_EMPTY else [seq.arg(0)]


def map_of(entries: Mapping[str, z3.DatatypeRef]) -> z3.ArrayRef:
    """A map from strings to values, with these entries (entity attributes, tags)."""
    m: z3.ArrayRef = EMPTY_MAP
    for name in sorted(entries):
        m = store(m, string_val(name), Entry.present(entries[name]))
    return m


def map_contains(m: z3.ArrayRef, k: z3.SeqRef) -> z3.BoolRef:
    return Entry.is_present(select(m, k))


# ----- reading ground values back -----

def ext_json(v: z3.DatatypeRef) -> dict:
    """An extension value's explicit Cedar JSON (`__extn`), in the forms Cedar writes."""
    if z3.is_true(z3.simplify(Value.is_ipaddr(v))):
        ip = v.arg(0)
        addr, prefix, v4 = ip.arg(0).as_long(), ip.arg(1).as_long(), z3.is_true(z3.simplify(IPNet.is_ipv4(ip)))
        octets = addr.to_bytes(4 if v4 else 16, "big")
        text = (".".join(str(b) for b in octets) if v4 else
                ":".join(f"{int.from_bytes(octets[i:i + 2], 'big'):x}" for i in range(0, 16, 2)))
        return {"__extn": {"fn": "ip", "arg": f"{text}/{prefix}"}}
    n = v.arg(0).as_signed_long()
    if z3.is_true(z3.simplify(Value.is_decimal(v))):
        return {"__extn": {"fn": "decimal", "arg": f"{'-' if n < 0 else ''}{abs(n) // 10**4}.{abs(n) % 10**4:04d}"}}
    duration = {"__extn": {"fn": "duration", "arg": f"{n}ms"}}
    if z3.is_true(z3.simplify(Value.is_duration(v))):
        return duration
    return {"__extn": {"fn": "offset", "args": [{"__extn": {"fn": "datetime", "arg": "1970-01-01"}}, duration]}}


def _entries(m: z3.ArrayRef) -> dict[str, z3.DatatypeRef]:
    """The present entries of a ground map (a chain of stores over the empty map)."""
    found: dict[str, z3.DatatypeRef] = {}
    while z3.is_store(m):
        m, k, entry = m.children()
        if string_of(k) not in found and z3.is_true(z3.simplify(Entry.is_present(entry))):
            found[string_of(k)] = entry.arg(0)
    return found


def value_json(v: z3.DatatypeRef) -> object:
    """The explicit Cedar JSON of a ground value."""
    kind, payload = v.decl().name(), v.arg(0)
    if kind == "bool":
        return z3.is_true(payload)
    if kind == "long":
        return payload.as_signed_long()
    if kind == "string":
        return string_of(payload)
    if kind == "entity":
        return {"__entity": {"type": string_of(payload.arg(0)), "id": string_of(payload.arg(1))}}
    if kind == "set":
        return [value_json(e) for e in units(payload)]
    if kind == "record":
        return {k: value_json(x) for k, x in sorted(_entries(payload).items())}
    return ext_json(v)
