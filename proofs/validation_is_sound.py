"""Obligation 8, Lean `validation_is_sound`: a policy that validates evaluates to a Bool or a permitted error.

The goals are the inductive steps, one per expression form (`proofs.typechecker`,
with the lemmas it uses: `lub_left`, `lub_right` by induction on types, the set
lemmas by induction on sequences), and the top-level step below: a policy's
condition, typed as a subtype of Bool, evaluates to a Bool or a permitted error.
`proofs/README.md` explains how these compose, by structural induction on the
expression, into the theorem for every policy. The typing rules are a parameter
(`proofs.typing_rules.TypingRules`), so a seeded bug in them must show up here.
"""

from __future__ import annotations

import z3

from proofs.harness import Goal, Obligation
from proofs.instance_of import ANY_BOOL, lub, unfold, unfold_lub
from proofs.logic import Steps
from proofs.typechecker import evaluates_to, forms, permitted
from proofs.typing_rules import RULES, TypingRules
from spec.errors import Result
from spec.types import TypeSort as T
from spec.values import Value


def policy_is_boolean() -> Goal:
    """Lean `typecheckPolicy`: the condition's type is a subtype of Bool (`lub(t, Bool) == Bool`), so its value,
    if it has one, is a Bool."""
    r, t = z3.Const("policy.result", Result), z3.Const("policy.type", T)
    claim = z3.Or(permitted(r), z3.And(Result.is_ok(r), Value.is_bool(Result.ok_value(r))))
    return Goal("a condition typed as a Bool evaluates to a Bool or a permitted error",
                [evaluates_to(r, t), lub(t, ANY_BOOL, ANY_BOOL)], claim,
                known=[unfold_lub(t, ANY_BOOL, ANY_BOOL), unfold(Result.ok_value(r), t)])


def goals(rules: TypingRules = RULES) -> Steps:
    return [*forms(rules), policy_is_boolean()]


OBLIGATION = Obligation("8", "validator soundness", goals)
