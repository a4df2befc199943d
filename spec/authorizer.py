"""The authorizer (Lean `Spec/Authorizer.lean`), for a concrete list or a symbolic family of policies.

The authorizer only sees, for each policy `p` of the set, its effect and, for the
request at hand, whether it is satisfied and whether it errored. `PolicySet`
packages exactly that, with `some(pred)`: "some policy of the set satisfies
`pred`". A concrete list gives a disjunction; a symbolic family (policies as
functions of an index sort, of unbounded size) gives an existential.

    allow          <->  (some permit satisfied) and not (some forbid satisfied)
    determining(p) <->  p satisfied, with the effect of the decision
    erroring(p)    <->  p errored
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import z3

from spec.errors import Result, ok
from spec.terms import and_, eq, ite, not_, or_
from spec.values import bool_value

Pred = Callable[[Any], z3.BoolRef]


def satisfied(result: z3.DatatypeRef) -> z3.BoolRef:
    """Lean `satisfied`: the policy's expression evaluated to `true`."""
    return eq(result, _TRUE)


_TRUE = ok(bool_value(True))


def has_error(result: z3.DatatypeRef) -> z3.BoolRef:
    """Lean `hasError`."""
    return Result.is_err(result)


@dataclass(frozen=True)
class PolicySet:
    is_permit: Pred   # the effect (else forbid)
    satisfied: Pred
    errored: Pred
    some: Callable[[Pred], z3.BoolRef]


def policy_list(effects: Sequence[str], results: Sequence[z3.DatatypeRef]) -> PolicySet:
    """Policies 0..n-1 with these effects and evaluation results."""
    return PolicySet(is_permit=lambda i: z3.BoolVal(effects[i] == "permit"),
                     satisfied=lambda i: satisfied(results[i]),
                     errored=lambda i: has_error(results[i]),
                     some=lambda pred: or_(*(pred(i) for i in range(len(results)))))


def policy_family(index: z3.SortRef, member: Pred, is_permit: Pred, satisfied: Pred, errored: Pred) -> PolicySet:
    """The policies `p` of sort `index` with `member(p)`: any number of them."""
    p = z3.Const("p", index)
    return PolicySet(is_permit, satisfied, errored,
                     some=lambda pred: z3.Exists([p], z3.And(member(p), pred(p))))


@dataclass(frozen=True)
class Response:
    """Lean `Response`, as Z3 terms: the decision and, per policy, whether it is determining or erroring."""
    allow: z3.BoolRef
    determining: Pred
    erroring: Pred


def is_authorized(policies: PolicySet) -> Response:
    """Lean `isAuthorized`: forbid overrides permit; no satisfied permit means deny."""
    def permits(p: Any) -> z3.BoolRef:
        return and_(policies.is_permit(p), policies.satisfied(p))

    def forbids(p: Any) -> z3.BoolRef:
        return and_(not_(policies.is_permit(p)), policies.satisfied(p))

    allow = and_(not_(policies.some(forbids)), policies.some(permits))
    return Response(allow, determining=lambda p: ite(allow, permits(p), forbids(p)), erroring=policies.errored)
