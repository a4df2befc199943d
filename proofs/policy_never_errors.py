"""Obligation 9: a validated policy never raises an error validation should have ruled out.

`check_policy(policy, schema)` is the per-policy check, usable on any concrete
policy and schema: for every request environment of the schema, with a symbolic
request and entity store that conform to it (`spec.symbolic.symbolic_environment`:
any values of the declared types; sets of at most `max_set_size` elements), Z3
shows that the model's evaluation of the policy is a value or one of the
permitted errors (entity does not exist, extension error, overflow). A
counterexample is replayed on the model's concrete oracle and printed as Cedar.

The obligation runs the check over every policy of every policy set of the
integration corpus that the model's validator accepts: a fixed sample in
`make prove`, all of it with `python -m proofs --corpus-all`.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import z3

from proofs import render
from proofs.harness import DEFAULT_TIMEOUT_MS, Goal, Obligation, Outcome, discharge
from spec.errors import ERRORS, InputError, Result
from spec.evaluator import evaluate
from spec.policy import Policy, policies_of_json
from spec.schema import Schema, schema_of_json
from spec import extfun
from spec.symbolic import (SymbolicEnvironment, concretize, distinct_keys, lift_ite, literal_strings,
                           symbolic_environment)
from spec.validator import PERMITTED_ERRORS, validate
from spec.values import with_concrete_key

QUICK_TRY_MS = 1_000  # for the concrete-key try: its string keys of symbolic ids can defeat Z3
SAMPLE = 120  # corpus files in `make prove` (with the 22 handwritten ones), to keep it well under a minute


def non_permitted_error(result: z3.DatatypeRef) -> z3.BoolRef:
    """The result is an error validation promises cannot happen (type error, missing attribute or tag)."""
    return z3.And(Result.is_err(result), *(Result.error(result) != ERRORS[k] for k in PERMITTED_ERRORS))


def policy_goals(policy: Policy, schema: Schema, label: str = "", max_set_size: int = 2,
                 text: str | None = None) -> Iterator[Goal]:
    """One goal per request environment: `policy` evaluates to a value or a permitted error."""
    for reqty in schema.environments():
        env = symbolic_environment(schema, reqty, max_set_size)
        result = evaluate(policy.to_expr(), env.request, env.entities)
        claim = z3.Not(non_permitted_error(result))
        where = f"{reqty.principal}, {reqty.action.ty}::{json.dumps(reqty.action.eid)}, {reqty.resource}"
        name = f"{label}{policy.id} in ({where}) raises no non-permitted error"
        explain = _explainer(policy, env, result, text)
        facts = [*env.constraints, *extfun.literal_axioms(literal_strings([policy])), *distinct_keys([policy], env)]

        def for_any_key(facts: list = facts, claim: z3.BoolRef = claim, explain=explain, name: str = name) -> Goal:
            """The same claim for any `key`, as `spec.symbolic.solver_for` poses it (slower)."""
            cache: dict = {}
            return Goal(name, [lift_ite(f, cache) for f in facts], lift_ite(claim, cache), explain)
        # First with the model's concrete `key`: sets of literals then reduce by rewriting.
        yield Goal(name, [with_concrete_key(f) for f in facts], z3.simplify(with_concrete_key(claim)), explain,
                   fallback=for_any_key, timeout_ms=QUICK_TRY_MS)


def _explainer(policy: Policy, env: SymbolicEnvironment, result: z3.DatatypeRef, text: str | None):
    def explain(m: z3.ModelRef) -> str:
        request, entities = concretize(m, env, [policy])
        kind = m.eval(Result.error(result), model_completion=True)
        lines = [f"the validated policy {policy.id} raises {kind}:", "policies:",
                 render.indent(text if text is not None else f"(policy {policy.id})"),
                 "request:", render.request_json(request), "entities:", render.entities(entities)]
        return "\n".join(lines)
    return explain


def check_policy(policy: Policy, schema: Schema, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> Outcome:
    """The per-policy check on its own (an `Outcome`: proved, counterexample or unknown)."""
    return discharge("9", f"{policy.id} never raises a non-permitted error", policy_goals(policy, schema), timeout_ms)


# ----- the integration corpus -----

@dataclass
class Tally:
    files: int = 0
    validating: int = 0
    policies: int = 0
    goals: int = 0
    unreadable: int = 0


def _corpus_module() -> Any:
    """`tests/corpus.py` of this repository (None in an installed copy without the tests)."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "tests" / "corpus.py").exists():
        return None
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module("tests.corpus")


def _policy_texts(impl_set: Any) -> dict[str, str]:
    import impl
    texts = {}
    for p in impl_set:
        try:
            texts[p.id] = impl.PolicySet([p]).to_cedar().strip()
        except Exception:  # noqa: BLE001 - a linked policy has no text; the id will do
            texts[p.id] = f"(policy {p.id})"
    return texts


def corpus_goals(tally: Tally, sample: int | None) -> Iterator[Goal]:
    """The goals for every validating policy set of the corpus (the handwritten tests, and a sample)."""
    import impl
    corpus = _corpus_module()
    if corpus is None:
        return
    tests = [*corpus.handwritten_tests(), *corpus.corpus_tests(sample)]
    for test in tests:
        tally.files += 1
        try:
            impl_set = impl.PolicySet.from_str(test.policies)
            policies = policies_of_json(impl_set.to_json())
            schema = schema_of_json(impl.Schema.from_str(test.schema).to_json())
        except (impl.CedarError, InputError):
            tally.unreadable += 1
            continue
        if validate(policies, schema):
            continue
        tally.validating += 1
        texts = _policy_texts(impl_set)
        for policy in policies:
            tally.policies += 1
            for goal in policy_goals(policy, schema, f"{test.name}: ", text=texts.get(policy.id)):
                tally.goals += 1
                yield goal


class CorpusObligation(Obligation):
    def run(self, timeout_ms: int = DEFAULT_TIMEOUT_MS, sample: int | None = SAMPLE) -> Outcome:  # type: ignore[override]
        tally, start = Tally(), time.perf_counter()
        outcome = discharge(self.number, self.title, corpus_goals(tally, sample), timeout_ms)
        which = "the whole corpus" if sample is None else f"the handwritten tests and a sample of {sample} corpus files"
        outcome.note = (f"{which}: {tally.files} files, {tally.validating} validating policy sets, "
                        f"{tally.policies} policies checked ({tally.goals} request environments) "
                        f"in {time.perf_counter() - start:.1f} s")
        if tally.files == 0:
            outcome.note = "the integration corpus (tests/corpus.py) is not available"
        return outcome


OBLIGATION = CorpusObligation("9", "validated policies never raise non-permitted errors", lambda: iter(()))
