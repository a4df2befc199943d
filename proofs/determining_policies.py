"""Obligation 7, exact reasons: Lean `determiningPolicies_of`, the erroring policies, "an erroring
policy is never satisfied" and `determining_erroring_disjoint_when_unique_ids`."""

from __future__ import annotations

from typing import Callable

import z3

from proofs.harness import Goal, Obligation
from proofs.policy_family import REAL_AUTHORIZER, Authorize, Policy, scenario, symbolic_policies
from spec.authorizer import has_error, satisfied
from spec.errors import Result, ok
from spec.values import bool_value


def goals(authorize: Authorize = REAL_AUTHORIZER) -> list[Goal]:
    policies = symbolic_policies()
    response = authorize(policies.policy_set())
    p, q, pid, r = z3.Const("p", Policy), z3.Const("q", Policy), z3.String("id"), z3.Const("r", Result)

    def explain(title: str) -> Callable[[z3.ModelRef], str]:
        return lambda m: scenario(m, title, [("policies", policies, None, response)])
    unique_ids = z3.ForAll([p, q], z3.Implies(z3.And(policies.member(p), policies.member(q),
                                                      policies.policy_id(p) == policies.policy_id(q)), p == q))
    determining_id = policies.some(lambda x: z3.And(response.determining(x), policies.policy_id(x) == pid))
    erroring_id = policies.some(lambda x: z3.And(response.erroring(x), policies.policy_id(x) == pid))
    return [
        Goal("satisfied and errored read the evaluator's Result", [],
             z3.And(satisfied(r) == (r == ok(bool_value(True))), has_error(r) == Result.is_err(r))),
        Goal("determiningPolicies_of", [],
             policies.every(lambda x: response.determining(x) == z3.And(
                 policies.satisfied(x), z3.If(response.allow, policies.is_permit(x), z3.Not(policies.is_permit(x))))),
             explain("the determining policies are not the satisfied policies of the decision's effect:")),
        Goal("erroringPolicies_of", [], policies.every(lambda x: response.erroring(x) == policies.errored(x)),
             explain("the erroring policies are not the policies whose evaluation errored:")),
        Goal("an erroring policy is never satisfied", [],
             policies.every(lambda x: z3.Implies(response.erroring(x),
                                                 z3.And(z3.Not(policies.satisfied(x)), z3.Not(response.determining(x))))),
             explain("an erroring policy is satisfied or determining:")),
        Goal("determining_erroring_disjoint_when_unique_ids", [unique_ids], z3.Not(z3.And(determining_id, erroring_id)),
             explain("with unique ids, a policy id is both determining and erroring:")),
    ]


OBLIGATION = Obligation("7", "exact reasons", goals)
