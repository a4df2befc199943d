"""Realistic applications (`tests/data/apps/<app>/`): our answers equal the Rust engine's.

Each application has a schema, policies (templates linked per user or group),
an entity store and requests whose expected decision, determining policies and
erroring policies were obtained from the Rust engine (`tests/data/apps/expect.py`),
plus the expected strict-validation verdicts. Policies are named as the Cedar
CLI names them: by their `@id`, links by their link id.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from impl.authorizer import Authorizer, Decision
from impl.entities import Entities
from impl.errors import CedarError
from impl.format import format_text
from impl.parser import parse_expr
from impl.policyset import PolicySet
from impl.schema import Schema
from impl.validator import validate

APPS_DIR = Path(__file__).resolve().parent.parent / "data" / "apps"
APPS = sorted(p.parent.name for p in APPS_DIR.glob("*/policies.cedar"))


def test_there_are_applications() -> None:
    assert len(APPS) >= 4


@lru_cache(maxsize=None)
def load(app: str) -> tuple[Schema, PolicySet, Entities, Authorizer]:
    d = APPS_DIR / app
    schema = Schema.from_str((d / "schema.cedarschema").read_text(), "schema.cedarschema")
    policies = PolicySet.from_str((d / "policies.cedar").read_text(), "policies.cedar")
    links = d / "links.json"
    for link in json.loads(links.read_text()) if links.exists() else []:  # the CLI's `--template-linked` format
        values = {slot: parse_expr(uid).value for slot, uid in link["args"].items()}
        policies.link(link["template_id"], link["link_id"], values)
    entities = Entities.from_json((d / "entities.json").read_text(), schema)
    return schema, policies, entities, Authorizer(policies, entities, schema)


def expected_requests(app: str) -> list[dict[str, Any]]:
    return json.loads((APPS_DIR / app / "requests.json").read_text())


@pytest.mark.parametrize("app", APPS)
def test_every_request_gets_the_rust_decision_reasons_and_errors(app: str) -> None:
    *_, authorizer = load(app)
    requests = expected_requests(app)
    assert len(requests) > 50
    mismatches = []
    for case in requests:
        request = {k: case[k] for k in ("principal", "action", "resource", "context")}
        if case["decision"] == "invalid":
            try:
                authorizer.is_authorized(request)
            except CedarError:
                continue
            mismatches.append((request, "accepted a request the schema rejects"))
            continue
        response = authorizer.is_authorized(request)
        got = (response.decision.value, sorted(response.reasons), sorted(e.policy_id for e in response.errors))
        want = (case["decision"], case["reasons"], case["errors"])
        if got != want:
            mismatches.append((request, got, want))
    assert mismatches == []


@pytest.mark.parametrize("app", APPS)
def test_requests_cover_allow_deny_errors_and_rejections(app: str) -> None:
    requests = expected_requests(app)
    decisions = {case["decision"] for case in requests}
    assert decisions == {"allow", "deny", "invalid"}
    assert any(case["errors"] for case in requests)
    assert any(case["decision"] == "deny" and case["reasons"] for case in requests)  # a forbid that wins


@pytest.mark.parametrize("app", APPS)
def test_every_policy_and_link_determines_some_request(app: str) -> None:
    _, policies, _, _ = load(app)
    determining = {pid for case in expected_requests(app) for pid in case["reasons"]}
    assert set(policies.policies) - determining == set()


@pytest.mark.parametrize("app", APPS)
def test_validation_verdicts_match_rust(app: str) -> None:
    schema, policies, _, _ = load(app)
    expected = json.loads((APPS_DIR / app / "validation.json").read_text())
    for name, verdict in expected.items():
        checked = policies if name == "policies.cedar" else PolicySet.from_str((APPS_DIR / app / name).read_text())
        result = validate(checked, schema)
        assert result.passed == verdict["passes"], (name, [str(e) for e in result.errors])
        assert sorted({e.policy_id for e in result.errors}) == verdict["failing"], name


@pytest.mark.parametrize("app", APPS)
def test_schema_reads_back_from_its_json_and_cedar_forms(app: str) -> None:
    schema, *_ = load(app)
    assert Schema.from_json(schema.to_json()) == schema
    assert Schema.from_str(schema.to_cedar()) == schema


@pytest.mark.parametrize("app", APPS)
def test_policy_files_are_in_cedar_format_layout(app: str) -> None:
    for path in sorted((APPS_DIR / app).glob("*.cedar")):
        text = path.read_text()
        assert format_text(text) == text, path.name


@pytest.mark.parametrize("app", APPS)
def test_decisions_do_not_depend_on_reading_the_request_as_a_dict(app: str) -> None:
    """The same answers from a request read once (`Request`) as from its dict form."""
    from impl.authorizer import as_request

    schema, _, _, authorizer = load(app)
    for case in expected_requests(app)[:40]:
        if case["decision"] == "invalid":
            continue
        request = as_request({k: case[k] for k in ("principal", "action", "resource", "context")}, schema)
        assert authorizer.is_authorized(request).decision is Decision(case["decision"])
