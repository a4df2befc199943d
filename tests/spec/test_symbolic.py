"""The symbolic mode: Z3 finds requests and errors, or proves there are none; every finding replays concretely."""

from __future__ import annotations

import impl

import spec
from spec.policy import policies_of_json
from spec.schema import schema_of_json
from spec.symbolic import error_witness, find_allowed_request
from spec.validator import PERMITTED_ERRORS, validate
from tests.spec.helpers import policy_json

SCHEMA_TEXT = '''
entity Group;
entity User in [Group] = { age: Long, nick?: String, friends: Set<User>, ip: ipaddr } tags Long;
entity Doc = { owner: User, level: decimal, tags: Set<String> };
action view appliesTo { principal: [User], resource: [Doc], context: { mfa: Bool, at?: datetime } };
'''
SCHEMA = schema_of_json(impl.Schema.from_str(SCHEMA_TEXT).to_json())


def _policies(text: str) -> tuple[dict, list]:
    j = policy_json(text)
    return j, policies_of_json(j)


def test_z3_finds_a_request_the_policy_allows_and_the_model_allows_it_concretely() -> None:
    text = ('permit(principal in Group::"admins", action == Action::"view", resource) when { '
            'resource.owner == principal && principal.age >= 18 && context.mfa && principal.ip.isInRange(ip("10.0.0.0/8")) '
            '&& principal.getTag("clearance") > 2 && resource.level.lessThan(decimal("1.5")) '
            '&& principal.friends.contains(User::"bob") && resource.tags == ["public", "shared"] };')
    j, policies = _policies(text)
    request, entities = find_allowed_request(policies, SCHEMA)
    response = spec.is_authorized(request, j, entities)
    assert (response.decision, response.reasons) == ("allow", {"policy0"})


def test_z3_proves_a_forbidden_request_is_never_allowed() -> None:
    _, policies = _policies('permit(principal, action, resource) when { principal.age > 20 }; '
                            'forbid(principal, action, resource) when { principal.age > 10 };')
    assert find_allowed_request(policies, SCHEMA) is None


def test_z3_finds_an_error_and_the_model_reports_it_concretely() -> None:
    j, policies = _policies('permit(principal, action, resource) when { principal has nick && principal.age + 1 > 3 };')
    request, entities = error_witness(policies[0], SCHEMA)
    response = spec.is_authorized(request, j, entities)
    assert response.errors == {"policy0"} and response.error_kinds["policy0"] == "arithBoundsError"


def test_z3_proves_a_guarded_policy_never_errors() -> None:
    _, policies = _policies('permit(principal, action, resource) when { principal has nick && principal.nick == "x" '
                            '&& principal.hasTag("t") && principal.getTag("t") > 2 && !resource.tags.isEmpty() };')
    assert error_witness(policies[0], SCHEMA) is not None  # the resource may not exist in the store
    _, guarded = _policies('permit(principal, action, resource) when { principal has nick && principal.nick == "x" '
                           '&& principal.hasTag("t") && principal.getTag("t") > 2 };')
    assert error_witness(guarded[0], SCHEMA) is None


def test_a_validated_policy_raises_only_the_errors_validation_permits() -> None:
    _, policies = _policies('permit(principal, action, resource) when { resource.owner.age > principal.age '
                            '&& principal in resource.owner && context has at && context.at < datetime("2030-01-01") };')
    assert validate(policies, SCHEMA) == {}
    assert error_witness(policies[0], SCHEMA, permitted=PERMITTED_ERRORS) is None
    assert error_witness(policies[0], SCHEMA) is not None  # entityDoesNotExist, e.g.
