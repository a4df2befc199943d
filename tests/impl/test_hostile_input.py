"""Pathological and malformed input at every public entry point.

Bad input gets a `CedarError` naming what is wrong (never a bare `TypeError`,
`ValueError`, `RecursionError`...), and valid but extreme input gets the answer
the Rust engine (cedarpy) gives.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

import impl
from impl import ast
from impl.authorizer import Request
from impl.errors import (
    CedarError, EntityError, LinkError, ParseError, PolicySetError, RequestError, SchemaError,
)
from impl.values import EntityUID, Record

from .cedar_oracle import assert_same_outcomes

cedarpy = pytest.importorskip("cedarpy")

PERMIT = "permit(principal, action, resource);"
SCHEMA = "entity User; entity R; action v appliesTo { principal: User, resource: R, context: { a?: Bool } };"
REQUEST = {"principal": 'User::"a"', "action": 'Action::"v"', "resource": 'R::"r"', "context": {}}


def when(condition: str) -> str:
    return f"permit(principal, action, resource) when {{ {condition} }};"


def rust_answer(policies: str, request: dict[str, Any] = REQUEST) -> tuple[str, list[str]]:
    """cedarpy's decision and the ids of its erroring policies."""
    r = cedarpy.is_authorized(request, policies, [])
    errors = r._authz_resp["diagnostics"]["errors"]
    return r.decision.value.lower(), [e.split("`")[1] for e in errors]


def our_answer(policies: str, request: dict[str, Any] = REQUEST) -> tuple[str, list[str]]:
    r = impl.is_authorized(request, policies, [])
    return r.decision.value, [e.policy_id for e in r.errors]


# ---------------------------------------------------------------- wrong Python types

