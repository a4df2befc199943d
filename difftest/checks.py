"""The differential checks run on every case, and what they found.

Groups (each can be re-run alone, which is what the shrinker does):
- `auth`: decision, reasons and erroring policies agree between the engine,
  the model and Rust, without a schema;
- `auth-schema`: the same with the schema (schema-directed entity and context
  parsing, request validation), engine against Rust;
- `soundness`: after strict validation, only entityDoesNotExist, extensionError
  and arithBoundsError may occur (on conforming data and requests);
- `validate`: the engine's validator and Rust's reject the same policies;
- `validate-levels`: validation with a level (which Rust's Python bindings cannot
  ask for) adds level errors only, and fewer at a higher level;
- `validate-links`: validating template links (which they cannot ask for either)
  adds errors under the links' ids only, of the kinds a link can have;
- `parse`: the engine's JSON policy form equals Rust's; text -> JSON -> text,
  JSON -> policy -> JSON and the formatter keep the meaning;
- `schema`: a schema read from Cedar syntax and from JSON is the same schema,
  and survives both printers;
- `parse-accept`, `schema-accept`, `schema-json-accept`, `entities-accept`,
  `json-accept`: on malformed input (policy text, schema text and JSON,
  entities JSON and its text, the JSON policy form) the engine refuses exactly
  what Rust refuses, and reads what both accept the same way.
Any exception from the engine that is not a Cedar error, and any hang, is a
`crash:*` finding.
"""

from __future__ import annotations

import difflib
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import normalize
from .case import Case
from .forms import policy_forms
from .generators.est import walk
from .generators.mutate import JSON_TOKENS, SCHEMA_TOKENS, mutate_entities, mutate_json, mutate_text
from .generators.near_miss import near_miss_json, near_miss_text
from .generators.policy_text import PolicyPrinter
from .oracles import RustPanicked
from .outcome import PERMITTED_AFTER_VALIDATION, Outcome


@dataclass
class Finding:
    check: str  # e.g. "auth:impl-vs-rust"
    detail: str
    case: Case
    request: int | None = None
    group: str = ""  # the check group that re-runs it (set by `Checker.check`)


@dataclass
class CaseResult:
    findings: list[Finding] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)
    forms: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)  # time spent per oracle
    with_model: bool = True


LEVEL_ERRORS = frozenset({"entity_deref_level_violation", "internal_invariant_violation"})
"""The error kinds only validation with a level reports (Rust's level checker)."""


LINK_ERRORS = frozenset({"unrecognized_entity_type", "unrecognized_action", "invalid_action_application",
                         "invalid_enum_entity"})
"""The error kinds a template link can have (Rust's `validate_slots`: its slot values and action scope)."""


