"""A policy set: static policies, templates and template-linked policies, by id.

Ids follow the Cedar CLI: a policy annotated `@id("x")` is named `x`, any other
is `policyN` with N its 0-based position in the file. `ids_from_annotations=False`
gives the Rust library's naming instead (`policyN` for every policy, as cedarpy does). Static policies and
templates share one id space with the links (as in Rust's `ast::PolicySet`).
`policies` holds what the authorizer evaluates: every static policy and every
linked policy with its slots replaced by the linked entities.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from . import est
from .ast import Policy, ScopeConstraint, Slot, TemplateLink
from .arguments import json_argument, text_argument
from .errors import EntityError, LinkError, ParseError, PolicySetError
from .gc_pause import paused_gc
from .parser import parse_policies
from .value_json import make_entity_uid
from .values import EntityUID


class PolicySet:
    """Policies and templates by id; see the module docstring for the naming rules."""

    def __init__(self, policies: "list[Policy] | None" = None) -> None:
        self.policies: dict[str, Policy] = {}
        self.templates: dict[str, Policy] = {}
        self.links: dict[str, TemplateLink] = {}
        self._statics: dict[str, Policy] = {}
        self._written: list[str] = []  # static policies and templates in the order they were added
        for p in policies or ():
            self.add(p)

    # ------------------------------------------------------------ construction

    @classmethod
    def from_str(cls, text: str, name: str = "<input>", *, ids_from_annotations: bool = True) -> "PolicySet":
        """Parse Cedar policy text (`ParseError` on bad syntax, `PolicySetError` on duplicate ids)."""
        text = text_argument(text, "policy text", ParseError, name)
        ps = cls()
        with paused_gc():
            for p in parse_policies(text, name):
                ps.add(_renamed_by_annotation(p) if ids_from_annotations else p)
        return ps

    @classmethod
    def from_json(cls, obj: Any) -> "PolicySet":
        """Read the JSON policy-set form `{"staticPolicies", "templates", "templateLinks"}` (a dict or JSON text)."""
        if isinstance(obj, (str, bytes, bytearray, memoryview)):
            obj = est.loads(text_argument(obj, "JSON policy set", ParseError))
        else:
            json_argument(obj, "JSON policy set", ParseError)
        statics, templates, links = est.policy_set_from_json(obj)
        ps = cls()
        for p in statics.values():
            ps.add(p)
        for t in templates.values():
            ps.add_template(t)
        ps.link_many((link.template_id, link.new_id, dict(link.values)) for link in links)
        return ps

    def add(self, policy: Policy) -> None:
        """Add a static policy, or a template if it has slots."""
        _check_policy(policy)
        if policy.is_template:
            self.add_template(policy)
            return
        self._claim(policy.id, PolicySetError, "policy")
        self._statics[policy.id] = policy
        self.policies[policy.id] = policy
        self._written.append(policy.id)

    def add_template(self, template: Policy) -> None:
        """Add a template (one read from JSON may have no slots; it is then only usable by linking)."""
        _check_policy(template)
        self._claim(template.id, PolicySetError, "template")
        self.templates[template.id] = template
        self._written.append(template.id)

    def link(self, template_id: str, new_id: str, values: Mapping[str, Any]) -> Policy:
        """Link a template: bind each of its slots (`?principal`, `?resource`) to an entity."""
        if not isinstance(template_id, str) or not isinstance(new_id, str):
            raise LinkError(f"failed to link template: the template id and the new policy id must be strings, "
                            f"got {type(template_id).__name__} and {type(new_id).__name__}")
        template = self.templates.get(template_id)
        if template is None:
            raise LinkError(f"failed to link template: no template with id `{template_id}`")
        if values.__class__ is not dict and not isinstance(values, Mapping):  # (a dict without the slow ABC check)
            raise LinkError(f"failed to link template `{template_id}`: the slot values must be a mapping "
                            f"from slot to entity, got {type(values).__name__}")
        bound: dict[str, EntityUID] = {}
        for slot, value in values.items():
            if not isinstance(slot, str):
                raise LinkError(f"failed to link template `{template_id}`: slot {slot!r} is not a slot name")
            name = slot if slot.startswith("?") else f"?{slot}"
            if name in bound:
                raise LinkError(f"failed to link template `{template_id}`: slot `{name}` given twice")
            bound[name] = _entity(value, name)
        needed = set(template.slots)
        missing = sorted(needed - bound.keys())
        if missing:
            raise LinkError(f"failed to link template `{template_id}`: no value provided for `{missing[0]}`")
        extra = sorted(bound.keys() - needed)
        if extra:
            raise LinkError(f"failed to link template `{template_id}`: value provided for `{extra[0]}`, "
                            f"which is not a slot of the template")
        self._claim(new_id, LinkError, "policy")
        linked = Policy(new_id, template.effect, _bind(template.principal, bound), template.action,
                        _bind(template.resource, bound), template.conditions, template.annotations, template.loc)
        self.links[new_id] = TemplateLink(template_id, new_id, tuple(sorted(bound.items())))
        self.policies[new_id] = linked
        return linked

    def link_many(self, links: Iterable[tuple[str, str, Mapping[str, Any]]]) -> list[Policy]:
        """`link` each `(template_id, new_id, values)` in turn, all or none: on the first failure
        none of them stays linked. Faster than one `link` call each: the cyclic garbage
        collector is paused meanwhile (see `gc_pause`); with a large heap (an entity store
        loaded), it otherwise takes about 2/3 of the time of linking thousands."""
        added: list[str] = []
        try:
            with paused_gc():
                for item in links:
                    try:
                        template_id, new_id, values = item
                    except (TypeError, ValueError):
                        raise LinkError(f"failed to link: each link is `(template_id, new_id, values)`, "
                                        f"got {type(item).__name__}") from None
                    self.link(template_id, new_id, values)
                    added.append(new_id)
        except BaseException:
            for pid in added:
                del self.policies[pid], self.links[pid]
            raise
        return [self.policies[pid] for pid in added]

    def merge(self, other: "PolicySet") -> None:
        """Add every static policy, template and link of `other` (`PolicySetError`/`LinkError` on id clashes)."""
        for pid in other._written:
            if pid in other._statics:
                self.add(other._statics[pid])
            else:
                self.add_template(other.templates[pid])
        for link in other.links.values():
            self.link(link.template_id, link.new_id, dict(link.values))

    def _claim(self, pid: str, error: type, what: str) -> None:
        if pid in self.policies or pid in self.templates:
            raise error(f"a {what} with id `{pid}` already exists in the policy set")

    # ------------------------------------------------------------ access

    def get(self, pid: str) -> Policy | None:
        """The static, linked or template policy with this id."""
        return self.policies.get(pid) or self.templates.get(pid)

    @property
    def static_policies(self) -> dict[str, Policy]:
        return dict(self._statics)

    def __len__(self) -> int:
        """The number of policies the authorizer evaluates (static and linked)."""
        return len(self.policies)

    def __iter__(self) -> Iterator[Policy]:
        return iter(self.policies.values())

    def __contains__(self, pid: object) -> bool:
        return pid in self.policies or pid in self.templates

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PolicySet):
            return NotImplemented
        return (self._statics == other._statics and self.templates == other.templates
                and self.links == other.links)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"PolicySet({len(self._statics)} static, {len(self.templates)} templates, "
                f"{len(self.links)} links)")

    # ------------------------------------------------------------ output

    def to_json(self) -> dict[str, Any]:
        """The JSON policy-set form, as Rust's `PolicySet::to_json` writes it."""
        return {
            "templates": {tid: est.policy_to_json(t) for tid, t in self.templates.items()},
            "staticPolicies": {pid: est.policy_to_json(p) for pid, p in self._statics.items()},
            "templateLinks": [est.link_to_json(link) for link in self.links.values()],
        }

    def to_json_str(self, indent: int | None = None) -> str:
        return est.dumps(self.to_json(), indent)

    def to_cedar(self) -> str:
        """Cedar text for the static policies and templates (linked policies have no text form)."""
        if self.links:
            raise PolicySetError("a policy set with template-linked policies cannot be written as Cedar text; "
                                 "use to_json()")
        return self._text()

    def _text(self) -> str:
        from .format import format_policies

        return format_policies([self._statics.get(pid) or self.templates[pid] for pid in self._written])

    def __str__(self) -> str:
        text = self._text()
        notes = "".join(f"// {lid}: linked from template `{link.template_id}` with "
                        + ", ".join(f"{slot} = {uid}" for slot, uid in link.values) + "\n"
                        for lid, link in self.links.items())
        return text + notes


