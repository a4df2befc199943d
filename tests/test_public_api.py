"""The public names other programs rely on (issue: Public API) resolve and behave as documented."""

import json

import impl

SCHEMA = """
entity User in [Group];
entity Group;
entity Photo { owner: User };
action view appliesTo { principal: [User], resource: [Photo], context: { ip: ipaddr } };
"""
ENTITIES = [
    {"uid": {"type": "User", "id": "alice"}, "attrs": {}, "parents": [{"type": "Group", "id": "g"}]},
    {"uid": {"type": "Group", "id": "g"}, "attrs": {}, "parents": []},
    {"uid": {"type": "Photo", "id": "p"}, "attrs": {"owner": {"type": "User", "id": "alice"}}, "parents": []},
]
POLICIES = """
permit(principal in Group::"g", action == Action::"view", resource)
when { resource.owner == principal && context.ip.isLoopback() };
@id("no-bob") forbid(principal == User::"bob", action, resource);
permit(principal, action, resource) when { principal.nope };
"""


def _request(principal: str) -> dict:
    return {
        "principal": {"type": "User", "id": principal},
        "action": {"type": "Action", "id": "view"},
        "resource": {"type": "Photo", "id": "p"},
        "context": {"ip": "127.0.0.1"},
    }


def test_every_exported_name_resolves() -> None:
    for name in impl.__all__:
        assert getattr(impl, name) is not None, name


def test_is_authorized_with_texts_and_schema() -> None:
    r = impl.is_authorized(_request("alice"), POLICIES, json.dumps(ENTITIES), SCHEMA)
    assert r.decision is impl.Decision.ALLOW and r.decision.value == "allow"
    assert r.reasons == ["policy0"]
    assert [e.policy_id for e in r.errors] == ["policy2"]
    assert all(e.message for e in r.errors)


def test_is_authorized_with_parsed_handles() -> None:
    schema = impl.Schema.from_str(SCHEMA)
    ps = impl.PolicySet.from_str(POLICIES)
    entities = impl.Entities.from_json(ENTITIES, schema)
    r = impl.is_authorized(_request("bob"), ps, entities, schema)
    assert r.decision is impl.Decision.DENY
    assert r.reasons == ["no-bob"]


def test_policy_set_json_round_trip_keeps_ids_and_meaning() -> None:
    ps = impl.PolicySet.from_str(POLICIES)
    again = impl.PolicySet.from_json(ps.to_json())
    assert list(again.policies) == ["policy0", "no-bob", "policy2"]
    assert again.policies == ps.policies


def test_bad_policy_text_is_a_located_parse_error() -> None:
    try:
        impl.PolicySet.from_str('permit(principal, action, resource)\nwhen { 1 + };')
    except impl.ParseError as e:
        assert e.line == 2 and e.column is not None
    else:
        raise AssertionError("no ParseError")


def test_schema_json_round_trip() -> None:
    schema = impl.Schema.from_str(SCHEMA)
    assert impl.Schema.from_json(schema.to_json()) == schema
