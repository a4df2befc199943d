"""The entity store (Lean `Spec/Entities.lean`) as Z3 functions of an entity uid.

    exists[uid]          does the store hold this entity?
    attrs[uid][name]     its attributes, a map (`Entry`: absent | present value)
    ancestors[uid][anc]  is `anc` an ancestor (transitively closed)?
    tags[uid][name]      its tags, a map

An entity's attributes and tags are never values in their own right (no
expression yields them whole), so maps suffice. A symbolic store uses array
constants; a concrete one uses store chains, which `z3.simplify` looks up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import z3

from spec.terms import and_, ite, select, store
from spec.values import EMPTY_MAP, EntityUID, Map, map_of

ANCESTORS = z3.ArraySort(EntityUID, z3.BoolSort())


@dataclass(frozen=True)
class EntityData:
    """One entity: its attributes and tags (ground values) and its ancestors."""
    attrs: Mapping[str, z3.DatatypeRef]
    ancestors: frozenset
    tags: Mapping[str, z3.DatatypeRef]


@dataclass(frozen=True)
class Entities:
    exists: z3.ArrayRef
    attrs: z3.ArrayRef
    ancestors: z3.ArrayRef
    tags: z3.ArrayRef

    def attrs_or_empty(self, uid: z3.DatatypeRef) -> z3.ArrayRef:
        return ite(select(self.exists, uid), select(self.attrs, uid), EMPTY_MAP)

    def tags_or_empty(self, uid: z3.DatatypeRef) -> z3.ArrayRef:
        return ite(select(self.exists, uid), select(self.tags, uid), EMPTY_MAP)

    def is_ancestor(self, uid: z3.DatatypeRef, ancestor: z3.DatatypeRef) -> z3.BoolRef:
        """`(es.ancestorsOrEmpty uid).contains ancestor`."""
        return and_(select(self.exists, uid), select(select(self.ancestors, uid), ancestor))

    def substitution(self, other: "Entities") -> list[tuple[z3.ExprRef, z3.ExprRef]]:
        """Pairs for `z3.substitute` replacing this (symbolic) store by `other`."""
        return [(self.exists, other.exists), (self.attrs, other.attrs),
                (self.ancestors, other.ancestors), (self.tags, other.tags)]


def symbolic_entities(name: str = "entities") -> Entities:
    """An arbitrary store: four array constants."""
    return Entities(z3.Array(f"{name}.exists", EntityUID, z3.BoolSort()),
                    z3.Array(f"{name}.attrs", EntityUID, Map),
                    z3.Array(f"{name}.ancestors", EntityUID, ANCESTORS),
                    z3.Array(f"{name}.tags", EntityUID, Map))


def transitive_closure(parents: Mapping[object, frozenset]) -> dict[object, frozenset]:
    """Every entity's ancestors: the parents, their parents, and so on."""
    closure: dict[object, frozenset] = {}
    for uid in parents:
        found: set = set()
        todo = list(parents[uid])
        while todo:
            p = todo.pop()
            if p not in found:
                found.add(p)
                todo.extend(parents.get(p, ()))
        closure[uid] = frozenset(found)
    return closure


def concrete_entities(data: Mapping[z3.DatatypeRef, EntityData]) -> Entities:
    """The store holding exactly these entities (ancestors already transitively closed)."""
    exists, attrs, ancestors, tags = _NO_ENTITY, _NO_MAPS, _NO_ANCESTORS, _NO_MAPS
    for uid, d in data.items():
        exists = store(exists, uid, _TRUE)
        attrs = store(attrs, uid, map_of(d.attrs))
        tags = store(tags, uid, map_of(d.tags))
        anc = _NO_ENTITY
        for a in d.ancestors:
            anc = store(anc, a, _TRUE)
        ancestors = store(ancestors, uid, anc)
    return Entities(exists, attrs, ancestors, tags)


_TRUE, _NO_ENTITY = z3.BoolVal(True), z3.K(EntityUID, z3.BoolVal(False))
_NO_MAPS, _NO_ANCESTORS = z3.K(EntityUID, EMPTY_MAP), z3.K(EntityUID, _NO_ENTITY)
