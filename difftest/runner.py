"""Run many cases on every core, shrink what disagrees, and summarise.

Case `i` of seed `s` is `gen_case(case_seed(s, i))`; shard `k/N` takes the
indices `i` with `i % N == k`, so N machines (any batch system) split one seed
space without talking to each other. Workers build their oracles once; each
mismatch is shrunk by a worker too (at most `shrink_limit` per check) and
saved in the integration-test format.
"""

from __future__ import annotations

import io
import itertools
import json
import multiprocessing as mp
import os
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from . import case as case_mod
from .case import Case, case_seed, gen_case
from .checks import CaseResult, Checker, Finding
from .oracles import ImplOracle, RustOracle, available
from .shrink import Shrinker

ROOT = Path(__file__).resolve().parent.parent
FAILURES = Path(__file__).resolve().parent / "failures"
COVERAGE_OMIT = [str(ROOT / "impl" / "cli" / "*")]  # the command-line front end is not what the difftest drives


@dataclass
class Options:
    seed: int = 0
    shard: tuple[int, int] = (0, 1)
    seconds: float = 600.0
    cases: int | None = None  # exactly this many cases, whatever the time
    max_cases: int | None = None  # at most this many, within the time budget
    workers: int = 1
    coverage: bool = True
    fuzz: int = 2
    mode: str | None = None
    oracles: tuple[str, ...] = ("impl", "model", "rust")
    model_every: int = 1  # run the (slow) model on every k-th case only
    shrink_limit: int = 3
    shrink_seconds: float = 60.0
    failures: Path = FAILURES
    progress: bool = True
    require_impl: bool = False  # fail instead of running without the engine


@dataclass
class Summary:
    stats: Counter = field(default_factory=Counter)
    forms: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)
    findings: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    saved: list[str] = field(default_factory=list)
    wall: float = 0.0
    coverage: str | None = None
    oracles: tuple[str, ...] = ()

    @property
    def mismatches(self) -> int:
        return sum(self.findings.values())


# ------------------------------------------------------------------ oracles in a worker

_worker: dict[str, Any] = {}


