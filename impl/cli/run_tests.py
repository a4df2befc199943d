"""`cedar run-tests`: check expected decisions (Rust: `command/run_test.rs`).

The Rust format (`--tests FILE`): a JSON array of
`{"name"?, "request": {"principal", "action", "resource", "context"}, "entities": [...],
"decision": "allow"|"deny", "reason": [policy ids], "num_errors": N}`; a test
passes when the decision matches, every listed reason is among the determining
policies and the number of erroring policies matches. With `--schema` the
policies must validate (strictly, without warnings) and each request and its
entities are read against the schema.

`--integration-format` reads a file of the Cedar integration tests instead
(`policies`, `entities`, `schema` paths, `shouldValidate`, `requests` with
`{"type", "id"}` entities, expected `decision`, `reason` and `errors`); there
the reasons and errors must match exactly, and validation must pass exactly
when `shouldValidate` says so.

Output: `running N test(s)`, one `  test NAME ... ok|fail: why|error:` line per
test, then `results: P passed, F failed`; exit 0 when all pass, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable

from . import EXIT_FAILURE, EXIT_SUCCESS
from .authorize import policy_args
from .diagnostics import Diagnostic, Printer, render, terminal_width, use_color
from .inputs import (
    CliError, PolicyArgs, fail, load_entities, load_policy_set, load_schema, make_request, parse_entity_uid,
    parse_json, wrapped,
)
from .validate import report


@dataclass
class Outcome:
    passed: bool
    reason: str = ""
    error: Diagnostic | None = None


def run(ns: argparse.Namespace, printer: Printer) -> int:
    try:
        if ns.integration_format:
            tests = _integration_tests(ns)
        else:
            tests = _rust_tests(ns)
    except CliError as e:
        printer.emit(e.diagnostics, sys.stdout)
        return EXIT_FAILURE
    return _report(tests, printer)


def _report(tests: list[tuple[str, Callable[[], Outcome]]], printer: Printer) -> int:
    out = sys.stdout
    color = use_color(out)
    green, red = ("\x1b[32m", "\x1b[31m") if color else ("", "")
    reset = "\x1b[0m" if color else ""
    out.write(f"running {len(tests)} test(s)\n")
    failures = 0
    for name, check in tests:
        out.write(f"  test {name} ... ")
        out.flush()
        try:
            outcome = check()
        except CliError as e:
            outcome = Outcome(False, error=e.diagnostics[0])
        if outcome.passed:
            out.write(f"{green}ok{reset}\n")
            continue
        failures += 1
        if outcome.error is not None:
            text = render(outcome.error, printer.fmt, color, terminal_width(out))
            out.write(f"{red}error{reset}:\n  {text}")
        else:
            out.write(f"{red}fail{reset}: {outcome.reason}\n")
    passed = len(tests) - failures
    out.write(f"results: {passed} {green if not failures else ''}passed{reset if not failures else ''}, "
              f"{failures} {red if failures else ''}failed{reset if failures else ''}\n")
    return EXIT_FAILURE if failures else EXIT_SUCCESS


def _read_json_file(path: str, what: str) -> Any:
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        from .diagnostics import os_error_text

        raise fail(f"failed to open {what} file {path}",
                   os_error_text(e) if isinstance(e, OSError) else "stream did not contain valid UTF-8") from None
    return parse_json(text, path, f"failed to parse tests from file {path}")


# ---------------------------------------------------------------- the Rust format


def _rust_tests(ns: argparse.Namespace) -> list[tuple[str, Callable[[], Outcome]]]:
    policies = load_policy_set(policy_args(ns))
    tests = _read_json_file(ns.tests, "test")
    if not isinstance(tests, list):
        raise fail(f"failed to parse tests from file {ns.tests}", "invalid type: expected a sequence")
    schema = load_schema(ns.schema_file, ns.schema_format)
    out = []
    for test in tests:
        name = test.get("name") if isinstance(test, dict) else None
        label = name if isinstance(name, str) else "(unnamed)"
        out.append((label, lambda test=test: _run_rust_test(policies, test, schema)))
    return out


def _run_rust_test(policies: Any, test: Any, schema: Any) -> Outcome:
    case = _rust_case(test, schema)
    if schema is not None:
        result = _validate(policies, schema)
        if result.errors or result.warnings:
            return Outcome(False, error=report(result, "policy set validation failed"))
    response = _authorize(policies, case["entities"], schema, case["request"])
    decision = response.decision.value
    if decision != case["decision"]:
        return Outcome(False, f"expected {case['decision'].capitalize()}, got {decision.capitalize()}")
    problems = []
    missing = [r for r in case["reason"] if r not in response.reasons]
    if missing:
        problems.append("missing reason(s): " + ", ".join(f"`{r}`" for r in missing))
    n = len(response.errors)
    if n != case["num_errors"]:
        detail = ": " + ", ".join(f"error while evaluating policy `{e.policy_id}`: {e.message}"
                                  for e in response.errors) if n else ""
        problems.append(f"expected {case['num_errors']} error(s), but got {n} runtime error(s){detail}")
    return Outcome(not problems, "; ".join(problems))


def _rust_case(test: Any, schema: Any) -> dict[str, Any]:
    """One test object, read as Rust's `CheckedTestCaseSeed` reads it (same messages)."""
    from ..entities import Entities
    from ..errors import CedarError

    if not isinstance(test, dict):
        raise fail("invalid type: expected struct UncheckedTestCase")
    for key in ("request", "entities", "decision", "reason", "num_errors"):
        if key not in test:
            raise fail(f"missing field `{key}`")
    request, decision, reason, num_errors = test["request"], test["decision"], test["reason"], test["num_errors"]
    if decision not in ("allow", "deny"):
        raise fail(f"unknown variant `{decision}`, expected `allow` or `deny`")
    if not isinstance(reason, list) or not all(isinstance(r, str) for r in reason):
        raise fail("invalid type: `reason` must be an array of policy ids")
    if not isinstance(num_errors, int) or isinstance(num_errors, bool) or num_errors < 0:
        raise fail("invalid type: `num_errors` must be a non-negative integer")
    if not isinstance(request, dict) or "context" not in request:
        raise fail("missing field `context`")
    uids = []
    for role in ("principal", "action", "resource"):
        text = request.get(role)
        if text is None:
            raise fail(f"missing field `{role}`")
        try:
            uids.append(parse_entity_uid(str(text)))
        except CliError as e:
            raise fail(f"failed to parse {role} `{text}`: {e.diagnostics[0].message}") from None
    try:
        req = make_request(*uids, request["context"], schema, True, "failed to parse context")
    except CliError as e:
        d = e.diagnostics[0]
        raise fail(f"{d.message}: {'; '.join(d.causes)}" if d.causes else f"failed to create request: {d.message}")
    try:
        entities = Entities.from_json(test["entities"], schema)
    except (CedarError, RecursionError) as e:
        raise fail(f"failed to parse entities: {getattr(e, 'message', e)}") from None
    return {"request": req, "entities": entities, "decision": decision, "reason": reason, "num_errors": num_errors}


