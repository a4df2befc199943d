"""The engines under comparison, behind one interface.

- `ImplOracle`: our engine (`impl`), the system under test;
- `ModelOracle`: our Z3 model (`spec`), the reference semantics;
- `RustOracle`: the Rust engine through `cedarpy`, the ground truth where installed.

Each prepares a case once (parse policies, link templates, parse entities)
and then answers every request with an `Outcome`. With `schema=True` the
schema takes part (schema-directed entity and context parsing, request
validation); the model never reads schemas.

An exception that is not a Cedar error is a crash: the engines must never
leak a Python or Rust panic on any input.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from .case import Case
from .outcome import Outcome
from .timeout import Timeout, time_limit

CALL_SECONDS = 10.0
"""Longest one engine stage (parse, link, authorize one request) may take before it counts as hung."""

_POLICY_ID = re.compile(r"^error while evaluating policy `((?:[^`]|``)*)`: (.*)$", re.S)


def rust_error_kind(message: str) -> str:
    """The Cedar error kind of a Rust evaluation-error message."""
    if "integer overflow" in message:
        return "arithBoundsError"
    if "does not have the attribute" in message:
        return "attrDoesNotExist"
    if "does not have the tag" in message:
        return "tagDoesNotExist"
    if message.startswith("entity `") and message.endswith("does not exist"):
        return "entityDoesNotExist"
    if message.startswith("type error"):
        return "typeError"
    if "extension function" in message or "extension" in message:
        return "extensionError"
    return "?"


_VALIDATION_KINDS = (
    ("unrecognized entity type", "unrecognized_entity_type"),
    ("unrecognized action", "unrecognized_action"),
    ("unable to find an applicable action", "invalid_action_application"),
    ("unexpected type", "unexpected_type"),
    ("the types ", "incompatible_types"),
    ("unable to guarantee safety of access to optional attribute", "unsafe_optional_attribute_access"),
    ("unable to guarantee safety of access to tag", "unsafe_tag_access"),
    ("`.getTag()` is not allowed", "no_tags_allowed"),
    ("attribute ", "attribute_not_found"),
    ("undefined extension function", "undefined_extension"),
    ("wrong number of arguments", "wrong_number_arguments"),
    ("error during extension function argument validation", "function_argument_validation"),
    ("empty set literals are forbidden", "empty_set_forbidden"),
    ("extension constructors may not be called with non-literal", "non_literal_extension_constructor"),
)
"""Rust's validation messages (after `for policy `p`, `) -> the engine's error kinds."""


_FOR_POLICY = re.compile(r"^for policy `(?:[^`]|``)*`(, |: )(.*)$", re.S)


def rust_validation_kind(message: str) -> str:
    """The engine's name for the kind of a Rust validation error ("?" if unknown)."""
    m = _FOR_POLICY.match(message)
    if m is not None and m.group(1) == ": ":
        return "invalid_enum_entity"  # the only error Rust words "for policy `p`: ..."
    text = m.group(2) if m is not None else message
    for prefix, kind in _VALIDATION_KINDS:
        if text.startswith(prefix):
            return kind
    return "?"


@dataclass(slots=True)
class Validation:
    passed: bool
    failing: frozenset[str]  # ids of the policies with errors
    rejected: str | None = None  # the input could not be read at all
    crash: str | None = None
    kinds: frozenset[tuple[str, str]] = frozenset()  # (policy id, error kind) of every error

    def comparable_kinds(self, other: "Validation") -> tuple[frozenset, frozenset]:
        """Both sides' error kinds, leaving out the policies where either side has a kind the other
        cannot name ("?")."""
        unsure = {p for p, k in self.kinds | other.kinds if k == "?"}
        return (frozenset(x for x in self.kinds if x[0] not in unsure),
                frozenset(x for x in other.kinds if x[0] not in unsure))


class RustPanicked(Exception):
    """Rust panicked on this input: it gives no verdict to compare with."""


@dataclass(frozen=True, slots=True)
class _Panic:
    message: str


