"""Entities that fit a schema: hierarchies up to depth 4 and beyond, attribute
values of every type (extension values, nested records, entity references),
tags, enumerated entities, and deliberately missing entities: some parents and
attribute references name entities that are not in the store.

A small share of cases also breaks the schema on purpose (a required attribute
dropped, a value of the wrong type, an undeclared parent type, tags where none
are declared), to check that engines agree on rejecting such data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .schema import (
    BOOL, LONG, STRING, EntityT, ExtT, RecordT, SchemaSpec, SetT, Type, resolve,
)
from .values import (
    EXT_CONSTRUCTOR, EntityRef, ExtValue, Value, ext_literal, long_value, string_value,
)

ENTITY_IDS = ("alice", "bob", "carol", "g1", "g2", "root", "x", "", "a b", "é", "🦀", 'q"', "\\", "0", "*", "\u0301a",
              "e\u0301", "it's", "\t")
TAG_KEYS = ("t", "a", "b", "owner", "", "é", "level", "x y")


@dataclass(slots=True)
class EntitySpec:
    uid: EntityRef
    attrs: dict[str, Value] = field(default_factory=dict)
    parents: list[EntityRef] = field(default_factory=list)
    tags: dict[str, Value] | None = None


@dataclass(slots=True)
class EntityStore:
    """The generated entities (action entities included) and the pools drawn from them."""

    entities: list[EntitySpec]
    by_type: dict[str, list[EntityRef]]
    missing: list[EntityRef]  # uids referenced (as parents or attributes) but not in the store
    conforms: bool = True  # False when the data was broken on purpose

    def ancestors(self, uid: EntityRef) -> set[EntityRef]:
        """Every entity reachable through parents (missing parents included, their own parents unknown)."""
        parents = {e.uid: e.parents for e in self.entities}
        seen: set[EntityRef] = set()
        todo = list(parents.get(uid, ()))
        while todo:
            u = todo.pop()
            if u not in seen:
                seen.add(u)
                todo.extend(parents.get(u, ()))
        return seen


class ValueGen:
    """Draws values of a schema type; entity references mostly hit existing entities."""

    def __init__(self, rng: random.Random, schema: SchemaSpec, by_type: dict[str, list[EntityRef]],
                 strings: tuple[str, ...] = ()) -> None:
        self.rng = rng
        self.schema = schema
        self.by_type = by_type
        self.strings = strings
        self.missing: list[EntityRef] = []

    def entity_ref(self, type_name: str) -> EntityRef:
        rng = self.rng
        et = self.schema.entity_types.get(type_name)
        if et is not None and et.enum is not None:
            return EntityRef(type_name, rng.choice(et.enum))
        existing = self.by_type.get(type_name, [])
        if existing and rng.random() < 0.85:
            return rng.choice(existing)
        ref = EntityRef(type_name, rng.choice(ENTITY_IDS) + rng.choice(("", "_missing", "2")))
        if ref not in existing:
            self.missing.append(ref)
        return ref

    def value(self, t: Type, depth: int = 3) -> Value:
        rng = self.rng
        t = resolve(t)
        if t == BOOL:
            return rng.random() < 0.5
        if t == LONG:
            return long_value(rng)
        if t == STRING:
            return string_value(rng, self.strings)
        if isinstance(t, EntityT):
            return self.entity_ref(t.name)
        if isinstance(t, ExtT):
            fn = EXT_CONSTRUCTOR[t.name]
            return ExtValue(fn, ext_literal(rng, fn, valid=1.0))
        if isinstance(t, SetT):
            n = rng.randint(0, 3) if depth > 0 else 0
            return [self.value(t.elem, depth - 1) for _ in range(n)]
        assert isinstance(t, RecordT)
        return self.record(t, depth)

    def record(self, t: RecordT, depth: int = 3) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for k, a in t.attrs:
            if a.required or self.rng.random() < 0.6:
                out[k] = self.value(a.type, depth - 1)
        return out

    def any_value(self, depth: int = 2) -> Value:
        """A value of a random type (for undeclared attributes and wrong-typed data)."""
        rng = self.rng
        kinds = ["bool", "long", "string", "entity", "ext"] + (["set", "record"] if depth > 0 else [])
        kind = rng.choice(kinds)
        if kind == "bool":
            return rng.random() < 0.5
        if kind == "long":
            return long_value(rng)
        if kind == "string":
            return string_value(rng, self.strings)
        if kind == "entity" and self.schema.entity_types:
            return self.entity_ref(rng.choice(list(self.schema.entity_types)))
        if kind == "set":
            return [self.any_value(depth - 1) for _ in range(rng.randint(0, 2))]
        if kind == "record":
            return {rng.choice(("a", "b", "name")): self.any_value(depth - 1) for _ in range(rng.randint(0, 2))}
        fn = rng.choice(tuple(EXT_CONSTRUCTOR.values()))
        return ExtValue(fn, ext_literal(rng, fn, valid=1.0))


def gen_entities(rng: random.Random, schema: SchemaSpec, break_schema: float = 0.08) -> EntityStore:
    # Allocate uids first so attribute values can refer to any entity.
    by_type: dict[str, list[EntityRef]] = {}
    order: list[EntityRef] = []
    for t in schema.entity_types.values():
        if t.enum is not None:
            ids = [i for i in t.enum if rng.random() < 0.6]
        else:
            self_parent = t.name in t.parents
            n = rng.randint(0, 6 if self_parent else 3)
            ids = list(dict.fromkeys(rng.choice(ENTITY_IDS) for _ in range(n)))
        refs = [EntityRef(t.name, i) for i in ids]
        by_type[t.name] = refs
        order.extend(refs)
    position = {uid: i for i, uid in enumerate(order)}

    gen = ValueGen(rng, schema, by_type)
    entities: list[EntitySpec] = []
    for uid in order:
        t = schema.entity_types[uid.type]
        if t.enum is not None:
            entities.append(EntitySpec(uid))
            continue
        # Parents come later in `order`, so the hierarchy is acyclic; a self-typed
        # parent is preferably the next entity of the same type, which builds long chains.
        candidates = [p for pt in t.parents for p in by_type.get(pt, []) if position[p] > position[uid]]
        parents: list[EntityRef] = []
        if candidates:
            for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
                nxt = [c for c in candidates if c.type == uid.type]
                pick = nxt[0] if nxt and rng.random() < 0.6 else rng.choice(candidates)
                if pick not in parents:
                    parents.append(pick)
        if t.parents and rng.random() < 0.1:
            dangling = gen.entity_ref(rng.choice(t.parents))
            if dangling not in parents and dangling != uid and dangling not in by_type.get(dangling.type, []):
                parents.append(dangling)
        attrs = gen.record(t.shape)
        tags = None
        if t.tags is not None and rng.random() < 0.8:
            tags = {rng.choice(TAG_KEYS): gen.value(t.tags, 2) for _ in range(rng.randint(0, 3))}
        entities.append(EntitySpec(uid, attrs, parents, tags))

    for a in schema.actions:
        entities.append(EntitySpec(a.uid, {}, list(a.parents)))

    store = EntityStore(entities, by_type, gen.missing)
    if entities and rng.random() < break_schema:
        _break_schema(rng, schema, store, gen)
    return store


def _break_schema(rng: random.Random, schema: SchemaSpec, store: EntityStore, gen: ValueGen) -> None:
    """Make the data violate the schema in one way, or leave it if no way applies."""
    plain = [e for e in store.entities if e.uid.type in schema.entity_types
             and schema.entity_types[e.uid.type].enum is None]
    how = rng.choice(("drop_required", "extra_attr", "wrong_type", "bad_parent", "bad_tags", "bad_enum"))
    if how == "bad_enum":
        enums = [t for t in schema.entity_types.values() if t.enum is not None]
        if enums:
            store.entities.append(EntitySpec(EntityRef(rng.choice(enums).name, "not_a_member")))
            store.conforms = False
        return
    if not plain:
        return
    e = rng.choice(plain)
    shape = schema.entity_types[e.uid.type].shape
    if how == "drop_required":
        required = [k for k, a in shape.attrs if a.required and k in e.attrs]
        if required:
            del e.attrs[rng.choice(required)]
            store.conforms = False
    elif how == "extra_attr":
        name = rng.choice(("zz_extra", "name", "age", "a"))
        if shape.get(name) is None:
            e.attrs[name] = gen.any_value()
            store.conforms = False
    elif how == "wrong_type":
        if e.attrs:
            k = rng.choice(list(e.attrs))
            v = gen.any_value(0)
            if surely_different(v, e.attrs[k]):
                e.attrs[k] = v
                store.conforms = False
    elif how == "bad_parent":
        # parents may be of any type the entity's type is (transitively) a member of
        allowed: set[str] = set()
        todo = list(schema.entity_types[e.uid.type].parents)
        while todo:
            t = todo.pop()
            if t not in allowed and t in schema.entity_types:
                allowed.add(t)
                todo.extend(schema.entity_types[t].parents)
        others = [t for t in schema.entity_types if t not in allowed and schema.entity_types[t].enum is None]
        if others:
            e.parents.append(EntityRef(rng.choice(others), "stray"))
            store.conforms = False
    elif how == "bad_tags" and schema.entity_types[e.uid.type].tags is None:
        e.tags = {"t": gen.any_value()}
        store.conforms = False


def _signature(v: Value) -> tuple[str, str]:
    if isinstance(v, ExtValue):
        return ("ext", v.fn)
    if isinstance(v, EntityRef):
        return ("entity", v.type)
    return (type(v).__name__, "")


def surely_different(new: Value, old: Value) -> bool:
    """Whether `new` cannot have the schema type that `old` has (scalars only: an empty set fits any set type)."""
    scalar = ("list", "dict")
    a, b = _signature(new), _signature(old)
    return a != b and a[0] not in scalar and b[0] not in scalar


# ------------------------------------------------------------------ JSON forms


def value_to_json(v: Value, t: Type | None = None, rng: random.Random | None = None) -> Any:
    """The entities-JSON form of a value.

    With a schema type and an rng, entity references and extension values are
    sometimes written in the implicit form that only schema-directed parsing
    understands (`{"type","id"}`, a bare string); otherwise the explicit
    `__entity` / `__extn` escapes are used. Never `unknown(..)`: it belongs to Rust's experimental
    partial evaluation, where a policy reading one is a residual that concrete authorization counts
    as neither satisfied nor erroring (the engine makes it an error).
    """
    rt = resolve(t) if t is not None else None
    implicit = rng is not None and rt is not None and rng.random() < 0.5
    if isinstance(v, bool) or isinstance(v, (int, str)):
        return v
    if isinstance(v, EntityRef):
        if implicit and isinstance(rt, EntityT):
            return v.to_json()
        return {"__entity": v.to_json()}
    if isinstance(v, ExtValue):
        if implicit and isinstance(rt, ExtT):
            return v.arg
        return {"__extn": {"fn": v.fn, "arg": v.arg}}
    if isinstance(v, list):
        elem = rt.elem if isinstance(rt, SetT) else None
        return [value_to_json(x, elem, rng) for x in v]
    assert isinstance(v, dict)
    rec = rt if isinstance(rt, RecordT) else None
    return {k: value_to_json(x, (a.type if (a := rec.get(k)) else None) if rec else None, rng)
            for k, x in v.items()}


def entities_to_json(store: EntityStore, schema: SchemaSpec | None = None,
                     rng: random.Random | None = None) -> list[dict[str, Any]]:
    """The entities JSON: explicit form, or (schema and rng given) a mix of implicit and explicit forms."""
    out = []
    for e in store.entities:
        et = schema.entity_types.get(e.uid.type) if schema is not None else None
        shape = et.shape if et is not None and et.enum is None else None
        obj: dict[str, Any] = {
            "uid": e.uid.to_json(),
            "attrs": value_to_json(e.attrs, shape, rng),
            "parents": [p.to_json() for p in e.parents],
        }
        if e.tags is not None:
            tag_t = et.tags if et is not None else None
            obj["tags"] = {k: value_to_json(v, tag_t, rng) for k, v in e.tags.items()}
        out.append(obj)
    return out

