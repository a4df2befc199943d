"""Policy sets of any size, symbolically, and how to print one from a Z3 model.

A symbolic policy set is `spec.authorizer.policy_family` over the sort `Policy`
(policies as elements of an uninterpreted sort, with a membership predicate):
a model may interpret it by any finite set, so a proof over it holds for every
number of policies. Each policy has an effect, an id and the `Result` its
condition evaluated to, any `Result` at all; "satisfied" and "errored" are read
off that result as the model's authorizer reads them (`ok(true)`, `err(_)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import z3

from spec.authorizer import PolicySet, Response, has_error, is_authorized, policy_family, satisfied
from spec.errors import Result, error_kind
from spec.values import Value
from proofs import render

Policy = z3.DeclareSort("Policy")
Authorize = Callable[[PolicySet], Response]
REAL_AUTHORIZER: Authorize = is_authorized


@dataclass(frozen=True)
class SymbolicPolicies:
    """Any finite set of policies: `member(p)` says which elements of `Policy` are in it."""
    name: str
    member: z3.FuncDeclRef
    is_permit: z3.FuncDeclRef
    result: z3.FuncDeclRef  # Policy -> Result
    policy_id: z3.FuncDeclRef  # Policy -> String

    def satisfied(self, p: z3.ExprRef) -> z3.BoolRef:
        return satisfied(self.result(p))

    def errored(self, p: z3.ExprRef) -> z3.BoolRef:
        return has_error(self.result(p))

    def policy_set(self, member: Callable[[z3.ExprRef], z3.BoolRef] | None = None) -> PolicySet:
        """The set as the model's authorizer sees it (optionally with another membership)."""
        return policy_family(Policy, self.member if member is None else member, self.is_permit, self.satisfied, self.errored)

    def some(self, pred: Callable[[z3.ExprRef], z3.BoolRef],
             member: Callable[[z3.ExprRef], z3.BoolRef] | None = None) -> z3.BoolRef:
        """"Some policy of the set satisfies `pred`", stated here independently of the model's `some`."""
        p = z3.Const(f"{self.name}.some", Policy)
        return z3.Exists([p], z3.And((self.member if member is None else member)(p), pred(p)))

    def every(self, pred: Callable[[z3.ExprRef], z3.BoolRef]) -> z3.BoolRef:
        p = z3.Const(f"{self.name}.every", Policy)
        return z3.ForAll([p], z3.Implies(self.member(p), pred(p)))


def symbolic_policies(name: str = "policies") -> SymbolicPolicies:
    return SymbolicPolicies(name, z3.Function(f"{name}.member", Policy, z3.BoolSort()),
                            z3.Function(f"{name}.is_permit", Policy, z3.BoolSort()),
                            z3.Function(f"{name}.result", Policy, Result),
                            z3.Function(f"{name}.id", Policy, z3.StringSort()))


# ----- printing a model -----

# A condition that evaluates to each result, for the request and entities below.
_CONDITIONS = {
    None: "true",
    "entityDoesNotExist": 'User::"ghost".name == ""',
    "attrDoesNotExist": 'context.missing == ""',
    "tagDoesNotExist": 'principal.getTag("missing") == ""',
    "typeError": '1 < "one"',
    "arithBoundsError": "9223372036854775807 + 1 == 0",
    "extensionError": "ip(context.text).isIpv4()",
}
REQUEST = {"principal": {"type": "User", "id": "alice"}, "action": {"type": "Action", "id": "view"},
           "resource": {"type": "Doc", "id": "doc"}, "context": {"text": "not an address"}}
ENTITIES = [{"uid": {"type": "User", "id": "alice"}, "attrs": {}, "parents": []}]


def condition_for(result: z3.ExprRef) -> str:
    """A Cedar condition whose evaluation (for `REQUEST`, `ENTITIES`) is the ground `result`."""
    kind = error_kind(result)
    if kind is not None:
        return _CONDITIONS[kind]
    v = result.arg(0)
    if z3.is_true(z3.simplify(Value.is_bool(v))):
        return "true" if z3.is_true(z3.simplify(Value.b(v))) else "false"
    return f"true /* a condition evaluating to the non-Boolean {v} */"


def _policy_text(pid: str, permit: bool, result: z3.ExprRef) -> str:
    effect = "permit" if permit else "forbid"
    return f"// id {render.quote(pid)}\n{effect}(principal, action, resource) when {{ {condition_for(result)} }};"


def members(m: z3.ModelRef, policies: SymbolicPolicies,
            member: Callable[[z3.ExprRef], z3.BoolRef] | None = None) -> list[z3.ExprRef]:
    universe = m.get_universe(Policy) or []
    return [p for p in universe if z3.is_true(m.eval((policies.member if member is None else member)(p), model_completion=True))]


def policy_texts(m: z3.ModelRef, policies: SymbolicPolicies,
                 member: Callable[[z3.ExprRef], z3.BoolRef] | None = None) -> list[str]:
    out = []
    for p in members(m, policies, member):
        pid = m.eval(policies.policy_id(p), model_completion=True).as_string()
        out.append(_policy_text(pid, z3.is_true(m.eval(policies.is_permit(p), model_completion=True)),
                                m.eval(policies.result(p), model_completion=True)))
    return out or ["(no policies)"]


def response_text(m: z3.ModelRef, policies: SymbolicPolicies, response: Response,
                  member: Callable[[z3.ExprRef], z3.BoolRef] | None = None) -> str:
    """What the authorizer under test answered, in the model."""
    def ids(pred: Callable[[z3.ExprRef], z3.BoolRef]) -> list[str]:
        return [m.eval(policies.policy_id(p), model_completion=True).as_string()
                for p in members(m, policies, member) if z3.is_true(m.eval(pred(p), model_completion=True))]
    decision = "Allow" if z3.is_true(m.eval(response.allow, model_completion=True)) else "Deny"
    return (f"the authorizer answers {decision}, determining {ids(response.determining)}, "
            f"erroring {ids(response.erroring)}")


def scenario(m: z3.ModelRef, title: str, sets: list[tuple[str, SymbolicPolicies, Callable | None, Response]]) -> str:
    """A counterexample: each policy set involved, with the authorizer's answer for it."""
    parts = [title]
    for label, policies, member, response in sets:
        parts.append(f"{label}:")
        parts += [render.indent(t) for t in policy_texts(m, policies, member)]
        parts.append("  -> " + response_text(m, policies, response, member))
    parts += ["request:", render.request_json(REQUEST), "entities:", render.entities(ENTITIES)]
    return "\n".join(parts)
