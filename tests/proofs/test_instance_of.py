"""`proofs.instance_of` restates `spec.types`: on concrete types, `lub` (by its defining equation) holds of
exactly the least upper bound `spec.types.lub` computes, and `inst` of exactly the values `has_type` admits.

Record types are left out of the `lub` check: the defining equation quantifies over their fields, and Z3
does not decide that reliably outside a proof that supplies the instances."""

from __future__ import annotations

import itertools

import z3

from proofs.instance_of import instance_body, lub, lub_body
from spec.types import (BoolType, CedarType, EntityType, ExtType, LongType, SetType, StringType, TypeSort,
                        has_type, type_term)
from spec.types import lub as spec_lub
from spec.values import EntityUID, Value, bool_value, long_value, string_value

TYPES: list[CedarType] = [BoolType("anyBool"), BoolType("tt"), BoolType("ff"), LongType(), StringType(),
                          EntityType("User"), EntityType("Doc"), ExtType("decimal"), SetType(BoolType("tt")),
                          SetType(BoolType("ff")), SetType(LongType()), SetType(SetType(BoolType("tt")))]
_a, _b, _c = z3.Consts("a b c", TypeSort)
LUB_DEFINITION = z3.ForAll([_a, _b, _c], lub(_a, _b, _c) == lub_body(_a, _b, _c), patterns=[lub(_a, _b, _c)])


def test_lub_holds_of_exactly_the_least_upper_bound() -> None:
    s = z3.Solver()
    s.set(timeout=5000)
    s.add(LUB_DEFINITION)
    for t1, t2 in itertools.product(TYPES, repeat=2):
        want = spec_lub(t1, t2)
        for candidate in {want, t1, t2, BoolType("anyBool"), SetType(BoolType("anyBool"))} - {None}:
            s.push()
            claim = lub(type_term(t1), type_term(t2), type_term(candidate))
            s.add(z3.Not(claim) if candidate == want else claim)
            assert s.check() == z3.unsat, (t1, t2, candidate, want)
            s.pop()


class _Schema:
    def valid_uid(self, uid: z3.ExprRef, ety: str) -> z3.BoolRef:
        from proofs.typed_env import valid_uid
        return valid_uid(uid)


def test_inst_one_level_deep_is_has_type() -> None:
    """For scalar types `instance_body` is `has_type` outright (deeper types go through `inst` again)."""
    user = Value.entity(EntityUID.entity_uid(z3.StringVal("User"), z3.StringVal("u")))
    values = [bool_value(True), bool_value(False), long_value(z3.BitVecVal(3, 64)), string_value(z3.StringVal("s")), user]
    for v, t in itertools.product(values, TYPES[:7]):
        s = z3.Solver()
        s.add(instance_body(v, type_term(t)) != has_type(v, t, _Schema()))
        assert s.check() == z3.unsat, (v, t)
