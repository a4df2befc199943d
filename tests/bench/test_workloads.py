"""The benchmark's inputs are deterministic and well-formed, and both engines decide them alike.

Correctness only: no test here looks at a time.
"""

from __future__ import annotations

import json
from pathlib import Path

import cedarpy
import pytest

from bench.__main__ import main
from bench.engines import CedarpyEngine, ImplEngine, impl_available
from bench.workload import Link, Workload
from bench.workloads import BUILDERS

SIZES = [7, 100, 1000]
SAMPLE = 300


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def workload(request: pytest.FixtureRequest) -> Workload:
    return BUILDERS[request.param](0, 1000, max(SIZES))


def test_workloads_are_deterministic_for_a_seed() -> None:
    for build in BUILDERS.values():
        first, second = build(7, 200, 300), build(7, 200, 300)
        assert first == second
        assert first.entities_json() == second.entities_json()


def test_a_different_seed_gives_different_data() -> None:
    for build in BUILDERS.values():
        assert build(1, 200, 300).requests != build(2, 200, 300).requests


def test_each_size_is_a_prefix_of_the_next_with_exactly_that_many_policies(workload: Workload) -> None:
    specs = [workload.policy_set(size) for size in SIZES]
    assert [spec.size for spec in specs] == SIZES
    for small, large in zip(specs, specs[1:]):
        assert large.links[: len(small.links)] == small.links
    assert specs[0].template_count == 0 and specs[0].static_count == 7


def test_a_size_outside_the_generated_range_is_refused(workload: Workload) -> None:
    with pytest.raises(ValueError):
        workload.policy_set(6)
    with pytest.raises(ValueError):
        workload.policy_set(workload.max_size + 1)


def test_entity_store_is_about_four_thousand_entities_with_unique_uids(workload: Workload) -> None:
    uids = [(e["uid"]["type"], e["uid"]["id"]) for e in workload.entities]
    assert len(set(uids)) == len(uids)
    assert 4000 <= len(uids) <= 4200


def test_tail_mixes_static_policies_and_template_links(workload: Workload) -> None:
    tail = workload.tail
    links = sum(isinstance(item, Link) for item in tail)
    assert 0.3 * len(tail) < links < 0.9 * len(tail)
    assert {item.template for item in tail if isinstance(item, Link)} == set(range(len(workload.templates)))


def test_policies_validate_against_the_schema(workload: Workload) -> None:
    result = cedarpy.validate_policies(workload.policy_set(max(SIZES)).text, workload.schema)
    assert result.validation_passed, [str(e) for e in result.errors][:5]


@pytest.fixture(scope="module")
def cedarpy_decisions(workload: Workload) -> dict[int, list[str]]:
    engine = CedarpyEngine()
    schema = engine.load_schema(workload.schema)
    entities = engine.load_entities(workload.entities_json(), schema)
    out = {}
    for size in SIZES:
        spec = workload.policy_set(size)
        policies = engine.link(engine.parse_policies(spec.text), spec)
        out[size] = engine.decide_batch(policies, entities, schema, workload.requests)
    return out


def test_cedarpy_accepts_every_request(cedarpy_decisions: dict[int, list[str]]) -> None:
    for decisions in cedarpy_decisions.values():
        assert "error" not in decisions  # every request is valid for the schema


def test_decisions_are_a_mix_of_allow_and_deny(cedarpy_decisions: dict[int, list[str]]) -> None:
    for size, decisions in cedarpy_decisions.items():
        allowed = decisions.count("allow") / len(decisions)
        assert 0.1 < allowed < 0.9, (size, allowed)


def test_the_tail_changes_some_decisions(cedarpy_decisions: dict[int, list[str]]) -> None:
    changed = sum(a != b for a, b in zip(cedarpy_decisions[min(SIZES)], cedarpy_decisions[max(SIZES)]))
    assert changed >= 10


@pytest.mark.skipif(not impl_available(), reason="impl.authorizer does not exist yet")
def test_our_engine_and_cedarpy_agree_on_a_sample(workload: Workload) -> None:
    engines = [CedarpyEngine(), ImplEngine()]
    schemas = [e.load_schema(workload.schema) for e in engines]
    entities = [e.load_entities(workload.entities_json(), s) for e, s in zip(engines, schemas)]
    sample = workload.requests[:SAMPLE]
    for size in SIZES:
        spec = workload.policy_set(size)
        decide = [e.decider(e.link(e.parse_policies(spec.text), spec), ents, s)
                  for e, ents, s in zip(engines, entities, schemas)]
        differing = [(req, d0, d1) for req in sample if (d0 := decide[0](req)) != (d1 := decide[1](req))]
        assert differing == [], (size, differing[:3])


def test_quick_run_writes_results_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick", "--workload", "tinytodo", "--requests", "100", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    rows = results["workloads"]["tinytodo"]["sizes"]
    assert [row["policies"] for row in rows] == [7, 100]
    assert all(row["engines"]["cedarpy"]["request"]["count"] == 100 for row in rows)
    assert results["workloads"]["tinytodo"]["memory"]["cedarpy"]["rss_retained_mib"] > 0
    if impl_available():
        judged = {(t["what"], t["policies"]) for t in results["targets"]}
        assert ("per-request time", 100) in judged and ("entity loading time", None) in judged
        assert all(row["disagreements"] == 0 for row in rows)
        assert all(row["engines"][e]["setup_s"] >= 0 for row in rows for e in ("impl", "cedarpy"))
    out = capsys.readouterr().out
    assert "== tinytodo" in out
    if impl_available():
        assert "parse+link+setup" in out
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "no plot" in out
    else:
        assert (tmp_path / "per_request.png").stat().st_size > 0