_TEMPLATE = "permit(principal == ?principal, action, resource);"
ODD_VALUES = [None, 1, 1.5, b"\xff\xfe", [None], {"a": 1}, object(), (1,), {1: 2}]
ENTRY_POINTS: dict[str, Callable[[Any], Any]] = {
    "PolicySet.from_str": impl.PolicySet.from_str,
    "PolicySet.from_json": impl.PolicySet.from_json,
    "Schema.from_str": impl.Schema.from_str,
    "Schema.from_json": impl.Schema.from_json,
    "Entities.from_json": impl.Entities.from_json,
    "Entities.from_json(schema=)": lambda x: impl.Entities.from_json([], x),
    "parse_context(schema=)": lambda x: impl.parse_context({}, x),
    "is_authorized(request)": lambda x: impl.is_authorized(x, PERMIT, []),
    "is_authorized(policies)": lambda x: impl.is_authorized(REQUEST, x, []),
    "is_authorized(entities)": lambda x: impl.is_authorized(REQUEST, PERMIT, x),
    "is_authorized(schema)": lambda x: impl.is_authorized(REQUEST, PERMIT, [], x),
    "Authorizer(policies)": impl.Authorizer,
    "Authorizer.is_authorized": lambda x: impl.Authorizer(PERMIT).is_authorized(x),
    "validate(policies)": lambda x: impl.validate(x, SCHEMA),
    "validate(schema)": lambda x: impl.validate(PERMIT, x),
    "evaluate(expression)": lambda x: impl.evaluate(x, REQUEST),
    "link(template id)": lambda x: impl.PolicySet.from_str(_TEMPLATE).link(x, "l", {"?principal": EntityUID("U", "a")}),
    "link(new id)": lambda x: impl.PolicySet.from_str(_TEMPLATE).link("policy0", x, {"?principal": EntityUID("U", "a")}),
    "link(values)": lambda x: impl.PolicySet.from_str(_TEMPLATE).link("policy0", "l", x),
    "link(value)": lambda x: impl.PolicySet.from_str(_TEMPLATE).link("policy0", "l", {"?principal": x}),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_values_of_the_wrong_python_type_are_cedar_errors(entry: str) -> None:
    for value in ODD_VALUES:
        try:
            ENTRY_POINTS[entry](value)
        except CedarError as e:
            assert e.message
        # anything else (TypeError, AttributeError, UnicodeDecodeError...) fails the test


def test_non_string_keys_in_python_dicts_are_errors_not_crashes_or_silent_attributes() -> None:
    with pytest.raises(RequestError, match="not a string"):
        impl.is_authorized(dict(REQUEST, context={1: 2}), PERMIT, [])
    with pytest.raises(EntityError, match="not a string"):
        impl.Entities.from_json([{"uid": {"type": "A", "id": "a"}, "attrs": {1: 2}, "parents": []}])
    with pytest.raises(EntityError, match="not a string"):
        impl.Entities.from_json([{"uid": {"type": "A", "id": "a"}, "attrs": {}, "parents": [], "tags": {None: 2}}])
    with pytest.raises(SchemaError, match="not a string"):
        impl.Schema.from_json({"": {"entityTypes": {1: {}}, "actions": {}}})
    doc = impl.PolicySet.from_str('@a("b") permit(principal, action, resource);').to_json()
    doc["staticPolicies"]["policy0"]["annotations"] = {None: "b"}
    with pytest.raises(ParseError, match="not a string"):
        impl.PolicySet.from_json(doc)
    doc["staticPolicies"]["policy0"]["annotations"] = {"a": 1j}
    with pytest.raises(ParseError, match="not a JSON value"):
        impl.PolicySet.from_json(doc)


def test_a_request_tuple_holding_other_values_is_read_or_rejected() -> None:
    alice = EntityUID("User", "a")
    with pytest.raises(RequestError, match="must be an entity"):
        impl.Authorizer(PERMIT).is_authorized(Request(1, 2, 3))  # type: ignore[arg-type]
    with pytest.raises(RequestError, match="not an entity reference"):
        impl.is_authorized(Request('a b::"x"', alice, alice), PERMIT, [])  # type: ignore[arg-type]
    plain_context = Request(alice, alice, alice, {"x": 1})  # type: ignore[arg-type]
    policy = 'permit(principal, action, resource) when { context.x == 1 };'
    assert impl.Authorizer(policy).is_authorized(plain_context).allowed
    assert impl.is_authorized(Request(alice, alice, alice, Record({"x": 1})), policy, []).allowed


def test_link_values_must_be_valid_entities() -> None:
    ps = impl.PolicySet.from_str(_TEMPLATE)
    with pytest.raises(LinkError, match="invalid entity type name"):
        ps.link("policy0", "l", {"?principal": {"type": "a b", "id": "x"}})
    with pytest.raises(LinkError, match="must be strings"):
        ps.link("policy0", None, {"?principal": EntityUID("User", "a")})  # type: ignore[arg-type]
    linked = ps.link("policy0", "l", {"?principal": {"__entity": {"type": "User", "id": "a"}}})
    assert linked.principal.entity == EntityUID("User", "a")


# ---------------------------------------------------------------- text

def test_bytes_must_be_utf8_and_are_never_patched_up() -> None:
    text = when('context.a == "\xff"').encode("latin-1")
    with pytest.raises(ParseError, match="not valid UTF-8"):
        impl.is_authorized(REQUEST, text, [])
    with pytest.raises(ParseError, match="not valid UTF-8"):
        impl.PolicySet.from_str(text)
    with pytest.raises(SchemaError, match="not valid UTF-8"):
        impl.Schema.from_str(b"entity \xff;")
    with pytest.raises(SchemaError, match="not valid UTF-8"):
        impl.is_authorized(REQUEST, PERMIT, [], b"entity \xff;")
    with pytest.raises(ParseError, match="not valid UTF-8"):
        impl.PolicySet.from_json(b'{"\xff": 1}')
    assert impl.PolicySet.from_str(when('context.a == "é"').encode()).policies


def test_text_with_a_lone_surrogate_is_rejected_where_it_is() -> None:
    with pytest.raises(ParseError, match="lone surrogate") as info:
        impl.PolicySet.from_str('permit(principal, action, resource)\nwhen { "\ud800" == "" };')
    assert (info.value.line, info.value.column) == (2, 9)
    with pytest.raises(SchemaError, match="lone surrogate"):
        impl.Schema.from_str("entity A { \"\udc00\": Long };")
    with pytest.raises(SchemaError, match="lone surrogate"):
        impl.Schema.from_json({"": {"entityTypes": {"A": {"shape": {"type": "Record", "attributes": {
            "\ud800": {"type": "Long"}}}}}, "actions": {}}})


def test_error_messages_are_printable_whatever_the_input_holds() -> None:
    """Lone surrogates cannot be encoded (printing them raised `UnicodeEncodeError`); control
    characters would garble a terminal: messages and snippets show them as `\\u{...}` escapes."""
    errors: list[CedarError] = []
    for call in (lambda: impl.PolicySet.from_str('permit(principal, action, resource) when { "\ud800" == x };'),
                 lambda: impl.PolicySet.from_str('permit(principal, action, resource) when { "\x00\x1b[31m" == x };'),
                 lambda: impl.Entities.from_json([{"uid": {"type": "A\ud800", "id": "a"}, "attrs": {}, "parents": []}]),
                 lambda: impl.Entities.from_json('[{"uid": {"type": "A\\udc00", "id": "a"}, "attrs": {}, "parents": []}]'),
                 lambda: impl.is_authorized(dict(REQUEST, action={"type": "\x07\ud800", "id": "v"}), PERMIT, [])):
        with pytest.raises(CedarError) as info:
            call()
        errors.append(info.value)
    for e in errors:
        for text in (str(e), e.message, e.render()):
            text.encode("utf-8")  # no lone surrogate left
            assert not any(c in text for c in "\x00\x07\x1b")
    assert "\\u{d800}" in str(errors[0]) and errors[0].loc is not None
    assert "\\u{dc00}" in errors[3].message
    assert errors[0].loc.snippet().splitlines()[1].index("^") == errors[0].column - 1
    assert "\\u{1b}" in str(errors[1])


def test_error_snippets_of_very_long_lines_show_the_neighbourhood_of_the_error() -> None:
    text = 'permit(principal, action, resource) when { "' + "a" * 100_000 + '" == x };'
    with pytest.raises(ParseError, match="invalid variable: x") as info:
        impl.PolicySet.from_str(text)
    line, caret = info.value.loc.snippet().splitlines()  # type: ignore[union-attr]
    assert len(line) < 300 and line.startswith("…") and line.endswith(" };")
    assert line[caret.index("^")] == "x"
    assert (info.value.line, info.value.column) == (1, 100_050)


def test_minus_zero_in_json_is_not_an_integer_as_in_rust() -> None:
    """serde_json reads `-0` as a float, which no Cedar value is; `0` and `"-0"` are fine."""
    entities = '[{"uid": {"type": "A", "id": "a"}, "attrs": {"x": %s}, "parents": []}]'
    request = dict(REQUEST, context='{"a": %s}')
    for number, accepted in (("-0", False), ("[-0]", False), ("0", True), ('"-0"', True), ("-0.0", False)):
        rust_ok = cedarpy.is_authorized(REQUEST, PERMIT, entities % number).decision.value != "NoDecision"
        assert rust_ok is accepted
        rust_ok = cedarpy.is_authorized(dict(request, context=request["context"] % number), PERMIT, []) \
            .decision.value != "NoDecision"
        assert rust_ok is accepted
        for call in (lambda: impl.Entities.from_json(entities % number),
                     lambda: impl.Entities.from_json((entities % number).encode()),
                     lambda: impl.is_authorized(dict(request, context=request["context"] % number), PERMIT, [])):
            if accepted:
                call()
            else:
                with pytest.raises(CedarError, match="numbers must be integers"):
                    call()
    est = impl.PolicySet.from_str(when("0 == 1")).to_json_str()
    assert est.count('"Value":0') + est.count('"Value": 0') == 1
    with pytest.raises(ParseError, match="must be integers"):
        impl.PolicySet.from_json(est.replace('"Value":0', '"Value":-0').replace('"Value": 0', '"Value": -0'))


def test_a_context_keeps_the_last_of_duplicate_keys_as_rust_does() -> None:
    """Rust reads a context into a `serde_json::Value` (last key wins); entities reject duplicates."""
    for context, policy in (('{"a": 1, "a": 2}', when("context.a == 2")),
                            ('{"r": {"b": 2, "b": 1}}', when("context.r.b == 1")),
                            ('{"a": 2, "a": 1}', when("context.a == 2"))):
        request = dict(REQUEST, context=context)
        assert our_answer(policy, request) == rust_answer(policy, request)
    assert impl.parse_context('{"a": 1, "a": 2}') == Record({"a": 2})
    with pytest.raises(EntityError, match="duplicate key `x`"):
        impl.Entities.from_json('[{"uid": {"type": "A", "id": "a"}, "attrs": {"x": 1, "x": 1}, "parents": []}]')


def test_integers_with_thousands_of_digits() -> None:
    big = "1" * 5000
    with pytest.raises(ParseError, match="too large"):
        impl.PolicySet.from_str(when(f"{big} == 1"))
    with pytest.raises(ParseError, match="too large"):
        impl.PolicySet.from_str(when(f"-{big} == 1"))
    assert impl.PolicySet.from_str(when(f"{'0' * 5000}1 == 1")).policies
    with pytest.raises(SchemaError, match="invalid JSON"):
        impl.Schema.from_json('{"": {"entityTypes": {}, "actions": {}, "x": %s}}' % big)
    with pytest.raises(SchemaError, match="invalid JSON"):
        impl.Schema.from_json('{"": {"entityTypes": {}, "actions": {}, "x": NaN}}')


def test_json_numbers_with_thousands_of_digits_are_out_of_range_as_in_rust() -> None:
    big = "9" * 5000  # Python's own message would talk of `sys.set_int_max_str_digits()`
    for call in (lambda: impl.Schema.from_json('{"": {"entityTypes": {}, "actions": {}, "x": %s}}' % big),
                 lambda: impl.Entities.from_json('[{"uid": {"type": "A", "id": "a"}, "attrs": {"x": %s}, "parents": []}]' % big),
                 lambda: impl.PolicySet.from_json('{"staticPolicies": %s}' % big),
                 lambda: impl.parse_context('{"a": %s}' % big),
                 lambda: impl.is_authorized(dict(REQUEST, context='{"a": -%s}' % big), PERMIT, [])):
        with pytest.raises(CedarError, match="number out of range") as info:
            call()
        assert "sys." not in str(info.value)


def test_extension_strings_with_thousands_of_leading_zeros_agree_with_rust() -> None:
    zeros = "0" * 5000
    assert_same_outcomes([
        f'decimal("{zeros}1.0") == decimal("1.0")', f'decimal("-{zeros}1.5") == decimal("-1.5")',
        f'duration("{zeros}1ms") == duration("1ms")', f'duration("-{zeros}1d{zeros}2h") < duration("0ms")',
        f'duration("{"9" * 5000}ms") == duration("1ms")', f'ip("1.1.1.1/{zeros}1").isIpv4()',
        f'{zeros}7 == 7',
    ])


# ---------------------------------------------------------------- JSON nesting

def _est_with_nots(n: int) -> dict[str, Any]:
    body: dict[str, Any] = {"Value": True}
    for _ in range(n):
        body = {"!": {"arg": body}}
    policy = {"effect": "permit", "principal": {"op": "All"}, "action": {"op": "All"}, "resource": {"op": "All"},
              "conditions": [{"kind": "when", "body": body}]}
    return {"staticPolicies": {"p": policy}, "templates": {}, "templateLinks": []}


def test_json_policies_nest_at_most_127_levels_as_in_rust() -> None:
    for n, accepted in ((60, True), (61, False)):  # 61 `!` put the innermost value at level 128
        text = json.dumps(_est_with_nots(n))
        try:
            cedarpy.policies_from_json_str(text)
            rust = True
        except Exception:  # noqa: BLE001 - cedarpy's error type
            rust = False
        assert rust is accepted
        for doc in (text, _est_with_nots(n)):
            if accepted:
                assert impl.PolicySet.from_json(doc).policies
            else:
                with pytest.raises(ParseError, match="nested more than 127 levels"):
                    impl.PolicySet.from_json(doc)


def test_json_schemas_nest_at_most_127_levels_as_in_rust() -> None:
    def schema(n: int) -> dict[str, Any]:
        t: dict[str, Any] = {"type": "Long"}
        for _ in range(n):
            t = {"type": "Set", "element": t}
        return {"": {"entityTypes": {"A": {"shape": {"type": "Record", "attributes": {"a": t}}}}, "actions": {}}}

    for n, accepted in ((120, True), (121, False)):
        rust = cedarpy.validate_policies(PERMIT, json.dumps(schema(n)))
        assert any("recursion limit" in str(e.error) for e in rust.errors) is not accepted
        for doc in (json.dumps(schema(n)), schema(n)):
            if accepted:
                impl.Schema.from_json(doc)
            else:
                with pytest.raises(SchemaError, match="nested"):
                    impl.Schema.from_json(doc)
    cyclic: dict[str, Any] = {"": {"entityTypes": {}, "actions": {}}}
    cyclic[""]["commonTypes"] = cyclic
    with pytest.raises(SchemaError, match="nested"):
        impl.Schema.from_json(cyclic)


# ---------------------------------------------------------------- deep and long expressions

@pytest.mark.parametrize("condition", [
    " && ".join(["true"] * 20_000),  # Rust folds literal `&&`s as it builds the AST: Allow
    " || ".join(["false"] * 20_000) + " || true",
    "(1 == 1) && " + " && ".join(["true"] * 20_000),  # one level of `&&` over a folded literal
    " && ".join(["(1 == 1)"] * 20_000),  # Rust: recursion limit reached, the policy errors
    " || ".join(["(1 == 2)"] * 20_000),
    " + ".join(["1"] * 20_000) + " > 0",
    "context" + ".a" * 5_000 + " == 1",
    "[1]" + ".contains(1)" * 5_000,
    "if false then false else " * 3_000 + "true",  # (Rust's parser overflows its stack at 5,000)
    "context has " + ".".join(["a"] * 3_000),
])
def test_long_chains_and_deep_nesting_answer_as_rust(condition: str) -> None:
    policies = when(condition)
    assert our_answer(policies) == rust_answer(policies)


@pytest.mark.parametrize("build", [
    lambda n: " && ".join(["(1 == 1)"] * n),
    lambda n: " + ".join(["1"] * n) + " > 0",
    lambda n: "context" + ".a" * n + " == 1",
    lambda n: "if false then false else " * n + "true",
])
def test_evaluation_stops_at_rusts_recursion_limit(build: Callable[[int], str]) -> None:
    request = dict(REQUEST, context={"a": 1})
    for n in (1_600, 1_800):  # Rust (on cedarpy's 8 MiB stack) stops near 1,707 levels
        policies = when(build(n))
        assert our_answer(policies, request) == rust_answer(policies, request)


def test_brackets_deeper_than_rusts_stack_are_a_located_parse_error() -> None:
    """Rust's parser overflows its stack at ~600 nested brackets (cedarpy dies): a clear error, never Allow."""
    for condition in ("(" * 10_000 + "true" + ")" * 10_000, "[" * 10_000 + "1" + "]" * 10_000 + " == [1]",
                      "!(" * 10_000 + "false" + ")" * 10_000, "{a: " * 10_000 + "1" + "}" * 10_000 + " == {a: 1}",
                      "-(" * 10_000 + "1" + ")" * 10_000 + " == 1", 'ip(' * 2_000 + '"1.1.1.1"' + ")" * 2_000,
                      "(" * 100_000):
        for call in (lambda: impl.is_authorized(REQUEST, when(condition), []), lambda: impl.evaluate(condition, REQUEST),
                     lambda: impl.PolicySet.from_str(PERMIT + "\n" + when(condition))):
            with pytest.raises(ParseError, match="nested too deeply") as info:
                call()
            assert info.value.line is not None
    with pytest.raises(ParseError, match="nested too deeply") as info:
        impl.PolicySet.from_str(PERMIT + "\n" + when("(" * 2_000 + "true" + ")" * 2_000))
    assert (info.value.line, info.value.column) == (2, 44 + 999)  # the 1,001st level: `{` is the first
    assert impl.is_authorized(REQUEST, when("(" * 600 + "true" + ")" * 600), []).allowed  # as in Rust
    assert rust_answer(when("[" * 600 + "1" + "]" * 600 + " == [1]")) == our_answer(when("[" * 600 + "1" + "]" * 600 + " == [1]"))


def test_has_chains_share_their_compiled_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """`e has a1.a2...an` is n `has` tests on paths of length 1..n-1: shared paths compile once."""
    from impl import evaluator

    calls = 0
    compile_get_attr = evaluator._compile_get_attr

    def counting(e: ast.GetAttr, depth: int) -> Any:
        nonlocal calls
        calls += 1
        return compile_get_attr(e, depth)

    monkeypatch.setattr(evaluator, "_compile_get_attr", counting)
    n = 1_000
    ps = impl.PolicySet.from_str(when("context has " + ".".join(["a"] * n)))
    assert not impl.is_authorized(REQUEST, ps, []).allowed
    assert calls < 2 * n


def test_long_conjunctions_validate() -> None:
    text = when(" && ".join(["context has a"] * 20_000))
    assert impl.validate(text, SCHEMA).errors == []
    assert cedarpy.validate_policies(text, SCHEMA).validation_passed
    assert [e.kind for e in impl.validate(when("1 && " + " && ".join(["true"] * 20_000)), SCHEMA).errors] \
        == ["unexpected_type"]
    result = impl.validate(impl.PolicySet.from_str(when(" + ".join(["1"] * 20_000) + " > 0")), SCHEMA)
    assert [e.kind for e in result.errors] == ["too_deep"]


def test_writing_too_deep_a_policy_as_json_is_a_cedar_error() -> None:
    ps = impl.PolicySet.from_str(when(" + ".join(["1"] * 20_000) + " > 0"))
    assert ps.to_json()["staticPolicies"]
    with pytest.raises(CedarError, match="nested too deeply"):
        ps.to_json_str()


# ---------------------------------------------------------------- entity hierarchies

def _chain(n: int, cycle: bool = False) -> list[dict[str, Any]]:
    """`U::"0"` in `U::"1"` in ... in `U::"n"` (and back to `U::"0"` if `cycle`)."""
    def uid(i: int) -> dict[str, str]:
        return {"type": "U", "id": str(i)}
    last_parents = [uid(0)] if cycle else []
    return [{"uid": uid(i), "attrs": {}, "parents": [uid(i + 1)]} for i in range(n)] + \
        [{"uid": uid(n), "attrs": {}, "parents": last_parents}]


def test_deep_entity_hierarchies_load_without_squaring_their_depth() -> None:
    """A 20,000-long chain has 200 million (entity, ancestor) pairs: they are not all built."""
    store = impl.Entities.from_json(_chain(20_000))
    request = {"principal": {"type": "U", "id": "0"}, "action": {"type": "Action", "id": "a"},
               "resource": {"type": "U", "id": "20000"}}
    assert impl.is_authorized(request, 'permit(principal in U::"20000", action, resource in U::"20000");',
                              store).allowed
    assert store.ancestors(EntityUID("U", "19999")) == {EntityUID("U", "20000")}
    with pytest.raises(EntityError, match="has itself as an ancestor"):
        impl.Entities.from_json(_chain(20_000, cycle=True))


def test_entity_hierarchies_answer_as_rust() -> None:
    chain = json.dumps(_chain(1_000))
    policies = 'permit(principal, action, resource) when { principal in resource };'
    for p, r in (("0", "1000"), ("500", "999"), ("999", "500"), ("1000", "0")):
        request = {"principal": {"type": "U", "id": p}, "action": {"type": "Action", "id": "a"},
                   "resource": {"type": "U", "id": r}, "context": {}}
        ours = impl.is_authorized(request, policies, chain).decision.value
        assert ours == cedarpy.is_authorized(request, policies, chain).decision.value.lower()


# ---------------------------------------------------------------- random inputs (hypothesis)

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70), st.floats(allow_nan=True),
    st.text(max_size=8), st.sampled_from(["User", "Action", "__entity", "__extn", "type", "id", "fn", "arg", "Long",
                                          "Set", "Record", "Entity", "ip", "decimal", "1.2.3.4", "a b", "\ud800"]),
    st.binary(max_size=4), st.just(1j), st.just((1, 2)), st.just(frozenset({1})),
)
_KEYS = st.one_of(st.sampled_from(["uid", "attrs", "parents", "tags", "type", "id", "__entity", "__extn", "fn", "arg",
                                   "args", "entityTypes", "actions", "shape", "attributes", "element", "appliesTo",
                                   "principalTypes", "resourceTypes", "memberOfTypes", "staticPolicies", "templates",
                                   "templateLinks", "effect", "principal", "action", "resource", "conditions", "op",
                                   "entity", "kind", "body", "Value", "Var", "&&", "", "\ud800"]),
                  st.text(max_size=4), st.integers(), st.none())
