"""`cedar authorize`: decisions, Rust's output layout and exit codes (0 ALLOW, 2 DENY, 1 failure)."""

from __future__ import annotations

import json

from .conftest import FIXTURES, HANDWRITTEN, SAMPLES, assert_no_traceback, flat

POLICIES = FIXTURES / "photos.cedar"
SCHEMA = FIXTURES / "photos.cedarschema"
ENTITIES = FIXTURES / "photos.entities.json"


def _request(principal: str, action: str, resource: str) -> list[str]:
    return ["-l", principal, "-a", action, "-r", resource]


def test_allow_prints_decision_and_determining_policies_with_verbose(cedar):
    r = cedar("authorize", "-p", POLICIES, "--entities", ENTITIES, "-s", SCHEMA, "-v",
              *_request('User::"alice"', 'Action::"view"', 'Photo::"beach.jpg"'), "-c", FIXTURES / "mfa.json")
    assert r.code == 0
    assert r.out == "\nALLOW\n\nnote: this decision was due to the following policies:\n  team-view\n\n"


def test_deny_by_forbid_exits_2_and_names_the_forbid(cedar):
    r = cedar("authorize", "-p", POLICIES, "--entities", ENTITIES, "-s", SCHEMA, "--verbose",
              *_request('User::"alice"', 'Action::"view"', 'Photo::"diary.jpg"'), "--context", FIXTURES / "mfa.json")
    assert r.code == 2
    assert r.out == "\nDENY\n\nnote: this decision was due to the following policies:\n  no-private\n\n"


def test_deny_by_default_says_no_policy_applied(cedar):
    r = cedar("authorize", "-p", POLICIES, "--entities", ENTITIES, "-v",
              *_request('User::"alice"', 'Action::"edit"', 'Photo::"beach.jpg"'))
    assert r.code == 2
    assert r.out == "\nDENY\n\nnote: no policies applied to this request\n"


def test_request_json_replaces_principal_action_resource(cedar):
    r = cedar("authorize", "-p", POLICIES, "--entities", ENTITIES, "-s", SCHEMA, "--request-json",
              FIXTURES / "request.json")
    assert (r.code, r.out) == (0, "\nALLOW\n")


def test_request_json_conflicts_with_principal_as_in_clap(cedar):
    r = cedar("authorize", "-p", POLICIES, "--entities", ENTITIES, "--request-json", FIXTURES / "request.json",
              "-l", 'User::"bob"')
    assert r.code == 2
    assert "the argument '--request-json <FILE>' cannot be used with '--principal <PRINCIPAL>'" in r.err


def test_erroring_policy_is_listed_and_allow_still_exits_0(cedar, tmp_path):
    policies = tmp_path / "p.cedar"
    policies.write_text("permit(principal, action, resource);\n"
                        "forbid(principal, action, resource) when { resource.isPublic };")
    entities = tmp_path / "e.json"
    entities.write_text("[]")
    r = cedar("authorize", "--policies", policies, "--entities", entities,
              *_request('User::"alice"', 'Action::"view"', 'Photo::"pic"'))
    assert r.code == 0
    lines = r.out.split("\n")
    assert lines[:3] == ["", "ALLOW", ""]
    assert lines[3].startswith("error while evaluating policy `policy1`: ")
    assert 'Photo::"pic"' in lines[3]


def test_timing_prints_microseconds_before_decision(cedar):
    r = cedar("authorize", "-p", POLICIES, "--entities", ENTITIES, "-t",
              *_request('User::"bob"', 'Action::"view"', 'Album::"trip"'))
    first = r.out.split("\n")[1]
    assert first.startswith("Authorization Time (micro seconds) : ")
    assert first.rsplit(" ", 1)[1].isdigit()


def test_integration_sample_data_authorizes_with_schema(cedar, tmp_path):
    context = tmp_path / "context.json"
    context.write_text(json.dumps({"authenticated": True, "confidence_score": "0.6", "source_ip": "123.123.123.123"}))
    r = cedar("authorize", "-p", HANDWRITTEN / "multi" / "policies_1.cedar",
              "--entities", SAMPLES / "sandbox_a" / "entities.json", "-s", SAMPLES / "sandbox_a" / "schema.cedarschema",
              *_request('User::"alice"', 'Action::"view"', 'Photo::"VacationPhoto94.jpg"'), "-c", context, "-v")
    assert r.code == 0
    assert r.out.endswith("following policies:\n  policy0\n\n")


