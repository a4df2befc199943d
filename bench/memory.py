"""Peak memory of one engine holding one workload, measured in a fresh process.

cedarpy allocates in Rust, where tracemalloc cannot see, so both engines get the same
outside view: resident set size (RSS) of a child process that has read the inputs,
before and after it loads schema, entities and policies and decides some requests.
Our engine is also measured with tracemalloc (Python allocations only; the RSS view
also counts interpreter overhead such as freed-but-kept arenas).

    python -m bench.memory INPUT_DIR ENGINE [--tracemalloc]   # prints one JSON object
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.engines import make_engine
from bench.workload import Link, PolicySetSpec, Workload

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _reset_peak_rss() -> bool:
    """Restart the kernel's high-water mark (Linux >= 4.0), so reading the inputs is not counted."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def write_inputs(directory: Path, workload: Workload, size: int, num_requests: int) -> None:
    spec = workload.policy_set(size)
    (directory / "schema.cedarschema").write_text(workload.schema)
    (directory / "entities.json").write_text(workload.entities_json())
    links = [{"template": link.template, "link_id": link.link_id, "values": link.values} for link in spec.links]
    policies = {"text": spec.text, "static_count": spec.static_count, "template_count": spec.template_count, "links": links}
    (directory / "policies.json").write_text(json.dumps(policies))
    (directory / "requests.json").write_text(json.dumps(workload.requests[:num_requests]))


def _read_spec(directory: Path) -> PolicySetSpec:
    raw = json.loads((directory / "policies.json").read_text())
    links = [Link(link["template"], link["link_id"], link["values"]) for link in raw["links"]]
    return PolicySetSpec(raw["text"], raw["static_count"], raw["template_count"], links)


def measure(directory: Path, engine_name: str, use_tracemalloc: bool) -> dict[str, Any]:
    engine = make_engine(engine_name)
    schema_text = (directory / "schema.cedarschema").read_text()
    entities_text = (directory / "entities.json").read_text()
    spec = _read_spec(directory)
    requests = json.loads((directory / "requests.json").read_text())
    gc.collect()
    if use_tracemalloc:
        import tracemalloc

        tracemalloc.start()
    peak_reset = _reset_peak_rss()
    before = _rss_bytes()
    schema = engine.load_schema(schema_text)
    entities = engine.load_entities(entities_text, schema)
    policies = engine.link(engine.parse_policies(spec.text), spec)
    decide = engine.decider(policies, entities, schema)
    for req in requests:
        decide(req)
    result: dict[str, Any] = {
        "engine": engine_name,
        "policies": spec.size,
        "requests": len(requests),
        "rss_retained_mib": (_rss_bytes() - before) / 2**20,
        "rss_peak_mib": (max(_peak_rss_bytes(), _rss_bytes()) - before) / 2**20,
    }
    if not peak_reset:
        result["rss_peak_note"] = "high-water mark could not be reset: the peak includes reading the inputs"
    if use_tracemalloc:
        current, peak = tracemalloc.get_traced_memory()
        result.update({"tracemalloc_retained_mib": current / 2**20, "tracemalloc_peak_mib": peak / 2**20})
    return result


def measure_in_child(workload: Workload, size: int, num_requests: int, engine_name: str, use_tracemalloc: bool) -> dict[str, Any]:
    """Run `measure` in a fresh interpreter so nothing the parent allocated is counted."""
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        write_inputs(Path(tmp), workload, size, num_requests)
        argv = [sys.executable, "-m", "bench.memory", tmp, engine_name] + (["--tracemalloc"] if use_tracemalloc else [])
        root = Path(__file__).resolve().parent.parent
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])))
        done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=root)
        if done.returncode != 0:
            return {"engine": engine_name, "error": done.stderr.strip().splitlines()[-1:] or ["exit " + str(done.returncode)]}
        return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("engine", choices=["cedarpy", "impl"])
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    print(json.dumps(measure(args.directory, args.engine, args.tracemalloc)))


if __name__ == "__main__":
    main()
