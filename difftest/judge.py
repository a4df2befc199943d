"""The difftest inside a mutation workspace: record the baseline, then judge one mutant against it.

Both run every check of `Checker.run` (engine against Rust; the model is left
out: Rust is the fastest oracle and the ground truth), case by case in this
process, on the cases `gen_case(case_seed(seed, i))`.

- `record` runs the unmutated engine on a list of cases and keeps, for each
  case, its failing checks (normally none), which lines of the engine it
  executed (coverage.py, one dynamic context per case) and every answer Rust
  gave (`RustOracle.memo`: they do not depend on the engine under test).
- `judge` runs a mutated engine on the cases that execute the mutated lines
  (a case that never runs them cannot tell the mutant from the engine), with
  Rust's answers replayed from the memo, until the time budget runs out; the
  mutant is killed by the first case whose failing checks differ from the
  baseline's (an engine crash or hang is a failing check too).

    python -m difftest.judge record <task.pkl> <result.pkl>
    python -m difftest.judge judge <task.pkl>      # prints one JSON line

The driver is `difftest.mutation`.
"""

from __future__ import annotations

import json
import pickle
import sys
import time
from pathlib import Path
from typing import Any

from .case import case_seed, gen_case
from .checks import Checker
from .oracles import ImplOracle, RustOracle

WARM_UP = -1
"""The case index run before any measured case, so that what the engine builds on first use
(parser tables, lazily imported modules) is built outside every case."""


class _Run:
    """The oracles and checks of one process."""

    def __init__(self, seed: int, memo: dict[str, Any]) -> None:
        self.seed = seed
        self.impl = ImplOracle()
        self.rust = RustOracle(memo)
        self.checker = Checker({"impl": self.impl, "rust": self.rust}, fuzz=1)

    def failing_checks(self, index: int) -> list[str]:
        self.impl._schemas.clear()  # nothing carried over from another case
        case = gen_case(case_seed(self.seed, index), validator=self.rust.rejected_policy_ids)
        res = self.checker.run(case, with_model=False)
        return sorted({f.check for f in res.findings})


def record(task: dict[str, Any]) -> dict[str, Any]:
    """Baseline of `task["indices"]`: failing checks, executed lines (bitmasks over case indices), Rust memo."""
    import coverage

    root = Path(task["root"]).resolve()
    cov = coverage.Coverage(data_file=None, source=[str(root / "impl")], branch=False)
    cov.start()
    cov.switch_context("warm")
    t0 = time.monotonic()
    run = _Run(task["seed"], {})
    run.failing_checks(WARM_UP)
    checks: dict[int, list[str]] = {}
    for i in task["indices"]:
        cov.switch_context(str(i))
        checks[i] = run.failing_checks(i)
    cov.stop()
    data = cov.get_data()
    lines: dict[str, dict[int, int]] = {}
    warm: dict[str, set[int]] = {}
    for f in data.measured_files():
        rel = str(Path(f).resolve().relative_to(root))
        per_line = lines.setdefault(rel, {})
        for line, contexts in data.contexts_by_lineno(f).items():
            mask = 0
            for c in contexts:
                if c.isdigit():
                    mask |= 1 << int(c)
                else:
                    warm.setdefault(rel, set()).add(line)
            if mask:
                per_line[line] = mask
    return {"checks": checks, "lines": lines, "warm": warm, "memo": run.rust.memo,
            "seconds": time.monotonic() - t0}


def judge(task: dict[str, Any]) -> dict[str, Any]:
    """Run the mutant on `task["indices"]` (in order) until a case departs from the baseline or time is up."""
    start = time.monotonic()
    deadline = start + task["seconds"]
    try:
        run = _Run(task["seed"], pickle.loads(Path(task["memo"]).read_bytes()))
    except Exception as e:  # noqa: BLE001 - the mutant does not even import
        return {"verdict": "invalid", "why": f"{type(e).__name__}: {e}", "cases": 0}
    run.failing_checks(WARM_UP)
    baseline: dict[int, list[str]] = task["checks"]
    done = 0
    for i in task["indices"]:
        if time.monotonic() > deadline:
            break
        try:
            now = run.failing_checks(i)
        except Exception as e:  # noqa: BLE001 - the engine handed the checks something they cannot read
            now = [f"harness:{type(e).__name__}"]
        done += 1
        if now != baseline[i]:
            return {"verdict": "killed", "case": i, "before": baseline[i], "after": now, "cases": done,
                    "seconds": time.monotonic() - start}
    return {"verdict": "survived", "cases": done, "seconds": time.monotonic() - start}


def main(argv: list[str]) -> int:
    command, task_path = argv[0], Path(argv[1])
    task = pickle.loads(task_path.read_bytes())
    if command == "record":
        Path(argv[2]).write_bytes(pickle.dumps(record(task), protocol=pickle.HIGHEST_PROTOCOL))
        return 0
    if command == "judge":
        print(json.dumps(judge(task)), flush=True)
        return 0
    print(f"unknown command {command!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
