"""Every schema of the integration data survives Cedar syntax -> JSON -> Cedar syntax with its meaning.

"Meaning" is the resolved schema (entity types, actions, their types), so the
check holds however the printers lay out or order what they write.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from impl.schema import Schema
from tests.corpus import DATA, corpus_dir

CHUNKS = 8


def _schema_files() -> list[Path]:
    return sorted(corpus_dir().glob("*.cedarschema")) + sorted((DATA / "sample-data").rglob("*.cedarschema"))


def _round_trip_problem(path: Path) -> str | None:
    original = Schema.from_str(path.read_text(), str(path))
    via_json = Schema.from_json(json.dumps(original.to_json()))
    if via_json != original:
        return "Cedar -> JSON changed the meaning"
    back = Schema.from_str(via_json.to_cedar())
    if back != original:
        return "JSON -> Cedar changed the meaning"
    if Schema.from_json(back.to_json()) != original:
        return "the second JSON form changed the meaning"
    return None


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_every_schema_round_trips(chunk: int) -> None:
    problems = {p.name: msg for p in _schema_files()[chunk::CHUNKS] if (msg := _round_trip_problem(p)) is not None}
    assert problems == {}


def test_the_integration_data_has_schemas() -> None:
    assert len(_schema_files()) > 7000
