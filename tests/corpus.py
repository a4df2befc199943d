"""The Cedar integration tests in `../shared/cedar-integration-tests`, loaded for any test.

The generated corpus ships as a tarball; it is unpacked once into `.cache/`
(never committed) at test time.
"""

from __future__ import annotations

import json
import os
import tarfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("CEDAR_INTEGRATION_TESTS", ROOT.parent / "shared" / "cedar-integration-tests"))
CACHE = ROOT / ".cache" / "integration"


@dataclass(frozen=True)
class IntegrationTest:
    """One test file: a policy set, entities, a schema and its requests."""

    name: str  # e.g. "tests/multi/1.json" or "corpus-tests/0004f2....json"
    policies: str
    entities: Any  # parsed entities JSON
    schema: str  # Cedar schema syntax
    should_validate: bool
    requests: list[dict[str, Any]]


def corpus_dir() -> Path:
    """The unpacked corpus, unpacking the tarball on first use."""
    target = CACHE / "corpus-tests"
    marker = CACHE / ".unpacked"
    if not marker.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tarfile.open(DATA / "corpus-tests.tar.gz") as tar:
            tar.extractall(CACHE, filter="data")
        marker.touch()
    return target


def _load(base: Path, path: Path) -> IntegrationTest:
    spec = json.loads(path.read_text())
    return IntegrationTest(
        name=str(path.relative_to(base)),
        policies=(base / spec["policies"]).read_text(),
        entities=json.loads((base / spec["entities"]).read_text()),
        schema=(base / spec["schema"]).read_text(),
        should_validate=spec["shouldValidate"],
        requests=spec["requests"],
    )


def handwritten_tests() -> list[IntegrationTest]:
    """The 22 handwritten test files (74 requests)."""
    return [_load(DATA, p) for p in sorted((DATA / "tests").rglob("*.json"))]


@lru_cache(maxsize=1)
def corpus_paths() -> tuple[Path, ...]:
    return tuple(sorted(p for p in corpus_dir().glob("*.json") if not p.name.endswith(".entities.json")))


def corpus_tests(sample: int | None = None) -> Iterator[IntegrationTest]:
    """The 7,809 generated test files (62,472 requests); `sample` takes every k-th file for a fixed subset."""
    paths = corpus_paths()
    if sample is not None:
        step = max(1, len(paths) // sample)
        paths = paths[::step][:sample]
    base = corpus_dir().parent
    for p in paths:
        yield _load(base, p)
