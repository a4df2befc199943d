"""Cedar runtime values.

Representation (chosen for speed on the request path):
- Bool -> `bool`, Long -> `int` (always within signed 64 bits), String -> `str`;
- entity reference -> `EntityUID`;
- Set -> `Set` (a frozenset of Cedar-equality keys), Record -> `Record`;
- extension values -> subclasses of `ExtensionValue` (in `impl.extensions`).

INVARIANT: Python's `True == 1` must never leak into Cedar equality: Cedar's
`1 == true` is false, `[1, true]` has two elements and `{a: 1} != {a: true}`.
"""

from __future__ import annotations

from operator import itemgetter
from typing import ItemsView, Iterable, Iterator, Mapping, Union


class EntityUID(tuple):
    """An entity reference `Type::"id"`; `type` is the fully qualified type name (`NS::User`).

    A tuple underneath so hashing and equality run at C speed on the request path.
    """

    __slots__ = ()

    def __new__(cls, type: str, id: str) -> "EntityUID":
        return tuple.__new__(cls, (type, id))

    type = property(itemgetter(0))
    id = property(itemgetter(1))

    def __getnewargs__(self) -> tuple[str, str]:
        return (self[0], self[1])

    def __repr__(self) -> str:
        return f"EntityUID({self[0]!r}, {self[1]!r})"

    def __str__(self) -> str:
        return f"{self[0]}::{quote_string(self[1])}"

    def to_json(self) -> dict[str, str]:
        return {"type": self[0], "id": self[1]}


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0", "\\": "\\\\", '"': '\\"'}


def quote_string(s: str) -> str:
    """A Cedar string literal for `s` (the escapes Cedar's own printer uses)."""
    out = []
    for ch in s:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append(f"\\u{{{ord(ch):x}}}")
    return '"' + "".join(out) + '"'


# ---------------------------------------------------------------- Cedar equality