class Checker:
    def __init__(self, oracles: dict[str, Any], fuzz: int = 2) -> None:
        self.impl = oracles.get("impl")
        self.model = oracles.get("model")
        self.rust = oracles.get("rust")
        self.fuzz = fuzz

    # ------------------------------------------------------------------ driver

    def run(self, case: Case, with_model: bool = True) -> CaseResult:
        """Every check on one case (`with_model=False`: leave the slow model out of this one)."""
        res = CaseResult()
        res.with_model = with_model
        res.stats["cases"] += 1
        res.stats[f"cases:{case.mode}"] += 1
        res.forms.update(policy_forms(case.policies, case.links))
        res.forms.update({f"gen:{k}": v for k, v in case.notes.items()})
        for group in ("auth", "auth-schema", "validate", "validate-levels", "validate-links", "parse", "schema",
                      "entities", "api"):
            res.findings += self.check(group, case, res)
        if self.fuzz:
            res.findings += self.fuzz_case(case, res)
        return res

    def check(self, group: str, case: Case, res: CaseResult | None = None) -> list[Finding]:
        res = res if res is not None else CaseResult()
        try:
            if group in ("auth", "soundness"):
                findings = self.auth(case, res, soundness_only=group == "soundness")
            else:
                findings = getattr(self, group.replace("-", "_"))(case, res)
        except RustPanicked:
            res.stats[f"rust-panic:{group}"] += 1
            return []
        for f in findings:
            f.group = f.group or ("soundness" if f.check.startswith("soundness") else group)
        return findings

    def _timed(self, res: CaseResult, name: str, f: Any) -> Any:
        t = time.perf_counter()
        try:
            return f()
        finally:
            res.seconds[name] += time.perf_counter() - t

    # ------------------------------------------------------------------ authorization

    def auth(self, case: Case, res: CaseResult, soundness_only: bool = False) -> list[Finding]:
        out: dict[str, list[Outcome]] = {}
        for name, oracle in (("rust", self.rust), ("impl", self.impl), ("model", self.model)):
            if oracle is not None and (name != "model" or res.with_model):
                out[name] = self._timed(res, name, lambda o=oracle: o.authorize(case))
                res.stats[f"requests:{name}"] += len(case.requests)
        findings: list[Finding] = []
        ref = out.get("rust") or out.get("impl")
        for i in range(len(case.requests)):
            if ref is not None:
                o = ref[i]
                res.stats[f"decision:{o.decision or 'rejected'}"] += 1
                res.kinds.update(o.error_kinds())
            if not soundness_only:
                findings += self._compare(case, i, out, "auth", res)
            findings += self._soundness(case, i, out)
        return findings

    def _compare(self, case: Case, i: int, out: dict[str, list[Outcome]], check: str,
                 res: CaseResult | None = None) -> list[Finding]:
        findings = []
        for name, outcomes in out.items():
            o = outcomes[i]
            if o.crash is not None:
                findings.append(Finding(f"crash:{name}", o.crash, case, i))
            elif "internal" in o.error_kinds():
                findings.append(Finding(f"crash:{name}-internal", o.brief(), case, i))
        # The model reads no input formats, so it is only compared where the input was accepted.
        accepted = all(outcomes[i].decision is not None for n, outcomes in out.items() if n != "model")
        for a, b in (("impl", "rust"), ("impl", "model"), ("model", "rust")):
            if a not in out or b not in out:
                continue
            if "model" in (a, b) and not accepted:
                continue
            x, y = out[a][i], out[b][i]
            if res is not None:
                res.stats[f"compared:{check}:{a}-vs-{b}"] += 1
            if x.crash is None and y.crash is None and not x.agrees(y):
                findings.append(Finding(f"{check}:{a}-vs-{b}", f"{a}: {x.brief()}\n{b}: {y.brief()}", case, i))
        return findings

    def _soundness(self, case: Case, i: int, out: dict[str, list[Outcome]]) -> list[Finding]:
        if not (case.validated and case.entities_conform and case.request_conforms(i)):
            return []
        findings = []
        for name, outcomes in out.items():
            bad = outcomes[i].error_kinds() - PERMITTED_AFTER_VALIDATION
            if outcomes[i].decision is not None and bad:
                findings.append(Finding(f"soundness:{name}", outcomes[i].brief(), case, i))
        return findings

    def auth_schema(self, case: Case, res: CaseResult) -> list[Finding]:
        if case.schema_text is None or self.impl is None or self.rust is None:
            return []
        out = {
            "impl": self._timed(res, "impl", lambda: self.impl.authorize(case, schema=True)),
            "rust": self._timed(res, "rust", lambda: self.rust.authorize(case, schema=True)),
        }
        res.stats["requests:schema"] += len(case.requests)
        findings: list[Finding] = []
        for i in range(len(case.requests)):
            res.stats["schema:rejected" if out["rust"][i].decision is None else "schema:accepted"] += 1
            findings += self._compare(case, i, out, "auth-schema", res)
        return findings

    # ------------------------------------------------------------------ validation

    def validate(self, case: Case, res: CaseResult) -> list[Finding]:
        if case.schema_text is None or self.impl is None or self.rust is None:
            return []
        mine = self._timed(res, "impl", lambda: self.impl.validate(case))
        theirs = self._timed(res, "rust", lambda: self.rust.validate(case))
        res.stats["validation:passed" if theirs.passed else "validation:failed"] += 1
        res.stats["compared:validate:impl-vs-rust"] += 1
        if mine.crash is not None:
            return [Finding("crash:impl-validate", mine.crash, case)]
        if theirs.rejected is not None or mine.rejected is not None:
            if (theirs.rejected is None) != (mine.rejected is None):
                return [Finding("validate:impl-vs-rust", f"impl: {mine}\nrust: {theirs}", case)]
            return []
        if mine.passed != theirs.passed or mine.failing != theirs.failing:
            return [Finding("validate:impl-vs-rust",
                            f"impl: passed={mine.passed} failing={sorted(mine.failing)}\n"
                            f"rust: passed={theirs.passed} failing={sorted(theirs.failing)}", case)]
        res.stats["compared:validate-kinds:impl-vs-rust"] += 1
        ours, rusts = mine.comparable_kinds(theirs)
        if ours != rusts:
            return [Finding("validate-kinds:impl-vs-rust",
                            f"impl: {sorted(ours)}\nrust: {sorted(rusts)}", case)]
        return []

    def validate_levels(self, case: Case, res: CaseResult) -> list[Finding]:
        """Validation with a level (RFC 76). Rust's answer is out of reach (cedarpy takes no level), so
        what a level must mean is checked instead: a level adds level errors and nothing else, and a
        policy that fits within level k fits within k + 1."""
        if case.schema_text is None or self.impl is None:
            return []
        impl = self.impl.impl
        k = random.Random(case.seed ^ 0x1E7E1).choice((0, 1, 1, 2, 3))

        def errors(level: int | None) -> Any:
            ps = impl.PolicySet.from_str(case.policy_text, ids_from_annotations=False)
            return {(e.policy_id, e.kind) for e in impl.validate(ps, self.impl.schema(case.schema_text), level=level).errors}

        plain, bad = self.impl._guard("validate", lambda: errors(None))
        if bad is not None:
            return [Finding("crash:impl-validate", bad.crash, case)] if bad.crash is not None else []
        res.stats["compared:validate-levels:properties"] += 1
        found: dict[int, Any] = {}
        for level in (k, k + 1):
            found[level], bad = self.impl._guard("validate", lambda: errors(level))
            if bad is not None:
                return [Finding("crash:impl-validate" if bad.crash else "validate-levels:refused", bad.brief(), case)]
            other = {x for x in found[level] if x[1] not in LEVEL_ERRORS}
            if other != plain:
                return [Finding("validate-levels:other-errors", f"level {level}: {sorted(other ^ plain)}", case)]
        deeper = {p for p, kind in found[k + 1] if kind == "entity_deref_level_violation"}
        shallower = {p for p, kind in found[k] if kind == "entity_deref_level_violation"}
        if not deeper <= shallower:
            return [Finding("validate-levels:monotone", f"too deep for level {k + 1} but not for {k}: "
                            f"{sorted(deeper - shallower)}", case)]
        return []

    def validate_links(self, case: Case, res: CaseResult) -> list[Finding]:
        """Validation of a policy set with template links, which Rust's Python bindings cannot ask for
        (they validate text): links add errors under their own ids only, and only of the kinds Rust's
        `validate_slots` reports (a link is never typechecked: its template is)."""
        if case.schema_text is None or self.impl is None or not case.links:
            return []
        impl, schema_text = self.impl.impl, case.schema_text

        def errors(linked: bool) -> Any:
            ps = impl.PolicySet.from_str(case.policy_text, ids_from_annotations=False)
            if linked:
                for link in case.links:
                    ps.link(link["templateId"], link["newId"], link["values"])
            return {(e.policy_id, e.kind) for e in impl.validate(ps, self.impl.schema(schema_text)).errors}

        plain, bad = self.impl._guard("validate", lambda: errors(False))
        if bad is not None:
            return [Finding("crash:impl-validate", bad.crash, case)] if bad.crash is not None else []
        found, bad = self.impl._guard("validate", lambda: errors(True))
        if bad is not None:
            return [Finding("crash:impl-validate", bad.crash, case)] if bad.crash is not None else []
        res.stats["compared:validate-links:properties"] += 1
        link_ids = {link["newId"] for link in case.links}
        if {x for x in found if x[0] not in link_ids} != plain:
            return [Finding("validate-links:others", "linking changed the errors of other policies", case)]
        odd = sorted(x for x in found if x[0] in link_ids and x[1] not in LINK_ERRORS)
        if odd:
            return [Finding("validate-links:kinds", f"errors a link cannot have: {odd}", case)]
        return []

    # ------------------------------------------------------------------ parsing and printing

    def parse(self, case: Case, res: CaseResult) -> list[Finding]:
        if self.impl is None:
            return []
        impl = self.impl.impl
        text = case.policy_text
        ps, bad = self.impl._guard("parse", lambda: impl.PolicySet.from_str(text, ids_from_annotations=False))
        expected = self.rust.policy_json(text) if self.rust is not None else None
        if bad is not None:
            if bad.crash is not None:
                return [Finding("crash:impl-parse", bad.crash, case)]
            if expected is not None:
                return [Finding("parse:accept", f"impl refused text Rust reads: {bad.rejected}", case)]
            return []
        if expected is None:
            if self.rust is not None:
                return [Finding("parse:accept", "impl read text Rust refuses", case)]
            expected = case.policies_json()
            expected["templateLinks"] = []
        findings: list[Finding] = []
        want = normalize.policy_set(expected)

        def same(label: str, produce: Any, rust_refuses: bool = False) -> None:
            res.stats[f"compared:parse:{label}"] += 1
            got, bad = self.impl._guard(label, produce)
            if bad is not None and bad.crash is None and rust_refuses:
                return  # refusing what Rust refuses too is agreement
            if bad is not None:
                check = "crash:impl-parse" if bad.crash is not None else f"parse:{label}"
                findings.append(Finding(check, bad.brief(), case))
            elif not normalize.same(normalize.policy_set(got), want):
                findings.append(Finding(f"parse:{label}", _json_diff(want, normalize.policy_set(got)), case))

        same("json", ps.to_json)
        # Rust's JSON reader has a nesting limit its writer lacks: it refuses some JSON it wrote.
        rust_refuses = self.rust is not None and self.rust.policy_text_of(expected) is None
        same("from_json", lambda: impl.PolicySet.from_json(json.loads(json.dumps(expected))).to_json(), rust_refuses)
        same("to_cedar", lambda: impl.PolicySet.from_str(ps.to_cedar(), ids_from_annotations=False).to_json())
        fmt = self.impl.formatter()
        if fmt is not None:
            formatted, bad = self.impl._guard("format", lambda: fmt(text))
            if bad is not None:
                findings.append(Finding("crash:impl-parse" if bad.crash else "parse:format", bad.brief(), case))
                return findings
            same("format", lambda: impl.PolicySet.from_str(formatted, ids_from_annotations=False).to_json())
            # Our formatter claims Rust's layout: then Rust's formatter leaves its output unchanged.
            if self.rust is not None and not findings:
                theirs = self.rust.format(formatted)
                if theirs is not None and theirs != formatted:
                    findings.append(Finding("parse:format-layout", _text_diff(theirs, formatted), case))
        return findings

    def schema(self, case: Case, res: CaseResult) -> list[Finding]:
        if self.impl is None or case.schema_text is None:
            return []
        impl = self.impl.impl
        findings: list[Finding] = []
        from_text, bad = self.impl._guard("schema", lambda: self.impl.schema(case.schema_text))
        if bad is not None:
            check = "crash:impl-schema" if bad.crash is not None else "schema:accept"
            if check == "crash:impl-schema" or self.rust is None or self.rust.accepts_schema(case.schema_text):
                findings.append(Finding(check, bad.brief(), case))
            return findings
        if case.schema_json is None:
            return findings
        from_json, bad = self.impl._guard("schema", lambda: impl.Schema.from_json(case.schema_json))
        if bad is not None:
            findings.append(Finding("crash:impl-schema" if bad.crash else "schema:accept-json", bad.brief(), case))
            return findings
        if from_text != from_json:
            findings.append(Finding("schema:text-vs-json", "the same schema read from Cedar syntax and JSON differs", case))
        for label, produce in (
            ("roundtrip-json", lambda: impl.Schema.from_json(json.loads(json.dumps(from_text.to_json())))),
            ("roundtrip-cedar", lambda: impl.Schema.from_str(from_text.to_cedar())),
        ):
            again, bad = self.impl._guard(label, produce)
            if bad is not None:
                findings.append(Finding("crash:impl-schema" if bad.crash else f"schema:{label}", bad.brief(), case))
            elif again != from_text:
                findings.append(Finding(f"schema:{label}", "printing and re-reading the schema changed it", case))
        return findings

    def entities(self, case: Case, res: CaseResult) -> list[Finding]:
        """The engine's entities JSON writer: what it writes reads back as the same entities, and Rust reads it."""
        if self.impl is None:
            return []
        impl = self.impl.impl
        findings: list[Finding] = []
        for schema in (False, True) if case.schema_text is not None else (False,):
            sch = None
            if schema:
                sch, bad = self.impl._guard("schema", lambda: self.impl.schema(case.schema_text or ""))
                if bad is not None:
                    continue
            data = case.entities_schema_form() if schema else case.entities
            ents, bad = self.impl._guard("entities", lambda: impl.Entities.from_json(data, sch))
            if bad is not None:
                if bad.crash is not None:
                    findings.append(Finding("crash:impl-entities", bad.crash, case))
                continue
            res.stats["compared:entities:roundtrip"] += 1
            written, bad = self.impl._guard("entities", lambda: json.dumps(ents.to_json(), ensure_ascii=False))
            again, bad = (None, bad) if bad is not None else self.impl._guard(
                "entities", lambda: impl.Entities.from_json(written))
            if bad is not None:
                findings.append(Finding("crash:impl-entities" if bad.crash else "entities:roundtrip", bad.brief(), case))
                continue
            if not schema:
                res.stats["compared:entities:accessors"] += 1
                wrong, bad = self.impl._guard("entities", lambda: _accessor_mismatch(impl, ents, data))
                if bad is not None or wrong:
                    findings.append(Finding("crash:impl-entities" if bad is not None and bad.crash
                                            else "entities:accessors", bad.brief() if bad else wrong, case))
            changed = [e.uid for e in ents if again.get(e.uid) is None or not e.same_as(again.get(e.uid))]
            if changed or len(again) != len(ents):
                findings.append(Finding("entities:roundtrip", f"written and read back, these differ: {changed[:3]}", case))
            elif self.rust is not None and not self.rust.accepts_entities(written, None):
                findings.append(Finding("entities:roundtrip", f"Rust refuses the entities the engine wrote:\n{written[:500]}",
                                        case))
        return findings

    def api(self, case: Case, res: CaseResult) -> list[Finding]:
        """Engine entry points handed a value of the wrong Python type: a Cedar error (or an answer), never
        another exception."""
        if self.impl is None:
            return []
        impl = self.impl.impl
        rng = random.Random(case.seed ^ 0xA11)
        text, schema = case.policy_text, case.schema_text or ""
        request = case.requests[0] if case.requests else {}
        calls = (
            ("PolicySet.from_str", lambda b: impl.PolicySet.from_str(b)),
            ("PolicySet.from_json", lambda b: impl.PolicySet.from_json(b)),
            ("Entities.from_json", lambda b: impl.Entities.from_json(b)),
            ("Entities.from_json(schema)", lambda b: impl.Entities.from_json(case.entities, b)),
            ("Schema.from_str", lambda b: impl.Schema.from_str(b)),
            ("Schema.from_json", lambda b: impl.Schema.from_json(b)),
            ("is_authorized(request)", lambda b: impl.is_authorized(b, text, case.entities)),
            ("is_authorized(principal)", lambda b: impl.is_authorized({**request, "principal": b}, text, case.entities)),
            ("is_authorized(context)", lambda b: impl.is_authorized({**request, "context": b}, text, case.entities)),
            ("is_authorized(policies)", lambda b: impl.is_authorized(request, b, case.entities)),
            ("is_authorized(policy list)", lambda b: impl.is_authorized(request, [b], case.entities)),
            ("is_authorized(entities)", lambda b: impl.is_authorized(request, text, b)),
            ("is_authorized(schema)", lambda b: impl.is_authorized(request, text, case.entities, b)),
            ("Authorizer", lambda b: impl.Authorizer(b)),
            ("Authorizer.is_authorized", lambda b: impl.Authorizer(text, case.entities).is_authorized(b)),
            ("Request", lambda b: impl.Authorizer(text, case.entities).is_authorized(impl.Request(b, b, b, b))),
            ("validate(policies)", lambda b: impl.validate(b, schema)),
            ("validate(schema)", lambda b: impl.validate(text, b)),
            ("evaluate(expression)", lambda b: impl.evaluate(b, request)),
            ("evaluate(request)", lambda b: impl.evaluate("principal", b)),
            ("parse_context", lambda b: impl.parse_context(b)),
        )
        findings: list[Finding] = []
        for name, call in rng.sample(calls, 3):
            value = rng.choice((None, 5, 1.5, b"\xff", bytearray(b"x"), [1], {"a": 1}, True, "x", object(), ("a", "b")))
            res.stats["compared:api:crash-free"] += 1
            _, bad = self.impl._guard(name, lambda: call(value))
            if bad is not None and bad.crash is not None:
                findings.append(Finding("crash:impl-api", f"{name} given {value!r}: {bad.crash}", case))
        return findings

    # ------------------------------------------------------------------ malformed input

    def fuzz_case(self, case: Case, res: CaseResult) -> list[Finding]:
        if self.impl is None or self.rust is None:
            return []
        rng = random.Random(case.seed ^ 0x5EED)
        findings: list[Finding] = []
        for _ in range(self.fuzz):
            res.stats["fuzz:inputs"] += 3
            mutant = _derived(case, text_override=mutate_text(rng, case.policy_text))
            findings += self.check("parse-accept", mutant, res)
            if case.schema_text is not None:
                schema_mutant = _derived(case, schema_text=mutate_text(rng, case.schema_text, SCHEMA_TOKENS))
                findings += self.check("schema-accept", schema_mutant, res)
            findings += self.check("entities-accept", _derived(case, entities=mutate_entities(rng, case.entities)), res)
            text_mutant = _derived(case)
            text_mutant.entities_text = mutate_text(rng, json.dumps(case.entities, ensure_ascii=rng.random() < 0.5),
                                                    JSON_TOKENS)
            findings += self.check("entities-accept", text_mutant, res)
            res.stats["fuzz:inputs"] += 1
            findings += self.check("parse-accept", _derived(case, text_override=_near_miss(rng, case)), res)
            if case.policies:
                text = json.dumps(case.policies_json(), ensure_ascii=rng.random() < 0.5)
                for json_mutant_doc in (mutate_json(rng, case.policies_json()), near_miss_json(rng, case.policies_json()),
                                        mutate_text(rng, text, JSON_TOKENS)):
                    json_mutant = _derived(case, text_override=None)
                    json_mutant.policy_json_override = json_mutant_doc
                    findings += self.check("json-accept", json_mutant, res)
            if case.schema_json is not None:
                findings += self.check("schema-json-accept",
                                       _derived(case, schema_json=mutate_json(rng, case.schema_json)), res)
        return findings

    def parse_accept(self, case: Case, res: CaseResult) -> list[Finding]:
        text = case.policy_text
        expected = self.rust.policy_json(text)
        got, bad = self.impl._guard("parse", lambda: self.impl.impl.PolicySet.from_str(text, ids_from_annotations=False).to_json())
        res.stats["fuzz:policy-accepted" if expected is not None else "fuzz:policy-refused"] += 1
        res.stats["compared:parse-accept:policy"] += 1
        if bad is not None and bad.crash is not None:
            return [Finding("crash:impl-parse", bad.crash, case)]
        if (expected is None) != (got is None):
            who = "impl refused" if got is None else "impl accepted"
            return [Finding("parse-accept:policy", f"{who} text that Rust {'accepts' if got is None else 'refuses'}"
                            + (f": {bad.rejected}" if bad else ""), case)]
        if expected is not None and not normalize.same(normalize.policy_set(expected), normalize.policy_set(got)):
            return [Finding("parse-accept:json", _json_diff(normalize.policy_set(expected), normalize.policy_set(got)), case)]
        return []

    def schema_accept(self, case: Case, res: CaseResult) -> list[Finding]:
        text = case.schema_text or ""
        theirs = self.rust.accepts_schema(text)
        _, bad = self.impl._guard("schema", lambda: self.impl.impl.Schema.from_str(text))
        res.stats["fuzz:schema-accepted" if theirs else "fuzz:schema-refused"] += 1
        res.stats["compared:schema-accept:cedar"] += 1
        if bad is not None and bad.crash is not None:
            return [Finding("crash:impl-schema", bad.crash, case)]
        if theirs != (bad is None):
            who = "impl refused" if bad is not None else "impl accepted"
            return [Finding("schema-accept:cedar", f"{who} a schema that Rust {'accepts' if theirs else 'refuses'}"
                            + (f": {bad.rejected}" if bad else ""), case)]
        return []

    def json_accept(self, case: Case, res: CaseResult) -> list[Finding]:
        """The JSON policy form, malformed: refused alike, and read alike when accepted."""
        obj = case.policy_json_override  # a JSON document, or JSON text
        # Acceptance is Rust's JSON reader's verdict; Rust may print what it read as text
        # it cannot parse back (e.g. a method call with no receiver), so that is no verdict.
        theirs = self.rust.policy_text_of(obj)
        # The engine reads JSON text itself in half the cases (its own JSON reader), parsed JSON in the others.
        given = obj if isinstance(obj, str) else json.dumps(obj) if case.seed % 2 else json.loads(json.dumps(obj))
        mine, bad = self.impl._guard("json", lambda: self.impl.impl.PolicySet.from_json(given))
        res.stats["fuzz:json-accepted" if theirs is not None else "fuzz:json-refused"] += 1
        res.stats["compared:json-accept:policy"] += 1
        if bad is not None and bad.crash is not None:
            return [Finding("crash:impl-json", bad.crash, case)]
        if (theirs is None) != (mine is None):
            who = "impl refused" if mine is None else "impl accepted"
            return [Finding("json-accept:policy", f"{who} a JSON policy set that Rust "
                            f"{'accepts' if mine is None else 'refuses'}" + (f": {bad.rejected}" if bad else ""), case)]
        if theirs is None:
            return []
        if isinstance(obj, str):
            obj = json.loads(obj)
        if not isinstance(obj, dict):
            return []
        # Compare the readings as text: Rust prints static policies only, so the templates are
        # compared as the static policies they become with each slot read as an entity `Slot::"..."`
        # (links have no text of their own, so they are set aside here).
        unlinked = _templates_as_static(obj)
        theirs = self.rust.policies_from_json(unlinked)
        text, bad = self.impl._guard("json", lambda: self.impl.impl.PolicySet.from_json(unlinked).to_cedar())
        if bad is not None:
            return [Finding("crash:impl-json" if bad.crash else "json-accept:to_cedar", bad.brief(), case)]
        ours = self.rust.policy_json(text)
        if theirs is not None and (ours is None or not normalize.same(_bodies(ours), _bodies(theirs))):
            return [Finding("json-accept:meaning", f"Rust reads the JSON as:\n{self.rust.policy_text_of(unlinked)}\n"
                            f"impl reads it as:\n{text}", case)]
        return []

    def schema_json_accept(self, case: Case, res: CaseResult) -> list[Finding]:
        obj = case.schema_json
        theirs = self.rust.accepts_schema(json.dumps(obj), json_form=True)
        _, bad = self.impl._guard("schema", lambda: self.impl.impl.Schema.from_json(json.loads(json.dumps(obj))))
        res.stats["fuzz:schema-json-accepted" if theirs else "fuzz:schema-json-refused"] += 1
        res.stats["compared:schema-json-accept"] += 1
        if bad is not None and bad.crash is not None:
            return [Finding("crash:impl-schema", bad.crash, case)]
        if theirs != (bad is None):
            who = "impl refused" if bad is not None else "impl accepted"
            return [Finding("schema-json-accept", f"{who} a JSON schema that Rust {'accepts' if theirs else 'refuses'}"
                            + (f": {bad.rejected}" if bad else ""), case)]
        return []

    def entities_accept(self, case: Case, res: CaseResult) -> list[Finding]:
        text = case.entities_text if case.entities_text is not None else json.dumps(case.entities)
        findings: list[Finding] = []
        for with_schema in (False, True) if case.schema_text is not None else (False,):
            schema_text = case.schema_text if with_schema else None
            theirs = self.rust.accepts_entities(text, schema_text)

            def parse() -> Any:
                sch = self.impl.schema(schema_text) if schema_text is not None else None
                return self.impl.impl.Entities.from_json(text, sch)

            _, bad = self.impl._guard("entities", parse)
            res.stats["fuzz:entities-accepted" if theirs else "fuzz:entities-refused"] += 1
            res.stats[f"compared:entities-accept:{'schema' if with_schema else 'plain'}"] += 1
            if bad is not None and bad.crash is not None:
                findings.append(Finding("crash:impl-entities", bad.crash, case))
            elif theirs != (bad is None):
                who = "impl refused" if bad is not None else "impl accepted"
                findings.append(Finding(f"entities-accept:{'schema' if with_schema else 'plain'}",
                                        f"{who} entities that Rust {'accepts' if theirs else 'refuses'}"
                                        + (f": {bad.rejected}" if bad else ""), case))
        return findings


