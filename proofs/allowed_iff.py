"""Obligation 4, Lean `allowed_iff_explicitly_permitted_and_not_denied` (and its dual
`denied_iff_explicitly_denied_or_not_permitted`): Allow iff some permit and no forbid is satisfied."""

from __future__ import annotations

import z3

from proofs.harness import Goal, Obligation
from proofs.policy_family import REAL_AUTHORIZER, Authorize, scenario, symbolic_policies


def goals(authorize: Authorize = REAL_AUTHORIZER) -> list[Goal]:
    policies = symbolic_policies()
    response = authorize(policies.policy_set())
    permitted = policies.some(lambda p: z3.And(policies.is_permit(p), policies.satisfied(p)))
    forbidden = policies.some(lambda p: z3.And(z3.Not(policies.is_permit(p)), policies.satisfied(p)))
    return [Goal("allowed_iff_explicitly_permitted_and_not_denied", [],
                 response.allow == z3.And(permitted, z3.Not(forbidden)),
                 lambda m: scenario(m, "the decision is not (some permit satisfied and no forbid satisfied):",
                                    [("policies", policies, None, response)]))]


OBLIGATION = Obligation("4", "allow iff permit and no forbid", goals)