_JSONISH = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(_KEYS, inner, max_size=4)), max_leaves=20)


def _only_cedar_errors(call: Callable[[], Any]) -> None:
    try:
        call()
    except CedarError as e:
        assert e.message


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=_JSONISH)
def test_random_python_values_are_read_or_rejected_with_a_cedar_error(value: Any) -> None:
    _only_cedar_errors(lambda: impl.Entities.from_json(value))
    _only_cedar_errors(lambda: impl.Entities.from_json([{"uid": {"type": "U", "id": "a"}, "attrs": {"a": value},
                                                         "parents": []}]))
    _only_cedar_errors(lambda: impl.Schema.from_json(value))
    _only_cedar_errors(lambda: impl.Schema.from_json({"": {"entityTypes": {"A": value}, "actions": {}}}))
    _only_cedar_errors(lambda: impl.PolicySet.from_json(value))
    _only_cedar_errors(lambda: impl.is_authorized(value, PERMIT, []))
    _only_cedar_errors(lambda: impl.is_authorized(dict(REQUEST, context=value), PERMIT, [], SCHEMA))
    _only_cedar_errors(lambda: impl.is_authorized(dict(REQUEST, principal=value), PERMIT, []))
    _only_cedar_errors(lambda: impl.PolicySet.from_str(_TEMPLATE).link("policy0", "l", {"?principal": value}))


