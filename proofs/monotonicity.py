"""Obligation 6, Lean `unchanged_allow_when_add_permit`, `unchanged_deny_when_add_forbid`,
`unchanged_determining_when_add_policy_and_decision_unchanged` and `unchanged_erroring_when_add_policy`."""

from __future__ import annotations

from typing import Callable

import z3

from proofs.harness import Goal, Obligation
from proofs.policy_family import REAL_AUTHORIZER, Authorize, Policy, SymbolicPolicies, scenario, symbolic_policies


def _ids(policies: SymbolicPolicies, member: Callable, pred: Callable, pid: z3.ExprRef) -> z3.BoolRef:
    return policies.some(lambda p: z3.And(pred(p), policies.policy_id(p) == pid), member)


def goals(authorize: Authorize = REAL_AUTHORIZER) -> list[Goal]:
    policies, added, pid = symbolic_policies(), z3.Const("added", Policy), z3.String("id")

    def grown(p: z3.ExprRef) -> z3.BoolRef:
        return z3.Or(policies.member(p), p == added)
    before, after = authorize(policies.policy_set()), authorize(policies.policy_set(grown))
    permit = policies.is_permit(added)

    def explain(title: str) -> Callable[[z3.ModelRef], str]:
        return lambda m: scenario(m, title, [("policies", policies, None, before),
                                             ("the same policies and one more", policies, grown, after)])
    same_decision = before.allow == after.allow
    return [
        Goal("unchanged_allow_when_add_permit", [], z3.Implies(z3.And(permit, before.allow), after.allow),
             explain("adding a permit policy turned Allow into Deny:")),
        Goal("unchanged_deny_when_add_forbid", [],
             z3.Implies(z3.And(z3.Not(permit), z3.Not(before.allow)), z3.Not(after.allow)),
             explain("adding a forbid policy turned Deny into Allow:")),
        Goal("unchanged_determining_when_add_policy_and_decision_unchanged", [],
             z3.Implies(z3.And(same_decision, _ids(policies, policies.member, before.determining, pid)),
                        _ids(policies, grown, after.determining, pid)),
             explain("adding a policy kept the decision but lost a determining policy:")),
        Goal("unchanged_erroring_when_add_policy", [],
             z3.Implies(_ids(policies, policies.member, before.erroring, pid), _ids(policies, grown, after.erroring, pid)),
             explain("adding a policy lost an erroring policy:")),
    ]


OBLIGATION = Obligation("6", "monotonicity", goals)
