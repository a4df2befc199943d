"""The generators produce what they claim, as judged by the Rust engine (cedarpy)."""

from __future__ import annotations

import json
import random

import cedarpy
import pytest
from hypothesis import given, settings

from difftest import normalize
from difftest.case import case_seed, gen_case
from difftest.generators import values
from difftest.generators.entities import entities_to_json, gen_entities
from difftest.generators.schema import gen_schema
from difftest.generators.schema_render import schema_to_cedar, schema_to_json_str
from difftest.generators.strategies import cases
from difftest.oracles import RustOracle

SEEDS = range(60)


def _evaluates(fn: str, arg: str) -> bool:
    text = f"permit(principal, action, resource) when {{ {fn}({json.dumps(arg)}) == {fn}({json.dumps(arg)}) }};"
    req = {"principal": {"type": "U", "id": "a"}, "action": {"type": "Action", "id": "a"},
           "resource": {"type": "U", "id": "a"}, "context": {}}
    return cedarpy.is_authorized(req, text, []).decision == cedarpy.Decision.Allow


@pytest.mark.parametrize("fn, valid, invalid", [
    ("decimal", values._DECIMAL_VALID, values._DECIMAL_INVALID),
    ("ip", values._IP_VALID, values._IP_INVALID),
    ("datetime", values._DATETIME_VALID, values._DATETIME_INVALID),
    ("duration", values._DURATION_VALID, values._DURATION_INVALID),
])
def test_extension_literal_pools_are_classified_as_rust_does(fn: str, valid: tuple, invalid: tuple) -> None:
    assert [a for a in valid if not _evaluates(fn, a)] == []
    assert [a for a in invalid if _evaluates(fn, a)] == []


def test_random_extension_literals_marked_valid_are_accepted_by_rust() -> None:
    rng = random.Random(1)
    for fn in ("decimal", "ip", "datetime", "duration"):
        bad = [a for a in (values.ext_literal(rng, fn, valid=1.0) for _ in range(150)) if not _evaluates(fn, a)]
        assert bad == [], fn


@pytest.mark.parametrize("seed", SEEDS)
def test_schema_in_cedar_syntax_and_json_both_parse_in_rust(seed: int) -> None:
    spec = gen_schema(random.Random(seed))
    cedarpy.Schema.from_str(schema_to_cedar(spec, random.Random(seed)))
    cedarpy.Schema.from_json_str(schema_to_json_str(spec, random.Random(seed)))


@pytest.mark.parametrize("seed", SEEDS)
def test_entities_parse_against_the_schema_exactly_when_they_conform(seed: int) -> None:
    rng = random.Random(seed)
    spec = gen_schema(rng)
    store = gen_entities(rng, spec, break_schema=0.5)
    schema = cedarpy.Schema.from_str(schema_to_cedar(spec, random.Random(seed)))
    for form in (None, random.Random(seed)):
        text = json.dumps(entities_to_json(store, spec, form))
        try:
            cedarpy.Entities.from_json_str(text, schema)
            accepted = True
        except ValueError:
            accepted = False
        assert accepted == store.conforms


@pytest.mark.parametrize("seed", SEEDS)
def test_policy_text_parses_in_rust_to_the_generated_json_form(seed: int) -> None:
    case = gen_case(case_seed(7, seed))
    rust = json.loads(cedarpy.policies_to_json_str(case.policy_text))
    mine = case.policies_json()
    mine["templateLinks"] = []
    assert normalize.same(normalize.policy_set(rust), normalize.policy_set(mine))


def test_validated_generator_keeps_only_policies_rust_validates() -> None:
    rust = RustOracle()
    kept = 0
    for seed in range(0, 90, 3):  # seeds that select the validated generator
        case = gen_case(seed, "validated", validator=rust.rejected_policy_ids)
        assert case.validated
        res = cedarpy.validate_policies(case.policy_text, case.schema_text)
        assert res.validation_passed, [e.error for e in res.errors]
        kept += len(case.policies)
    assert kept >= 60


def test_requests_conform_to_the_schema_unless_marked_otherwise() -> None:
    rust = RustOracle()
    checked = 0
    for seed in range(40):
        case = gen_case(case_seed(3, seed))
        if not case.entities_conform or case.text_requests:  # (text is also refused unless normalized)
            continue
        for i, outcome in enumerate(rust.authorize(case, schema=True)):
            assert (outcome.decision is not None) == case.request_conforms(i), (seed, i, outcome.rejected)
            checked += 1
    assert checked > 80


def test_generators_reach_every_error_kind_and_both_decisions() -> None:
    rust = RustOracle()
    kinds, decisions = set(), set()
    for seed in range(250):
        for o in rust.authorize(gen_case(case_seed(11, seed))):
            kinds |= o.error_kinds()
            decisions.add(o.decision)
    assert kinds == {"entityDoesNotExist", "attrDoesNotExist", "tagDoesNotExist", "typeError",
                     "arithBoundsError", "extensionError"}
    assert {"allow", "deny"} <= decisions


@settings(max_examples=15, deadline=None)
@given(cases())
def test_hypothesis_strategy_draws_cases_rust_can_read(case) -> None:
    json.loads(cedarpy.policies_to_json_str(case.policy_text))
    cedarpy.Entities.from_json_str(json.dumps(case.entities))
    cedarpy.Schema.from_str(case.schema_text)
