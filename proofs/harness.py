"""Discharging proof obligations with Z3.

An obligation is a list of `Goal`s. A goal is `facts ⊢ claim`: it is proved when
Z3 finds `facts ∧ ¬claim` unsatisfiable; a model is a counterexample, which the
goal's `explain` turns into Cedar (request, policies, entities) for a reader.

Facts are only ever the obligation's hypotheses, instances of definitions
(`Definition.unfold`) or instances of lemmas that are themselves goals of the
same run (`Lemma.at`), so an obligation is proved only if everything it uses is.
Z3 is good at ground reasoning and poor at choosing quantifier instances, so
the proofs supply the instances: most goals are quantifier-free.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

import z3

from proofs.terms import opaque

if TYPE_CHECKING:
    from proofs.logic import Lemma

DEFAULT_TIMEOUT_MS = 20_000


class Status(Enum):
    PROVED = "proved"
    COUNTEREXAMPLE = "counterexample"
    UNKNOWN = "unknown"


@dataclass
class Goal:
    """`facts ⊢ claim`, for all values of the constants in `fresh` (and of the lemma's parameters).

    `known` holds further facts that are valid where the goal is stated: instances
    of lemmas (listed in `uses`, whose proofs `discharge` checks too) or of an
    induction hypothesis. Glue goals (`proofs.logic`) may drop them from a step.
    """
    name: str
    facts: list[z3.BoolRef]
    claim: z3.BoolRef
    explain: Callable[[z3.ModelRef], str] | None = None
    uses: tuple["Lemma", ...] = ()
    fresh: tuple[z3.ExprRef, ...] = ()
    known: list[z3.BoolRef] = field(default_factory=list)
    # Check the goal for any value of its compound sequence terms and folds (`proofs.terms`) and, if
    # `propositional`, of its closed quantified formulas (lemma statements it only combines).
    opaque: bool = False
    propositional: bool = False
    simplify: bool = False  # first normalize every formula with `z3.simplify` (so equal terms meet)
    prettier: list[z3.BoolRef] = field(default_factory=list)  # tried first when printing a counterexample
    fallback: "Callable[[], Goal] | None" = None  # the same claim posed otherwise, tried if this one is not proved
    # For a relaxed goal (`propositional`), whose models need not be models of the real claim: whether a
    # model is a genuine counterexample. Without it, a relaxed goal only ever proves.
    validate: "Callable[[z3.ModelRef], bool] | None" = None
    timeout_ms: int | None = None  # this goal's own limit (a quick first try before the fallback)
    # Facts narrowed to search for a counterexample (a witness shape): unsatisfiable, it proves nothing.
    refute_only: bool = False


@dataclass(frozen=True)
class Verdict:
    goal: str
    status: Status
    seconds: float
    detail: str = ""  # the counterexample, or why Z3 gave up


def explain(goal: Goal, model: z3.ModelRef) -> str:
    """The goal's own rendering of a counterexample; the raw model if it has none (or it fails)."""
    if goal.explain is not None:
        try:
            return goal.explain(model)
        except Exception as e:  # noqa: BLE001 - a rendering bug must not hide the counterexample
            return f"(could not render the counterexample: {type(e).__name__}: {e})\n{model}"
    return f"(a model of the negated claim)\n{model}"


def check(goal: Goal, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> Verdict:
    """Is `goal.claim` implied by `goal.facts`? Tries the goal, then its fallbacks in turn."""
    seconds, current = 0.0, goal
    while True:
        verdict = _check(current, timeout_ms)
        seconds += verdict.seconds
        if verdict.status is not Status.UNKNOWN or current.fallback is None:
            return Verdict(verdict.goal, verdict.status, seconds, verdict.detail)
        current = current.fallback()


def _check(goal: Goal, timeout_ms: int) -> Verdict:
    start = time.perf_counter()
    solver = z3.Solver()
    solver.set(timeout=goal.timeout_ms or timeout_ms)
    formulas = [*goal.facts, *goal.known, z3.Not(goal.claim)]
    if goal.simplify:
        formulas = [z3.simplify(f) for f in formulas]
    if goal.opaque or goal.propositional:
        formulas = opaque(formulas, sequences=goal.opaque, quantifiers=goal.propositional)
    solver.add(*formulas)
    answer = solver.check()
    seconds = time.perf_counter() - start
    if answer == z3.unsat:
        if goal.refute_only:
            return Verdict(goal.name, Status.UNKNOWN, seconds, "no counterexample of the searched shape")
        return Verdict(goal.name, Status.PROVED, seconds)
    if answer == z3.sat:
        model = solver.model()
        if goal.propositional and (goal.validate is None or not goal.validate(model)):
            return Verdict(goal.name, Status.UNKNOWN, time.perf_counter() - start, "a model of the relaxed goal only")
        if goal.prettier:
            solver.add(*goal.prettier)
            if solver.check() == z3.sat:
                model = solver.model()
        detail = explain(goal, model)
        return Verdict(goal.name, Status.COUNTEREXAMPLE, seconds, detail)
    return Verdict(goal.name, Status.UNKNOWN, seconds, solver.reason_unknown())


@dataclass
class Outcome:
    """The result of one obligation: proved only if every goal is."""
    number: str
    title: str
    verdicts: list[Verdict] = field(default_factory=list)
    seconds: float = 0.0
    note: str = ""

    @property
    def status(self) -> Status:
        if any(v.status is Status.COUNTEREXAMPLE for v in self.verdicts):
            return Status.COUNTEREXAMPLE
        if not self.verdicts or any(v.status is Status.UNKNOWN for v in self.verdicts):
            return Status.UNKNOWN
        return Status.PROVED

    def first(self, status: Status) -> Verdict | None:
        return next((v for v in self.verdicts if v.status is status), None)


def discharge(number: str, title: str, goals: Iterable[Goal], timeout_ms: int = DEFAULT_TIMEOUT_MS,
              stop_at_counterexample: bool = False, on_verdict: Callable[[Verdict], None] | None = None) -> Outcome:
    """Check every goal, and the proof of every lemma a checked goal uses (once each);
    `on_verdict` hears of each verdict as it comes (for progress on long runs)."""
    start = time.perf_counter()
    outcome = Outcome(number, title)
    scheduled: set[int] = set()
    in_progress: list[Lemma] = []  # lemmas whose proofs are being checked: using one of them would be circular

    def run(goal: Goal) -> bool:
        verdict = check(goal, timeout_ms)
        outcome.verdicts.append(verdict)
        if on_verdict is not None:
            on_verdict(verdict)
        for lemma in goal.uses:
            if any(lemma is p for p in in_progress):
                outcome.verdicts.append(Verdict(goal.name, Status.UNKNOWN, 0.0, f"circular use of lemma {lemma.name}"))
            elif id(lemma) not in scheduled:
                scheduled.add(id(lemma))
                in_progress.append(lemma)
                finished = all(run(step) for step in lemma.proof())
                in_progress.pop()
                if not finished:
                    return False
        return not (stop_at_counterexample and verdict.status is Status.COUNTEREXAMPLE)

    for goal in goals:
        if not run(goal):
            break
    outcome.seconds = time.perf_counter() - start
    return outcome


def steps(*goals: Goal | Iterable[Goal]) -> Iterator[Goal]:
    """Flatten goals and lists of goals."""
    for g in goals:
        if isinstance(g, Goal):
            yield g
        else:
            yield from g


@dataclass(frozen=True)
class Obligation:
    """One line of the table: its goals are built by `goals(**params)` (the parameters inject seeded bugs)."""
    number: str
    title: str
    goals: Callable[..., Iterable[Goal]]

    def run(self, timeout_ms: int = DEFAULT_TIMEOUT_MS, **params: object) -> Outcome:
        return discharge(self.number, self.title, self.goals(**params), timeout_ms)
