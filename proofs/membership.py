"""`e in [E1, ..., En]` for lists of any length: the loop of `make_set`, one entity at a time.

`in_set(a, s)` (`spec.evaluator`) checks that every element of `s` is an entity
and asks whether `a` is `in` one of them. `make_set` inserts the elements one by
one (`spec.values._insert`). The invariant of that loop, INV(elements, hit):
every element is an entity, and `a` is `in` one of them iff `hit`. `in_list_step`
carries it across one insertion, for any set so far (sets lemmas; it rests on
the model's premise that `key` is injective); `in_literals` chains it along a
given list, so a lemma about `a in [E1..En]` for each n is a few Z3 steps.
"""

from __future__ import annotations

from typing import Sequence

import z3

from proofs import sets
from proofs.harness import Goal
from proofs.logic import Lemma, Steps
from spec.entities import Entities
from spec.errors import ok
from spec.evaluator import in_entity, in_set
from spec.values import EntityUID, Value, Values, _insert, bool_value, make_set


def invariant(a: z3.ExprRef, elements: z3.SeqRef, hit: z3.BoolRef, es: Entities) -> z3.BoolRef:
    return z3.And(sets.fold_all(z3.BoolVal(True), elements, Value.is_entity),
                  sets.fold_any(z3.BoolVal(False), elements, lambda e: in_entity(a, Value.uid(e), es)) == hit)


def in_list_step(es: Entities) -> Lemma:
    s, v, b = z3.Const("list.elements", Values), z3.Const("list.next", Value), z3.Bool("list.hit")
    a = z3.Const("list.member", EntityUID)

    def in_it(e: z3.ExprRef) -> z3.BoolRef:
        return in_entity(a, Value.uid(e), es)
    grown = _insert(s, v)
    statement = z3.Implies(z3.And(sets.KEY_INJECTIVE, invariant(a, s, b, es), Value.is_entity(v)),
                           invariant(a, grown, z3.Or(b, in_it(v)), es))

    def proof() -> Steps:
        return [Goal("in_list_step", [], statement, known=[
            sets.fold_all_iff.at(s, z3.BoolVal(True), P=Value.is_entity),
            sets.fold_all_iff.at(grown, z3.BoolVal(True), P=Value.is_entity),
            sets.insert_all.at(s, v, P=Value.is_entity),
            sets.fold_any_iff.at(s, z3.BoolVal(False), P=in_it),
            sets.fold_any_iff.at(grown, z3.BoolVal(False), P=in_it),
            sets.insert_any.at(s, v, P=in_it), sets.key_injective_on.at(s, v)],
            uses=(sets.fold_all_iff, sets.insert_all, sets.fold_any_iff, sets.insert_any, sets.key_injective_on),
            opaque=True, propositional=True)]
    return Lemma("in_list_step", (s, v, b, a), statement, proof)


def in_literals(name: str, a: z3.ExprRef, entities: Sequence[z3.ExprRef], es: Entities,
                step: Lemma) -> tuple[Steps, z3.BoolRef, z3.BoolRef]:
    """Steps proving `in_set(a, make_set(entities)) == ok(hit)` for `hit` = `a` is `in` some entity;
    returns (steps, that equation, hit). The steps assume the model's premise `sets.KEY_INJECTIVE`."""
    elements, hit, known = sets.EMPTY, z3.BoolVal(False), []
    for e in entities:
        value = Value.entity(e)
        known.append(step.at(elements, value, hit, a))
        elements, hit = _insert(elements, value), z3.Or(hit, in_entity(a, e, es))
    base, reached = invariant(a, sets.EMPTY, z3.BoolVal(False), es), invariant(a, elements, hit, es)
    the_set = make_set([Value.entity(e) for e in entities])
    equation = in_set(a, the_set, es) == ok(bool_value(hit))
    final = z3.Implies(invariant(a, Value.elems(the_set), hit, es), equation)
    steps = [Goal(f"{name}: the empty list", [], base),
             Goal(f"{name}: each entity in turn", [sets.KEY_INJECTIVE], reached, uses=(step,),
                  known=[base, *known], opaque=True, propositional=True),
             Goal(f"{name}: a set's membership is its invariant", [], final),
             Goal(f"{name}: membership", [sets.KEY_INJECTIVE], equation, known=[reached, final])]
    return steps, equation, hit