def _accessor_mismatch(impl: Any, ents: Any, data: list[dict[str, Any]]) -> str:
    """Where `Entities.attrs`, `tags` and `ancestors` disagree with the entities JSON they were read from
    (attribute and tag names; ancestors as the transitive closure of the parents), or ""."""
    def uid(j: dict[str, Any]) -> Any:
        j = j.get("__entity", j)
        return impl.EntityUID(j["type"], j["id"])

    parents = {uid(e["uid"]): {uid(p) for p in e["parents"]} for e in data}
    for e in data:
        u = uid(e["uid"])
        closure, todo = set(), list(parents[u])
        while todo:
            x = todo.pop()
            if x not in closure:
                closure.add(x)
                todo.extend(parents.get(x, ()))
        attrs, tags = ents.attrs(u), ents.tags(u)
        if attrs is None or set(attrs) != set(e["attrs"]):
            return f"attrs({u}) = {attrs!r}, the JSON has {sorted(e['attrs'])}"
        if tags is None or set(tags) != set(e.get("tags") or ()):
            return f"tags({u}) = {tags!r}, the JSON has {sorted(e.get('tags') or ())}"
        if set(ents.ancestors(u)) != closure:
            return f"ancestors({u}) = {sorted(ents.ancestors(u))}, the parents' closure is {sorted(closure)}"
    nobody = impl.EntityUID("__Nobody", "")
    if ents.attrs(nobody) is not None or ents.tags(nobody) is not None or ents.ancestors(nobody):
        return "an entity that is not there has attributes, tags or ancestors"
    return ""


