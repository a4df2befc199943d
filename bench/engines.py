"""Adapters giving both engines the same shape: parse once into handles, then decide requests.

Every adapter method takes and returns the engine's own pre-parsed handles, so the
timed request loop measures authorization only (the way a service runs: schema,
entities and policies are loaded once, requests arrive one by one).
"""

from __future__ import annotations

import importlib.util
from typing import Any, Callable, Protocol

from bench.workload import JsonDict, PolicySetSpec

Decide = Callable[[JsonDict], str]  # request -> "allow" / "deny" / "error" (request rejected)


class Engine(Protocol):
    name: str
    label: str  # how the per-request figure is obtained, for the report

    def load_schema(self, text: str) -> Any: ...

    def parse_policies(self, text: str) -> Any: ...

    def link(self, policies: Any, spec: PolicySetSpec) -> Any: ...

    def load_entities(self, text: str, schema: Any) -> Any: ...

    def decider(self, policies: Any, entities: Any, schema: Any) -> Decide: ...


class CedarpyEngine:
    """The Rust engine through its Python bindings (`cedarpy`), with its pre-parsed handles."""

    name = "cedarpy"
    label = "cedarpy.is_authorized(request, PolicySet, Entities, Schema), one call per request"

    def __init__(self) -> None:
        import cedarpy

        self._cedarpy = cedarpy

    def load_schema(self, text: str) -> Any:
        return self._cedarpy.Schema.from_str(text)

    def parse_policies(self, text: str) -> Any:
        return self._cedarpy.PolicySet.from_str(text)

    def link(self, policies: Any, spec: PolicySetSpec) -> Any:
        if not spec.links:
            return policies
        links = [
            {"template_id": spec.template_id(link), "new_id": link.link_id, "values": link.values}
            for link in spec.links
        ]
        return policies.with_linked_batch(links)

    def load_entities(self, text: str, schema: Any) -> Any:
        return self._cedarpy.Entities.from_json_str(text, schema=schema)

    def decider(self, policies: Any, entities: Any, schema: Any) -> Decide:
        is_authorized = self._cedarpy.is_authorized
        names = self._decision_names

        def decide(req: JsonDict) -> str:
            return names[is_authorized(req, policies, entities, schema).decision]

        return decide

    def decide_batch(self, policies: Any, entities: Any, schema: Any, requests: list[JsonDict]) -> list[str]:
        names = self._decision_names
        return [names[r.decision] for r in self._cedarpy.is_authorized_batch(requests, policies, entities, schema)]

    @property
    def _decision_names(self) -> dict[Any, str]:
        """cedarpy answers NoDecision for a request it rejects (e.g. not valid for the schema)."""
        decision = self._cedarpy.Decision
        return {decision.Allow: "allow", decision.Deny: "deny", decision.NoDecision: "error"}


class ImplEngine:
    """Our engine (`impl`), through its pre-parsed handles and a reusable `Authorizer`."""

    name = "impl"
    label = "impl.Authorizer(PolicySet, Entities, Schema).is_authorized(request dict), one call per request"

    def __init__(self) -> None:
        import impl

        self._impl = impl

    def load_schema(self, text: str) -> Any:
        return self._impl.Schema.from_str(text)

    def parse_policies(self, text: str) -> Any:
        return self._impl.PolicySet.from_str(text)

    def link(self, policies: Any, spec: PolicySetSpec) -> Any:
        # links in place, in one batch as cedarpy's adapter does
        policies.link_many((spec.template_id(link), link.link_id, link.values) for link in spec.links)
        return policies

    def load_entities(self, text: str, schema: Any) -> Any:
        return self._impl.Entities.from_json(text, schema=schema)

    def decider(self, policies: Any, entities: Any, schema: Any) -> Decide:
        # Given a dict, the authorizer reads it (context against the schema) and validates it,
        # as cedarpy does per call with a schema.
        is_authorized = self._impl.Authorizer(policies, entities, schema).is_authorized
        request_error = self._impl.RequestError

        def decide(req: JsonDict) -> str:
            try:
                return is_authorized(req).decision.value
            except request_error:
                return "error"

        return decide


def impl_available() -> bool:
    """The engine is being written while this harness is: run without it until it exists."""
    return importlib.util.find_spec("impl.authorizer") is not None


def make_engine(name: str) -> Engine:
    return {"cedarpy": CedarpyEngine, "impl": ImplEngine}[name]()
