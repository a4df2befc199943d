"""Seeded bugs for the negative controls: each is a parameter of an obligation, never a patch of the model.

An obligation that a wrong authorizer, typing rule or scope index still satisfies
would prove nothing; `tests/proofs/test_*` check that each bug here is refuted
with a counterexample printed as Cedar.
"""

from __future__ import annotations

import itertools
from typing import Any

import z3

from proofs.instance_of import declares
from proofs.policy_family import Policy
from proofs.scope_index import IndexEncoding
from proofs.typing_rules import LONG, STRING, Sub, Typing, TypingRules
from spec.authorizer import PolicySet, Response
from spec.entities import Entities
from spec.types import FieldSort as F
from spec.types import TypeSort as T


def _permits(ps: PolicySet) -> Any:
    return lambda p: z3.And(ps.is_permit(p), ps.satisfied(p))


def _forbids(ps: PolicySet) -> Any:
    return lambda p: z3.And(z3.Not(ps.is_permit(p)), ps.satisfied(p))


def _response(ps: PolicySet, allow: z3.BoolRef) -> Response:
    """The real determining and erroring policies for a (wrong) decision."""
    return Response(allow, lambda p: z3.If(allow, _permits(ps)(p), _forbids(ps)(p)), ps.errored)


# ----- authorizers (obligations 1-7, 10) -----

def no_forbid_allows(ps: PolicySet) -> Response:
    """The seed's bug: if no forbid is satisfied then Allow."""
    return _response(ps, z3.Not(ps.some(_forbids(ps))))


def permit_overrides(ps: PolicySet) -> Response:
    """A satisfied permit wins over a satisfied forbid."""
    return _response(ps, ps.some(_permits(ps)))


_firsts = itertools.count()


def first_match(ps: PolicySet) -> Response:
    """The first satisfied policy decides. Which policy comes first is not a property of the set of
    policies: each listing of the same set may put another one first (a fresh constant per call)."""
    first = z3.Const(f"first{next(_firsts)}", Policy)
    return _response(ps, ps.some(lambda p: z3.And(p == first, _permits(ps)(p))))


def error_denies(ps: PolicySet) -> Response:
    """Fail closed on any error: a policy that errors turns Allow into Deny."""
    return _response(ps, z3.And(ps.some(_permits(ps)), z3.Not(ps.some(_forbids(ps))), z3.Not(ps.some(ps.errored))))


def error_allows(ps: PolicySet) -> Response:
    """Fail open: a policy that errors allows."""
    return _response(ps, z3.Or(z3.And(ps.some(_permits(ps)), z3.Not(ps.some(_forbids(ps)))), ps.some(ps.errored)))


def erroring_determines(ps: PolicySet) -> Response:
    """The right decision, but the erroring policies are counted among the determining ones."""
    allow = z3.And(ps.some(_permits(ps)), z3.Not(ps.some(_forbids(ps))))
    return Response(allow, lambda p: z3.Or(z3.If(allow, _permits(ps)(p), _forbids(ps)(p)), ps.errored(p)), ps.errored)


def errors_forgotten(ps: PolicySet) -> Response:
    """The right decision and reasons, but no erroring policies reported."""
    allow = z3.And(ps.some(_permits(ps)), z3.Not(ps.some(_forbids(ps))))
    return Response(allow, lambda p: z3.If(allow, _permits(ps)(p), _forbids(ps)(p)), lambda p: z3.BoolVal(False))


# ----- typing rules (obligation 8) -----

class PlusOnStrings(TypingRules):
    """`+` (and `-`, `*`) also accept a String on the left."""

    def arith(self, a: Sub, b: Sub) -> Typing:
        return Typing(z3.And(a.typed, b.typed, z3.Or(a.ty == LONG, a.ty == STRING), b.ty == LONG), LONG)


class GetAttrWithoutHas(TypingRules):
    """`e.a` of an optional attribute without the capability of a prior `e has a`."""

    def get_attr(self, a: Sub, attr: z3.SeqRef, i: z3.ArithRef, known: z3.BoolRef) -> Typing:
        declared, _, rty = self._attributes(a.ty)
        return Typing(z3.And(a.typed, declared, declares(rty, attr, i)), F.field_type(T.fields(rty)[i]))


# ----- scope indexes (obligation 10) -----

class InAsEquality(IndexEncoding):
    """`principal in G` (and `resource in G`) filed as `principal == G`: members of G are skipped."""

    def selects(self, op: str, entity: z3.ExprRef | None, entity_type: z3.ExprRef | None,
                uid: z3.ExprRef, es: Entities) -> z3.BoolRef:
        return super().selects("==" if op == "in" else op, entity, entity_type, uid, es)


class IgnoresIs(IndexEncoding):
    """`is T` selects every entity; `is T in G` is filed as `in G`."""

    def selects(self, op: str, entity: z3.ExprRef | None, entity_type: z3.ExprRef | None,
                uid: z3.ExprRef, es: Entities) -> z3.BoolRef:
        return super().selects({"is": "all", "is_in": "in"}.get(op, op), entity, entity_type, uid, es)

