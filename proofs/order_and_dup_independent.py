"""Obligation 5, Lean `order_and_dup_independent`: the response depends only on the set of policies.

Two symbolic sets `a` and `b` with the same set of (effect, satisfied, errored, id)
members, each element of one matched by some element of the other (so any order,
any repeats), get the same decision, determining ids and erroring ids.
"""

from __future__ import annotations

from typing import Callable

import z3

from proofs.harness import Goal, Obligation
from proofs.policy_family import REAL_AUTHORIZER, Authorize, Policy, SymbolicPolicies, scenario, symbolic_policies


def _same_members(a: SymbolicPolicies, b: SymbolicPolicies) -> z3.BoolRef:
    """Every member of `a` has a twin in `b`: same effect, satisfied, errored and id."""
    p, q = z3.Const("p", Policy), z3.Const("q", Policy)
    twin = z3.And(a.is_permit(p) == b.is_permit(q), a.satisfied(p) == b.satisfied(q),
                  a.errored(p) == b.errored(q), a.policy_id(p) == b.policy_id(q))
    return z3.ForAll([p], z3.Implies(a.member(p), z3.Exists([q], z3.And(b.member(q), twin))))


def _ids(policies: SymbolicPolicies, pred: Callable[[z3.ExprRef], z3.BoolRef], pid: z3.ExprRef) -> z3.BoolRef:
    """`pid` is the id of some member satisfying `pred`."""
    return policies.some(lambda p: z3.And(pred(p), policies.policy_id(p) == pid))


def goals(authorize: Authorize = REAL_AUTHORIZER) -> list[Goal]:
    a, b = symbolic_policies("a"), symbolic_policies("b")
    ra, rb = authorize(a.policy_set()), authorize(b.policy_set())
    same_sets = [_same_members(a, b), _same_members(b, a)]
    pid = z3.String("id")

    def explain(what: str) -> Callable[[z3.ModelRef], str]:
        return lambda m: scenario(m, f"the same policies in another order or with repeats, yet {what} differ"
                                     f"{'' if what == 'the decisions' else ' (id ' + repr(m.eval(pid).as_string()) + ')'}:",
                                  [("policies", a, None, ra), ("the same policies, reordered or repeated", b, None, rb)])
    return [Goal("order_and_dup_independent: decision", same_sets, ra.allow == rb.allow, explain("the decisions")),
            Goal("order_and_dup_independent: determining policies", same_sets,
                 _ids(a, ra.determining, pid) == _ids(b, rb.determining, pid), explain("the determining policies")),
            Goal("order_and_dup_independent: erroring policies", same_sets,
                 _ids(a, ra.erroring, pid) == _ids(b, rb.erroring, pid), explain("the erroring policies"))]


OBLIGATION = Obligation("5", "order and duplicate independence", goals)
