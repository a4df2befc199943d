"""The `shouldValidate` verdict of every Cedar integration test, against our strict validator.

Cases that do not agree yet are listed in `validation_known_failures.txt`
(`<test file>`, one per line, `#` comments allowed). The list is enforced both
ways: an unlisted disagreement fails the run, and so does a listed case that
now agrees (remove it from the list).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from impl.policyset import PolicySet
from impl.schema import Schema
from impl.validator import validate
from tests.corpus import IntegrationTest, _load, corpus_dir, corpus_paths, handwritten_tests

CORPUS_CHUNKS = 16
KNOWN_FAILURES_FILE = Path(__file__).with_name("validation_known_failures.txt")


def _known_failures() -> set[str]:
    lines = (line.split("#", 1)[0].strip() for line in KNOWN_FAILURES_FILE.read_text().splitlines())
    return {line for line in lines if line}


@lru_cache(maxsize=4096)
def _schema(text: str) -> Schema:
    return Schema.from_str(text)


def disagreement(test: IntegrationTest) -> str | None:
    """What is wrong with our verdict on `test`, or None if it agrees with `shouldValidate`."""
    try:
        result = validate(PolicySet.from_str(test.policies), _schema(test.schema))
    except Exception as e:  # noqa: BLE001 - any failure to validate is a disagreement to report
        return f"{type(e).__name__}: {e}"
    if result.passed == test.should_validate:
        return None
    if test.should_validate:
        return "rejected a valid policy set: " + str(result.errors[0]).splitlines()[0]
    return "accepted a policy set Rust rejects"


def _check(tests: list[IntegrationTest]) -> None:
    names = {t.name for t in tests}
    known = _known_failures() & names
    failures = {t.name: d for t in tests if (d := disagreement(t)) is not None}
    report = [f"DISAGREES (not in validation_known_failures.txt): {k}: {v}" for k, v in sorted(failures.items()) if k not in known]
    report += [f"AGREES (remove from validation_known_failures.txt): {k}" for k in sorted(known - failures.keys())]
    assert not report, "\n".join(report)


def test_handwritten() -> None:
    _check(handwritten_tests())


@pytest.mark.parametrize("chunk", range(CORPUS_CHUNKS))
def test_corpus(chunk: int) -> None:
    base = corpus_dir().parent
    _check([_load(base, p) for p in corpus_paths()[chunk::CORPUS_CHUNKS]])


def test_known_failures_name_real_tests() -> None:
    """A stale entry would never be checked."""
    base = corpus_dir().parent
    names = {t.name for t in handwritten_tests()} | {str(p.relative_to(base)) for p in corpus_paths()}
    assert _known_failures() <= names
