"""`python -m difftest.mutation` (`make mutation`): how many injected engine bugs the difftest catches.

Each mutant (`difftest.mutants`) is one single-point semantic bug in one file
of the engine's evaluator, authorizer and index, parser and JSON form,
validator, extensions or entities, made in a temporary copy of `impl/` (the
real files are never touched). The score is killed / (killed + survived);
mutants that do not even import count as neither (Python refused them).

1. Baseline (`difftest.judge record`, one process per job, cached under
   `.cache/mutation/` by the hash of `impl/` and `difftest/`, this driver
   and the mutant list aside): the unmutated engine on cases 0..N-1 of the
   seed, keeping each case's failing checks, the engine lines each case
   executed and every answer Rust gave.
2. Each mutant (`difftest.judge judge`, `--jobs` at a time) gets a difftest
   run of `--seconds` (60 by default) on the cases that execute the mutated
   lines, in case order, with Rust's answers replayed; it is killed at the
   first case whose failing checks differ from the baseline's (an engine
   crash, or a hang, counts). A mutant no case reaches survives at once: a
   gap in the generators, reported as "never reached".
3. The table: one row per mutant (verdict, area, where, the mutation, seconds
   it took, and the checks that caught it at which case, or why it survived),
   then the score per area and the mutation score.

    python -m difftest.mutation                          # 40 mutants, 60 s each, 2 at a time
    python -m difftest.mutation --mutants 60 --seed 3 --cases 4000
    python -m difftest.mutation --list                   # the mutants only
    python -m difftest.mutation --only evaluator.py:4    # judge only mutants whose name contains this
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .mutants import AREAS, Mutant, make_mutants

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "mutation"
COPIED = ("impl", "difftest")
NOT_IN_BASELINE = ("difftest/mutation.py", "difftest/mutants.py")
"""Files a baseline does not depend on (the driver and the mutant list): editing them keeps the cache."""


@dataclass
class Baseline:
    cases: int
    checks: dict[int, list[str]]
    lines: dict[str, dict[int, int]]  # file -> line -> bitmask of the cases that executed it
    warm: dict[str, set[int]]  # file -> lines executed outside every case (import, warm-up)
    memo: Path  # Rust's answers, pickled

    def relevant(self, m: Mutant) -> list[int]:
        """The cases that execute the mutated lines, in order (all of them for import-time code)."""
        everything = list(range(self.cases))
        if not m.in_function:
            return everything
        per_line = self.lines.get(m.path, {})
        mask = 0
        for line in m.lines():
            mask |= per_line.get(line, 0)
        if not mask:
            warm = self.warm.get(m.path, set())
            return everything if any(line in warm for line in m.lines()) else []
        return [i for i in everything if mask >> i & 1]


# ------------------------------------------------------------------ workspaces


def _env(workdir: Path) -> dict[str, str]:
    # One hash seed everywhere: the baseline and every mutant must iterate sets alike.
    return dict(os.environ, PYTHONPATH=str(workdir), PYTHONHASHSEED="0")


def snapshot(source: Path = ROOT) -> Path:
    """A copy of `impl/` and `difftest/` taken once: the baseline and every mutant run the same code
    even if the working tree changes meanwhile."""
    tmp = Path(tempfile.mkdtemp(prefix="difftest-mutation-"))
    for name in COPIED:
        shutil.copytree(source / name, tmp / name, ignore=shutil.ignore_patterns("__pycache__", "failures"))
    return tmp


def fingerprint(workdir: Path) -> str:
    h = hashlib.sha1()
    for name in COPIED:
        for p in sorted((workdir / name).rglob("*")):
            if p.is_file() and p.suffix in (".py", ".lark") and str(p.relative_to(workdir)) not in NOT_IN_BASELINE:
                h.update(str(p.relative_to(workdir)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _judge_process(workdir: Path, args: list[str], timeout: float) -> tuple[int | None, str]:
    try:
        p = subprocess.run([sys.executable, "-m", "difftest.judge", *args], cwd=workdir, env=_env(workdir),
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, ""
    return p.returncode, p.stdout + p.stderr[-3000:]


# ------------------------------------------------------------------ baseline


def baseline(workdir: Path, seed: int, cases: int, jobs: int) -> Baseline:
    """The baseline of cases 0..cases-1 (cached by the code's fingerprint)."""
    key = f"{fingerprint(workdir)}-seed{seed}-cases{cases}"
    directory = CACHE / key
    if not (directory / "baseline.pkl").exists():
        t0 = time.monotonic()
        print(f"baseline: running {cases} cases on {jobs} process(es), recording coverage and Rust's answers ...",
              flush=True)
        tmp = Path(tempfile.mkdtemp(prefix="difftest-baseline-"))
        shards = [list(range(k, cases, jobs)) for k in range(jobs)]

        def shard(k: int) -> dict[str, Any]:
            task, out = tmp / f"task{k}.pkl", tmp / f"result{k}.pkl"
            task.write_bytes(pickle.dumps({"seed": seed, "indices": shards[k], "root": str(workdir)}))
            code, text = _judge_process(workdir, ["record", str(task), str(out)], timeout=24 * 3600)
            if code != 0:
                raise RuntimeError(f"baseline shard {k} failed:\n{text}")
            return pickle.loads(out.read_bytes())

        try:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                results = list(pool.map(shard, range(jobs)))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        checks: dict[int, list[str]] = {}
        lines: dict[str, dict[int, int]] = {}
        warm: dict[str, set[int]] = {}
        memo: dict[str, Any] = {}
        for r in results:
            checks.update(r["checks"])
            memo.update(r["memo"])
            for f, per_line in r["lines"].items():
                mine = lines.setdefault(f, {})
                for line, mask in per_line.items():
                    mine[line] = mine.get(line, 0) | mask
            for f, ls in r["warm"].items():
                warm.setdefault(f, set()).update(ls)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "memo.pkl").write_bytes(pickle.dumps(memo, protocol=pickle.HIGHEST_PROTOCOL))
        (directory / "baseline.pkl").write_bytes(pickle.dumps({"checks": checks, "lines": lines, "warm": warm}))
        print(f"baseline: {cases} cases in {time.monotonic() - t0:.0f}s", flush=True)
    data = pickle.loads((directory / "baseline.pkl").read_bytes())
    return Baseline(cases, data["checks"], data["lines"], data["warm"], directory / "memo.pkl")