_TOKENS = ["permit", "forbid", "(", ")", "principal", "action", "resource", "context", ",", ";", "when", "unless",
           "{", "}", "[", "]", "==", "!=", "<", "&&", "||", "!", "-", "+", "*", "in", "is", "has", "like", "if", "then",
           "else", ".", "::", "User", "Action", '"a"', '"\\u{10FFFF}"', '"\\u{D800}"', '"*"', "0", "9223372036854775808",
           "?principal", "?resource", "@id", '("x")', "ip", "decimal", "true", "false", "entity", "type", "namespace",
           "appliesTo", "Set", "<", ">", ":", "?", "=", "enum", "tags", "\t", "\r\n", "\u00a0", "\ufeff", "é", "//c\n"]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(parts=st.lists(st.sampled_from(_TOKENS), max_size=40), sep=st.sampled_from([" ", "", "\n"]))
def test_random_token_soup_is_parsed_or_rejected_with_a_location(parts: list[str], sep: str) -> None:
    text = sep.join(parts)
    for read, error in ((impl.PolicySet.from_str, ParseError), (impl.Schema.from_str, SchemaError)):
        try:
            read(text)
        except error as e:
            assert e.message
        except CedarError as e:  # duplicate ids, undeclared types, ...
            assert e.message
    try:
        impl.evaluate(text, REQUEST)
    except (CedarError, impl.EvaluationError) as e:  # an expression that errors raises `EvaluationError`
        assert e.message


