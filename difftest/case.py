"""A test case in neutral forms, how it is generated from a seed, and how it is
saved as (and loaded from) a file in the Cedar integration-test format.

A case is plain data: the policies in the JSON policy form (text order, so
their ids are `policy0`, `policy1`, ...), template links, entities and requests
in explicit JSON, and the schema in Cedar syntax and JSON. The generated
`SchemaSpec` rides along when known, so schema-directed (implicit) JSON can
be derived from the explicit form at any time, including while shrinking.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .generators.entities import entities_to_json, gen_entities, value_to_json
from .generators.expressions import MODES, ValuePool
from .generators.policies import PolicySetSpec, gen_policy_set
from .generators.policy_text import PolicyPrinter
from .generators.requests import aim_request, gen_request
from .generators.schema import SchemaSpec, gen_schema, resolve
from .generators.schema_render import schema_to_cedar, schema_to_json
from .generators.values import EntityRef, ExtValue, Value

Validator = Callable[[str, str], "set[str] | None"]
"""(policy text, schema text) -> ids of policies the validator rejects, or None when it cannot say."""


@dataclass
class Case:
    seed: int
    mode: str
    policies: list[dict[str, Any]]
    links: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    requests: list[dict[str, Any]]
    schema_text: str | None = None
    schema_json: dict[str, Any] | None = None
    spec: SchemaSpec | None = None
    entities_conform: bool = True
    requests_conform: list[bool] = field(default_factory=list)
    validated: bool = False  # every policy passed the (Rust) validator when generated
    text_override: str | None = None  # policy text as loaded from a file
    policy_json_override: Any = None  # a (malformed) JSON policy set, for the JSON-form fuzz check
    entities_text: str | None = None  # (malformed) entities JSON text, for the text-level fuzz check
    notes: Counter = field(default_factory=Counter)  # generator choices, for the summary
    _text: str | None = field(default=None, init=False, repr=False, compare=False)  # `policy_text`, once printed

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("policies", "seed"):
            object.__setattr__(self, "_text", None)
        object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ derived forms

    @property
    def policy_set(self) -> PolicySetSpec:
        return PolicySetSpec(self.policies, self.links)

    @property
    def policy_text(self) -> str:
        """The policies as Cedar text, printed once (every check reads it; edit policies in place
        only on a fresh `copy()`)."""
        if self.text_override is not None:
            return self.text_override
        if self._text is None:
            printer = PolicyPrinter(random.Random(self.seed))
            self._text = "\n\n".join(printer.policy(p) for p in self.policies) + "\n"
        return self._text

    def policies_json(self) -> dict[str, Any]:
        return self.policy_set.to_json()

    def entities_schema_form(self) -> list[dict[str, Any]]:
        """The entities with some values in the implicit form that needs the schema to parse."""
        if self.spec is None:
            return self.entities
        rng = random.Random(self.seed + 7)
        out = []
        for e in self.entities:
            et = self.spec.entity_types.get(e["uid"]["type"])
            shape = et.shape if et is not None and et.enum is None else None
            obj = dict(e)
            obj["attrs"] = value_to_json(value_from_json(e["attrs"]), shape, rng)
            if "tags" in e:
                obj["tags"] = {k: value_to_json(value_from_json(v), et.tags if et else None, rng)
                               for k, v in e["tags"].items()}
            out.append(obj)
        return out

    def request_schema_form(self, i: int) -> dict[str, Any]:
        r = self.requests[i]
        if self.spec is None:
            return r
        a = self.spec.action(EntityRef(r["action"]["type"], r["action"]["id"]))
        if a is None or not a.applies:
            return r
        out = dict(r)
        out["context"] = value_to_json(value_from_json(r["context"]), resolve(a.context), random.Random(self.seed + i))
        return out

    @property
    def text_requests(self) -> bool:
        """Whether the engines get this case's requests with `Type::"id"` text for the entities."""
        return self.seed % 7 == 3

    def request_for(self, i: int, schema: bool) -> dict[str, Any]:
        """Request `i` as handed to the engines: with a schema, its context partly implicit; in
        some cases, its principal, action and resource as `Type::"id"` text (which both engines
        read only in Rust's normalized spelling; the printer spells ids variously)."""
        r = self.request_schema_form(i) if schema else self.requests[i]
        if not self.text_requests:
            return r
        printer = PolicyPrinter(random.Random(self.seed + i))
        return {**r, **{role: printer.uid(r[role]) for role in ("principal", "action", "resource")}}

    def request_conforms(self, i: int) -> bool:
        return self.requests_conform[i] if i < len(self.requests_conform) else True

    def copy(self) -> "Case":
        out = copy.deepcopy(self)
        out._text = None
        return out

    def digest(self) -> str:
        blob = json.dumps([self.policy_text, self.links, self.entities, self.requests, self.schema_text],
                          sort_keys=True, ensure_ascii=False)
        return hashlib.sha1(blob.encode()).hexdigest()[:12]