class RustOracle:
    """`memo`: answers remembered by their inputs. Rust's answers do not depend on the engine
    under test, so mutation testing records them once (baseline) and replays them for every
    mutant; a miss asks Rust."""

    name = "rust"

    def __init__(self, memo: dict[str, Any] | None = None) -> None:
        self.cedarpy = importlib.import_module("cedarpy")
        self.memo = memo

    def _remembered(self, what: str, key: Any, compute: Callable[[], Any]) -> Any:
        if self.memo is None:
            answer = self._unless_panic(compute)
            if answer.__class__ is _Panic:
                raise RustPanicked(answer.message)
            return answer
        k = hashlib.blake2b(json.dumps([what, key], ensure_ascii=False).encode(errors="surrogatepass"),
                            digest_size=16).hexdigest()
        if k not in self.memo:
            self.memo[k] = self._unless_panic(compute)
        answer = self.memo[k]
        if answer.__class__ is _Panic:
            raise RustPanicked(answer.message)
        return answer

    @staticmethod
    def _unless_panic(compute: Callable[[], Any]) -> Any:
        try:
            return compute()
        except BaseException as e:  # noqa: BLE001 - pyo3 turns a Rust panic into a BaseException
            if type(e).__name__ != "PanicException":
                raise
            return _Panic(str(e))

    def authorize(self, case: Case, schema: bool = False) -> list[Outcome]:
        key = [case.digest(), case.seed, schema]  # the schema-directed forms are drawn from the seed
        return self._remembered("authorize", key, lambda: self._authorize(case, schema))

    def _authorize(self, case: Case, schema: bool) -> list[Outcome]:
        cp = self.cedarpy
        try:
            ps = cp.PolicySet.from_str(case.policy_text)
            if case.links:
                ps = ps.with_linked_batch([
                    {"template_id": link["templateId"], "new_id": link["newId"], "values": link["values"]}
                    for link in case.links
                ])
        except ValueError as e:
            return [Outcome.refused(f"policies: {e}")] * len(case.requests)
        sch = None
        try:
            if schema:
                sch = cp.Schema.from_str(case.schema_text or "")
                ents = cp.Entities.from_json_str(json.dumps(case.entities_schema_form()), sch)
            else:
                ents = cp.Entities.from_json_str(json.dumps(case.entities))
        except ValueError as e:
            return [Outcome.refused(f"entities: {e}")] * len(case.requests)
        requests = [case.request_for(i, schema) for i in range(len(case.requests))]
        results = cp.is_authorized_batch(requests, ps, ents, sch)
        return [self._outcome(r) for r in results]

    @staticmethod
    def _outcome(r: Any) -> Outcome:
        decision = r._authz_resp.get("decision")
        errors = r.diagnostics.errors
        if decision not in ("Allow", "Deny"):
            return Outcome.refused("; ".join(errors))
        errs = []
        for e in errors:
            m = _POLICY_ID.match(e)
            if m is None:
                return Outcome.refused(e)
            errs.append((m.group(1), rust_error_kind(m.group(2))))
        return Outcome.answer(decision.lower(), list(r.diagnostics.reasons), errs)

    def validate(self, case: Case) -> Validation:
        return self._remembered("validate", [case.policy_text, case.schema_text],
                                lambda: self._validate(case.policy_text, case.schema_text or ""))

    def _validate(self, text: str, schema_text: str) -> Validation:
        try:
            res = self.cedarpy.validate_policies(text, schema_text)
        except ValueError as e:
            return Validation(False, frozenset(), rejected=str(e))
        failing = frozenset(e.policy_id for e in res.errors)
        if not res.validation_passed and (not failing or "" in failing):  # "" : the schema or policies did not parse
            return Validation(False, frozenset(), rejected="; ".join(e.error for e in res.errors))
        return Validation(res.validation_passed, failing,
                          kinds=frozenset((e.policy_id, rust_validation_kind(e.error)) for e in res.errors))

    def rejected_policy_ids(self, text: str, schema_text: str) -> set[str] | None:
        """For the validated-only generator: the policies the Rust validator rejects."""
        v = self._remembered("validate", [text, schema_text], lambda: self._validate(text, schema_text))
        return None if v.rejected is not None else set(v.failing)

    def policy_json(self, text: str) -> dict[str, Any] | None:
        """The JSON policy-set form of `text`, or None if Rust rejects the text."""
        def compute() -> dict[str, Any] | None:
            try:
                return json.loads(self.cedarpy.policies_to_json_str(text))
            except ValueError:
                return None

        return self._remembered("policy_json", text, compute)

    def policies_from_json(self, obj: Any) -> dict[str, Any] | None:
        """Rust's reading of a JSON policy set, as the JSON of its text form (ids renumbered), or None."""
        text = self.policy_text_of(obj)
        return self.policy_json(text) if text is not None else None

    def policy_text_of(self, obj: Any) -> str | None:
        """Rust's reading of a JSON policy set (a document or JSON text), printed as Cedar text; None if refused."""
        text = obj if isinstance(obj, str) else json.dumps(obj)

        def compute() -> str | None:
            try:
                return str(self.cedarpy.PolicySet.from_json_str(text))
            except (ValueError, TypeError):
                return None

        return self._remembered("policy_text_of", text, compute)

    def format(self, text: str) -> str | None:
        def compute() -> str | None:
            try:
                return self.cedarpy.format_policies(text)
            except ValueError:
                return None

        return self._remembered("format", text, compute)

    def accepts_schema(self, text: str, json_form: bool = False) -> bool:
        def compute() -> bool:
            try:
                (self.cedarpy.Schema.from_json_str if json_form else self.cedarpy.Schema.from_str)(text)
                return True
            except ValueError:
                return False

        return self._remembered("accepts_schema", [text, json_form], compute)

    def accepts_entities(self, text: str, schema_text: str | None) -> bool:
        def compute() -> bool:
            try:
                sch = self.cedarpy.Schema.from_str(schema_text) if schema_text is not None else None
                self.cedarpy.Entities.from_json_str(text, sch)
                return True
            except ValueError:
                return False

        return self._remembered("accepts_entities", [text, schema_text], compute)


