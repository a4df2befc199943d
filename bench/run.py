"""One benchmark run: every selected workload, at every selected size, on every available engine."""

from __future__ import annotations

import os
import platform
import sys
import time
from dataclasses import dataclass
from functools import partial
from importlib import metadata
from typing import Any

from bench.engines import Engine, impl_available, make_engine
from bench.measure import BATCH_BLOCKS, BLOCK, alternating, cpu_clock, time_requests, timed_entities, timed_policies
from bench.memory import measure_in_child
from bench.workload import JsonDict, Workload
from bench.workloads import BUILDERS

MAX_EXAMPLES = 5  # disagreeing requests kept in the results, per size


@dataclass(frozen=True)
class Options:
    workloads: list[str]
    sizes: list[int]
    requests: int
    seed: int
    warmup: int
    repeat: int  # parse / entity-load repetitions (the best is kept)
    memory_requests: int
    engines: list[str]


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def run(options: Options) -> dict[str, Any]:
    engines: dict[str, Engine] = {name: make_engine(name) for name in options.engines}
    results: dict[str, Any] = {
        "meta": {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "python": platform.python_version(),
            "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
            "cpu_count": os.cpu_count(),
            "load_average_at_start": os.getloadavg()[0],
            "cedarpy": _version("cedarpy"),
            "engines": {name: engine.label for name, engine in engines.items()},
            "options": options.__dict__,
            "timing": (
                f"per-request: one call per request after {options.warmup} warm-up requests, engines alternating "
                f"every {BLOCK} requests; cedarpy batch: is_authorized_batch on each of the first {BATCH_BLOCKS} blocks of {BLOCK}, "
                f"per-request figure = block time / {BLOCK}; parsing (after one untimed warm-up parse) "
                f"and entity loading: CPU time of the process (time.process_time), best of {options.repeat}, "
                f"the engines taking turns; setup (making the decider, where ours compiles and indexes): "
                f"CPU time, one run"
            ),
        },
        "workloads": {},
    }
    for name in options.workloads:
        started = time.perf_counter()
        workload = BUILDERS[name](options.seed, options.requests, max(options.sizes))
        progress(f"[{name}] generated in {time.perf_counter() - started:.2f}s: "
                 f"{len(workload.entities)} entities, {len(workload.requests)} requests")
        results["workloads"][name] = run_workload(workload, engines, options)
    results["meta"]["load_average_at_end"] = os.getloadavg()[0]
    return results


def run_workload(workload: Workload, engines: dict[str, Engine], options: Options) -> dict[str, Any]:
    entities_json = workload.entities_json()
    out: dict[str, Any] = {
        "description": workload.description,
        "entities": len(workload.entities),
        "entity_types": workload.counts,
        "requests": len(workload.requests),
        "loading": {},
        "sizes": [],
        "memory": {},
        "failures": [],
    }
    schemas: dict[str, Any] = {}
    for engine_name, engine in engines.items():
        try:
            schemas[engine_name] = engine.load_schema(workload.schema)
        except Exception as exc:  # noqa: BLE001 - an engine that cannot load the workload is reported, not fatal
            _fail(workload, out["failures"], f"{engine_name}: loading the schema", exc)
    loaded = alternating(options.repeat, {
        name: partial(timed_entities, engines[name], schema, entities_json) for name, schema in schemas.items()
    })
    entity_handles: dict[str, Any] = {}
    for engine_name, result in loaded.items():
        if isinstance(result, Exception):
            _fail(workload, out["failures"], f"{engine_name}: loading entities", result)
            continue
        (seconds,), entity_handles[engine_name] = result
        out["loading"][engine_name] = {"entities_s": seconds, "entities_per_s": len(workload.entities) / seconds}
        progress(f"[{workload.name}] {engine_name}: {len(workload.entities)} entities loaded in {seconds * 1000:.1f} ms")

    for engine_name in entity_handles:  # lark builds its parser tables on first use: not a per-policy cost
        warm_up = engines[engine_name].parse_policies(workload.policy_set(len(workload.base_policies)).text)
        # nor are the imports and one-time initialisation of the first decider
        engines[engine_name].decider(warm_up, entity_handles[engine_name], schemas[engine_name])
    for size in options.sizes:
        out["sizes"].append(run_size(workload, size, engines, schemas, entity_handles, options, out["failures"]))

    largest = max(options.sizes)
    for engine_name in entity_handles:
        progress(f"[{workload.name}] {engine_name}: memory at {largest} policies (child process)")
        out["memory"][engine_name] = measure_in_child(workload, largest, options.memory_requests, engine_name, False)
        if engine_name == "impl":
            out["memory"]["impl_tracemalloc"] = measure_in_child(workload, largest, options.memory_requests, engine_name, True)
    return out


