"""Obligation 9, the per-policy check: proved for policies that validate, and a counterexample, printed as
Cedar and replayed on the engine, for a policy that can raise an error validation should rule out."""

from __future__ import annotations

import json

import impl
from proofs.harness import Status
from proofs.policy_never_errors import check_policy, environments
from spec.policy import policies_of_json
from spec.schema import schema_of_json
from spec.symbolic import symbolic_environment
from spec.validator import validate
from tests.proofs.helpers import assert_reads_as_cedar, counterexample

SCHEMA = """
entity Group;
entity User in [Group] { nick?: String, age: Long, tags: Set<String> };
entity Doc { owner: User } tags String;
action view appliesTo { principal: User, resource: Doc, context: { level?: Long } };
action edit appliesTo { principal: [User, Group], resource: Doc };
action connect appliesTo { principal: User, resource: Doc, context: { ip: ipaddr } };
"""


def _check(text: str):
    policy, = policies_of_json(impl.PolicySet.from_str(text).to_json())
    schema = schema_of_json(impl.Schema.from_str(SCHEMA).to_json())
    return check_policy(policy, schema, text=text), bool(validate([policy], schema))


def _replay(detail: str, policy: str) -> impl.Response:
    """The counterexample's request and entities (JSON lines), authorized by the engine."""
    lines = detail.splitlines()
    request = {k: lines[lines.index("request:") + 1 + i].split(":", 1)[1].strip()
               for i, k in enumerate(("principal", "action", "resource"))}
    context = lines[lines.index("request:") + 4].split(":", 1)[1].strip()
    entities = [json.loads(line) for line in lines[lines.index("entities:") + 1:] if line.strip().startswith("{")]
    return impl.is_authorized({**request, "context": json.loads(context)}, policy, entities)


def test_optional_attribute_without_has_raises_a_missing_attribute() -> None:
    text = 'permit(principal, action == Action::"view", resource) when { principal.nick == "x" };'
    outcome, rejected = _check(text)
    assert rejected  # the validator does reject it: this is what validation is for
    v = counterexample(outcome)
    assert_reads_as_cedar(v.detail)
    assert "raises attrDoesNotExist" in v.detail and text in v.detail
    assert 'action:    Action::"view"' in v.detail
    response = _replay(v.detail, text)
    assert [e.policy_id for e in response.errors] == ["policy0"]
    assert "nick" in str(response.errors[0])


def test_optional_context_attribute_without_has_raises_a_missing_attribute() -> None:
    v = counterexample(_check('permit(principal, action, resource) when { context.level > 2 };')[0])
    assert "raises attrDoesNotExist" in v.detail


def test_tag_without_has_tag_raises_a_missing_tag() -> None:
    v = counterexample(_check('forbid(principal, action, resource) when { resource.getTag("k") == "v" };')[0])
    assert "raises tagDoesNotExist" in v.detail


def test_guarded_access_and_arithmetic_are_proved() -> None:
    for text in ('permit(principal, action, resource) when { principal has nick && principal.nick == "x" };',
                 'permit(principal, action, resource) when { context has level && context.level > 2 };',
                 'permit(principal, action, resource) when { resource.hasTag("k") && resource.getTag("k") == "v" };',
                 'permit(principal in Group::"g", action == Action::"view", resource) when { principal.age * 2 + 1 > 2 };',
                 'permit(principal, action == Action::"connect", resource) when { context.ip.isIpv4() };',
                 'permit(principal is User, action, resource) when { resource.owner.tags.contains("a") };'):
        outcome, rejected = _check(text)
        assert outcome.status is Status.PROVED, (text, [v.detail for v in outcome.verdicts])
        assert not rejected
        assert len(outcome.verdicts) == 4  # view, connect, and edit with a User and with a Group


def test_an_error_only_where_the_policy_applies_is_found_there() -> None:
    """`principal.nick` without `has` errors for some User, and only under the actions the policy names."""
    v = counterexample(_check('permit(principal, action in [Action::"edit", Action::"connect"], resource) '
                              'when { resource.owner.nick == "x" };')[0])
    assert 'Action::"edit"' in v.goal or 'Action::"connect"' in v.goal


def test_environments_are_the_models_symbolic_environments() -> None:
    """`environments` shares the entity store between request types; each is still `symbolic_environment`."""
    schema = schema_of_json(impl.Schema.from_str(SCHEMA).to_json())
    envs = environments(schema)
    assert [e.reqty for e in envs] == schema.environments()
    for env in envs:
        real = symbolic_environment(schema, env.reqty)
        for part in ("principal", "action", "resource", "context"):
            assert getattr(env.request, part).eq(getattr(real.request, part))
        for part in ("exists", "attrs", "ancestors", "tags"):
            assert getattr(env.entities, part).eq(getattr(real.entities, part))
        assert len(env.constraints) == len(real.constraints)
        assert all(a.eq(b) for a, b in zip(env.constraints, real.constraints))
