"""`cedar evaluate`: values printed as Rust prints an `EvalResult`."""

from __future__ import annotations

import pytest

from .conftest import FIXTURES, assert_no_traceback, flat

REQUEST = ["--request-json", str(FIXTURES / "request.json")]


@pytest.mark.parametrize("expression, printed", [
    ('resource.owner', 'User::"bob"'),
    ('principal in Team::"friends"', "false"),
    ('if 10 > 5 then "good" else "bad"', '"good"'),
    ('context.mfa && resource.owner == principal', "true"),
    ('["b", 2, true, "a", 1, false]', '[false, true, 1, 2, "a", "b"]'),
    ('{z: 1, a: {y: [], b: "x"}}', '{"a": {"b": "x", "y": []}, "z": 1}'),
    ('"it\'s \\"quoted\\"\\n"', '"it\\\'s \\"quoted\\"\\n"'),
    ('[Team::"t", User::"b", User::"a"]', '[Team::"t", User::"a", User::"b"]'),
    ('decimal("1.5").lessThan(decimal("2.0"))', "true"),
])
def test_expression_value_is_printed_in_cedar_syntax(cedar, expression, printed):
    r = cedar("evaluate", *REQUEST, "--entities", FIXTURES / "photos.entities.json", expression)
    assert (r.code, r.out) == (0, f"\n{printed}\n"), r.out + r.err


def test_schema_directed_entities_and_attribute_access(cedar):
    r = cedar("evaluate", *REQUEST, "--entities", FIXTURES / "photos.entities.json", "-s",
              FIXTURES / "photos.cedarschema", 'principal.address.isLoopback() && principal.age < 18')
    assert (r.code, r.out) == (0, "\ntrue\n")


def test_evaluation_error_exits_1_with_report(cedar):
    r = cedar("evaluate", *REQUEST, '1 + "type error"')
    assert r.code == 1
    assert "failed to evaluate the expression" in r.out
    assert_no_traceback(r)


def test_parse_error_is_located_in_the_expression(cedar):
    r = cedar("evaluate", *REQUEST, "1 +")
    assert r.code == 1
    assert "failed to parse the expression" in r.out and " 1 │ 1 +" in r.out


def test_missing_request_file(cedar, tmp_path):
    r = cedar("evaluate", "--request-json", tmp_path / "none.json", "true")
    assert r.code == 1
    assert f"failed to open request-json file {tmp_path / 'none.json'}" in flat(r.out)


def test_request_is_required_as_in_rust(cedar):
    r = cedar("evaluate", "1 + 1")
    assert r.code == 1
    assert "All three (`principal`, `action`, `resource`) variables must be specified" in flat(r.out)


def test_entity_attribute_of_missing_entity_errors(cedar):
    r = cedar("evaluate", *REQUEST, "resource.owner")
    assert r.code == 1
    assert "failed to evaluate the expression" in r.out