def _templates_as_static(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` with no links, and each template moved to the static policies with its slots replaced by entities."""
    statics = dict(doc.get("staticPolicies") or {}) if isinstance(doc.get("staticPolicies"), dict) else {}
    templates = doc.get("templates") if isinstance(doc.get("templates"), dict) else {}
    for tid, t in templates.items():
        if not isinstance(t, dict):
            continue
        t = dict(t)
        for var in ("principal", "resource"):
            c = t.get(var)
            if isinstance(c, dict):
                c = dict(c)
                if isinstance(c.get("slot"), str):
                    c["entity"] = {"type": "Slot", "id": c.pop("slot")}
                inner = c.get("in")
                if isinstance(inner, dict) and isinstance(inner.get("slot"), str):
                    inner = dict(inner)
                    inner["entity"] = {"type": "Slot", "id": inner.pop("slot")}
                    c["in"] = inner
                t[var] = c
        statics[f"{tid}__template"] = t
    return {"staticPolicies": statics, "templates": {}, "templateLinks": []}


def _bodies(ps: dict[str, Any]) -> list[str]:
    """A policy set's static policies, ids aside, as a sorted list of canonical JSON.

    (Rust prints only the static policies of a set read from JSON, so templates are not compared.)
    """
    n = normalize.policy_set(ps)
    return sorted(json.dumps(p, sort_keys=True) for p in n["staticPolicies"].values())


def _near_miss(rng: random.Random, case: Case) -> str:
    """The case's policies as text, with one near miss (`generators.near_miss`) built from its parts."""
    printer = PolicyPrinter(random.Random(case.seed))
    samples = [printer.expr(node) for p in case.policies for c in p.get("conditions", []) for node in walk(c["body"])
               if rng.random() < 0.2][:20]
    uids = [printer.uid(e["uid"]) for e in case.entities[:10]]
    actions = [u for u in uids if u.split("::\"")[0].endswith("Action")]
    return near_miss_text(rng, [printer.policy(p) for p in case.policies], samples, uids, actions)


def _derived(case: Case, **changes: Any) -> Case:
    """A malformed-input case: no requests, no policies unless given as text."""
    d = Case(seed=case.seed, mode=case.mode, policies=[], links=[], entities=case.entities, requests=[],
             schema_text=case.schema_text, text_override=case.policy_text)
    for k, v in changes.items():
        setattr(d, k, v)
    return d


def _text_diff(rust: str, ours: str) -> str:
    return "\n".join(list(difflib.unified_diff(rust.splitlines(), ours.splitlines(), "rust", "impl", lineterm=""))[:40])


def _json_diff(want: Any, got: Any, path: str = "") -> str:
    """Where two JSON values first differ."""
    if type(want) is not type(got):  # also tells `true` from `1`, which Python's == does not
        return f"at {path or '/'}: expected {json.dumps(want)[:300]}, got {json.dumps(got)[:300]}"
    if isinstance(want, dict):
        for k in sorted(set(want) | set(got)):
            if k not in got:
                return f"at {path}/{k}: missing (expected {json.dumps(want[k])[:300]})"
            if k not in want:
                return f"at {path}/{k}: unexpected {json.dumps(got[k])[:300]}"
            if not normalize.same(want[k], got[k]):
                return _json_diff(want[k], got[k], f"{path}/{k}")
    if isinstance(want, list):
        if len(want) != len(got):
            return f"at {path}: expected {len(want)} elements, got {len(got)}: {json.dumps(got)[:300]}"
        for i, (a, b) in enumerate(zip(want, got)):
            if not normalize.same(a, b):
                return _json_diff(a, b, f"{path}/{i}")
    return f"at {path or '/'}: expected {json.dumps(want)[:300]}, got {json.dumps(got)[:300]}"