def value_from_json(j: Any) -> Value:
    """Read an explicit entities-JSON value back into a generator value."""
    if isinstance(j, (bool, int, str)):
        return j
    if isinstance(j, list):
        return [value_from_json(x) for x in j]
    if isinstance(j, dict):
        if set(j) == {"__entity"}:
            return EntityRef(j["__entity"]["type"], j["__entity"]["id"])
        if set(j) == {"__extn"}:
            return ExtValue(j["__extn"]["fn"], j["__extn"]["arg"])
        return {k: value_from_json(v) for k, v in j.items()}
    raise ValueError(f"not an entities-JSON value: {j!r}")


# ------------------------------------------------------------------ generation


def case_seed(base_seed: int, index: int) -> int:
    """The seed of case `index` in the seed space of `base_seed` (stable across machines)."""
    h = hashlib.blake2b(f"{base_seed}:{index}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") >> 1


def mode_for(seed: int) -> str:
    """Mix the generators: a third of the cases each."""
    return MODES[seed % len(MODES)]


def gen_case(seed: int, mode: str | None = None, validator: Validator | None = None,
             rng: random.Random | None = None) -> Case:
    """The case of one integer seed (or of `rng`'s draws, e.g. hypothesis' `st.randoms()`).

    `validator` is needed by the validated-only generator.
    """
    mode = mode or mode_for(seed)
    rng = rng if rng is not None else random.Random(seed)
    spec = gen_schema(rng)
    store = gen_entities(rng, spec)
    requests = [gen_request(rng, spec, store) for _ in range(rng.randint(1, 6))]
    pool = ValuePool.from_data(store, [r.context for r in requests])
    notes: Counter = Counter()
    ps = gen_policy_set(rng, spec, store, pool, mode, notes)
    for r in requests:
        if ps.policies and rng.random() < 0.5:
            aim_request(rng, spec, store, r, rng.choice(ps.policies), ps.links)
    case = Case(
        seed=seed,
        mode=mode,
        policies=ps.policies,
        links=ps.links,
        entities=entities_to_json(store),
        requests=[r.to_json() for r in requests],
        schema_text=schema_to_cedar(spec, random.Random(seed + 1)),
        schema_json=schema_to_json(spec, random.Random(seed + 2)),
        spec=spec,
        entities_conform=store.conforms,
        requests_conform=[r.conforms for r in requests],
        notes=notes,
    )
    if mode == "validated" and validator is not None:
        _keep_validated(case, rng, store, pool, validator)
    return case


def _keep_validated(case: Case, rng: random.Random, store: Any, pool: ValuePool, validator: Validator) -> None:
    """Drop the policies the validator rejects; regenerate a few times so some are left."""
    assert case.spec is not None and case.schema_text is not None
    kept: list[dict[str, Any]] = []
    for _ in range(4):
        rejected = validator(case.policy_text, case.schema_text)
        if rejected is None:
            return
        ids = [f"policy{i}" for i in range(len(case.policies))]
        case.notes["validated:kept"] += sum(1 for i in ids if i not in rejected)
        case.notes["validated:dropped"] += sum(1 for i in ids if i in rejected)
        kept += [p for i, p in zip(ids, case.policies) if i not in rejected and not _is_template(p)]
        if len(kept) >= 2:
            break
        case.policies = gen_policy_set(rng, case.spec, store, pool, "validated", case.notes).policies
        case.policies = [p for p in case.policies if not _is_template(p)]
    case.policies = kept[:6]
    case.links = []
    case.validated = True