def _renamed_by_annotation(p: Policy) -> Policy:
    for key, value in p.annotations:
        if key == "id":
            new_id = value or ""
            if new_id != p.id:
                return Policy(new_id, p.effect, p.principal, p.action, p.resource, p.conditions,
                              p.annotations, p.loc)
    return p


def _check_policy(policy: Any) -> None:
    if not isinstance(policy, Policy):
        raise PolicySetError(f"expected a Policy, got {type(policy).__name__}")


def _entity(value: Any, slot: str) -> EntityUID:
    inner = value.get("__entity") if _is_mapping(value) else None
    if inner is not None and _is_mapping(inner):
        value = inner
    type_name = eid = None
    if isinstance(value, EntityUID):
        type_name, eid = value
    elif _is_mapping(value):
        type_name, eid = value.get("type"), value.get("id")
    if isinstance(type_name, str) and isinstance(eid, str):
        try:
            return make_entity_uid(type_name, eid, f"in the value for `{slot}`")
        except EntityError as e:
            raise LinkError(e.message) from None
    raise LinkError(f"the value for `{slot}` must be an entity, as `EntityUID(type, id)` or "
                    f"`{{\"type\": .., \"id\": ..}}`")


def _is_mapping(x: Any) -> bool:
    """`isinstance(x, Mapping)`, answered first for a dict (the ABC check is slow, and linking
    thousands of templates makes a few of them per link)."""
    return x.__class__ is dict or isinstance(x, Mapping)


def _bind(c: ScopeConstraint, values: dict[str, EntityUID]) -> ScopeConstraint:
    if isinstance(c.entity, Slot):
        return ScopeConstraint(c.op, values[c.entity.name], c.entity_type, c.loc)
    return c
