"""`cedar run-tests`: the Rust test-file format, and every handwritten integration test
(directly with `--integration-format`, and converted to the Rust format by a helper)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import FIXTURES, HANDWRITTEN, assert_no_traceback

SCHEMA = FIXTURES / "photos.cedarschema"
POLICIES = FIXTURES / "photos.cedar"
INTEGRATION_FILES = sorted(HANDWRITTEN.rglob("*.json"))


def test_passing_tests_exit_0_with_rust_layout(cedar):
    r = cedar("run-tests", "-p", POLICIES, "-s", SCHEMA, "--tests", FIXTURES / "photos.tests.json")
    assert r.code == 0
    assert r.out == ("running 2 test(s)\n  test alice views the beach ... ok\n  test (unnamed) ... ok\n"
                     "results: 2 passed, 0 failed\n")


def test_wrong_expectation_fails(cedar):
    r = cedar("run-tests", "-p", POLICIES, "-s", SCHEMA, "--tests", FIXTURES / "photos.failing-tests.json")
    assert r.code == 1
    assert "  test wrong expectation ... fail: expected Deny, got Allow\n" in r.out
    assert r.out.endswith("results: 0 passed, 1 failed\n")


def test_missing_reason_and_unexpected_errors_fail(cedar, tmp_path):
    tests = json.loads((FIXTURES / "photos.tests.json").read_text())
    tests[0]["reason"] = ["team-view", "owner-edit"]
    tests[1]["num_errors"] = 1
    path = tmp_path / "t.json"
    path.write_text(json.dumps(tests))
    r = cedar("run-tests", "-p", POLICIES, "-s", SCHEMA, "--tests", path)
    assert r.code == 1
    assert "fail: missing reason(s): `owner-edit`" in r.out
    assert "fail: expected 1 error(s), but got 0 runtime error(s)" in r.out


def test_malformed_tests_are_errors_not_tracebacks(cedar, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"request": {"principal": 'User::"a"', "action": 'Action::"view"',
                                            "resource": 'Photo::"p"', "context": {"mfa": True}},
                                "entities": [], "decision": "what", "reason": [], "num_errors": 0},
                               {"entities": [], "decision": "deny", "reason": [], "num_errors": 0}]))
    r = cedar("run-tests", "-p", POLICIES, "-s", SCHEMA, "--tests", bad)
    assert r.code == 1
    assert "unknown variant `what`, expected `allow` or `deny`" in r.out
    assert "missing field `request`" in r.out
    assert_no_traceback(r)
    wrong_shape = tmp_path / "shape.json"
    wrong_shape.write_text('{"wrong-format": true}')
    assert cedar("run-tests", "-p", POLICIES, "--tests", wrong_shape).code == 1
    assert cedar("run-tests", "-p", POLICIES, "--tests", tmp_path / "no-such-file.json").code == 1


def test_policies_that_do_not_validate_fail_every_test(cedar, tmp_path):
    policies = tmp_path / "p.cedar"
    policies.write_text('permit(principal, action, resource) when { principal.nope };')
    r = cedar("run-tests", "-p", policies, "-s", SCHEMA, "--tests", FIXTURES / "photos.tests.json")
    assert r.code == 1
    assert r.out.count("... error:") == 2 and "policy set validation failed" in r.out


@pytest.mark.parametrize("path", INTEGRATION_FILES, ids=lambda p: str(p.relative_to(HANDWRITTEN)))
def test_handwritten_integration_file_passes_with_integration_format(cedar, path):
    r = cedar("run-tests", "--integration-format", "--tests", path)
    spec = json.loads(path.read_text())
    n = len(spec["requests"]) + 1
    assert r.code == 0, r.out
    assert r.out.endswith(f"results: {n} passed, 0 failed\n")


def test_integration_format_detects_a_wrong_expectation(cedar, tmp_path):
    spec = json.loads(INTEGRATION_FILES[0].read_text())
    spec["requests"][0]["decision"] = "deny" if spec["requests"][0]["decision"] == "allow" else "allow"
    spec["shouldValidate"] = not spec["shouldValidate"]
    for key in ("policies", "entities", "schema"):
        spec[key] = str(HANDWRITTEN.parent / spec[key])
    path = tmp_path / "t.json"
    path.write_text(json.dumps(spec))
    r = cedar("run-tests", "--integration-format", "--tests", path)
    assert r.code == 1
    assert r.out.endswith(f"results: {len(spec['requests']) - 1} passed, 2 failed\n")


def to_rust_tests(spec: dict) -> list[dict]:
    """An integration-test file's requests in the Rust CLI's `run-tests` format."""
    entities = json.loads((HANDWRITTEN.parent / spec["entities"]).read_text())

    def uid(j: dict) -> str:
        return f'{j["type"]}::{json.dumps(j["id"])}'

    return [{"name": r["description"],
             "request": {"principal": uid(r["principal"]), "action": uid(r["action"]),
                         "resource": uid(r["resource"]), "context": r["context"]},
             "entities": entities, "decision": r["decision"], "reason": r["reason"],
             "num_errors": len(r["errors"])} for r in spec["requests"]]


def test_every_handwritten_integration_file_converted_to_the_rust_format_passes(cedar, tmp_path):
    for path in INTEGRATION_FILES:
        spec = json.loads(path.read_text())
        converted = tmp_path / (path.parent.name + "-" + path.name)
        converted.write_text(json.dumps(to_rust_tests(spec)))
        args = ["-p", HANDWRITTEN.parent / spec["policies"], "--tests", converted]
        if spec["shouldValidate"]:
            args += ["-s", HANDWRITTEN.parent / spec["schema"]]
        r = cedar("run-tests", *args)
        assert r.code == 0, (path, r.out)
        assert r.out.endswith(f"results: {len(spec['requests'])} passed, 0 failed\n")
