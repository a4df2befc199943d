"""`python -m bench` (= `make bench`): our engine against cedarpy on three generated workloads.

Prints a table with PASS/MISS per target and writes bench/results/results.json and
bench/results/per_request.png. Without `impl.authorizer` (the engine not yet written)
only cedarpy is measured.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.report import render, write_json, write_plot
from bench.run import Options, default_engines, run
from bench.workloads import BUILDERS

SIZES = [7, 100, 1000, 10000]
QUICK_SIZES = [7, 100]
REQUESTS = 10_000
QUICK_REQUESTS = 300


def _sizes(text: str) -> list[int]:
    sizes = sorted({int(s) for s in text.split(",") if s.strip()})
    if not sizes or sizes[0] < 7:
        raise argparse.ArgumentTypeError("sizes are comma-separated numbers of policies, each at least 7")
    return sizes


def parse_args(argv: list[str]) -> tuple[Options, Path]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"sizes {QUICK_SIZES}, {QUICK_REQUESTS} requests: a smoke run well under a minute")
    parser.add_argument("--workload", action="append", choices=sorted(BUILDERS),
                        help="a workload to run (repeatable; default: all)")
    parser.add_argument("--sizes", type=_sizes, help=f"numbers of policies, comma-separated (default {SIZES})")
    parser.add_argument("--requests", type=int, help=f"requests per workload (default {REQUESTS:,})")
    parser.add_argument("--seed", type=int, default=0, help="generation seed (default 0)")
    parser.add_argument("--engine", action="append", choices=["cedarpy", "impl"],
                        help="an engine to run (repeatable; default: both, or cedarpy alone until impl exists)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results",
                        help="where results.json and per_request.png go (default bench/results)")
    args = parser.parse_args(argv)
    requests = args.requests or (QUICK_REQUESTS if args.quick else REQUESTS)
    if requests < 1:
        parser.error("--requests must be positive")
    options = Options(
        workloads=args.workload or list(BUILDERS),
        sizes=args.sizes or (QUICK_SIZES if args.quick else SIZES),
        requests=requests,
        seed=args.seed,
        warmup=min(requests, 50 if args.quick else 500),
        repeat=2 if args.quick else 3,
        memory_requests=min(requests, 100 if args.quick else 1000),
        engines=args.engine or default_engines(),
    )
    return options, args.out


def main(argv: list[str]) -> int:
    options, out = parse_args(argv)
    results = run(options)
    print(render(results))
    out.mkdir(parents=True, exist_ok=True)
    write_json(results, out / "results.json")
    problem = write_plot(results, out / "per_request.png")
    print(f"\nwrote {out / 'results.json'}" + (f"; {problem}" if problem else f" and {out / 'per_request.png'}"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