# ------------------------------------------------------------------ mutants


def judge(m: Mutant, workdir: Path, base: Baseline, seed: int, seconds: float) -> dict[str, Any]:
    """The verdict on one mutant, with how long it took (wall clock, copying the workspace included)."""
    t0 = time.monotonic()
    result = _judge(m, workdir, base, seed, seconds)
    return {**result, "wall": time.monotonic() - t0}


def _judge(m: Mutant, workdir: Path, base: Baseline, seed: int, seconds: float) -> dict[str, Any]:
    relevant = base.relevant(m)
    result: dict[str, Any] = {"reached": len(relevant)}
    if not relevant:
        return {**result, "verdict": "survived", "cases": 0, "why": "never reached"}
    work = Path(tempfile.mkdtemp(prefix="difftest-mutant-"))
    try:
        for name in COPIED:
            shutil.copytree(workdir / name, work / name)
        (work / m.path).write_text(m.new_source)
        task = work / "task.pkl"
        task.write_bytes(pickle.dumps({"seed": seed, "indices": relevant, "seconds": seconds, "memo": str(base.memo),
                                       "checks": {i: base.checks[i] for i in relevant}}))
        code, out = _judge_process(work, ["judge", str(task)], timeout=seconds + 180)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if code is None:
        return {**result, "verdict": "killed", "caught_by": "hang", "why": "hang (no answer within the budget)",
                "cases": None}
    try:
        verdict = json.loads(out.strip().splitlines()[0])
    except (ValueError, IndexError):
        return {**result, "verdict": "killed", "caught_by": "crash", "why": f"the run crashed: {out.strip()[-300:]}",
                "cases": None}
    if verdict["verdict"] == "killed":
        new = sorted(set(verdict["after"]) - set(verdict["before"])) or sorted(set(verdict["before"]) - set(verdict["after"]))
        more = f" +{len(new) - 3}" if len(new) > 3 else ""
        verdict["caught_by"] = f"{', '.join(new[:3])}{more} (case {verdict['case']})"
        verdict["why"] = f"case {verdict['case']}: {verdict['before']} -> {verdict['after']}"
    elif verdict["verdict"] == "survived":
        verdict["why"] = f"reached by {len(relevant)} cases, ran {verdict['cases']} in the budget"
    return {**result, **verdict}


