"""Where our engine spends its time on a workload: cProfile of the request path, parsing or entity loading.

    python -m bench.profile --workload tinytodo --size 100 --what requests --top 25

The request loop profiled is the benchmark's own (`ImplEngine.decider`), after a warm-up.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from typing import Callable

from bench.engines import ImplEngine
from bench.workloads import BUILDERS


def _action(what: str, workload_name: str, size: int, requests: int, seed: int) -> Callable[[], object]:
    workload = BUILDERS[workload_name](seed, requests, size)
    engine = ImplEngine()
    spec = workload.policy_set(size)
    schema = engine.load_schema(workload.schema)
    entities_json = workload.entities_json()
    if what == "entities":
        engine.load_entities(entities_json, schema)  # warm-up
        return lambda: engine.load_entities(entities_json, schema)
    if what == "parse":
        engine.parse_policies(spec.text)  # warm-up: lark builds its tables on first use
        return lambda: engine.parse_policies(spec.text)
    entities = engine.load_entities(entities_json, schema)
    decide = engine.decider(engine.link(engine.parse_policies(spec.text), spec), entities, schema)
    for req in workload.requests[: min(500, len(workload.requests))]:
        decide(req)

    def run() -> None:
        for req in workload.requests:
            decide(req)

    return run


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", choices=sorted(BUILDERS), default="tinytodo")
    parser.add_argument("--size", type=int, default=100, help="number of policies (default 100)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--what", choices=["requests", "parse", "entities"], default="requests")
    parser.add_argument("--sort", default="tottime", help="pstats sort key (default tottime)")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    action = _action(args.what, args.workload, args.size, args.requests, args.seed)
    profiler = cProfile.Profile()
    profiler.runcall(action)
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