def run_size(
    workload: Workload,
    size: int,
    engines: dict[str, Engine],
    schemas: dict[str, Any],
    entity_handles: dict[str, Any],
    options: Options,
    failures: list[str],
) -> dict[str, Any]:
    spec = workload.policy_set(size)
    row: dict[str, Any] = {
        "policies": spec.size,
        "static": spec.static_count,
        "templates": spec.template_count,
        "links": len(spec.links),
        "engines": {},
    }
    deciders = {}
    batch = None
    built = alternating(options.repeat, {name: partial(timed_policies, engines[name], spec) for name in entity_handles})
    for engine_name, result in built.items():
        engine = engines[engine_name]
        try:
            if isinstance(result, Exception):
                raise result
            (parse_s, link_s), policies = result
            started_setup = cpu_clock()  # ours builds its index and compiles here; cedarpy does nothing
            deciders[engine_name] = engine.decider(policies, entity_handles[engine_name], schemas[engine_name])
            setup_s = cpu_clock() - started_setup
        except Exception as exc:  # noqa: BLE001 - see run_workload
            _fail(workload, failures, f"{engine_name} at {size} policies: loading policies", exc)
            continue
        text_policies = spec.static_count + spec.template_count
        row["engines"][engine_name] = {
            "parse_s": parse_s,
            "policies_per_s": text_policies / parse_s,
            "link_s": link_s,
            "setup_s": setup_s,  # making the decider (one run, CPU time): our `Authorizer(...)`
        }
        if engine_name == "cedarpy":
            batch = _cedarpy_batch(engine, policies, entity_handles[engine_name], schemas[engine_name])
    if not deciders:
        return row
    started = time.perf_counter()
    runs, batch_run = time_requests(deciders, workload.requests, options.warmup, batch)
    for engine_name, request_run in runs.items():
        figures = row["engines"][engine_name]
        figures["request"] = request_run.figures.to_json()
        figures["allowed"] = request_run.decisions.count("allow")
        figures["errors"] = len(request_run.errors)
        figures["error_examples"] = sorted(set(request_run.errors))[:MAX_EXAMPLES]
    if batch_run is not None:
        row["engines"]["cedarpy"]["request_batch"] = batch_run.figures.to_json()
        if batch_run.decisions != runs["cedarpy"].decisions[: len(batch_run.decisions)]:
            failures.append(f"cedarpy at {size} policies: is_authorized_batch and is_authorized disagree")
    if "cedarpy" in runs:
        single = runs["cedarpy"].figures.median_us
        batched = batch_run.figures.median_us if batch_run is not None else float("inf")
        row["cedarpy_best"] = (
            {"mode": "is_authorized", "median_us": single} if single <= batched
            else {"mode": "is_authorized_batch", "median_us": batched}
        )
    if "cedarpy" in runs and "impl" in runs:
        row["ratio"] = runs["impl"].figures.median_us / row["cedarpy_best"]["median_us"]
        row["disagreements"], row["disagreement_examples"] = _disagreements(
            workload.requests, runs["cedarpy"].decisions, runs["impl"].decisions
        )
    summary = ", ".join(
        f"{name} {r.figures.median_us:.1f} us median" for name, r in runs.items()
    )
    progress(f"[{workload.name}] {size} policies: {summary} ({time.perf_counter() - started:.1f}s)")
    return row


def _fail(workload: Workload, failures: list[str], what: str, exc: Exception) -> None:
    failures.append(f"{what}: {type(exc).__name__}: {exc}")
    progress(f"[{workload.name}] !! {failures[-1]}")


def _cedarpy_batch(engine: Engine, policies: Any, entities: Any, schema: Any):  # noqa: ANN202 - a closure
    def batch(requests: list[JsonDict]) -> list[str]:
        return engine.decide_batch(policies, entities, schema, requests)  # type: ignore[attr-defined]

    return batch


def _disagreements(requests: list[JsonDict], cedarpy: list[str], ours: list[str]) -> tuple[int, list[dict[str, Any]]]:
    differing = [i for i, (a, b) in enumerate(zip(cedarpy, ours)) if a != b]
    examples = [{"request": requests[i], "cedarpy": cedarpy[i], "impl": ours[i]} for i in differing[:MAX_EXAMPLES]]
    return len(differing), examples


def default_engines() -> list[str]:
    return ["cedarpy", "impl"] if impl_available() else ["cedarpy"]
