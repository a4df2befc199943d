"""Reading an obligation's outcome in the negative controls."""

from __future__ import annotations

from proofs.harness import Outcome, Status, Verdict


def counterexample(outcome: Outcome, goal: str | None = None) -> Verdict:
    """The outcome's counterexample (to `goal`, if given); fails unless there is one."""
    found = [v for v in outcome.verdicts if v.status is Status.COUNTEREXAMPLE and (goal is None or goal in v.goal)]
    assert outcome.status is Status.COUNTEREXAMPLE and found, \
        [(v.goal, v.status.value, v.detail) for v in outcome.verdicts if v.status is not Status.PROVED]
    return found[0]


def assert_reads_as_cedar(detail: str) -> None:
    """A counterexample shows a policy, a request and entities in Cedar, not a Z3 model."""
    assert "permit(" in detail or "forbid(" in detail or "(no policies)" in detail, detail
    assert "request" in detail and "principal" in detail, detail
    for raw in ("ok_value", "Result.", "Lambda(", "K(String", "else", "!val!"):
        assert raw not in detail, detail