class ImplOracle:
    """Our engine, through its public API (`PolicySet`, `Entities`, `Schema`, `Authorizer`, `validate`)."""

    name = "impl"

    def __init__(self) -> None:
        self.impl = importlib.import_module("impl")
        self.errors = importlib.import_module("impl.errors")
        self.authorizer = importlib.import_module("impl.authorizer")
        self.request = importlib.import_module("impl.request")
        self._schemas: dict[str, Any] = {}

    def formatter(self) -> Any:
        """The engine's policy formatter (text -> text), if it has one."""
        try:
            return importlib.import_module("impl.format").format_text
        except (ImportError, AttributeError):
            return None

    def schema(self, text: str) -> Any:
        """`Schema.from_str`, remembered: one case reads its schema many times."""
        sch = self._schemas.get(text)
        if sch is None:
            if len(self._schemas) > 16:
                self._schemas.clear()
            sch = self._schemas[text] = self.impl.Schema.from_str(text)
        return sch

    def _guard(self, stage: str, f: Any) -> tuple[Any, Outcome | None]:
        """Run one stage; a Cedar error refuses the input, any other exception is a crash."""
        try:
            with time_limit(CALL_SECONDS):
                return f(), None
        except Timeout as e:
            return None, Outcome.crashed(f"{stage}: hang: {e}")
        except self.errors.CedarError as e:
            return None, Outcome.refused(f"{stage}: {type(e).__name__}: {e.message}")
        except RecursionError:
            return None, Outcome.crashed(f"{stage}: RecursionError")
        except Exception as e:  # noqa: BLE001 - a crash is a finding, not a failure of the harness
            return None, Outcome.crashed(f"{stage}: {type(e).__name__}: {e}")

    def policy_set(self, case: Case) -> tuple[Any, Outcome | None]:
        def build() -> Any:
            ps = self.impl.PolicySet.from_str(case.policy_text, ids_from_annotations=False)
            for link in case.links:
                ps.link(link["templateId"], link["newId"], link["values"])
            return ps

        return self._guard("policies", build)

    def authorize(self, case: Case, schema: bool = False) -> list[Outcome]:
        """Every request of `case`, through one of the engine's three ways in, chosen by the seed:
        `Request` objects to an `Authorizer` (validated beforehand), request dicts to an
        `Authorizer` (which reads and validates them itself, remembering what it can), or the
        one-call `is_authorized` with the policies as text."""
        impl = self.impl
        requests = [case.request_for(i, schema) for i in range(len(case.requests))]
        n = len(requests)
        ps, bad = self.policy_set(case)
        if bad:
            return [bad] * n
        sch = None
        if schema:
            sch, bad = self._guard("schema", lambda: self.schema(case.schema_text or ""))
            if bad:
                return [bad] * n
        data: Any = case.entities_schema_form() if schema else case.entities
        if case.seed % 2:  # half the cases go through the engine's JSON text reader
            data = json.dumps(data, ensure_ascii=case.seed % 4 == 1)
        route = case.seed // 4 % 3
        if route == 2:
            # As text only where the engine's text reading (`@id` annotations name policies) meets Rust's.
            named = any("id" in (p.get("annotations") or {}) for p in case.policies)
            policies = ps if case.links or named or case.text_override is not None else case.policy_text
            schema_arg = case.schema_text if schema else None
            return [self._answer(lambda r=r: impl.is_authorized(r, policies, data, schema_arg)) for r in requests]
        ents, bad = self._guard("entities", lambda: impl.Entities.from_json(data, sch))
        if bad:
            return [bad] * n
        authz, bad = self._guard("authorizer", lambda: impl.Authorizer(ps, ents, sch))
        if bad:
            return [bad] * n
        if route == 1:
            return [self._answer(lambda r=r: authz.is_authorized(r)) for r in requests]
        return [self._answer(lambda r=r: self._by_request(authz, sch, r)) for r in requests]

    def _by_request(self, authz: Any, sch: Any, r: dict[str, Any]) -> Any:
        req = self.authorizer.as_request(r, sch)
        if sch is not None:
            self.request.validate_request(sch, req.principal, req.action, req.resource, req.context)
        return authz.is_authorized(req)

    def _answer(self, ask: Any) -> Outcome:
        resp, bad = self._guard("request", ask)
        if bad:
            return bad
        errs = [(e.policy_id, e.kind.value if e.kind is not None else "internal") for e in resp.errors]
        return Outcome.answer(resp.decision.value, list(resp.reasons), errs)

    def validate(self, case: Case) -> Validation:
        """`impl.validate`, given the schema (chosen by the seed) as a `Schema`, Cedar text, JSON or
        JSON text, and the policies as a `PolicySet` or (where ids agree, see `authorize`) text."""
        route = case.seed // 12 % 4
        schema: Any = case.schema_text or ""
        if route == 0 or case.schema_json is None:
            schema = self.schema(schema) if route == 0 else schema
        elif route >= 2:
            schema = case.schema_json if route == 2 else json.dumps(case.schema_json)
        named = any("id" in (p.get("annotations") or {}) for p in case.policies)
        as_text = case.seed % 3 == 0 and not named and case.text_override is None

        def run() -> Any:
            if as_text:
                return self.impl.validate(case.policy_text, schema)
            ps = self.impl.PolicySet.from_str(case.policy_text, ids_from_annotations=False)
            return self.impl.validate(ps, schema)

        try:
            with time_limit(CALL_SECONDS):
                res = run()
        except Timeout as e:
            return Validation(False, frozenset(), crash=f"hang: {e}")
        except self.errors.CedarError as e:
            return Validation(False, frozenset(), rejected=f"{type(e).__name__}: {e.message}")
        except Exception as e:  # noqa: BLE001
            return Validation(False, frozenset(), crash=f"{type(e).__name__}: {e}")
        return Validation(res.passed, frozenset(e.policy_id for e in res.errors),
                          kinds=frozenset((e.policy_id, e.kind) for e in res.errors))


def available(name: str) -> bool:
    try:
        importlib.import_module(name)
        return True
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        return False
