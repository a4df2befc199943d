"""`proofs.scope_index` (what obligation 10 is proved about) selects exactly what the engine's index
(`impl/policy_index.py`) selects, on every scope over a small universe of entities and two stores."""

from __future__ import annotations

import itertools

import z3

from impl.ast import ActionConstraint, ScopeConstraint
from impl.entities import Entity
from impl.policy_index import ScopeIndex
from impl.values import EntityUID
from proofs.scope_index import ACTION_OPS, ENGINE_INDEX, SCOPE_OPS
from spec.entities import symbolic_entities
from spec.values import entity_uid

UIDS = [EntityUID("User", "alice"), EntityUID("User", "bob"), EntityUID("Group", "staff"), EntityUID("Group", "all")]
TYPES = ["User", "Group"]
# Two stores: each entity's (transitive) ancestors; an entity absent from a store has none.
STORES = [
    {UIDS[0]: {UIDS[2], UIDS[3]}, UIDS[2]: {UIDS[3]}, UIDS[3]: set()},
    {UIDS[1]: {UIDS[2]}},
]
ES = symbolic_entities("test")


def _z3(uid: EntityUID) -> z3.ExprRef:
    return entity_uid(uid.type, uid.id)


def _store_facts(store: dict[EntityUID, set[EntityUID]]) -> list[z3.BoolRef]:
    facts = []
    for u in UIDS:
        facts.append(ES.exists[_z3(u)] == (u in store))
        facts += [ES.ancestors[_z3(u)][_z3(t)] == (t in store.get(u, ())) for t in UIDS]
    return facts


def _valid(facts: list[z3.BoolRef], claim: z3.BoolRef) -> bool:
    s = z3.Solver()
    s.add(*facts, z3.Not(claim))
    return s.check() == z3.unsat


def _engine(index: ScopeIndex, uid: EntityUID, store: dict[EntityUID, set[EntityUID]]) -> bool:
    entity = Entity(uid, parents=store[uid]) if uid in store else None
    return bool(index.mask(uid, entity) & 1)


def test_principal_and_resource_constraints_select_as_the_engine_does() -> None:
    checked = 0
    for store in STORES:
        facts = _store_facts(store)
        for op in SCOPE_OPS:
            entities = UIDS if op in ("==", "in", "is_in") else [None]
            types = TYPES if op in ("is", "is_in") else [None]
            for entity, ety in itertools.product(entities, types):
                index = ScopeIndex()
                index.add_scope(1, ScopeConstraint(op, entity, ety))  # type: ignore[arg-type]
                for uid in UIDS:
                    selected = ENGINE_INDEX.selects(op, None if entity is None else _z3(entity),
                                                    None if ety is None else z3.StringVal(ety), _z3(uid), ES)
                    assert _valid(facts, selected == _engine(index, uid, store)), (op, entity, ety, uid, store)
                    checked += 1
    assert checked == 2 * 4 * (1 + 4 + 4 + 2 + 8)


def test_action_constraints_select_as_the_engine_does() -> None:
    lists = [()] + [(u,) for u in UIDS] + list(itertools.combinations(UIDS, 2))
    for store in STORES:
        facts = _store_facts(store)
        for op in ACTION_OPS:
            for entities in lists:
                if (op == "all") != (entities == ()) or (op == "==" and len(entities) != 1):
                    continue
                index = ScopeIndex()
                index.add_action(1, ActionConstraint(op, entities))  # type: ignore[arg-type]
                for uid in UIDS:
                    selected = ENGINE_INDEX.selects_action(op, [_z3(e) for e in entities], _z3(uid), ES)
                    assert _valid(facts, selected == _engine(index, uid, store)), (op, entities, uid, store)