def test_missing_files_are_all_reported_without_traceback(cedar, tmp_path):
    r = cedar("authorize", "-p", tmp_path / "nope.cedar", "--entities", tmp_path / "nope.json",
              *_request('User::"a"', 'Action::"b"', 'C::"c"'))
    assert r.code == 1
    assert_no_traceback(r)
    assert f"failed to open policy set file {tmp_path / 'nope.cedar'}" in flat(r.out)
    assert f"failed to open entities file {tmp_path / 'nope.json'}" in flat(r.out)
    assert "No such file or directory (os error 2)" in r.out


def test_bad_principal_is_a_located_parse_error(cedar):
    r = cedar("authorize", "-p", POLICIES, "--entities", ENTITIES, *_request("invalid", 'Action::"b"', 'C::"c"'))
    assert r.code == 1
    assert "failed to parse request" in r.out and "failed to parse principal invalid as entity Uid" in flat(r.out)
    assert_no_traceback(r)


def test_missing_request_variables_are_reported(cedar):
    r = cedar("authorize", "-p", POLICIES, "--entities", ENTITIES, "-l", 'User::"alice"')
    assert r.code == 1
    assert "All three (`principal`, `action`, `resource`) variables must be specified" in flat(r.out)


def test_policy_parse_error_points_at_the_line(cedar, tmp_path):
    policies = tmp_path / "broken.cedar"
    policies.write_text('permit(principal, action, resource);\nforbid(principal == User, action, resource);\n')
    r = cedar("authorize", "-p", policies, "--entities", ENTITIES, *_request('User::"a"', 'Action::"b"', 'C::"c"'))
    assert r.code == 1
    assert "failed to parse policy set" in r.out
    assert f"[{policies}:2:21]" in r.out
    assert " 2 │ forbid(principal == User, action, resource);" in r.out
    assert "────" in r.out


def test_request_not_fitting_schema_fails(cedar):
    r = cedar("authorize", "-p", POLICIES, "--entities", ENTITIES, "-s", SCHEMA,
              *_request('Team::"friends"', 'Action::"view"', 'Photo::"beach.jpg"'), "-c", FIXTURES / "mfa.json")
    assert r.code == 1
    assert "principal type `Team` is not valid" in r.out


def test_request_validation_false_skips_schema_check(cedar):
    r = cedar("authorize", "-p", POLICIES, "--entities", ENTITIES, "-s", SCHEMA, "--request-validation", "false",
              *_request('Team::"friends"', 'Action::"view"', 'Photo::"beach.jpg"'), "-c", FIXTURES / "mfa.json")
    assert (r.code, r.out) == (0, "\nALLOW\n")


def test_json_policy_format(cedar, tmp_path):
    policy = {"effect": "permit", "principal": {"op": "==", "entity": {"type": "User", "id": "bob"}},
              "action": {"op": "All"}, "resource": {"op": "All"}, "conditions": []}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(policy))
    r = cedar("authorize", "--policy-format", "json", "-p", path, "--entities", ENTITIES,
              *_request('User::"bob"', 'Action::"view"', 'Photo::"beach.jpg"'))
    assert (r.code, r.out) == (0, "\nALLOW\n")


def test_policies_from_stdin(cedar):
    r = cedar("authorize", "--entities", ENTITIES, *_request('User::"bob"', 'Action::"view"', 'Photo::"x"'),
              stdin="permit(principal == User::\"bob\", action, resource);")
    assert (r.code, r.out) == (0, "\nALLOW\n")


def test_template_linked_file_and_missing_links_file(cedar, tmp_path):
    links = tmp_path / "links.json"
    links.write_text(json.dumps([{"template_id": "share", "link_id": "bob-trip",
                                  "args": {"?principal": 'User::"bob"', "?resource": 'Album::"trip"'}}]))
    args = ["-p", FIXTURES / "template.cedar", "--entities", ENTITIES,
            *_request('User::"bob"', 'Action::"view"', 'Photo::"beach.jpg"'), "-v"]
    r = cedar("authorize", *args, "-k", links)
    assert r.code == 0 and "  bob-trip\n" in r.out
    missing = tmp_path / "absent.json"
    r = cedar("authorize", *args, "-k", missing)
    assert r.code == 1 and f"failed to open links file '{missing}'" in flat(r.out)
    assert not missing.exists()
