"""Obligation 8 (validator soundness, one expression form at a time) is refuted, with a counterexample
printed as Cedar, when a typing rule is weakened. (That it is proved of the real rules: `test_cli.py`.)"""

from __future__ import annotations

from proofs import typechecker
from proofs.harness import discharge
from proofs.validation_is_sound import OBLIGATION, goals
from tests.proofs import seeded_bugs as bug
from tests.proofs.helpers import counterexample

TIMEOUT_MS = 3_000  # the weakened step cannot be proved: give up on a proof soon and look for a counterexample


def _refuted(family, rules, goal: str) -> str:
    """The counterexample to the soundness steps named `goal` of a family of forms (part of obligation 8),
    with `rules`."""
    steps = [g for g in family(rules) if goal in g.name]
    outcome = discharge(OBLIGATION.number, OBLIGATION.title, steps, TIMEOUT_MS, stop_at_counterexample=True)
    return counterexample(outcome, goal).detail


def test_plus_on_a_string_is_refuted() -> None:
    detail = _refuted(typechecker.binary, bug.PlusOnStrings(), "add: type")
    assert "the validator types `e1 + e2` as Long, yet it evaluates to an error (typeError)" in detail
    assert "e1: String" in detail
    assert "permit(principal, action, resource) when { context.e1 + context.e2 };" in detail
    assert 'request (context):\n  {"e1": "' in detail


def test_attribute_access_without_has_is_refuted() -> None:
    detail = _refuted(typechecker.attributes, bug.GetAttrWithoutHas(), "get attr of")
    assert "yet it evaluates to an error (attrDoesNotExist)" in detail
    assert "a?: Long" in detail  # the attribute is optional
    assert "permit(principal, action, resource) when { context.e1.a };" in detail


def test_the_weakened_rules_are_parameters_of_the_obligation() -> None:
    """The controls above check steps of obligation 8 itself: its goals are those steps, for the rules given."""
    names = {g.name for g in goals(bug.PlusOnStrings())}
    assert {"add: type", "get attr of record: type", "get attr of entity: type"} <= names
    assert any("a condition typed as a Bool" in n for n in names)