def _validate(policies: Any, schema: Any) -> Any:
    from ..validator import validate

    return validate(policies, schema)


def _authorize(policies: Any, entities: Any, schema: Any, request: Any) -> Any:
    from ..authorizer import Authorizer

    return Authorizer(policies, entities, schema).is_authorized(request)


# ---------------------------------------------------------------- the integration-test format


def _integration_tests(ns: argparse.Namespace) -> list[tuple[str, Callable[[], Outcome]]]:
    spec = _read_json_file(ns.tests, "test")
    if not isinstance(spec, dict):
        raise fail(f"failed to parse tests from file {ns.tests}", "expected an integration-test object")
    for key in ("policies", "entities", "schema", "shouldValidate", "requests"):
        if key not in spec:
            raise fail(f"failed to parse tests from file {ns.tests}", f"missing field `{key}`")
    base = _base_dir(ns.tests, spec["policies"]) if ns.policies_file is None else None

    def path(key: str, override: str | None) -> str:
        if override is not None:
            return override
        return os.path.join(base, spec[key]) if base is not None else spec[key]

    policies = load_policy_set(PolicyArgs(path("policies", ns.policies_file), ns.policy_format,
                                          ns.template_linked_file))
    schema = load_schema(path("schema", ns.schema_file), ns.schema_format)
    entities = load_entities(path("entities", None), schema)
    should_validate = bool(spec["shouldValidate"])
    tests: list[tuple[str, Callable[[], Outcome]]] = [
        ("validation", lambda: _check_validation(policies, schema, should_validate))]
    for i, request in enumerate(spec["requests"]):
        name = request.get("description") if isinstance(request, dict) else None
        tests.append((name if isinstance(name, str) else f"request {i}",
                      lambda request=request: _run_integration_request(policies, entities, schema, request)))
    return tests


def _base_dir(test_file: str, policies: Any) -> str | None:
    """The nearest directory, from the test file's upwards, that holds the file's `policies` path."""
    if not isinstance(policies, str):
        return None
    here = os.path.dirname(os.path.abspath(test_file))
    while True:
        if os.path.exists(os.path.join(here, policies)):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _check_validation(policies: Any, schema: Any, should_validate: bool) -> Outcome:
    passed = not _validate(policies, schema).errors
    if passed == should_validate:
        return Outcome(True)
    return Outcome(False, f"expected the policies to {'pass' if should_validate else 'fail'} validation, "
                          f"but they {'passed' if passed else 'failed'}")


def _run_integration_request(policies: Any, entities: Any, schema: Any, request: Any) -> Outcome:
    from ..errors import CedarError
    from ..value_json import parse_entity_uid as json_uid

    if not isinstance(request, dict):
        raise fail("a request must be a JSON object")
    try:
        uids = [json_uid(request[role], f"in the request's {role}") for role in ("principal", "action", "resource")]
    except KeyError as e:
        raise fail(f"missing field `{e.args[0]}`") from None
    except CedarError as e:
        raise wrapped(e, "failed to read the request") from None
    req = make_request(*uids, request.get("context", {}), schema, request.get("validateRequest", True) is not False,
                       "failed to create a context")
    response = _authorize(policies, entities, schema, req)
    problems = []
    decision = response.decision.value
    if decision != request.get("decision"):
        problems.append(f"expected {str(request.get('decision')).capitalize()}, got {decision.capitalize()}")
    for what, expected, actual in (("reason", request.get("reason", []), response.reasons),
                                   ("errors", request.get("errors", []), [e.policy_id for e in response.errors])):
        if sorted(set(expected)) != sorted(set(actual)):
            problems.append(f"expected {what} {sorted(set(expected))}, got {sorted(set(actual))}")
    return Outcome(not problems, "; ".join(problems))
