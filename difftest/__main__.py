"""`python -m difftest`: differential random testing of `impl` against `spec` and Rust (cedarpy).

    python -m difftest                      # DIFFTEST_SECONDS (default 600) on every core
    python -m difftest --seed 7 --shard 3/8 # this machine's eighth of seed 7's cases
    python -m difftest --cases 300 --workers 1 --no-coverage
    python -m difftest --replay difftest/failures/auth-impl-vs-rust-0123abcd.json

Exit status 1 when any check disagreed (each disagreement is shrunk and saved
under difftest/failures/ in the Cedar integration-test format).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .runner import FAILURES, EngineMissing, Options, Summary, replay, run


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, Options]:
    p = argparse.ArgumentParser(prog="python -m difftest", description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=0, help="base seed of the case space (default 0)")
    p.add_argument("--shard", default="0/1", help="k/N: run the cases i with i %% N == k (default 0/1)")
    p.add_argument("--seconds", type=float, default=float(os.environ.get("DIFFTEST_SECONDS", 600)),
                   help="time budget (default: $DIFFTEST_SECONDS or 600)")
    p.add_argument("--cases", type=int, default=None, help="run exactly this many cases (ignores --seconds)")
    p.add_argument("--max-cases", type=int, default=None, help="stop after this many cases (within --seconds)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: cores)")
    p.add_argument("--mode", choices=("untyped", "typed", "validated"), help="use one generator only")
    p.add_argument("--oracles", default="impl,model,rust", help="comma-separated subset of impl,model,rust")
    p.add_argument("--model-every", type=int, default=1, help="run the model on every k-th case only (default 1)")
    p.add_argument("--fuzz", type=int, default=2, help="malformed inputs per case and kind (default 2; 0 = off)")
    p.add_argument("--no-coverage", action="store_true", help="do not measure branch coverage of impl/")
    p.add_argument("--shrink-limit", type=int, default=3, help="mismatches to shrink and save per check")
    p.add_argument("--failures", type=Path, default=FAILURES, help="where to save shrunk mismatches")
    p.add_argument("--require-impl", action="store_true", help="exit 4 if the engine does not import")
    p.add_argument("--replay", type=Path, help="re-run one saved (or integration-test) file and exit")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    a = p.parse_args(argv)
    k, _, n = a.shard.partition("/")
    if not (k.isdigit() and n.isdigit() and 0 <= int(k) < int(n)):
        p.error("--shard must be k/N with 0 <= k < N")
    opts = Options(
        seed=a.seed, shard=(int(k), int(n)), seconds=a.seconds, cases=a.cases, max_cases=a.max_cases,
        workers=max(1, a.workers),
        coverage=not a.no_coverage, fuzz=a.fuzz, mode=a.mode, model_every=max(1, a.model_every),
        oracles=tuple(x.strip() for x in a.oracles.split(",") if x.strip()),
        shrink_limit=a.shrink_limit, failures=a.failures, progress=not a.quiet,
        require_impl=a.require_impl,
    )
    return a, opts


def report(s: Summary, opts: Options) -> str:
    lines = [f"difftest: seed {opts.seed}, shard {opts.shard[0]}/{opts.shard[1]}, "
             f"{opts.workers} worker(s), oracles: {', '.join(s.oracles) or 'none'}"]
    cases, wall = s.stats["cases"], max(s.wall, 1e-9)
    by_mode = ", ".join(f"{m[6:]} {v}" for m, v in sorted(s.stats.items()) if m.startswith("cases:"))
    lines.append(f"  cases {cases} ({cases / wall:.1f}/s) in {s.wall:.1f}s  [{by_mode}]")
    for name in ("impl", "model", "rust"):
        n, secs = s.stats[f"requests:{name}"], s.seconds[name]
        if n:
            lines.append(f"  {name:5s} {n} requests, {n / secs if secs else 0:.0f} requests/s per core")
    for key, n in sorted(s.stats.items()):
        if key.startswith("compared:"):
            check = key[len("compared:"):]
            bad = s.findings[check]
            unit = "requests" if check.startswith("auth") else "inputs"
            lines.append(f"  agreement {check}: {n - bad}/{n} {unit} ({100.0 * (n - bad) / n:.2f}%)")
    decisions = {k.split(":")[1]: v for k, v in s.stats.items() if k.startswith("decision:")}
    lines.append(f"  decisions {decisions}")
    lines.append(f"  with schema: {s.stats['schema:accepted']} accepted, {s.stats['schema:rejected']} rejected;"
                 f" validation passed {s.stats['validation:passed']}, failed {s.stats['validation:failed']}")
    fuzz = {k.split(":")[1]: v for k, v in s.stats.items() if k.startswith("fuzz:") and k != "fuzz:inputs"}
    lines.append(f"  malformed inputs {s.stats['fuzz:inputs']}: {fuzz}")
    lines.append("  error kinds: " + ", ".join(f"{k} {v}" for k, v in s.kinds.most_common()))
    forms = [(k, v) for k, v in s.forms.most_common() if not k.startswith("gen:")]
    lines.append("  expression forms: " + ", ".join(f"{k} {v}" for k, v in forms))
    gen = [(k[4:], v) for k, v in s.forms.most_common() if k.startswith("gen:")]
    lines.append("  generator choices: " + ", ".join(f"{k} {v}" for k, v in gen))
    if s.coverage:
        lines.append(f"  coverage of impl/: {s.coverage}")
    if s.findings:
        lines.append(f"  MISMATCHES {s.mismatches}:")
        for check, n in s.findings.most_common():
            first = s.examples[check].splitlines()[0] if s.examples[check] else ""
            lines.append(f"    {check}: {n}  e.g. {first[:160]}")
        for path in s.saved:
            lines.append(f"    saved {path}")
    else:
        lines.append("  no mismatches")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args, opts = parse_args(sys.argv[1:] if argv is None else argv)
    if args.replay is not None:
        return replay(args.replay, opts)
    try:
        summary = run(opts)
    except EngineMissing as e:
        print(f"the engine does not import: {e}")
        return 4
    print(report(summary, opts))
    return 1 if summary.findings else 0


if __name__ == "__main__":
    sys.exit(main())
