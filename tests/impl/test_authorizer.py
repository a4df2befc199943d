"""The authorizer: decisions, reasons, errors, fail-closed behaviour, request forms,
request validation and the policy index."""

from __future__ import annotations

import json
import random

import pytest

from impl import ast
from impl.authorizer import (
    AuthorizationError,
    Authorizer,
    Decision,
    Request,
    Response,
    as_request,
    is_authorized,
)
from impl.entities import Entities, Entity
from impl.errors import ErrorKind, EvaluationError, PolicySetError, RequestError
from impl.evaluator import Env, compile_expr
from impl.extensions import EXTENSION_FUNCTIONS
from impl.policy_index import PolicyIndex
from impl.policyset import PolicySet
from impl.request import validate_request
from impl.schema import Schema
from impl.values import EntityUID, Record

from tests.corpus import corpus_tests, handwritten_tests

from .cedar_oracle import cedarpy

ALICE = EntityUID("User", "alice")
VIEW = EntityUID("Action", "view")
DOC = EntityUID("Doc", "d")
ENTITIES = [
    {"uid": {"type": "User", "id": "alice"}, "attrs": {"age": 30}, "parents": [{"type": "Group", "id": "staff"}]},
    {"uid": {"type": "Group", "id": "staff"}, "attrs": {}, "parents": [{"type": "Group", "id": "all"}]},
    {"uid": {"type": "Doc", "id": "d"}, "attrs": {"owner": {"__entity": {"type": "User", "id": "alice"}}}, "parents": []},
    {"uid": {"type": "Action", "id": "view"}, "attrs": {}, "parents": [{"type": "Action", "id": "read"}]},
]
REQUEST = {"principal": {"type": "User", "id": "alice"}, "action": {"type": "Action", "id": "view"},
           "resource": {"type": "Doc", "id": "d"}, "context": {"n": 1}}


def decide(policies: str, request: dict | None = None) -> Response:
    return is_authorized(request or REQUEST, policies, ENTITIES)


def test_no_satisfied_policy_is_deny_without_reasons() -> None:
    r = decide('permit(principal == User::"bob", action, resource);')
    assert r == Response(Decision.DENY, [], [])
    assert decide("").decision is Decision.DENY


def test_satisfied_permits_allow_with_all_of_them_as_reasons() -> None:
    r = decide('permit(principal, action, resource);\n'
               'permit(principal in Group::"all", action in Action::"read", resource) when { resource.owner == principal };\n'
               'permit(principal, action, resource) when { false };')
    assert r.decision is Decision.ALLOW and r.allowed
    assert r.reasons == ["policy0", "policy1"]
    assert r.decision.value == "allow"


def test_a_satisfied_forbid_overrides_permits() -> None:
    r = decide('permit(principal, action, resource);\nforbid(principal, action, resource) when { context.n == 1 };\n'
               'forbid(principal is User, action, resource);')
    assert r.decision is Decision.DENY
    assert r.reasons == ["policy1", "policy2"]


def test_erroring_policies_are_skipped_and_reported() -> None:
    r = decide('forbid(principal, action, resource) when { principal.nope };\n'
               'permit(principal, action, resource) when { context.n + "x" };\n'
               'permit(principal, action, resource) when { true };')
    assert r.decision is Decision.ALLOW
    assert r.reasons == ["policy2"]
    assert [e.policy_id for e in r.errors] == ["policy0", "policy1"]
    assert r.errors[0].kind is ErrorKind.ATTR_DOES_NOT_EXIST
    assert r.errors[1].kind is ErrorKind.TYPE_ERROR
    assert isinstance(r.errors[0], AuthorizationError) and "nope" in r.errors[0].message


def test_a_policy_errors_only_when_its_scope_matches() -> None:
    r = decide('permit(principal == User::"bob", action, resource) when { 1 + "a" };')
    assert r.errors == []


def test_unless_conditions() -> None:
    assert decide("permit(principal, action, resource) unless { context.n == 2 };").allowed
    assert not decide("permit(principal, action, resource) when { true } unless { context.n == 1 };").allowed
    r = decide("permit(principal, action, resource) unless { context.n };")
    assert [e.kind for e in r.errors] == [ErrorKind.TYPE_ERROR]


