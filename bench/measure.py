"""Timing of the three things a service pays for: loading entities, parsing policies, deciding requests."""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from bench.engines import Decide, Engine
from bench.workload import JsonDict, PolicySetSpec

BLOCK = 100  # requests timed for one engine before the other gets its turn
BATCH_BLOCKS = 20  # blocks on which cedarpy's batch call is also timed (its figure is a median of block means)


@dataclass
class RequestFigures:
    """Per-request times in microseconds over the timed requests."""

    median_us: float
    p99_us: float
    mean_us: float
    count: int

    @staticmethod
    def of(samples_ns: list[int]) -> "RequestFigures":
        ordered = sorted(samples_ns)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return RequestFigures(
            median_us=statistics.median(ordered) / 1000,
            p99_us=p99 / 1000,
            mean_us=statistics.fmean(ordered) / 1000,
            count=len(ordered),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RequestRun:
    """One engine's pass over the requests: its figures and its decisions, in request order."""

    figures: RequestFigures
    decisions: list[str]
    errors: list[str] = field(default_factory=list)  # exceptions raised by the engine (never expected)


def _decide_safely(decide: Decide, req: JsonDict) -> None:
    try:
        decide(req)
    except Exception:  # noqa: BLE001 - a crash is a finding, reported from the timed pass
        pass


def time_requests(
    deciders: dict[str, Decide],
    requests: list[JsonDict],
    warmup: int,
    batch: Callable[[list[JsonDict]], list[str]] | None = None,
) -> tuple[dict[str, RequestRun], RequestRun | None]:
    """Time every engine on every request, one call per request, after `warmup` untimed requests.

    The engines take turns block by block, so a load spike from another process on this
    shared machine lands on both engines rather than on whichever ran at that moment.
    `batch`, if given (cedarpy's `is_authorized_batch`), is timed on each of the first
    BATCH_BLOCKS blocks as a whole; its per-request figures are block means.
    """
    for decide in deciders.values():
        for req in requests[:warmup]:  # these are timed again below, failures included
            _decide_safely(decide, req)
    errors: dict[str, list[str]] = {name: [] for name in deciders}
    samples: dict[str, list[int]] = {name: [] for name in deciders}
    decisions: dict[str, list[str]] = {name: [] for name in deciders}
    batch_samples: list[int] = []
    batch_decisions: list[str] = []
    clock = time.perf_counter_ns
    for start in range(0, len(requests), BLOCK):
        block = requests[start : start + BLOCK]
        for name, decide in deciders.items():
            out, times, errs = decisions[name], samples[name], errors[name]
            for req in block:
                t0 = clock()
                try:
                    decision = decide(req)
                except Exception as exc:  # noqa: BLE001 - a crash is a finding to report, not a reason to stop
                    decision = "error"
                    errs.append(f"{type(exc).__name__}: {exc}")
                times.append(clock() - t0)
                out.append(decision)
        if batch is not None and start < BATCH_BLOCKS * BLOCK:
            t0 = clock()
            batch_decisions += batch(block)
            batch_samples.append((clock() - t0) // len(block))
    runs = {
        name: RequestRun(RequestFigures.of(samples[name]), decisions[name], errors[name]) for name in deciders
    }
    batch_run = RequestRun(RequestFigures.of(batch_samples), batch_decisions) if batch is not None else None
    return runs, batch_run


Timed = tuple[tuple[float, ...], Any]  # seconds of each timed step, and what the steps built


def alternating(repeat: int, actions: dict[str, Callable[[], Timed]]) -> dict[str, Timed | Exception]:
    """Each action's best (step-wise smallest) times over `repeat` rounds, the actions taking turns
    within a round so that a load spike from another process lands on all of them; noise only
    ever adds time. An action that raises is dropped and its exception returned in its place."""
    best: dict[str, Timed | Exception] = {}
    for _ in range(repeat):
        for name, action in actions.items():
            if isinstance(best.get(name), Exception):
                continue
            try:
                times, built = action()
            except Exception as exc:  # noqa: BLE001 - an engine failing a workload is reported, not fatal
                best[name] = exc
                continue
            previous = best.get(name)
            if previous is not None:
                times = tuple(map(min, times, previous[0]))  # type: ignore[index]
            best[name] = (times, built)
    return best


# Loading and parsing are timed in CPU time of this process. Both engines run these calls on
# the calling thread alone (cedarpy's Rust code included), so on a quiet machine this is the
# elapsed time; on a shared one it leaves out the time other processes held the CPU, which
# otherwise inflates a 20 ms call far more often than a 3 ms one and skews the ratio.
cpu_clock = time.process_time


def timed_entities(engine: Engine, schema: Any, entities_json: str) -> Timed:
    start = cpu_clock()
    entities = engine.load_entities(entities_json, schema)
    return (cpu_clock() - start,), entities


def timed_policies(engine: Engine, spec: PolicySetSpec) -> Timed:
    """Parse time and link time (each timing links a fresh parse: an engine may link in place)."""
    start = cpu_clock()
    parsed = engine.parse_policies(spec.text)
    middle = cpu_clock()
    linked = engine.link(parsed, spec)
    return (middle - start, cpu_clock() - middle), linked