def _is_template(p: dict[str, Any]) -> bool:
    return any("slot" in p[v] or "slot" in p[v].get("in", {}) for v in ("principal", "resource"))


# ------------------------------------------------------------------ integration-test files


def save(case: Case, directory: Path, name: str, expected: list[dict[str, Any]] | None,
         should_validate: bool | None, info: dict[str, Any]) -> Path:
    """Write `name.json` (+ `.cedar`, `.cedarschema`, `.entities.json`) in the integration-test format."""
    directory.mkdir(parents=True, exist_ok=True)
    rel = directory.name
    (directory / f"{name}.cedar").write_text(case.policy_text)
    (directory / f"{name}.cedarschema").write_text(case.schema_text or "")
    entities = case.entities_text if case.entities_text is not None else json.dumps(case.entities, indent=2,
                                                                                     ensure_ascii=False)
    (directory / f"{name}.entities.json").write_text(entities)
    requests = []
    for i, r in enumerate(case.requests):
        exp = (expected or [{}] * len(case.requests))[i] or {}
        requests.append({
            "description": f"request {i}",
            **r,
            "validateRequest": case.request_conforms(i),
            "decision": exp.get("decision", "deny"),
            "reason": sorted(exp.get("reason", [])),
            "errors": sorted(exp.get("errors", [])),
        })
    doc = {
        "policies": f"{rel}/{name}.cedar",
        "entities": f"{rel}/{name}.entities.json",
        "schema": f"{rel}/{name}.cedarschema",
        "shouldValidate": bool(should_validate),
        "requests": requests,
        "templateLinks": case.links,
        **({"policiesJson": case.policy_json_override} if case.policy_json_override is not None else {}),
        **({"schemaJson": case.schema_json} if case.schema_json is not None else {}),
        "difftest": {"seed": case.seed, "mode": case.mode, "validated": case.validated,
                     "entitiesConform": case.entities_conform, **info},
    }
    path = directory / f"{name}.json"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False))
    return path


def load(path: Path, to_est: Callable[[str], dict[str, Any]] | None = None) -> Case:
    """Read an integration-test file (ours or Cedar's) back into a case.

    `to_est` turns policy text into the JSON policy form (a parser must do it:
    the file holds text); without it the case keeps the text only.
    """
    doc = json.loads(path.read_text())

    def resolve_path(p: str) -> Path:
        for base in (*path.resolve().parents, Path.cwd()):
            if (base / p).exists():
                return base / p
        raise FileNotFoundError(p)

    text = resolve_path(doc["policies"]).read_text()
    schema_text = resolve_path(doc["schema"]).read_text() if doc.get("schema") else None
    entities_text = resolve_path(doc["entities"]).read_text()  # as written: JSON text may say more than Python reads
    try:
        entities = json.loads(entities_text)
    except ValueError:  # malformed entities (a finding about reading them)
        entities = []
    policies: list[dict[str, Any]] = []
    if to_est is not None:
        ps = to_est(text)
        merged = {**ps.get("staticPolicies", {}), **ps.get("templates", {})}
        policies = [merged[k] for k in sorted(merged, key=lambda k: int(k[6:]) if k[6:].isdigit() else 0)]
    info = doc.get("difftest", {})
    requests = [{k: r[k] for k in ("principal", "action", "resource", "context")} for r in doc["requests"]]
    return Case(
        seed=info.get("seed", 0),
        mode=info.get("mode", "typed"),
        policies=policies,
        links=doc.get("templateLinks", []),
        entities=entities,
        requests=requests,
        schema_text=schema_text,
        entities_conform=info.get("entitiesConform", True),
        requests_conform=[r.get("validateRequest", True) for r in doc["requests"]],
        validated=info.get("validated", False),
        text_override=text,
        schema_json=doc.get("schemaJson"),
        policy_json_override=doc.get("policiesJson"),
        entities_text=entities_text,
    )