def make_oracles(names: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "rust" in names and available("cedarpy"):
        out["rust"] = RustOracle()
    if "impl" in names:
        try:
            out["impl"] = ImplOracle()
        except Exception:  # noqa: BLE001 - the engine is not there yet
            pass
    if "model" in names:
        from .model_oracle import ModelOracle, model_available

        if model_available():
            out["model"] = ModelOracle()
    return out


def _init_worker(opts: Options, cov_dir: str | None) -> None:
    if cov_dir is not None:
        import coverage

        cov = coverage.Coverage(data_file=os.path.join(cov_dir, ".coverage"), data_suffix=True, branch=True,
                                source=[str(ROOT / "impl")], omit=COVERAGE_OMIT)
        cov.start()
        mp.util.Finalize(None, _stop_coverage, args=(cov,), exitpriority=100)
    oracles = make_oracles(opts.oracles)
    _worker["opts"] = opts
    _worker["oracles"] = oracles
    _worker["checker"] = Checker(oracles, fuzz=opts.fuzz)


def _stop_coverage(cov: Any) -> None:
    cov.stop()
    cov.save()


def validator_of(oracles: dict[str, Any]) -> Any:
    """The validator behind the validated-only generator: Rust's, else ours."""
    if "rust" in oracles:
        return oracles["rust"].rejected_policy_ids
    if "impl" in oracles:
        impl = oracles["impl"]

        def rejected(text: str, schema_text: str) -> set[str] | None:
            res = impl.validate(Case(0, "validated", [], [], [], [], schema_text=schema_text, text_override=text))
            return None if res.rejected or res.crash else set(res.failing)

        return rejected
    return None


def _run_case(index: int) -> tuple[int, CaseResult]:
    opts: Options = _worker["opts"]
    seed = case_seed(opts.seed, index)
    try:
        case = gen_case(seed, opts.mode, validator=validator_of(_worker["oracles"]))
        res = _worker["checker"].run(case, with_model=(index // opts.shard[1]) % opts.model_every == 0)
    except Exception:  # noqa: BLE001 - a bug of the harness itself: report it, keep the run going
        res = CaseResult()
        res.stats["cases"] += 1
        res.findings.append(Finding("harness:error", f"case seed {seed}\n{traceback.format_exc()}",
                                    Case(seed, "typed", [], [], [], []), group="harness"))
    return index, res


def _shrink(finding: Finding) -> tuple[Finding, Case, dict[str, list[str]]]:
    """Shrink a finding's case while the same check still fails; return it with every oracle's answers."""
    opts: Options = _worker["opts"]
    checker: Checker = _worker["checker"]

    def still(c: Case) -> bool:
        return any(f.check == finding.check for f in checker.check(finding.group, c))

    schema_too = finding.group in ("schema", "validate")
    small = Shrinker(still, opts.shrink_seconds, schema=schema_too).shrink(finding.case)
    answers: dict[str, list[str]] = {}
    if small.requests:
        for name, oracle in _worker["oracles"].items():
            answers[name] = [o.brief() for o in oracle.authorize(small)]
            if finding.group == "auth-schema" and name != "model":
                answers[f"{name}+schema"] = [o.brief() for o in oracle.authorize(small, schema=True)]
    detail = [f for f in checker.check(finding.group, small) if f.check == finding.check]
    if detail:
        finding = Finding(finding.check, detail[0].detail, small, detail[0].request, finding.group)
    return finding, small, answers


# ------------------------------------------------------------------ the run


def _indices(opts: Options, deadline: float, window: threading.Semaphore | None = None) -> Iterator[int]:
    """This shard's case indices, until the count or the deadline; `window` bounds the cases in
    flight (the pool's feeder thread would otherwise queue every index it can draw before the deadline)."""
    k, n = opts.shard
    for count, i in enumerate(itertools.count(k, n)):
        if window is not None:
            window.acquire()
        if opts.cases is not None and count >= opts.cases:
            return
        if opts.max_cases is not None and count >= opts.max_cases:
            return
        if opts.cases is None and time.monotonic() > deadline:
            return
        yield i


class EngineMissing(Exception):
    """The engine was required (`--require-impl`) but does not import."""


def run(opts: Options) -> Summary:
    if opts.require_impl:
        try:
            ImplOracle()
        except Exception as e:  # noqa: BLE001 - any import-time failure
            raise EngineMissing(f"{type(e).__name__}: {e}") from None
    start = time.monotonic()
    deadline = start + opts.seconds
    cov_dir = None
    if opts.coverage and available("coverage"):
        cov_dir = str(ROOT / ".cache" / "difftest-coverage")
        os.makedirs(cov_dir, exist_ok=True)
        for f in Path(cov_dir).glob(".coverage*"):
            f.unlink()
    summary = Summary()
    shrinking: list[Any] = []
    shrunk_per_check: Counter = Counter()
    ctx = mp.get_context("fork")
    with ctx.Pool(opts.workers, initializer=_init_worker, initargs=(opts, cov_dir)) as pool:
        summary.oracles = tuple(pool.apply(_oracle_names))
        last = 0.0
        window = threading.Semaphore(4 * opts.workers)
        for index, res in pool.imap_unordered(_run_case, _indices(opts, deadline, window), chunksize=1):
            window.release()
            summary.stats.update(res.stats)
            summary.forms.update(res.forms)
            summary.kinds.update(res.kinds)
            summary.seconds.update(res.seconds)
            seen_here: set[str] = set()
            for f in res.findings:
                summary.findings[f.check] += 1
                summary.examples.setdefault(f.check, f.detail)
                if f.group != "harness" and f.check not in seen_here and shrunk_per_check[f.check] < opts.shrink_limit:
                    shrunk_per_check[f.check] += 1
                    seen_here.add(f.check)
                    shrinking.append(pool.apply_async(_shrink, (f,)))
            now = time.monotonic()
            if opts.progress and now - last > 0.5:
                last = now
                _progress(summary, now - start)
        for job in shrinking:
            try:
                finding, small, answers = job.get(timeout=max(30.0, opts.shrink_seconds * 2))
            except mp.TimeoutError:
                continue
            summary.saved.append(str(save_finding(finding, small, answers, opts.failures)))
        pool.close()
        pool.join()
    summary.wall = time.monotonic() - start
    if opts.progress:
        _progress(summary, summary.wall)
        print(file=sys.stderr)
    if cov_dir is not None:
        summary.coverage = _coverage_report(cov_dir)
    return summary


def _oracle_names() -> list[str]:
    return sorted(_worker["oracles"])


def _progress(s: Summary, elapsed: float) -> None:
    reqs = s.stats["requests:impl"] or s.stats["requests:model"] or s.stats["requests:rust"]
    line = (f"[{elapsed:6.1f}s] cases {s.stats['cases']}  requests {reqs} ({reqs / max(elapsed, 1e-9):.0f}/s)"
            f"  mismatches {s.mismatches}")
    if sys.stderr.isatty():
        print("\r" + line, end="", file=sys.stderr, flush=True)
    elif int(elapsed) % 10 == 0:
        print(line, file=sys.stderr, flush=True)


def save_finding(f: Finding, case: Case, answers: dict[str, list[str]], directory: Path) -> Path:
    """Save a shrunk finding; expected answers are Rust's (else the model's)."""
    expected = None
    for source in ("rust", "model", "impl"):
        if source in answers:
            expected = [_expected(b) for b in answers[source]]
            break
    name = f"{f.check.replace(':', '-')}-{case.digest()}"
    info = {"check": f.check, "group": f.group, "detail": f.detail, "request": f.request, "answers": answers}
    return case_mod.save(case, directory, name, expected, None, info)


def _expected(brief: str) -> dict[str, Any]:
    """Expected decision/reasons/errors from an `Outcome.brief()` line."""
    if not (brief.startswith("allow") or brief.startswith("deny")):
        return {}
    decision, rest = brief.split(" ", 1)
    reasons = rest.split("reasons=")[1].split(" errors=")[0]
    errors = rest.split(" errors=")[1]
    return {
        "decision": decision,
        "reason": json.loads(reasons.replace("'", '"')),
        "errors": sorted({e.rsplit(":", 1)[0] for e in json.loads(errors.replace("'", '"'))}),
    }


def _coverage_report(cov_dir: str) -> str | None:
    import coverage

    cov = coverage.Coverage(data_file=os.path.join(cov_dir, ".coverage"), branch=True, source=[str(ROOT / "impl")],
                            omit=COVERAGE_OMIT)
    try:
        cov.combine([cov_dir])
        buf = io.StringIO()
        total = cov.report(file=buf)
    except coverage.exceptions.CoverageException as e:
        return f"unavailable ({e})"
    branches = missing = 0
    for path in cov.get_data().measured_files():
        numbers = cov._analyze(path).numbers  # noqa: SLF001 - the public report gives no branch-only total
        branches += numbers.n_branches
        missing += numbers.n_missing_branches
    branch = 100.0 * (branches - missing) / branches if branches else 0.0
    return f"{branch:.1f}% of {branches} branches ({total:.1f}% statements+branches; impl/cli/ not counted)"


# ------------------------------------------------------------------ replay


def replay(path: Path, opts: Options) -> int:
    """Re-run a saved (or any integration-test) file through every check; print each oracle's answers."""
    oracles = make_oracles(opts.oracles)
    to_est = None
    if "rust" in oracles:
        to_est = oracles["rust"].policy_json
    elif "impl" in oracles:
        to_est = lambda text: oracles["impl"].impl.PolicySet.from_str(text).to_json()  # noqa: E731
    case = case_mod.load(path, to_est)
    doc = json.loads(path.read_text())
    checker = Checker(oracles, fuzz=0)
    print(f"replaying {path} with {', '.join(sorted(oracles))}")
    print(case.policy_text)
    answers = {name: o.authorize(case) for name, o in oracles.items()}
    for i, r in enumerate(doc["requests"]):
        print(f"request {i}: {r['principal']} {r['action']} {r['resource']} context={json.dumps(r['context'])}")
        print(f"  expected: {r.get('decision')} reasons={r.get('reason')} errors={r.get('errors')}")
        for name, outs in answers.items():
            print(f"  {name:5s}: {outs[i].brief()}")
    findings: list[Finding] = []
    recorded = doc.get("difftest", {}).get("group")
    for group in [recorded] if recorded else ["auth", "auth-schema", "validate", "parse", "schema", "entities", "api"]:
        findings += checker.check(group, case)
    for f in findings:
        print(f"MISMATCH {f.check}" + (f" (request {f.request})" if f.request is not None else "") + f"\n{f.detail}")
    if not findings:
        print("no mismatch")
    return 1 if findings else 0
