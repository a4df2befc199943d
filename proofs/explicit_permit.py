"""Obligation 1, Lean `allowed_only_if_explicitly_permitted`: Allow implies some permit policy is satisfied."""

from __future__ import annotations

import z3

from proofs.harness import Goal, Obligation
from proofs.policy_family import REAL_AUTHORIZER, Authorize, scenario, symbolic_policies


def goals(authorize: Authorize = REAL_AUTHORIZER) -> list[Goal]:
    policies = symbolic_policies()
    response = authorize(policies.policy_set())
    explicitly_permitted = policies.some(lambda p: z3.And(policies.is_permit(p), policies.satisfied(p)))
    return [Goal("allowed_only_if_explicitly_permitted", [], z3.Implies(response.allow, explicitly_permitted),
                 lambda m: scenario(m, "Allow, yet no permit policy is satisfied:",
                                    [("policies", policies, None, response)]))]


OBLIGATION = Obligation("1", "explicit permit", goals)
