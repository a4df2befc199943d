"""`cedar validate` (exit 0 / 3) and `cedar check-parse`, with located errors in all three formats."""

from __future__ import annotations

import json

import pytest

from .conftest import FIXTURES, SAMPLES, assert_no_traceback, flat

SCHEMA = FIXTURES / "photos.cedarschema"


@pytest.fixture
def bad_policy(tmp_path):
    path = tmp_path / "bad.cedar"
    path.write_text('permit(principal, action == Action::"view", resource)\nwhen { principal.nickname == "x" };\n')
    return path


def test_valid_policies_pass(cedar):
    r = cedar("validate", "-p", FIXTURES / "photos.cedar", "-s", SCHEMA)
    assert r.code == 0
    assert r.out == "  ☞ policy set validation passed\n  ╰─▶ no errors or warnings\n"


def test_json_schema_format(cedar, tmp_path):
    schema_json = tmp_path / "s.json"
    r = cedar("translate-schema", "--direction", "cedar-to-json", "-s", SCHEMA)
    schema_json.write_text(r.out)
    r = cedar("validate", "-p", FIXTURES / "photos.cedar", "-s", schema_json, "--schema-format", "json")
    assert r.code == 0


def test_invalid_policy_exits_3_with_caret_under_the_span(cedar, bad_policy):
    r = cedar("validate", "-p", bad_policy, "-s", SCHEMA)
    assert r.code == 3
    lines = r.out.split("\n")
    assert lines[0] == "  × policy set validation failed"
    assert lines[1].startswith("  ╰─▶ for policy `policy0`,") and "nickname" in flat(r.out)
    assert f"   ╭─[{bad_policy}:2:8]" in lines
    row = lines.index(' 2 │ when { principal.nickname == "x" };')
    assert lines[row + 1] == "   ·        ──────────────────"


def test_plain_format_for_screen_readers(cedar, bad_policy):
    r = cedar("validate", "-p", bad_policy, "-s", SCHEMA, "--error-format", "plain")
    assert r.code == 3
    assert r.out.startswith("policy set validation failed\n    Diagnostic severity: error\n    Caused by: for policy `policy0`")
    assert f"Begin snippet for {bad_policy}" in r.out
    assert "label at line 2, columns 8 to 25" in r.out
    assert "╭" not in r.out


def test_json_format_for_tools(cedar, bad_policy):
    r = cedar("validate", "-p", bad_policy, "-s", SCHEMA, "-f", "json")
    assert r.code == 3
    report = json.loads(r.out.splitlines()[0])
    assert report["message"] == "policy set validation failed"
    assert report["severity"] == "error"
    assert report["filename"] == str(bad_policy)
    assert report["labels"][0]["line"] == 2 and report["labels"][0]["column"] == 8


def test_error_format_from_environment(cedar, bad_policy):
    r = cedar("validate", "-p", bad_policy, "-s", SCHEMA, env={"CEDAR_ERROR_FORMAT": "json"})
    assert json.loads(r.out)["message"] == "policy set validation failed"


def test_experimental_validation_modes_are_refused_like_rust(cedar):
    r = cedar("validate", "-p", FIXTURES / "photos.cedar", "-s", SCHEMA, "--validation-mode", "permissive")
    assert r.code == 1
    assert "`permissive-validate` experimental feature" in r.err


def test_schema_parse_error(cedar):
    r = cedar("validate", "-p", FIXTURES / "photos.cedar", "-s", FIXTURES / "photos.cedar")
    assert r.code == 1
    assert f"failed to parse schema from file {FIXTURES / 'photos.cedar'}" in flat(r.out)
    assert_no_traceback(r)


# ---------------------------------------------------------------- check-parse


def test_check_parse_everything_at_once(cedar):
    r = cedar("check-parse", "-p", FIXTURES / "photos.cedar", "-s", SCHEMA, "--entities",
              FIXTURES / "photos.entities.json", "--expression", "principal.age > 1")
    assert (r.code, r.out) == (0, "")


def test_check_parse_reads_stdin_when_nothing_given(cedar):
    assert cedar("check-parse", stdin="permit(principal, action, resource);").code == 0
    r = cedar("check-parse", stdin="not a valid policy")
    assert r.code == 1
    assert r.out == ("  × failed to parse policy set\n  ╰─▶ unexpected token `a`\n   ╭────\n"
                     " 1 │ not a valid policy\n   ·     ┬\n   ·     ╰── expected `(`\n   ╰────\n")


@pytest.mark.parametrize("expression, code", [("principal", 0), ("1 + 1", 0), ("", 1), ("1+foo", 1)])
def test_check_parse_expression(cedar, expression, code):
    assert cedar("check-parse", "--expression", expression).code == code


def test_check_parse_invalid_entities_reports_json_position(cedar):
    r = cedar("check-parse", "--entities", FIXTURES / "photos.cedar")
    assert r.code == 1
    text = flat(r.out)
    assert f"failed to parse entities from file {FIXTURES / 'photos.cedar'}" in text
    assert "error during entity deserialization" in text
    assert "at line 1 column 1" in text