def test_every_prefix_of_valid_inputs_is_read_or_rejected_cleanly() -> None:
    policies = ('@id("p") permit(principal == User::"a", action in [Action::"v"], resource is R in R::"r") '
                'when { context has a && ip("10.0.0.1").isInRange(ip("10.0.0.0/8")) } unless { [1, {b: "c"}] '
                '.contains(1) || decimal("1.5").lessThan(decimal("2.0")) };')
    schema = 'namespace N { type T = { a?: Set<Long> }; entity U in [G] { t: T } tags String; entity G enum ["g"]; ' \
             'action v appliesTo { principal: U, resource: G, context: T }; }'
    entities = json.dumps([{"uid": {"type": "N::U", "id": "u"}, "attrs": {"t": {"a": [1]}},
                            "parents": [{"__entity": {"type": "N::G", "id": "g"}}], "tags": {"x": "y"}}])
    for i in range(len(policies) + 1):
        _only_cedar_errors(lambda: impl.PolicySet.from_str(policies[:i]))
    for i in range(len(schema) + 1):
        _only_cedar_errors(lambda: impl.Schema.from_str(schema[:i]))
    parsed = impl.Schema.from_str(schema)
    for i in range(len(entities) + 1):
        _only_cedar_errors(lambda: impl.Entities.from_json(entities[:i], parsed))
    est = impl.PolicySet.from_str(policies).to_json_str()
    for i in range(len(est) + 1):
        _only_cedar_errors(lambda: impl.PolicySet.from_json(est[:i]))


