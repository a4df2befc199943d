"""Obligations 1-7 (authorization over a policy set of any size) hold of the model's authorizer and are
refuted, with a counterexample printed as Cedar, for each seeded wrong authorizer."""

from __future__ import annotations

import pytest
import z3

from proofs import (allowed_iff, default_deny, determining_policies, explicit_permit, forbid_trumps_permit,
                    monotonicity, order_and_dup_independent)
from proofs.harness import Obligation, Status, check, discharge
from proofs.policy_family import Policy
from tests.proofs import seeded_bugs as bug
from tests.proofs.helpers import assert_reads_as_cedar, counterexample

OBLIGATIONS = [explicit_permit, forbid_trumps_permit, default_deny, allowed_iff, order_and_dup_independent,
               monotonicity, determining_policies]


@pytest.mark.parametrize("module", OBLIGATIONS, ids=lambda m: m.__name__.split(".")[-1])
def test_the_model_authorizer_satisfies_the_obligation(module) -> None:
    outcome = module.OBLIGATION.run()
    assert outcome.status is Status.PROVED, [(v.goal, v.detail) for v in outcome.verdicts]
    assert outcome.verdicts


def _refuted(ob: Obligation, authorize, goal: str | None = None) -> str:
    """The counterexample to the obligation (to its goals named `goal`, if given) with this authorizer."""
    goals = [g for g in ob.goals(authorize=authorize) if goal is None or goal in g.name]
    v = counterexample(discharge(ob.number, ob.title, goals), goal)
    assert_reads_as_cedar(v.detail)
    return v.detail


def test_seed_bug_no_forbid_means_allow_breaks_explicit_permit() -> None:
    detail = _refuted(explicit_permit.OBLIGATION, bug.no_forbid_allows)
    assert "Allow, yet no permit policy is satisfied" in detail
    assert "the authorizer answers Allow" in detail
    assert 'principal: User::"alice"' in detail


def test_seed_bug_no_forbid_means_allow_breaks_default_deny() -> None:
    detail = _refuted(default_deny.OBLIGATION, bug.no_forbid_allows)
    assert "no permit policy is satisfied, yet Allow" in detail and "answers Allow" in detail


def test_permit_overrides_breaks_forbid_trumps_permit() -> None:
    detail = _refuted(forbid_trumps_permit.OBLIGATION, bug.permit_overrides)
    assert "forbid(principal, action, resource) when { true };" in detail
    assert "permit(principal, action, resource) when { true };" in detail
    assert "answers Allow" in detail


@pytest.mark.parametrize("authorize", [bug.no_forbid_allows, bug.permit_overrides, bug.first_match, bug.error_denies],
                         ids=lambda f: f.__name__)
def test_every_wrong_decision_breaks_allowed_iff(authorize) -> None:
    assert "the decision is not (some permit satisfied and no forbid satisfied)" in \
        _refuted(allowed_iff.OBLIGATION, authorize)


def test_first_match_breaks_order_independence() -> None:
    detail = _refuted(order_and_dup_independent.OBLIGATION, bug.first_match, "decision")
    assert "the same policies, reordered or repeated:" in detail
    assert "answers Allow" in detail and "answers Deny" in detail


def test_failing_closed_on_errors_breaks_monotonicity_of_allow() -> None:
    detail = _refuted(monotonicity.OBLIGATION, bug.error_denies, "unchanged_allow_when_add_permit")
    assert "adding a permit policy turned Allow into Deny" in detail
    assert "the same policies and one more:" in detail
    # the added permit errors (its condition is one of the erroring ones of `policy_family`)
    assert any(c in detail for c in ('context.missing', '1 < "one"', "9223372036854775807 + 1", "isIpv4", "ghost"))


def test_failing_open_on_errors_breaks_monotonicity_of_deny() -> None:
    detail = _refuted(monotonicity.OBLIGATION, bug.error_allows, "unchanged_deny_when_add_forbid")
    assert "adding a forbid policy turned Deny into Allow" in detail


def test_erroring_policies_among_the_determining_ones_break_exact_reasons() -> None:
    outcome = determining_policies.OBLIGATION.run(authorize=bug.erroring_determines)
    assert "the determining policies are not the satisfied policies" in \
        counterexample(outcome, "determiningPolicies_of").detail
    disjoint = counterexample(outcome, "determining_erroring_disjoint_when_unique_ids").detail
    assert "a policy id is both determining and erroring" in disjoint
    assert_reads_as_cedar(disjoint)


def test_forgotten_errors_break_exact_reasons() -> None:
    detail = _refuted(determining_policies.OBLIGATION, bug.errors_forgotten, "erroringPolicies_of")
    assert "erroring []" in detail


def test_the_policy_set_has_no_fixed_size() -> None:
    """The set is symbolic: asked for a counterexample with at least six policies, Z3 finds one."""
    goal, = explicit_permit.goals(bug.no_forbid_allows)
    member = z3.Function("policies.member", Policy, z3.BoolSort())  # the set's membership (`symbolic_policies`)
    ps = [z3.Const(f"p{i}", Policy) for i in range(6)]
    goal.facts += [z3.Distinct(*ps), *(member(p) for p in ps)]
    v = check(goal)
    assert v.status is Status.COUNTEREXAMPLE
    assert v.detail.count("forbid(principal, action, resource) when {") + v.detail.count("permit(principal") >= 6
