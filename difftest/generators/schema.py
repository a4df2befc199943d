"""Random schemas: namespaces, entity-type hierarchies, attributes of every type,
tags, enumerated entity types, common types, and actions with groups and `appliesTo`.

The schema is generated first; entities, policies and requests are then drawn
to fit it (or deliberately not to). Names are always fully qualified here;
the renderers decide how to spell them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Iterator, Union

from .values import EntityRef

# ------------------------------------------------------------------ types


@dataclass(frozen=True, slots=True)
class Prim:
    name: str  # "Bool" | "Long" | "String"


@dataclass(frozen=True, slots=True)
class EntityT:
    name: str  # fully qualified


@dataclass(frozen=True, slots=True)
class SetT:
    elem: "Type"


@dataclass(frozen=True, slots=True)
class Attr:
    type: "Type"
    required: bool = True


@dataclass(frozen=True, slots=True)
class RecordT:
    attrs: tuple[tuple[str, Attr], ...] = ()

    def get(self, name: str) -> Attr | None:
        for k, a in self.attrs:
            if k == name:
                return a
        return None


@dataclass(frozen=True, slots=True)
class ExtT:
    name: str  # "decimal" | "ipaddr" | "datetime" | "duration"


@dataclass(frozen=True, slots=True)
class CommonT:
    """A reference to a declared common type (`type Name = ...;`)."""

    name: str  # fully qualified
    target: "Type"


Type = Union[Prim, EntityT, SetT, RecordT, ExtT, CommonT]

BOOL, LONG, STRING = Prim("Bool"), Prim("Long"), Prim("String")
EXT_TYPES = ("decimal", "ipaddr", "datetime", "duration")


def resolve(t: Type) -> Type:
    """The type a common-type reference stands for."""
    while isinstance(t, CommonT):
        t = t.target
    return t


# ------------------------------------------------------------------ schema


@dataclass(slots=True)
class EntityTypeSpec:
    name: str
    parents: tuple[str, ...] = ()
    attrs: Type = field(default_factory=RecordT)  # a RecordT or a CommonT naming one
    tags: Type | None = None
    enum: tuple[str, ...] | None = None
    annotations: tuple[tuple[str, str], ...] = ()

    @property
    def shape(self) -> RecordT:
        shape = resolve(self.attrs)
        assert isinstance(shape, RecordT)
        return shape


@dataclass(slots=True)
class ActionSpec:
    uid: EntityRef
    parents: tuple[EntityRef, ...] = ()
    principals: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    context: Type = field(default_factory=RecordT)
    applies: bool = True  # False: no `appliesTo` (the action applies to nothing)
    annotations: tuple[tuple[str, str], ...] = ()

    @property
    def context_shape(self) -> RecordT:
        shape = resolve(self.context)
        assert isinstance(shape, RecordT)
        return shape


@dataclass(slots=True)
class SchemaSpec:
    namespaces: list[str]  # "" is the empty namespace
    entity_types: dict[str, EntityTypeSpec]
    actions: list[ActionSpec]
    common_types: dict[str, Type]  # fully qualified name -> definition

    def applicable_actions(self) -> list[ActionSpec]:
        return [a for a in self.actions if a.applies and a.principals and a.resources]

    def action(self, uid: EntityRef) -> ActionSpec | None:
        for a in self.actions:
            if a.uid == uid:
                return a
        return None

    def descendant_types(self, name: str) -> set[str]:
        """Types whose entities may (transitively) be members of entities of type `name`, incl. itself."""
        out = {name}
        changed = True
        while changed:
            changed = False
            for t in self.entity_types.values():
                if t.name not in out and any(p in out for p in t.parents):
                    out.add(t.name)
                    changed = True
        return out


def namespace_of(name: str) -> str:
    return name.rsplit("::", 1)[0] if "::" in name else ""


def basename(name: str) -> str:
    return name.rsplit("::", 1)[-1]


def qualify(ns: str, short: str) -> str:
    return f"{ns}::{short}" if ns else short


def action_type(ns: str) -> str:
    return qualify(ns, "Action")


def walk_types(t: Type) -> Iterator[Type]:
    """`t` and every type nested in it (through sets, records and common types)."""
    yield t
    if isinstance(t, CommonT):
        yield from walk_types(t.target)
    elif isinstance(t, SetT):
        yield from walk_types(t.elem)
    elif isinstance(t, RecordT):
        for _, a in t.attrs:
            yield from walk_types(a.type)


# ------------------------------------------------------------------ generation

_TYPE_NAMES = (
    "User", "Group", "Team", "Org", "Doc", "Folder", "Photo", "Album", "Device", "Account", "Role",
    "Tenant", "Repo", "Issue", "Label", "Host", "Vm", "Bucket", "Key", "Project",
)
_ODD_TYPE_NAMES = ("_x", "a_1", "T", "userGroup", "Long", "String", "Set", "context", "principal")
_NAMESPACES = ("NS", "App::Core", "Photo_Flash", "a::b::c", "Acme")
ATTR_NAMES = (
    "name", "age", "owner", "manager", "level", "ip", "created", "ttl", "score", "flags", "profile",
    "members", "isAdmin", "dept", "a", "b", "c", "x", "tags", "readers", "addr", "limit", "when",
)
_ODD_ATTR_NAMES = ("if", "in", "has space", "ünï", "", "principal", "is", "like", "then", "__cedarx", "0", "a-b")
ACTION_IDS = ("view", "edit", "delete", "share", "read", "write", "admin", "list", "create", "comment")
_ODD_ACTION_IDS = ("a b", "ünïcode", "", "🦀", 'q"uote', "back\\slash", "Action")
ENUM_IDS = ("red", "green", "blue", "on", "off", "", "é", "a b", "🦀")
_COMMON_NAMES = ("Addr", "Meta", "Ctx", "Info", "Opts", "Age", "Label_t")


@dataclass(slots=True)
class SchemaSettings:
    max_types: int = 6
    max_attrs: int = 5
    max_actions: int = 5
    max_depth: int = 3
    odd_names: float = 0.05  # chance of a name that needs quoting or tests name resolution
    second_namespace: float = 0.2
    common_types: float = 0.2


class _Namer:
    """Unique short names across the whole schema (so no declaration shadows another)."""

    def __init__(self, rng: random.Random, odd: float) -> None:
        self.rng = rng
        self.odd = odd
        self.used: set[str] = set()

    def type_name(self) -> str:
        for _ in range(50):
            pool = _ODD_TYPE_NAMES if self.rng.random() < self.odd else _TYPE_NAMES
            name = self.rng.choice(pool)
            if name not in self.used:
                self.used.add(name)
                return name
        name = f"T{len(self.used)}"
        self.used.add(name)
        return name

    def common_name(self) -> str:
        for _ in range(20):
            name = self.rng.choice(_COMMON_NAMES)
            if name not in self.used:
                self.used.add(name)
                return name
        name = f"C{len(self.used)}"
        self.used.add(name)
        return name


def attr_name(rng: random.Random, odd: float) -> str:
    return rng.choice(_ODD_ATTR_NAMES if rng.random() < odd else ATTR_NAMES)


class _SchemaBuilder:
    def __init__(self, rng: random.Random, s: SchemaSettings) -> None:
        self.rng = rng
        self.s = s
        self.namer = _Namer(rng, s.odd_names)
        self.entity_names: list[str] = []
        self.common: dict[str, Type] = {}

    def gen_type(self, ns: str, depth: int) -> Type:
        rng = self.rng
        kinds = ["Bool", "Long", "Long", "String", "String", "Ext", "Ext"]
        if self.entity_names:
            kinds += ["Entity", "Entity"]
        if depth > 0:
            kinds += ["Set", "Set", "Record"]
        kind = rng.choice(kinds)
        if kind in ("Bool", "Long", "String"):
            t: Type = Prim(kind)
        elif kind == "Ext":
            t = ExtT(rng.choice(EXT_TYPES))
        elif kind == "Entity":
            t = EntityT(rng.choice(self.entity_names))
        elif kind == "Set":
            t = SetT(self.gen_type(ns, depth - 1))
        else:
            t = self.gen_record(ns, depth - 1, rng.randint(0, 3))
        if rng.random() < self.s.common_types * 0.3:
            return self.make_common(ns, t)
        return t

    def gen_record(self, ns: str, depth: int, n: int) -> RecordT:
        attrs: dict[str, Attr] = {}
        for _ in range(n):
            name = attr_name(self.rng, self.s.odd_names)
            attrs[name] = Attr(self.gen_type(ns, depth), self.rng.random() < 0.7)
        return RecordT(tuple(attrs.items()))

    def make_common(self, ns: str, t: Type) -> CommonT:
        name = qualify(ns, self.namer.common_name())
        self.common[name] = t
        return CommonT(name, t)

    def build(self) -> SchemaSpec:
        rng, s = self.rng, self.s
        primary = rng.choice(("", "", "") + _NAMESPACES)
        namespaces = [primary]
        if rng.random() < s.second_namespace:
            other = rng.choice([n for n in ("",) + _NAMESPACES if n != primary])
            namespaces.append(other)
        n_types = rng.randint(1, s.max_types)
        names = [qualify(rng.choice(namespaces), self.namer.type_name()) for _ in range(n_types)]
        # Declaration order doubles as the hierarchy order: an entity type's
        # parents come later in `names` (or are itself), so the type graph is a DAG plus self-loops.
        enum_flags = [rng.random() < 0.15 for _ in names]
        self.entity_names = list(names)
        types: dict[str, EntityTypeSpec] = {}
        for i, name in enumerate(names):
            ns = namespace_of(name)
            if enum_flags[i]:
                ids = rng.sample(ENUM_IDS, rng.randint(1, 3))
                types[name] = EntityTypeSpec(name, enum=tuple(ids))
                continue
            later = names[i + 1 :]
            parents = [p for p in later if rng.random() < 0.45]
            if rng.random() < 0.3:
                parents.append(name)
            shape: Type = self.gen_record(ns, s.max_depth - 1, rng.randint(0, s.max_attrs))
            if rng.random() < s.common_types * 0.5:
                shape = self.make_common(ns, shape)
            tags = self.gen_type(ns, 1) if rng.random() < 0.4 else None
            ann = (("doc", rng.choice(("a user", "", "é"))),) if rng.random() < 0.05 else ()
            types[name] = EntityTypeSpec(name, tuple(parents), shape, tags, None, ann)
        actions = self._actions(primary, names)
        return SchemaSpec(namespaces, types, actions, self.common)

    def _actions(self, ns: str, type_names: list[str]) -> list[ActionSpec]:
        rng, s = self.rng, self.s
        atype = action_type(ns)
        ids: list[str] = []
        for _ in range(rng.randint(1, s.max_actions)):
            pool = _ODD_ACTION_IDS if rng.random() < s.odd_names else ACTION_IDS
            aid = rng.choice(pool)
            if aid not in ids:
                ids.append(aid)
        out: list[ActionSpec] = []
        for i, aid in enumerate(ids):
            later = ids[i + 1 :]
            parents = tuple(EntityRef(atype, p) for p in later if rng.random() < 0.35)
            is_group = len(ids) > 1 and rng.random() < 0.2
            uid = EntityRef(atype, aid)
            if is_group:
                out.append(ActionSpec(uid, parents, applies=False))
                continue
            principals = tuple(rng.sample(type_names, min(len(type_names), rng.randint(1, 2))))
            resources = tuple(rng.sample(type_names, min(len(type_names), rng.randint(1, 2))))
            context: Type = self.gen_record(ns, s.max_depth - 1, rng.randint(0, 4))
            if rng.random() < s.common_types * 0.5:
                context = self.make_common(ns, context)
            out.append(ActionSpec(uid, parents, principals, resources, context))
        if not any(a.applies for a in out):
            a = out[0]
            out[0] = ActionSpec(a.uid, a.parents, (type_names[0],), (type_names[-1],), RecordT())
        return out


def gen_schema(rng: random.Random, settings: SchemaSettings | None = None) -> SchemaSpec:
    return _SchemaBuilder(rng, settings or SchemaSettings()).build()
