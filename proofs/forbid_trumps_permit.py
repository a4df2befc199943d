"""Obligation 2, Lean `forbid_trumps_permit`: a satisfied forbid policy implies Deny."""

from __future__ import annotations

import z3

from proofs.harness import Goal, Obligation
from proofs.policy_family import REAL_AUTHORIZER, Authorize, scenario, symbolic_policies


def goals(authorize: Authorize = REAL_AUTHORIZER) -> list[Goal]:
    policies = symbolic_policies()
    response = authorize(policies.policy_set())
    explicitly_forbidden = policies.some(lambda p: z3.And(z3.Not(policies.is_permit(p)), policies.satisfied(p)))
    return [Goal("forbid_trumps_permit", [], z3.Implies(explicitly_forbidden, z3.Not(response.allow)),
                 lambda m: scenario(m, "a forbid policy is satisfied, yet Allow:",
                                    [("policies", policies, None, response)]))]


OBLIGATION = Obligation("2", "forbid overrides permit", goals)