def _row(m: Mutant, r: dict[str, Any]) -> str:
    """One line of the table: verdict, where, mutant, caught by (or why it survived), seconds."""
    if r["verdict"] == "killed":
        outcome = r.get("caught_by", "")
    elif r["verdict"] == "survived":
        outcome = "SURVIVED: " + r.get("why", "")
    else:
        outcome = "invalid: " + r.get("why", "")[:80]
    where = f"{m.path.removeprefix('impl/')}:{m.line}"
    return f"{r['verdict']:8s} {m.area:10s} {where:28s} {m.kind + ': ' + m.description:40s} {r['wall']:6.1f}s  {outcome}"


_HEADER = f"{'verdict':8s} {'area':10s} {'where':28s} {'mutant':40s} {'time':>7s}  caught by (check, case) / why it survived"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m difftest.mutation", description=__doc__.split("\n\n")[0])
    p.add_argument("--mutants", type=int, default=40)
    p.add_argument("--seconds", type=float, default=60.0, help="difftest budget per mutant (default 60)")
    p.add_argument("--seed", type=int, default=0, help="which mutants (and which difftest cases)")
    p.add_argument("--cases", type=int, default=3000, help="baseline cases, the pool every mutant draws from")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes at once (default: cores)")
    p.add_argument("--areas", default=",".join(AREAS), help="comma-separated subset of " + ",".join(AREAS))
    p.add_argument("--only", default=None, help="judge only the mutants whose name contains this text")
    p.add_argument("--list", action="store_true", help="print the mutants and stop")
    p.add_argument("--out", type=Path, default=ROOT / ".cache" / "mutation.json", help="where to write the results")
    a = p.parse_args(argv)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: still remove the temporary copies
    started = time.monotonic()
    workdir = snapshot()
    try:
        mutants = make_mutants(a.mutants, a.seed, workdir, tuple(x for x in a.areas.split(",") if x))
        if a.only:
            mutants = [m for m in mutants if a.only in m.name]
        if a.list:
            for m in mutants:
                print(f"{m.area:10s} {m.name}  in `{m.before[:90]}`")
            return 0
        base = baseline(workdir, a.seed, a.cases, max(1, a.jobs))
        known = sum(1 for v in base.checks.values() if v)
        print(f"baseline: {base.cases} cases, {known} of them already disagree with Rust (known, not counted)")
        results: list[tuple[Mutant, dict[str, Any]]] = []
        t0 = time.monotonic()
        print(_HEADER, flush=True)
        with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
            for m, r in pool.map(lambda m: (m, judge(m, workdir, base, a.seed, a.seconds)), mutants):
                results.append((m, r))
                print(_row(m, r), flush=True)
        elapsed = time.monotonic() - t0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(summary(results, a, elapsed, time.monotonic() - started))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({
        "command": " ".join(sys.argv), "seconds": a.seconds, "elapsed": elapsed, "cases": a.cases, "seed": a.seed,
        "mutants": [{"path": m.path, "line": m.line, "area": m.area, "kind": m.kind, "description": m.description,
                     "line_text": m.before, **r} for m, r in results],
    }, indent=2))
    return 0


def summary(results: list[tuple[Mutant, dict[str, Any]]], a: argparse.Namespace, elapsed: float,
            total: float) -> str:
    killed = Counter(m.area for m, r in results if r["verdict"] == "killed")
    scored = Counter(m.area for m, r in results if r["verdict"] in ("killed", "survived"))
    invalid = sum(1 for _, r in results if r["verdict"] == "invalid")
    total_k, total_s = sum(killed.values()), sum(scored.values())
    lines = ["", _HEADER, *(_row(m, r) for m, r in results), ""]
    lines.append("  by area: " + ", ".join(f"{area} {killed[area]}/{scored[area]}" for area in sorted(scored)))
    lines.append(f"  {len(results)} mutants, seed {a.seed}, {a.seconds:g} s budget each, {a.cases} baseline cases, "
                 f"{a.jobs} at a time: {elapsed:.0f} s for the mutants, {total:.0f} s in all (baseline included)")
    for m, r in results:
        if r["verdict"] == "survived":
            lines.append(f"  survivor: {m.name} in `{m.before[:80]}` ({r.get('why', '')})")
    lines.append(f"mutation score {100.0 * total_k / max(total_s, 1):.1f}% ({total_k} killed of {total_s}, "
                 f"{total_s - total_k} survived; {invalid} invalid)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
