"""`cedar link`, `cedar translate-policy`, `cedar translate-schema`."""

from __future__ import annotations

import json

from .conftest import FIXTURES, SAMPLES, assert_no_traceback

ENTITIES = FIXTURES / "photos.entities.json"
ARGS = '{"?principal": "User::\\"alice\\"", "?resource": "Album::\\"trip\\""}'


def test_link_prints_the_policy_and_creates_the_links_file(cedar, tmp_path):
    links = tmp_path / "links.json"
    r = cedar("link", "-p", FIXTURES / "template.cedar", "-k", links, "--template-id", "share",
              "--new-id", "alice-trip", "--arguments", ARGS)
    assert r.code == 0
    assert r.out == ('Template-linked policy added: @id("share")\n'
                     'permit(principal == User::"alice", action == Action::"view", resource in Album::"trip");\n')
    assert json.loads(links.read_text()) == [
        {"template_id": "share", "link_id": "alice-trip",
         "args": {"?principal": 'User::"alice"', "?resource": 'Album::"trip"'}}]
    r = cedar("authorize", "-p", FIXTURES / "template.cedar", "-k", links, "--entities", ENTITIES,
              "-l", 'User::"alice"', "-a", 'Action::"view"', "-r", 'Photo::"beach.jpg"', "-v")
    assert r.code == 0 and "  alice-trip\n" in r.out


def test_link_appends_and_rejects_a_duplicate_id(cedar, tmp_path):
    links = tmp_path / "links.json"
    base = ["-p", FIXTURES / "template.cedar", "-k", links, "--template-id", "share", "--arguments", ARGS]
    assert cedar("link", *base, "--new-id", "one").code == 0
    assert cedar("link", *base, "--new-id", "two").code == 0
    assert [x["link_id"] for x in json.loads(links.read_text())] == ["one", "two"]
    r = cedar("link", *base, "--new-id", "two")
    assert r.code == 1 and "two" in r.out
    assert len(json.loads(links.read_text())) == 2


def test_link_from_stdin_with_empty_template_id(cedar, tmp_path):
    r = cedar("link", "--template-id", "", "--new-id", "l", "--arguments", '{"?principal": "User::\\"alice\\""}',
              "--template-linked", tmp_path / "linked",
              stdin="@id permit(principal == ?principal, action, resource);")
    assert r.code == 0
    assert r.out == 'Template-linked policy added: @id\npermit(principal == User::"alice", action, resource);\n'


def test_link_errors(cedar, tmp_path):
    base = ["-p", FIXTURES / "template.cedar", "--template-id", "share", "--new-id", "x"]
    r = cedar("link", *base, "--arguments", '{"?principal": "invalid"}')
    assert r.code == 1
    assert_no_traceback(r)
    r = cedar("link", *base, "--arguments", '{"?other": "User::\\"a\\""}')
    assert r.code == 2 and "Invalid SlotId! Expected ?principal|?resource, got: ?other" in r.err
    r = cedar("link", "-p", FIXTURES / "template.cedar", "--template-id", "nope", "--new-id", "x", "--arguments", ARGS)
    assert r.code == 1 and "nope" in r.out


def test_translate_policy_cedar_to_json_and_back(cedar, tmp_path):
    r = cedar("translate-policy", "--direction", "cedar-to-json", "-p", FIXTURES / "photos.cedar")
    assert r.code == 0
    doc = json.loads(r.out)
    assert list(doc) == ["templates", "staticPolicies", "templateLinks"]
    assert list(doc["staticPolicies"]) == ["team-view", "owner-edit", "no-private"]
    assert r.out.count("\n") == 1 and ": " not in r.out  # compact, as Rust prints it
    json_file = tmp_path / "p.json"
    json_file.write_text(r.out)
    back = cedar("translate-policy", "--direction", "json-to-cedar", "-p", json_file)
    assert back.code == 0, back.err
    again = tmp_path / "again.cedar"
    again.write_text(back.out)
    r2 = cedar("translate-policy", "--direction", "cedar-to-json", "-p", again)
    assert len(json.loads(r2.out)["staticPolicies"]) == len(doc["staticPolicies"])
    # the conditions come back folded into one `when` (as in Rust), and then stay as they are
    json_again = tmp_path / "again.json"
    json_again.write_text(r2.out)
    assert cedar("translate-policy", "--direction", "json-to-cedar", "-p", json_again).out == back.out


def test_json_to_cedar_prints_policies_as_rust_displays_them(cedar, tmp_path):
    """Not the `cedar format` layout: Rust's `Display` of a policy read from JSON (one scope
    constraint per line, conditions folded into one `when`, annotations sorted by key)."""
    source = tmp_path / "p.cedar"
    source.write_text('@team("ops") @id("late") forbid(principal == Staff::"kim", action in Action::"open", '
                      'resource) when { context.hour > 22 } unless { principal.onCall };')
    as_json = tmp_path / "p.json"
    as_json.write_text(cedar("translate-policy", "--direction", "cedar-to-json", "-p", source).out)
    r = cedar("translate-policy", "--direction", "json-to-cedar", "-p", as_json)
    assert (r.code, r.out) == (0, '@id("late")\n@team("ops")\nforbid(\n  principal == Staff::"kim",\n'
                                  '  action in [Action::"open"],\n  resource\n) when {\n'
                                  '  (context.hour > 22) && (!principal.onCall)\n};\n')


def test_translate_policy_errors_go_to_stderr(cedar):
    r = cedar("translate-policy", "--direction", "cedar-to-json", stdin="permit(")
    assert r.code == 1 and r.out == "" and "failed to parse policy set" in r.err


def test_translate_schema_round_trip(cedar, tmp_path):
    schema = SAMPLES / "sandbox_a" / "schema.cedarschema"
    r = cedar("translate-schema", "--direction", "cedar-to-json", "-s", schema)
    assert r.code == 0
    as_json = json.loads(r.out)
    assert "view" in as_json[""]["actions"]
    json_file = tmp_path / "s.json"
    json_file.write_text(r.out)
    back = cedar("translate-schema", "--direction", "json-to-cedar", "-s", json_file)
    assert back.code == 0
    cedar_file = tmp_path / "s.cedarschema"
    cedar_file.write_text(back.out)
    again = cedar("translate-schema", "--direction", "cedar-to-json", "-s", cedar_file)
    assert json.loads(again.out) == as_json


def test_translate_schema_with_resolved_types(cedar):
    r = cedar("translate-schema", "--direction", "cedar-to-json-with-resolved-types",
              stdin="namespace N { type Ctx = {who: User}; entity User; action view appliesTo "
                    "{ principal: User, resource: User, context: Ctx }; }")
    assert r.code == 0
    doc = json.loads(r.out)
    assert "EntityOrCommon" not in r.out
    assert doc["N"]["commonTypes"]["Ctx"]["attributes"]["who"] == {"type": "Entity", "name": "N::User"}
    assert doc["N"]["actions"]["view"]["appliesTo"]["principalTypes"] == ["N::User"]


def test_translate_schema_with_resolved_types_rejects_undeclared_types(cedar):
    r = cedar("translate-schema", "--direction", "cedar-to-json-with-resolved-types",
              stdin='entity User = { "manager": Manager };')
    assert r.code == 1 and "Manager" in r.err and "error parsing schema" in r.err


def test_translate_schema_missing_file(cedar, tmp_path):
    r = cedar("translate-schema", "--direction", "cedar-to-json", "-s", tmp_path / "nonexistent-file.cedarschema")
    assert r.code == 1 and "No such file" in r.err
