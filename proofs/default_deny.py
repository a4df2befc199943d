"""Obligation 3, Lean `default_deny`: if no permit policy is satisfied, the decision is Deny."""

from __future__ import annotations

import z3

from proofs.harness import Goal, Obligation
from proofs.policy_family import REAL_AUTHORIZER, Authorize, scenario, symbolic_policies


def goals(authorize: Authorize = REAL_AUTHORIZER) -> list[Goal]:
    policies = symbolic_policies()
    response = authorize(policies.policy_set())
    explicitly_permitted = policies.some(lambda p: z3.And(policies.is_permit(p), policies.satisfied(p)))
    return [Goal("default_deny", [], z3.Implies(z3.Not(explicitly_permitted), z3.Not(response.allow)),
                 lambda m: scenario(m, "no permit policy is satisfied, yet Allow:",
                                    [("policies", policies, None, response)]))]


OBLIGATION = Obligation("3", "default deny", goals)
