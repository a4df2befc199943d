"""The authorizer (Lean `Authorizer.lean`): concrete decisions, and the same definition on a symbolic policy family."""

from __future__ import annotations

import z3

import spec
from spec.authorizer import is_authorized, policy_family
from tests.spec.helpers import REQUEST, policy_json

ENTITIES = [{"uid": {"type": "User", "id": "alice"}, "attrs": {"level": 2}, "parents": []}]


def _authorize(text: str) -> spec.Response:
    return spec.is_authorized(REQUEST, policy_json(text), ENTITIES)


def test_a_satisfied_permit_allows_and_is_the_reason() -> None:
    r = _authorize('permit(principal == User::"alice", action, resource);')
    assert (r.decision, r.reasons, r.errors) == ("allow", {"policy0"}, set())


def test_no_satisfied_permit_denies_by_default() -> None:
    r = _authorize('permit(principal == User::"bob", action, resource);')
    assert (r.decision, r.reasons) == ("deny", set())
    assert _authorize("").decision == "deny"


def test_a_satisfied_forbid_overrides_permits_and_is_the_reason() -> None:
    r = _authorize('permit(principal, action, resource); forbid(principal, action, resource) when { principal.level > 1 };')
    assert (r.decision, r.reasons) == ("deny", {"policy1"})


def test_erroring_policies_are_reported_and_skipped() -> None:
    r = _authorize('permit(principal, action, resource) when { principal.nope }; '
                   'forbid(principal, action, resource) when { principal.level + "x" == 1 }; '
                   'permit(principal, action, resource) when { true };')
    assert (r.decision, r.reasons, r.errors) == ("allow", {"policy2"}, {"policy0", "policy1"})
    assert r.error_kinds == {"policy0": "attrDoesNotExist", "policy1": "typeError"}


def test_template_links_are_policies() -> None:
    policies = policy_json('permit(principal == ?principal, action, resource);')
    policies["templateLinks"] = [{"templateId": "policy0", "newId": "link", "values": {"?principal": {"type": "User", "id": "alice"}}}]
    r = spec.is_authorized(REQUEST, policies, ENTITIES)
    assert (r.decision, r.reasons) == ("allow", {"link"})


def _family() -> tuple[z3.SortRef, z3.ExprRef, object]:
    index = z3.DeclareSort("PolicyIndex")
    member, permit, sat, err = (z3.Function(n, index, z3.BoolSort()) for n in ("member", "permit", "sat", "err"))
    return index, (member, permit, sat, err), policy_family(index, member, permit, sat, err)


def test_on_a_family_of_any_size_allow_is_some_permit_and_no_forbid() -> None:
    index, (member, permit, sat, _), family = _family()
    p = z3.Const("q", index)
    claim = is_authorized(family).allow == z3.And(
        z3.Exists([p], z3.And(member(p), permit(p), sat(p))), z3.Not(z3.Exists([p], z3.And(member(p), z3.Not(permit(p)), sat(p)))))
    solver = z3.Solver()
    solver.add(z3.Not(claim))
    assert solver.check() == z3.unsat


def test_on_a_family_of_any_size_a_satisfied_forbid_denies() -> None:
    index, (member, permit, sat, _), family = _family()
    p = z3.Const("f", index)
    solver = z3.Solver()
    solver.add(member(p), z3.Not(permit(p)), sat(p), is_authorized(family).allow)
    assert solver.check() == z3.unsat
