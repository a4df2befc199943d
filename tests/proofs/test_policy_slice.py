"""Obligation 10 (sound slicing by the engine's scope index) is refuted, with a counterexample printed as
Cedar, for a seeded bug in the index. (That it is proved of the real index: `test_cli.py`.)"""

from __future__ import annotations

from proofs.policy_slice import OBLIGATION
from tests.proofs import seeded_bugs as bug
from tests.proofs.helpers import assert_reads_as_cedar, counterexample


def test_principal_in_group_filed_as_equality_is_refuted() -> None:
    v = counterexample(OBLIGATION.run(index=bug.InAsEquality()), "`in` evaluates to the index's selection")
    assert_reads_as_cedar(v.detail)
    assert "the index does not select this policy, yet its" in v.detail and "constraint evaluates to true" in v.detail
    assert " in " in v.detail.split("policies:")[1].splitlines()[1]  # permit(principal in G, ...)
    assert '"parents": [{' in v.detail  # the request entity is a member of G


def test_an_index_ignoring_is_is_refuted() -> None:
    v = counterexample(OBLIGATION.run(index=bug.IgnoresIs()), "`is` evaluates to the index's selection")
    assert_reads_as_cedar(v.detail)
    assert "the index selects this policy, yet its" in v.detail and "constraint evaluates to false" in v.detail
    assert " is " in v.detail.split("policies:")[1].splitlines()[1]


def test_a_wrong_authorizer_breaks_the_slice() -> None:
    """The slice theorem is about the authorizer too: one whose answer depends on which policies it is
    given beyond their effects and results (first match) is refuted."""
    v = counterexample(OBLIGATION.run(authorize=bug.first_match), "isAuthorized_eq_for_scope_based_policy_slice")
    assert "removing the policies the index does not select changed the response" in v.detail
    assert "the selected policies:" in v.detail
