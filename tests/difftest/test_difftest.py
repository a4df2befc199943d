"""A short seeded differential run (part of `make test`), and the runner's own machinery."""

from __future__ import annotations

import json
import random
from pathlib import Path

from difftest.__main__ import main, report
from difftest.case import Case, gen_case, load, save
from difftest.runner import Options, _indices, run
from difftest.shrink import Shrinker

SHORT_RUN = Options(seed=2024, cases=300, workers=1, coverage=False, fuzz=1, model_every=3, shrink_limit=1,
                    shrink_seconds=10, progress=False)


def test_engine_model_and_rust_agree_on_300_seeded_cases(tmp_path: Path) -> None:
    opts = Options(**{**SHORT_RUN.__dict__, "failures": tmp_path})
    summary = run(opts)
    assert summary.stats["cases"] == 300
    assert not summary.findings, report(summary, opts)


def test_shards_split_the_case_space_without_overlap() -> None:
    far = float("inf")
    parts = [set(_indices(Options(cases=50, shard=(k, 3)), far)) for k in range(3)]
    assert set().union(*parts) == set(range(150))
    assert sum(len(p) for p in parts) == 150


def test_a_case_is_a_function_of_its_seed() -> None:
    a, b = gen_case(12345), gen_case(12345)
    assert (a.policy_text, a.entities, a.requests, a.schema_text) == (b.policy_text, b.entities, b.requests, b.schema_text)


def test_shrinking_keeps_the_property_and_drops_everything_else() -> None:
    def has_like(c: Case) -> bool:
        return '"like"' in json.dumps(c.policies)

    case = next(c for c in (gen_case(s, "typed") for s in range(200)) if has_like(c) and len(c.policies) > 2)
    small = Shrinker(has_like).shrink(case)
    assert has_like(small)
    assert len(small.policies) == 1 and small.requests == [] and small.entities == []
    body = small.policies[0]["conditions"][0]["body"]
    assert list(body) == ["like"] and body["like"]["left"] in ({"Value": True}, {"Value": False}, {"Value": 0},
                                                                {"Value": ""})


def test_a_saved_case_replays(tmp_path: Path, capsys) -> None:
    case = gen_case(random.Random(5).getrandbits(40))
    path = save(case, tmp_path / "failures", "example", None, None, {"check": "none"})
    again = load(path)
    assert again.policy_text == case.policy_text
    assert again.requests == case.requests and again.entities == case.entities
    status = main(["--replay", str(path), "--oracles", "rust"])
    assert status == 0
    assert "no mismatch" in capsys.readouterr().out