def test_check_parse_entities_against_schema(cedar, tmp_path):
    entities = tmp_path / "e.json"
    entities.write_text('[{"uid": {"type": "Album", "id": "a"}, "attrs": {"x": 1}, "parents": []}]')
    r = cedar("check-parse", "--entities", entities, "-s", SCHEMA)
    assert r.code == 1 and "error during entity deserialization" in flat(r.out)
    assert cedar("check-parse", "--entities", SAMPLES / "sandbox_a" / "entities.json",
                 "-s", SAMPLES / "sandbox_a" / "schema.cedarschema").code == 0


def test_check_parse_json_policy_shapes(cedar, tmp_path):
    single = {"effect": "permit", "principal": {"op": "All"}, "action": {"op": "All"},
              "resource": {"op": "All"}, "conditions": []}
    template = dict(single, principal={"op": "==", "slot": "?principal"})
    policy_set = {"staticPolicies": {"p": single}, "templates": {"t": template}, "templateLinks": []}
    for doc, code, says in ((single, 0, ""), (template, 0, ""), (policy_set, 0, ""),
                            (dict(single, staticPolicies={}), 1, "matching properties from both formats"),
                            ({"foo": 1}, 1, "no matching properties")):
        path = tmp_path / "p.json"
        path.write_text(json.dumps(doc))
        r = cedar("check-parse", "--policy-format", "json", "-p", path)
        assert r.code == code, r.out
        assert says in flat(r.out)


def test_check_parse_bad_json_policy_from_stdin(cedar):
    r = cedar("check-parse", "--policy-format", "json", stdin='{"effect":"forbid","principal":{"op":"bogus"},'
              '"action":{"op":"All"},"resource":{"op":"All"},"conditions":[]}')
    assert r.code == 1
    assert "failed to parse JSON policy" in r.out
    assert_no_traceback(r)


LEVELS_SCHEMA = """
entity User { manager: User, name: String };
entity Doc { owner: User };
action read appliesTo { principal: User, resource: Doc };
"""


@pytest.fixture
def two_hop_policy(tmp_path):
    (tmp_path / "levels.cedarschema").write_text(LEVELS_SCHEMA)
    path = tmp_path / "levels.cedar"
    path.write_text('permit(principal, action, resource)\nwhen { resource.owner.manager == principal };\n')
    return path, tmp_path / "levels.cedarschema"


def test_level_validation_passes_at_the_level_the_policy_needs(cedar, two_hop_policy):
    policies, schema = two_hop_policy
    for level in ("2", "7"):
        r = cedar("validate", "-p", policies, "-s", schema, "--level", level)
        assert r.code == 0, r.out
        assert r.out == "  ☞ policy set validation passed\n  ╰─▶ no errors or warnings\n"


def test_level_validation_fails_below_it_with_the_dereference_located(cedar, two_hop_policy):
    policies, schema = two_hop_policy
    r = cedar("validate", "-p", policies, "-s", schema, "--level", "1")
    assert r.code == 3
    lines = r.out.split("\n")
    assert lines[0] == "  × policy set validation failed"
    assert ("╰─▶ for policy `policy0`, this policy requires level 2, which exceeds the maximum allowed level (1)"
            in flat(r.out))
    assert f"   ╭─[{policies}:2:8]" in lines
    row = lines.index(" 2 │ when { resource.owner.manager == principal };")
    assert lines[row + 1] == "   ·        ──────────────────────"
    assert_no_traceback(r)


def test_an_entity_literal_cannot_be_dereferenced_at_any_level(cedar, tmp_path, two_hop_policy):
    _, schema = two_hop_policy
    policies = tmp_path / "literal.cedar"
    policies.write_text('permit(principal, action, resource) when { User::"boss".name == "x" };\n')
    r = cedar("validate", "-p", policies, "-s", schema, "--level", "5", "-f", "json")
    assert r.code == 3
    report = json.loads(r.out.splitlines()[0])
    assert report["message"] == "policy set validation failed"
    assert report["causes"] == ["for policy `policy0`, entity literals cannot be dereferenced at any level"]
    assert (report["labels"][0]["line"], report["labels"][0]["column"], report["labels"][0]["span"]["length"]) \
        == (1, 44, len('User::"boss"'))
    r = cedar("validate", "-p", policies, "-s", schema)
    assert r.code == 0  # without `--level`, no level checks


def test_level_must_be_an_unsigned_32_bit_number(cedar):
    for value, why in (("abc", "invalid digit found in string"), ("-1", "invalid digit found in string"),
                       ("4294967296", "number too large to fit in target type")):
        r = cedar("validate", "-p", FIXTURES / "photos.cedar", "-s", SCHEMA, "--level", value)
        assert r.code == 2
        assert r.err.startswith(f"error: invalid value '{value}' for '--level <LEVEL>': {why}\n")
