"""Every request of Cedar's integration tests: decision, reasons and erroring policies.

Cases that do not pass yet are listed in `known_failures.txt`
(`<test file>#<request index>`, one per line, `#` comments allowed). The list is
enforced both ways: an unlisted failure fails the run, and so does a listed
case that now passes (remove it from the list).

Work is grouped into chunks of test files so `pytest -n 2` spreads it evenly;
each file's schema, policies and entities are read once for all its requests.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from impl.authorizer import Authorizer, as_request
from impl.entities import Entities
from impl.policyset import PolicySet
from impl.request import validate_request
from impl.schema import Schema
from tests.corpus import IntegrationTest, _load, corpus_dir, corpus_paths, handwritten_tests

CORPUS_CHUNKS = 24
KNOWN_FAILURES_FILE = Path(__file__).with_name("known_failures.txt")


def _known_failures() -> set[str]:
    lines = (line.split("#", 2) for line in KNOWN_FAILURES_FILE.read_text().splitlines())
    return {f"{parts[0].strip()}#{parts[1].strip()}" for parts in lines if len(parts) >= 2 and parts[0].strip()}


@lru_cache(maxsize=4096)
def _schema(text: str) -> Schema:
    return Schema.from_str(text)


def failing_requests(test: IntegrationTest) -> dict[str, str]:
    """`name#index` -> what went wrong, for each request of `test` that does not give the expected answer."""
    try:
        schema = _schema(test.schema)
        authorizer = Authorizer(PolicySet.from_str(test.policies), Entities.from_json(test.entities, schema), schema)
    except Exception as e:  # noqa: BLE001 - every request of the file fails
        return {f"{test.name}#{i}": f"setup: {type(e).__name__}: {e}" for i in range(len(test.requests))}
    failures = {}
    for i, spec in enumerate(test.requests):
        try:
            request = as_request(spec, schema)
            if spec.get("validateRequest", True):
                validate_request(schema, request.principal, request.action, request.resource, request.context)
            response = authorizer.is_authorized(request)
        except Exception as e:  # noqa: BLE001
            failures[f"{test.name}#{i}"] = f"request: {type(e).__name__}: {e}"
            continue
        got = (response.decision.value, set(response.reasons), {e.policy_id for e in response.errors})
        want = (spec["decision"].lower(), set(spec["reason"]), set(spec["errors"]))
        if got != want:
            failures[f"{test.name}#{i}"] = f"got {got}, expected {want}"
    return failures


def _check(tests: list[IntegrationTest]) -> None:
    names = {t.name for t in tests}
    known = {k for k in _known_failures() if k.rsplit("#", 1)[0] in names}
    failures: dict[str, str] = {}
    for t in tests:
        failures.update(failing_requests(t))
    unexpected = {k: v for k, v in failures.items() if k not in known}
    fixed = sorted(known - failures.keys())
    report = [f"FAILS (not in known_failures.txt): {k}: {v}" for k, v in sorted(unexpected.items())]
    report += [f"PASSES (remove from known_failures.txt): {k}" for k in fixed]
    assert not report, "\n".join(report)


def test_handwritten() -> None:
    _check(handwritten_tests())


@pytest.mark.parametrize("chunk", range(CORPUS_CHUNKS))
def test_corpus(chunk: int) -> None:
    base = corpus_dir().parent
    _check([_load(base, p) for p in corpus_paths()[chunk::CORPUS_CHUNKS]])


def test_known_failures_name_real_requests() -> None:
    """A stale entry for a file or request that does not exist would never be checked."""
    names = {t.name: len(t.requests) for t in handwritten_tests()}
    base = corpus_dir().parent
    names.update({str(p.relative_to(base)): None for p in corpus_paths()})  # type: ignore[misc]
    for entry in _known_failures():
        name, index = entry.rsplit("#", 1)
        assert name in names, entry
        count = names[name]
        assert count is None or int(index) < count, entry
