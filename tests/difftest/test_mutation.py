"""The mutation harness's mutant list, and the difftest checks added to kill what used to survive."""

from __future__ import annotations

from pathlib import Path

import pytest

from difftest.case import gen_case
from difftest.checks import Checker
from difftest.mutants import AREAS, EQUIVALENT, area_files, make_mutants, sites
from difftest.oracles import ImplOracle

ROOT = Path(__file__).resolve().parents[2]


def test_forty_distinct_mutants_span_evaluator_authorizer_parser_and_validator() -> None:
    mutants = make_mutants(40, 0, ROOT)
    assert len(mutants) == 40
    assert len({(m.path, m.line, m.kind, m.description) for m in mutants}) == 40
    assert {"evaluator", "authorizer", "parser", "validator"} <= {m.area for m in mutants}


def test_no_site_listed_as_equivalent_is_mutated() -> None:
    files = {f for fs in area_files(ROOT).values() for f in fs}
    for path, lines in EQUIVALENT.items():
        assert path in files, path
        source = (ROOT / path).read_text().splitlines()
        for s in sites(path, "\n".join(source) + "\n"):
            why = lines.get(source[s.node.lineno - 1].strip())  # type: ignore[attr-defined]
            assert why is None or (not isinstance(why, str) and s.kind not in why[0]), (path, s.node.lineno, s.kind)


def test_equivalent_lines_still_exist_in_the_engine() -> None:
    """A listed line the engine no longer has excludes nothing: the list must follow the code."""
    for path, lines in EQUIVALENT.items():
        text = {line.strip() for line in (ROOT / path).read_text().splitlines()}
        assert set(lines) <= text, (path, set(lines) - text)


def test_areas_name_existing_files() -> None:
    assert all(area_files(ROOT)[area] for area in AREAS)


def test_entity_accessor_check_catches_an_accessor_that_answers_none(monkeypatch: pytest.MonkeyPatch) -> None:
    checker = Checker({"impl": ImplOracle()})
    case = next(c for c in (gen_case(seed) for seed in range(50)) if c.entities)
    assert not checker.check("entities", case)
    monkeypatch.setattr(ImplOracle().impl.Entities, "tags", lambda self, uid: None)
    assert {f.check for f in checker.check("entities", case)} == {"entities:accessors"}


def test_level_check_holds_on_generated_cases() -> None:
    checker = Checker({"impl": ImplOracle()})
    for seed in range(20):
        assert not checker.check("validate-levels", gen_case(seed))


def test_link_check_holds_on_generated_cases_with_links() -> None:
    checker = Checker({"impl": ImplOracle()})
    cases = [c for c in (gen_case(seed) for seed in range(60)) if c.links and c.schema_text]
    assert cases
    for case in cases:
        assert not checker.check("validate-links", case)