def test_a_condition_that_is_not_a_bool_errors() -> None:
    r = decide("permit(principal, action, resource) when { 1 };")
    assert r.decision is Decision.DENY and [e.policy_id for e in r.errors] == ["policy0"]


def test_authorization_fails_closed_on_internal_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = EXTENSION_FUNCTIONS["decimal"].__class__(
        "decimal", False, EXTENSION_FUNCTIONS["decimal"].arg_types, EXTENSION_FUNCTIONS["decimal"].return_type,
        lambda s: 1 // 0)
    monkeypatch.setitem(EXTENSION_FUNCTIONS, "decimal", broken)
    r = decide('permit(principal, action, resource) when { decimal(context.s) == decimal("1.0") };\n'
               'forbid(principal, action, resource) unless { decimal("1.0") == decimal("1.0") };',
               dict(REQUEST, context={"s": "1.0"}))
    assert r.decision is Decision.DENY
    assert [(e.policy_id, e.kind) for e in r.errors] == [("policy0", None), ("policy1", None)]
    assert "ZeroDivisionError" in r.errors[0].message


@pytest.mark.parametrize("principal", [
    'User::"alice"', {"type": "User", "id": "alice"}, {"__entity": {"type": "User", "id": "alice"}}, ALICE,
])
def test_request_entity_forms(principal: object) -> None:
    r = decide('permit(principal == User::"alice", action, resource);', dict(REQUEST, principal=principal))
    assert r.allowed


@pytest.mark.parametrize("principal", ["alice", 'User::"a" + 1', {"type": "User"}, 5, "User::alice"])
def test_bad_request_entities_are_request_errors(principal: object) -> None:
    with pytest.raises(RequestError):
        decide("permit(principal, action, resource);", dict(REQUEST, principal=principal))


def test_context_defaults_to_empty_and_may_be_text() -> None:
    request = {k: v for k, v in REQUEST.items() if k != "context"}
    assert decide("permit(principal, action, resource) unless { context has n };", request).allowed
    assert decide("permit(principal, action, resource) when { context.n == 1 };", dict(REQUEST, context='{"n": 1}')).allowed
    with pytest.raises(RequestError):
        decide("permit(principal, action, resource);", dict(REQUEST, context=[1]))


def test_authorizer_answers_many_requests() -> None:
    az = Authorizer('permit(principal in Group::"staff", action, resource) when { context.n > 0 };', ENTITIES)
    yes = Request(ALICE, VIEW, DOC, Record({"n": 1}))
    no = Request(ALICE, VIEW, DOC, Record({"n": 0}))
    outsider = Request(EntityUID("User", "bob"), VIEW, DOC, Record({"n": 1}))
    for _ in range(3):
        assert az.is_authorized(yes).allowed
        assert not az.is_authorized(no).allowed
        assert not az.is_authorized(outsider).allowed


def test_policies_as_policy_set_with_template_links() -> None:
    ps = PolicySet.from_str('permit(principal == ?principal, action, resource in ?resource);\n'
                            'forbid(principal, action, resource) when { context.n == 2 };')
    ps.link("policy0", "link1", {"?principal": ALICE, "?resource": DOC})
    r = is_authorized(REQUEST, ps, Entities.from_json(ENTITIES))
    assert r.allowed and r.reasons == ["link1"]
    r = is_authorized(dict(REQUEST, context={"n": 2}), ps, ENTITIES)
    assert r.reasons == ["policy1"]


# ---------------------------------------------------------------- with a schema

SCHEMA = """
entity Group in [Group];
entity User in [Group] { age: Long };
entity Doc { owner: User };
entity Color enum ["red"];
action read;
action view in [read] appliesTo { principal: User, resource: Doc, context: { n: Long, ip?: ipaddr } };
"""
SCHEMA_ENTITIES = [e for e in ENTITIES if e["uid"]["type"] != "Action"]


def test_schema_directed_context_and_action_hierarchy() -> None:
    r = is_authorized(dict(REQUEST, context={"n": 1, "ip": "10.0.0.1"}),
                      'permit(principal, action in Action::"read", resource) when { context.ip.isLoopback() == false };',
                      SCHEMA_ENTITIES, SCHEMA)
    assert r.allowed


@pytest.mark.parametrize("request_change", [
    {"principal": {"type": "Doc", "id": "x"}},
    {"principal": {"type": "Nope", "id": "x"}},
    {"resource": {"type": "User", "id": "x"}},
    {"action": {"type": "Action", "id": "read"}},
    {"action": {"type": "Action", "id": "nope"}},
    {"context": {"n": "one"}},
    {"context": {}},
    {"context": {"n": 1, "extra": 2}},
    {"context": {"n": 1, "ip": "bad"}},
])
def test_requests_that_do_not_fit_the_schema_are_rejected(request_change: dict) -> None:
    request = dict(REQUEST, **request_change)
    with pytest.raises(RequestError):
        is_authorized(request, "permit(principal, action, resource);", SCHEMA_ENTITIES, SCHEMA)
    rust = cedarpy.is_authorized(request, "permit(principal, action, resource);", SCHEMA_ENTITIES, SCHEMA)
    assert rust._authz_resp["decision"] == "NoDecision"


def test_validation_can_be_turned_off() -> None:
    request = dict(REQUEST, context={"n": "one"})
    r = is_authorized(request, "permit(principal, action, resource);", SCHEMA_ENTITIES, SCHEMA, validate_request=False)
    assert r.allowed


def test_schema_may_be_json_or_a_schema_object() -> None:
    schema = Schema.from_str(SCHEMA)
    for form in (schema, schema.to_json(), json.dumps(schema.to_json())):
        assert is_authorized(REQUEST, "permit(principal, action, resource);", SCHEMA_ENTITIES, form).allowed


# ---------------------------------------------------------------- the policy index


def _random_scenario(r: random.Random) -> tuple[list[ast.Policy], Entities, list[Request]]:
    types = ["A", "B"]
    uids = [EntityUID(t, str(i)) for t in types for i in range(4)]
    actions = [EntityUID("Action", str(i)) for i in range(4)]
    entities = []
    for u in uids + actions:
        pool = [p for p in (actions if u.type == "Action" else uids) if p != u]
        parents = [p for p in pool if r.random() < 0.25 and p < u]  # p < u keeps it acyclic
        entities.append(Entity(u, {}, parents))
    store = Entities(entities)

    def scope() -> ast.ScopeConstraint:
        op = r.choice(["all", "==", "in", "is", "is_in"])
        return ast.ScopeConstraint(op, r.choice(uids + [EntityUID("A", "missing")]) if op in ("==", "in", "is_in") else None,
                                   r.choice(types) if op in ("is", "is_in") else None)

    def action() -> ast.ActionConstraint:
        op = r.choice(["all", "==", "in", "in_list"])
        if op == "all":
            return ast.ActionConstraint()
        if op == "in_list":
            return ast.ActionConstraint("in", tuple(r.sample(actions, r.randrange(0, 3))), True)
        return ast.ActionConstraint(op, (r.choice(actions),))

    conditions = [(), (ast.Condition("when", ast.Lit(True)),), (ast.Condition("when", ast.Lit(1)),),
                  (ast.Condition("unless", ast.BinaryApp("==", ast.Var("principal"), ast.Var("resource"))),)]
    policies = [ast.Policy(f"p{i}", r.choice(["permit", "forbid"]), scope(), action(), scope(), r.choice(conditions))
                for i in range(r.randrange(1, 12))]
    requests = [Request(r.choice(uids + [EntityUID("B", "missing")]), r.choice(actions), r.choice(uids), Record())
                for _ in range(10)]
    return policies, store, requests


def _reference(policies: list[ast.Policy], store: Entities, request: Request) -> Response:
    """Lean's `isAuthorized`: evaluate every policy's whole `to_expr`, no index."""
    env = Env(request.principal, request.action, request.resource, request.context, store.by_uid)
    forbids, permits, errors = [], [], []
    for p in policies:
        try:
            satisfied = compile_expr(p.to_expr())(env) is True
        except EvaluationError as e:
            errors.append(AuthorizationError(p.id, e.message, e.kind))
            continue
        if satisfied:
            (forbids if p.effect == "forbid" else permits).append(p.id)
    if forbids:
        return Response(Decision.DENY, forbids, errors)
    return Response(Decision.ALLOW if permits else Decision.DENY, permits, errors)


@pytest.mark.parametrize("seed", range(40))
def test_index_preserves_semantics(seed: int) -> None:
    r = random.Random(seed)
    policies, store, requests = _random_scenario(r)
    az = Authorizer(policies, store)
    for request in requests:
        assert az.is_authorized(request) == _reference(policies, store, request)


@pytest.mark.parametrize("seed", range(40))
def test_index_candidates_are_exactly_the_policies_whose_scope_holds(seed: int) -> None:
    r = random.Random(1000 + seed)
    policies, store, requests = _random_scenario(r)
    index = PolicyIndex(policies)
    for request in requests:
        env = Env(request.principal, request.action, request.resource, request.context, store.by_uid)
        bits = index.candidates(request.principal, request.action, request.resource, store.by_uid)
        for i, p in enumerate(policies):
            scope = ast.And(ast._scope_expr("principal", p.principal),
                            ast.And(ast._action_expr(p.action), ast._scope_expr("resource", p.resource)))
            assert bool(bits >> i & 1) == compile_expr(scope)(env), p


def test_authorizer_reads_and_validates_dict_requests() -> None:
    az = Authorizer("permit(principal, action, resource);", SCHEMA_ENTITIES, SCHEMA)
    assert az.is_authorized(REQUEST).allowed
    with pytest.raises(RequestError):
        az.is_authorized(dict(REQUEST, context={"n": "one"}))
    lenient = Authorizer("permit(principal, action, resource);", SCHEMA_ENTITIES, SCHEMA, validate_requests=False)
    assert lenient.is_authorized(dict(REQUEST, context={"n": "one"})).allowed


def test_policies_given_as_bytes_or_a_list() -> None:
    text = 'permit(principal == User::"alice", action, resource);'
    assert decide(text.encode()).allowed  # type: ignore[arg-type]
    assert is_authorized(REQUEST, PolicySet.from_str(text).policies, ENTITIES).allowed
    assert is_authorized(REQUEST, list(PolicySet.from_str(text)), ENTITIES).allowed
    with pytest.raises(PolicySetError, match="expected a Policy, got int"):
        is_authorized(REQUEST, [1], ENTITIES)


# ---------------------------------------------------------------- dict requests: what the authorizer remembers

MIXED_SCHEMA = SCHEMA + """
entity Tag enum ["a", "b"];
action edit appliesTo { principal: [User, Tag], resource: [Doc, Tag] };
"""
_VIEW, _EDIT = {"type": "Action", "id": "view"}, {"type": "Action", "id": "edit"}
_ALICE, _DOC = {"type": "User", "id": "alice"}, {"type": "Doc", "id": "d"}
DICT_REQUESTS = [
    {"principal": _ALICE, "action": _VIEW, "resource": _DOC, "context": {"n": 1}},
    {"principal": _ALICE, "action": _VIEW, "resource": _DOC, "context": {"n": 1, "ip": "10.0.0.1"}},
    {"principal": _ALICE, "action": _VIEW, "resource": _DOC, "context": {}},  # `n` missing
    {"principal": _ALICE, "action": _VIEW, "resource": _DOC},
    {"principal": _ALICE, "action": _VIEW, "resource": _DOC, "context": None},
    {"principal": _ALICE, "action": _VIEW, "resource": _DOC, "context": {"n": "one"}},
    {"principal": _ALICE, "action": _VIEW, "resource": _DOC, "context": {"n": 1, "x": 2}},
    {"principal": _ALICE, "action": _VIEW, "resource": _DOC, "context": '{"n": 1}'},
    {"principal": _ALICE, "action": _VIEW, "resource": _DOC, "context": [1]},
    {"principal": _ALICE, "action": _EDIT, "resource": _DOC, "context": {}},
    {"principal": _ALICE, "action": _EDIT, "resource": _DOC},
    {"principal": _ALICE, "action": _EDIT, "resource": _DOC, "context": {"n": 1}},
    {"principal": {"type": "Tag", "id": "a"}, "action": _EDIT, "resource": {"type": "Tag", "id": "b"}},
    {"principal": {"type": "Tag", "id": "c"}, "action": _EDIT, "resource": {"type": "Tag", "id": "b"}},
    {"principal": {"type": "Tag", "id": "a"}, "action": _EDIT, "resource": {"type": "Tag", "id": "z"}},
    {"principal": {"type": "Tag", "id": "a"}, "action": _VIEW, "resource": _DOC, "context": {"n": 1}},
    {"principal": _DOC, "action": _VIEW, "resource": _DOC, "context": {"n": 1}},
    {"principal": {"type": "Nope", "id": "x"}, "action": _VIEW, "resource": _DOC, "context": {"n": 1}},
    {"principal": _ALICE, "action": {"type": "Action", "id": "nope"}, "resource": _DOC, "context": {}},
    {"principal": _ALICE, "action": {"type": "Action", "id": "read"}, "resource": _DOC, "context": {}},
    {"principal": _ALICE, "action": _VIEW, "resource": {"type": "Group", "id": "staff"}, "context": {"n": 1}},
    {"principal": {"type": "not a name", "id": "x"}, "action": _VIEW, "resource": _DOC, "context": {"n": 1}},
    {"principal": {"type": "User", "id": 7}, "action": _VIEW, "resource": _DOC, "context": {"n": 1}},
    {"principal": {"type": "User", "id": "alice", "x": 1}, "action": _VIEW, "resource": _DOC, "context": {"n": 1}},
    {"principal": {"__entity": _ALICE}, "action": _VIEW, "resource": _DOC, "context": {"n": 1}},
    {"principal": ["User", "alice"], "action": _VIEW, "resource": _DOC, "context": {"n": 1}},
    {"principal": 'User::"alice"', "action": _VIEW, "resource": _DOC, "context": {"n": 1}},
    {"principal": _ALICE, "resource": _DOC, "context": {"n": 1}},
    {"principal": _ALICE, "action": _VIEW, "context": {"n": 1}},
    {"principal": _ALICE, "action": _VIEW, "resource": _DOC, "context": {"n": 1}, "extra": True},
]


def _outcome(decide) -> tuple:  # type: ignore[no-untyped-def]
    try:
        r = decide()
    except Exception as e:  # noqa: BLE001 - the error is the outcome
        return (type(e).__name__, str(e))
    return (r.decision, r.reasons, r.errors)


def _general_path(az: Authorizer, request: dict, schema: Schema | None, validate: bool) -> Response:
    """How a dict request is read and validated when nothing is remembered."""
    req = as_request(request, schema)
    if schema is not None and validate:
        validate_request(schema, req.principal, req.action, req.resource, req.context)
    return az.is_authorized(req)


@pytest.mark.parametrize("with_schema", [True, False])
@pytest.mark.parametrize("validate", [True, False])
def test_dict_requests_give_what_the_general_path_gives_however_often_repeated(with_schema: bool,
                                                                               validate: bool) -> None:
    schema = Schema.from_str(MIXED_SCHEMA) if with_schema else None
    policies = 'permit(principal, action, resource) when { context has n && context.n > 0 };'
    az = Authorizer(policies, SCHEMA_ENTITIES, schema, validate_requests=validate)
    order = DICT_REQUESTS * 3
    random.Random(7).shuffle(order)
    outcomes = set()
    for request in order:
        got = _outcome(lambda: az.is_authorized(request))
        assert got == _outcome(lambda: _general_path(az, request, schema, validate)), request
        outcomes.add(got[0])
    assert Decision.ALLOW in outcomes and "RequestError" in outcomes


def test_dict_requests_of_the_integration_tests_give_what_the_general_path_gives() -> None:
    for test in [*handwritten_tests(), *corpus_tests(sample=150)]:
        schema = Schema.from_str(test.schema)
        authorizers = {v: Authorizer(PolicySet.from_str(test.policies), Entities.from_json(test.entities, schema),
                                     schema, validate_requests=v) for v in (True, False)}
        for spec in test.requests * 2:
            request = {k: spec[k] for k in ("principal", "action", "resource", "context") if k in spec}
            validate = spec.get("validateRequest", True)
            az = authorizers[validate]
            assert (_outcome(lambda: az.is_authorized(request))
                    == _outcome(lambda: _general_path(az, request, schema, validate))), (test.name, request)
