"""Write each application's expected answers, as the Rust engine (cedarpy) gives them.

    .venv/bin/python tests/data/apps/expect.py [app ...]

An application directory holds `schema.cedarschema`, `policies.cedar` (every
policy named by an `@id`), `entities.json`, optional `links.json` (template
links, in the `cedar` CLI's `--template-linked` format), optional `drafts.cedar` (policies meant to fail validation) and
`contexts.json` (action id -> request contexts to try, some deliberately
ill-typed). This script writes:

- `requests.json`: requests over the entity store (each principal, action and
  resource the schema allows together, plus an entity missing from the store,
  with each context), trimmed to a sample that keeps every distinct outcome,
  and a few requests the schema rejects; each with Rust's decision
  (`allow`, `deny`, or `invalid` for a rejected request) and the `@id`s of
  the determining and the erroring policies;
- `validation.json`: for `policies.cedar` and `drafts.cedar`, whether strict
  validation passes and the `@id`s of the policies that fail it.

`tests/impl/test_apps.py` checks our engine against these files.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
from pathlib import Path
from typing import Any

import cedarpy

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from impl.schema import Schema  # noqa: E402  (only to enumerate the request combinations)

HERE = Path(__file__).resolve().parent
MISSING_ID = "nobody-knows"  # an entity id absent from every store
KEEP_PER_OUTCOME = 3
SAMPLE_SIZE = 160


def rust_policy_set(app: Path) -> Any:
    ps = cedarpy.PolicySet.from_str((app / "policies.cedar").read_text())
    links = load_links(app)
    if links:
        ps = ps.with_linked_batch([{"template_id": link["template_id"], "new_id": link["link_id"],
                                    "values": link["args"]} for link in links])
    return ps


def load_links(app: Path) -> list[dict[str, Any]]:
    path = app / "links.json"
    return json.loads(path.read_text()) if path.exists() else []


def outcome(result: Any, names: dict[str, str]) -> dict[str, Any]:
    """Decision, reasons and errors; static policies are named by their `@id` (as the Cedar CLI
    names them), linked policies by their link id."""
    answer = result._authz_resp
    diagnostics = answer["diagnostics"]
    if "reason" not in diagnostics:
        return {"decision": "invalid", "reasons": [], "errors": []}
    reasons = sorted(names.get(pid, pid) for pid in diagnostics["reason"])
    errors = sorted(names.get(m.split("`")[1], m.split("`")[1]) for m in diagnostics["errors"])
    return {"decision": answer["decision"].lower(), "reasons": reasons, "errors": errors}


def annotation_ids(text: str) -> dict[str, str]:
    """policyN -> its `@id`, in file order."""
    statics = json.loads(cedarpy.policies_to_json_str(text))
    out = {}
    for section in ("staticPolicies", "templates"):
        for pid, est in statics[section].items():
            out[pid] = est.get("annotations", {}).get("id", pid)
    return out


def candidate_requests(app: Path) -> list[dict[str, Any]]:
    schema = Schema.from_str((app / "schema.cedarschema").read_text())
    entities = json.loads((app / "entities.json").read_text())
    contexts = json.loads((app / "contexts.json").read_text())
    by_type: dict[str, list[str]] = {}
    for e in entities:
        by_type.setdefault(e["uid"]["type"], []).append(e["uid"]["id"])
    requests = []
    for uid, action in sorted(schema.actions.items()):
        for p_type, r_type in itertools.product(action.principal_types, action.resource_types):
            principals = by_type.get(p_type, []) + [MISSING_ID]
            resources = by_type.get(r_type, []) + [MISSING_ID]
            for p, r, context in itertools.product(principals, resources, contexts.get(uid.id, [{}])):
                requests.append({"principal": {"type": p_type, "id": p}, "action": {"type": uid.type, "id": uid.id},
                                 "resource": {"type": r_type, "id": r}, "context": context})
    return requests


def ill_formed_requests(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Requests the schema rejects: an undeclared action, swapped principal and resource types."""
    first = requests[0]
    return [
        {**first, "action": {"type": first["action"]["type"], "id": "no-such-action"}},
        {**first, "principal": first["resource"], "resource": first["principal"]},
    ]


def sample(requests: list[dict[str, Any]], answers: list[dict[str, Any]], rng: random.Random) -> list[int]:
    """Indices of a sample keeping up to KEEP_PER_OUTCOME requests of every distinct outcome."""
    by_outcome: dict[str, list[int]] = {}
    for i, a in enumerate(answers):
        by_outcome.setdefault(json.dumps(a, sort_keys=True), []).append(i)
    keep: set[int] = set()
    for indices in by_outcome.values():
        keep.update(rng.sample(indices, min(KEEP_PER_OUTCOME, len(indices))))
    rest = [i for i in range(len(requests)) if i not in keep]
    keep.update(rng.sample(rest, max(0, min(len(rest), SAMPLE_SIZE - len(keep)))))
    return sorted(keep)


def write_requests(app: Path) -> None:
    policies = rust_policy_set(app)
    schema = (app / "schema.cedarschema").read_text()
    entities = cedarpy.Entities.from_json_str((app / "entities.json").read_text(), schema)
    requests = candidate_requests(app)
    requests += ill_formed_requests(requests)
    names = annotation_ids((app / "policies.cedar").read_text())
    answers = [outcome(r, names) for r in cedarpy.is_authorized_batch(requests, policies, entities, schema)]
    chosen = sample(requests, answers, random.Random(app.name))
    lines = [json.dumps({**requests[i], **answers[i]}) for i in chosen]
    (app / "requests.json").write_text("[\n" + ",\n".join(lines) + "\n]\n")


def write_validation(app: Path) -> None:
    schema = (app / "schema.cedarschema").read_text()
    verdicts = {}
    for name in ("policies.cedar", "drafts.cedar"):
        path = app / name
        if not path.exists():
            continue
        text = path.read_text()
        result = cedarpy.validate_policies(text, schema)
        ids = annotation_ids(text)
        verdicts[name] = {"passes": result.validation_passed,
                          "failing": sorted({ids.get(e.policy_id, e.policy_id) for e in result.errors})}
    (app / "validation.json").write_text(json.dumps(verdicts, indent=2) + "\n")


def main(names: list[str]) -> None:
    apps = [HERE / n for n in names] if names else sorted(p.parent for p in HERE.glob("*/policies.cedar"))
    for app in apps:
        write_requests(app)
        write_validation(app)
        print(f"{app.name}: written")


if __name__ == "__main__":
    main(sys.argv[1:])
