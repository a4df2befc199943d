"""What a benchmark workload is: one application's schema, entity store, policies and requests.

A workload grows its policy set the way a real deployment does: a handful of base
policies written by the application's developers, then a long tail of per-user and
per-resource policies (static ones, and template links created when users share
things). Size N is the base plus the first N - len(base) tail items, so every size
is a prefix of the next and the only thing that changes along the x axis of the plot
is the number of policies.
"""

from __future__ import annotations

import json
from random import Random
from dataclasses import dataclass, field
from typing import Any, Union

JsonDict = dict[str, Any]


def uid(type_: str, id_: str) -> JsonDict:
    """An entity reference in the request / `parents` JSON form."""
    return {"type": type_, "id": id_}


def ref(type_: str, id_: str) -> JsonDict:
    """An entity reference as an attribute value (the `__entity` escape)."""
    return {"__entity": {"type": type_, "id": id_}}


def entity(type_: str, id_: str, attrs: JsonDict | None = None, parents: list[JsonDict] | None = None) -> JsonDict:
    return {"uid": uid(type_, id_), "attrs": attrs or {}, "parents": parents or []}


def literal(type_: str, id_: str) -> str:
    """An entity literal in Cedar policy text (ids here never need escaping)."""
    return f'{type_}::"{id_}"'


def request(principal: JsonDict, action: str, resource: JsonDict, context: JsonDict | None = None) -> JsonDict:
    return {"principal": principal, "action": uid("Action", action), "resource": resource, "context": context or {}}


@dataclass(frozen=True)
class Link:
    """A template link: `template` is the template's index in `Workload.templates`."""

    template: int
    link_id: str
    values: dict[str, JsonDict]  # "?principal" / "?resource" -> {"type", "id"}


TailItem = Union[str, Link]  # a static policy's text, or a template link


@dataclass(frozen=True)
class PolicySetSpec:
    """The policies of one size: Cedar text (statics, then templates) and the links to apply.

    Policies in text are named `policy0`, `policy1`, ... in order (Cedar's rule), so the
    template with index k in `Workload.templates` is `policy{template_offset + k}`.
    """

    text: str
    static_count: int
    template_count: int
    links: list[Link]

    @property
    def template_offset(self) -> int:
        return self.static_count

    def template_id(self, link: Link) -> str:
        return f"policy{self.template_offset + link.template}"

    @property
    def size(self) -> int:
        """Policies that authorize something: statics and links (templates do not count)."""
        return self.static_count + len(self.links)


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    schema: str  # Cedar schema syntax
    entities: list[JsonDict]
    base_policies: list[str]
    templates: list[str]
    tail: list[TailItem]
    requests: list[JsonDict]
    counts: dict[str, int] = field(default_factory=dict)  # entities per type, for the report

    @property
    def max_size(self) -> int:
        return len(self.base_policies) + len(self.tail)

    def entities_json(self) -> str:
        return json.dumps(self.entities)

    def policy_set(self, size: int) -> PolicySetSpec:
        if not len(self.base_policies) <= size <= self.max_size:
            raise ValueError(f"{self.name}: size {size} outside {len(self.base_policies)}..{self.max_size}")
        tail = self.tail[: size - len(self.base_policies)]
        statics = self.base_policies + [item for item in tail if isinstance(item, str)]
        links = [item for item in tail if isinstance(item, Link)]
        templates = self.templates if links else []
        text = "\n\n".join(statics + templates) + "\n"
        return PolicySetSpec(text=text, static_count=len(statics), template_count=len(templates), links=links)


@dataclass(frozen=True)
class Probe:
    """A request shape that exercises one tail item: who, which actions, on what."""

    principal: JsonDict
    actions: list[str]
    resource: JsonDict


def probe_index(rng: Random, tail_length: int) -> int:
    """A tail index, log-uniformly distributed so that every policy-set size has some of its tail probed."""
    return min(tail_length - 1, int((tail_length + 1) ** rng.random()) - 1)


def probe_request(rng: Random, probes: list[Probe], context: JsonDict | None = None) -> JsonDict:
    probe = probes[probe_index(rng, len(probes))]
    return request(probe.principal, rng.choice(probe.actions), probe.resource, context)


def count_types(entities: list[JsonDict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in entities:
        t = e["uid"]["type"]
        counts[t] = counts.get(t, 0) + 1
    return counts