class _BoolKey:
    """Stands in for a Cedar Bool inside hashed containers, so `true` never meets `1`."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"<{str(self.value).lower()}>"

    def __reduce__(self) -> str:
        return "_TRUE_KEY" if self.value else "_FALSE_KEY"


_TRUE_KEY = _BoolKey(True)
_FALSE_KEY = _BoolKey(False)


def key(v: "Value") -> object:
    """The hashable stand-in of `v` under Cedar equality (only Bools change)."""
    if v.__class__ is bool:
        return _TRUE_KEY if v else _FALSE_KEY
    return v


def unkey(k: object) -> "Value":
    return k.value if k.__class__ is _BoolKey else k  # type: ignore[attr-defined,return-value]


def cedar_eq(a: "Value", b: "Value") -> bool:
    """Cedar `==`: structural, and a Bool is never equal to a Long."""
    if a.__class__ is bool or b.__class__ is bool:
        return a is b
    return a == b


class Set:
    """A Cedar set: immutable, unordered, duplicates collapsed under Cedar equality.

    `members` is the frozenset of `key(v)` for each element; the evaluator runs
    `contains`/`containsAll`/`containsAny`/`in` directly on it at C speed.
    Iterating a `Set` yields the Cedar values themselves.
    """

    __slots__ = ("members",)

    def __init__(self, values: "Iterable[Value]" = ()) -> None:
        self.members: frozenset = frozenset(map(key, values))

    @classmethod
    def from_members(cls, members: frozenset) -> "Set":
        s = object.__new__(cls)
        s.members = members
        return s

    def __iter__(self) -> "Iterator[Value]":
        return map(unkey, self.members)

    def __len__(self) -> int:
        return len(self.members)

    def __contains__(self, v: "Value") -> bool:
        return key(v) in self.members

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Set and self.members == other.members  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.members)

    def __repr__(self) -> str:
        return "Set([" + ", ".join(sorted(map(repr, self))) + "])"


_MISSING = object()


class Record:
    """A Cedar record: attribute name -> value, immutable by convention.

    `attrs` is a plain dict (insertion order kept for printing); equality and
    hashing follow Cedar equality, ignoring order.
    """

    __slots__ = ("attrs", "_hash")

    def __init__(self, attrs: "Mapping[str, Value] | None" = None) -> None:
        self.attrs: dict[str, Value] = dict(attrs) if attrs else {}
        self._hash: int | None = None

    def get(self, name: str, default: object = None) -> object:
        return self.attrs.get(name, default)

    def __getitem__(self, name: str) -> "Value":
        return self.attrs[name]

    def __contains__(self, name: object) -> bool:
        return name in self.attrs

    def __iter__(self) -> "Iterator[str]":
        return iter(self.attrs)

    def __len__(self) -> int:
        return len(self.attrs)

    def items(self) -> "ItemsView[str, Value]":
        return self.attrs.items()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Record:
            return False
        mine, theirs = self.attrs, other.attrs  # type: ignore[attr-defined]
        if len(mine) != len(theirs):
            return False
        for name, v in mine.items():
            w = theirs.get(name, _MISSING)
            if w is _MISSING or not cedar_eq(v, w):
                return False
        return True

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset((k, key(v)) for k, v in self.attrs.items()))
        return self._hash

    def __repr__(self) -> str:
        return "Record({" + ", ".join(f"{k!r}: {v!r}" for k, v in self.attrs.items()) + "})"


class ExtensionValue:
    """Base of the extension values (decimal, ipaddr, datetime, duration).

    Subclasses define `type_name`, `constructor` (the function whose string
    argument re-creates the value), `__eq__`/`__hash__` on their own fields
    (never equal to a value of another class) and `to_string()`, the string
    that the constructor reads back.
    """

    __slots__ = ()
    type_name: str = ""
    constructor: str = ""

    def to_string(self) -> str:
        raise NotImplementedError

    def to_json(self) -> dict:
        return {"__extn": {"fn": self.constructor, "arg": self.to_string()}}

    def __repr__(self) -> str:
        return f"{self.constructor}({quote_string(self.to_string())})"


class Unknown:
    """An `unknown("name")` placeholder that entity or context JSON may hold
    (`{"__extn": {"fn": "unknown", "arg": "name"}}`), as Rust's partial evaluation allows.

    It is not a Cedar value: the evaluator fails when it reads one (Rust leaves a
    residual, which makes the policy error). A set holding an unknown, however
    deep, is an `UnknownSet`, which fails the same way when read; a record keeps
    its unknowns, so its other attributes stay readable (Rust's "projectable" records).
    """

    __slots__ = ("name",)
    type_name = "unknown"

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Unknown and self.name == other.name  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((Unknown, self.name))

    def to_json(self) -> dict:
        return {"__extn": {"fn": "unknown", "arg": self.name}}

    def __repr__(self) -> str:
        return f"unknown({quote_string(self.name)})"


class UnknownSet(Set):
    """A set with an `Unknown` somewhere inside: schema conformance sees its elements,
    the evaluator refuses to read it."""

    __slots__ = ()
    type_name = "set"

    def to_json(self) -> list:
        return [to_json(x) for x in self]


Value = Union[bool, int, str, EntityUID, Set, Record, ExtensionValue]
"""A Cedar value (see the module docstring for the representation)."""

LONG_MIN = -(2**63)
LONG_MAX = 2**63 - 1


def type_name(v: object) -> str:
    """Cedar's name for the type of `v`, as error messages print it."""
    cls = v.__class__
    if cls is bool:
        return "bool"
    if cls is int:
        return "long"
    if cls is str:
        return "string"
    if cls is EntityUID:
        return f"(entity of type `{v[0]}`)"  # type: ignore[index]
    if cls is Set:
        return "set"
    if cls is Record:
        return "record"
    if isinstance(v, (ExtensionValue, Unknown, UnknownSet)):
        return v.type_name
    return cls.__name__


def to_json(v: "Value") -> object:
    """The explicit Cedar JSON form of a value (`__entity`/`__extn` spelled out),
    readable without a schema."""
    cls = v.__class__
    if cls is bool or cls is int or cls is str:
        return v
    if cls is EntityUID:
        return {"__entity": v.to_json()}  # type: ignore[union-attr]
    if cls is Set:
        return [to_json(x) for x in v]  # type: ignore[union-attr]
    if cls is Record:
        return {k: to_json(x) for k, x in v.items()}  # type: ignore[union-attr]
    return v.to_json()  # type: ignore[union-attr]


def to_cedar(v: "Value") -> str:
    """`v` written as a Cedar expression (for messages and printing)."""
    cls = v.__class__
    if cls is bool:
        return "true" if v else "false"
    if cls is int:
        return str(v)
    if cls is str:
        return quote_string(v)  # type: ignore[arg-type]
    if cls is EntityUID:
        return str(v)
    if cls is Set:
        return "[" + ", ".join(to_cedar(x) for x in v) + "]"  # type: ignore[union-attr]
    if cls is Record:
        return "{" + ", ".join(f"{quote_string(k)}: {to_cedar(x)}" for k, x in v.items()) + "}"  # type: ignore[union-attr]
    return repr(v)
