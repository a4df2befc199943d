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
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, TextIO

import z3

from proofs import render
from proofs.harness import DEFAULT_TIMEOUT_MS, Goal, Obligation, Outcome, Status, Verdict, discharge
from spec.errors import ERRORS, InputError, Result
from spec.evaluator import evaluate
from spec.policy import Policy, policies_of_json
from spec.schema import Schema, schema_of_json
from spec import extfun
from spec.symbolic import SymbolicEnvironment, concretize, distinct_keys, lift_ite, literal_strings
from spec.request import Request
from spec.types import EntityType
from spec.validator import PERMITTED_ERRORS, validate
from spec.values import Value, entity_uid, with_concrete_key

QUICK_TRY_MS = 1_000  # for the concrete-key try: its string keys of symbolic ids can defeat Z3
PROGRESS_EVERY = 250  # corpus files between two progress lines
SAMPLE = 120  # corpus files in `make prove` (with the 22 handwritten ones), to keep it well under a minute


def non_permitted_error(result: z3.DatatypeRef) -> z3.BoolRef:
    """The result is an error validation promises cannot happen (type error, missing attribute or tag)."""
    return z3.And(Result.is_err(result), *(Result.error(result) != ERRORS[k] for k in PERMITTED_ERRORS))


def environments(schema: Schema, max_set_size: int = 2) -> list[SymbolicEnvironment]:
    """`spec.symbolic.symbolic_environment(schema, reqty)` for every request type of `schema` at once.

    The entity store (most of the cost) is the same in every environment of a schema: it is built once
    here, the requests as `symbolic_environment` builds them (`tests/proofs/test_policy_never_errors.py`
    checks that the result is term for term the same). Better as a function of `spec.symbolic`."""
    from spec.symbolic import _Builder, _entities
    entities, store_facts = _entities(_Builder(schema, max_set_size, ordered=False), "env.entities")
    b = _Builder(schema, max_set_size, ordered=True)
    out = []
    for reqty in schema.environments():
        facts: list[z3.BoolRef] = []
        principal = Value.uid(b.value(EntityType(reqty.principal), "env.principal", [], facts))
        resource = Value.uid(b.value(EntityType(reqty.resource), "env.resource", [], facts))
        context = b.value(reqty.context, "env.context", [], facts)
        request = Request(principal, entity_uid(reqty.action.ty, reqty.action.eid), resource, context)
        out.append(SymbolicEnvironment(schema, reqty, request, entities, store_facts + facts))
    return out


def policy_goals(policy: Policy, schema: Schema, label: str = "", max_set_size: int = 2,
                 text: str | None = None, envs: list[SymbolicEnvironment] | None = None) -> Iterator[Goal]:
    """One goal per request environment (`envs`, built from `schema` if not given): `policy` evaluates to a
    value or a permitted error."""
    for env in environments(schema, max_set_size) if envs is None else envs:
        reqty = env.reqty
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


def check_policy(policy: Policy, schema: Schema, timeout_ms: int = DEFAULT_TIMEOUT_MS, text: str | None = None,
                 max_set_size: int = 2) -> Outcome:
    """The per-policy check on its own (an `Outcome`: proved, counterexample or unknown); `text`, the policy's
    Cedar text, is what a counterexample prints."""
    return discharge("9", f"{policy.id} never raises a non-permitted error",
                     policy_goals(policy, schema, max_set_size=max_set_size, text=text), timeout_ms)


# ----- the integration corpus -----

@dataclass
class Tally:
    files: int = 0
    validating: int = 0
    policies: int = 0
    goals: int = 0
    unreadable: int = 0
    total: int = 0  # files to go through
    start: float = field(default_factory=time.perf_counter)

    def line(self) -> str:
        return (f"{self.files}/{self.total} files, {self.validating} validating policy sets, {self.policies} policies "
                f"({self.goals} request environments), {time.perf_counter() - self.start:.0f} s")


class _Schemas:
    """Schemas and their symbolic environments, by schema text. The corpus reuses a few schemas in
    thousands of files, and building the environments costs more than checking a policy in them."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.schemas: OrderedDict[str, Schema] = OrderedDict()
        self.envs: dict[str, list[SymbolicEnvironment]] = {}

    def schema(self, text: str) -> Schema:
        import impl
        if text in self.schemas:
            self.schemas.move_to_end(text)
            return self.schemas[text]
        schema = self.schemas[text] = schema_of_json(impl.Schema.from_str(text).to_json())
        if len(self.schemas) > self.size:
            old, _ = self.schemas.popitem(last=False)
            self.envs.pop(old, None)
        return schema

    def environments(self, text: str) -> list[SymbolicEnvironment]:
        if text not in self.envs:
            self.envs[text] = environments(self.schema(text))
        return self.envs[text]


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


def corpus_goals(tally: Tally, sample: int | None, progress: TextIO | None = None) -> Iterator[Goal]:
    """The goals for every validating policy set of the corpus (the handwritten tests, and a sample)."""
    import impl
    corpus = _corpus_module()
    if corpus is None:
        return
    handwritten = corpus.handwritten_tests()
    tally.total = len(handwritten) + (len(corpus.corpus_paths()) if sample is None else sample)
    schemas = _Schemas()
    for test in (*handwritten, *corpus.corpus_tests(sample)):
        tally.files += 1
        if progress is not None and tally.files % PROGRESS_EVERY == 0:
            progress.write(f"[9] {tally.line()}\n")
            progress.flush()
        try:
            impl_set = impl.PolicySet.from_str(test.policies)
            policies = policies_of_json(impl_set.to_json())
            schema = schemas.schema(test.schema)
        except (impl.CedarError, InputError):
            tally.unreadable += 1
            continue
        if validate(policies, schema):
            continue
        tally.validating += 1
        texts = _policy_texts(impl_set)
        for policy in policies:
            tally.policies += 1
            for goal in policy_goals(policy, schema, f"{test.name}: ", text=texts.get(policy.id),
                                     envs=schemas.environments(test.schema)):
                tally.goals += 1
                yield goal


class CorpusObligation(Obligation):
    def run(self, timeout_ms: int = DEFAULT_TIMEOUT_MS, sample: int | None = SAMPLE,  # type: ignore[override]
            progress: TextIO | None = None) -> Outcome:
        """`progress`: where to report every `PROGRESS_EVERY` files, and each goal not proved as it happens."""
        tally, start = Tally(), time.perf_counter()

        def report(v: Verdict) -> None:
            if progress is not None and v.status is not Status.PROVED:
                progress.write(f"[9] {v.status.value}: {v.goal}\n{v.detail}\n")
                progress.flush()
        outcome = discharge(self.number, self.title, corpus_goals(tally, sample, progress), timeout_ms,
                            on_verdict=report)
        which = "the whole corpus" if sample is None else f"the handwritten tests and a sample of {sample} corpus files"
        outcome.note = (f"{which}: {tally.files} files, {tally.validating} validating policy sets, "
                        f"{tally.policies} policies checked ({tally.goals} request environments) "
                        f"in {time.perf_counter() - start:.1f} s")
        if tally.files == 0:
            outcome.note = "the integration corpus (tests/corpus.py) is not available"
        return outcome


OBLIGATION = CorpusObligation("9", "validated policies never raise non-permitted errors", lambda: iter(()))