# ---------------------------------------------------------------- schema hierarchies

def test_long_action_chains_close_without_a_walk_per_action() -> None:
    """A 3,000-action chain has 4.5 million (action, ancestor) pairs: built by set unions, sinks first."""
    n = 3_000
    schema = impl.Schema.from_str("".join(f"action a{i} in [a{i + 1}];" for i in range(n)) + f"action a{n};")
    first, last = EntityUID("Action", "a0"), EntityUID("Action", f"a{n}")
    assert len(schema.actions[first].ancestors) == n and not schema.actions[first].descendants
    assert len(schema.actions[last].descendants) == n and not schema.actions[last].ancestors
    assert schema.actions[EntityUID("Action", "a10")].ancestors == {EntityUID("Action", f"a{i}") for i in range(11, n + 1)}


def test_entity_type_hierarchies_with_diamonds_and_cycles_close_as_in_rust() -> None:
    schema = impl.Schema.from_str("entity A in [B, C]; entity B in [D]; entity C in [D]; entity D; "
                                  "entity X in [Y]; entity Y in [X, D];")
    descendants = {name: set(e.descendants) for name, e in schema.entity_types.items()}
    assert descendants == {"A": set(), "B": {"A"}, "C": {"A"}, "D": {"A", "B", "C", "X", "Y"},
                           "X": {"X", "Y"}, "Y": {"X", "Y"}}
    schema_text = schema.to_cedar() + "\naction v appliesTo { principal: [X], resource: [A] };"
    for parent, valid in (("D", True), ("Y", True), ("X", True), ("C", False), ("A", False)):
        policy = f'permit(principal in {parent}::"p", action, resource);'
        assert (impl.validate(policy, schema_text).errors == []) is valid
        assert cedarpy.validate_policies(policy, schema_text).validation_passed is valid
