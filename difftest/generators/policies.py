"""Policies, templates and template links in the JSON policy form.

The scope is drawn first (every form: `==`, `in`, `is`, `is ... in`,
`action in [...]`, slots in templates); it fixes what the condition generator
may assume about `principal`, `resource` and `context`.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .entities import EntityStore, ValueGen
from .expressions import Env, ExprGen, ExprSettings, ValuePool, deep_expr
from .schema import ActionSpec, SchemaSpec
from .values import EntityRef

ANNOTATION_KEYS = ("id", "advice", "doc", "if", "x")


@dataclass(slots=True)
class PolicySetSpec:
    """Policies in text order (ids `policy0`, `policy1`, ... as the parser assigns them) and links."""

    policies: list[dict[str, Any]] = field(default_factory=list)  # EST of each policy or template
    links: list[dict[str, Any]] = field(default_factory=list)  # {"templateId", "newId", "values"}

    @staticmethod
    def policy_id(i: int) -> str:
        return f"policy{i}"

    def is_template(self, i: int) -> bool:
        p = self.policies[i]
        return any("slot" in p[v] or "slot" in p[v].get("in", {}) for v in ("principal", "resource"))

    def to_json(self) -> dict[str, Any]:
        """The JSON policy-set form (`staticPolicies`, `templates`, `templateLinks`)."""
        static, templates = {}, {}
        for i, p in enumerate(self.policies):
            (templates if self.is_template(i) else static)[self.policy_id(i)] = p
        return {"staticPolicies": static, "templates": templates, "templateLinks": self.links}


class PolicyGen:
    def __init__(self, rng: random.Random, schema: SchemaSpec, store: EntityStore, pool: ValuePool,
                 mode: str, stats: Counter | None = None) -> None:
        self.rng = rng
        self.schema = schema
        self.store = store
        self.pool = pool
        self.mode = mode
        self.stats = stats if stats is not None else Counter()
        self.values = ValueGen(rng, schema, store.by_type)
        self._last_action: tuple[dict[str, Any], list[ActionSpec]] | None = None

    def note(self, form: str) -> None:
        self.stats[form] += 1

    # ------------------------------------------------------------------ scope

    def action_scope(self) -> tuple[dict[str, Any], list[ActionSpec]]:
        rng = self.rng
        actions = self.schema.actions
        applicable = self.schema.applicable_actions()
        r = rng.random()
        if r < 0.12:
            self.note("scope:action:all")
            return {"op": "All"}, applicable
        if r < 0.6:
            a = rng.choice(applicable)
            self.note("scope:action:==")
            return {"op": "==", "entity": a.uid.to_json()}, [a]
        if r < 0.85:
            chosen = rng.sample(applicable, min(len(applicable), rng.randint(1, 3)))
            if rng.random() < 0.15:
                chosen.append(rng.choice(actions))
            self.note("scope:action:in[]")
            uids = list(dict.fromkeys(a.uid for a in chosen))
            if rng.random() < 0.03:
                uids = []
            if len(uids) == 1:  # `in [A]` and `in A` have one JSON form, as in Rust
                return {"op": "in", "entity": uids[0].to_json()}, self._under(uids)
            return {"op": "in", "entities": [u.to_json() for u in uids]}, self._under(uids)
        group = rng.choice(actions)
        if self.mode != "validated" and rng.random() < 0.1:  # an action the schema does not declare
            self.note("scope:action:undeclared")
            uid = EntityRef(group.uid.type, rng.choice(("nope", "", group.uid.id + "s")))
            if self.schema.action(uid) is None:
                return {"op": rng.choice(("==", "in")), "entity": uid.to_json()}, []
        self.note("scope:action:in")
        return {"op": "in", "entity": group.uid.to_json()}, self._under([group.uid])

    def _under(self, groups: list[EntityRef]) -> list[ActionSpec]:
        """The applicable actions that are (transitively) in one of `groups`."""
        out = []
        for a in self.schema.applicable_actions():
            seen, todo = set(), [a.uid]
            while todo:
                u = todo.pop()
                if u in seen:
                    continue
                seen.add(u)
                spec = self.schema.action(u)
                todo.extend(spec.parents if spec else ())
            if seen & set(groups):
                out.append(a)
        return out

    def entity_scope(self, var: str, candidates: list[str], slot: bool) -> tuple[dict[str, Any], tuple[str, ...]]:
        """A principal/resource scope and the types the variable may then have."""
        rng = self.rng
        types = list(self.schema.entity_types)
        if not candidates:
            candidates = types
        slot_name = f"?{var}"
        r = rng.random()
        if slot:
            if r < 0.45:
                self.note(f"scope:{var}:== slot")
                return {"op": "==", "slot": slot_name}, tuple(candidates)
            if r < 0.8:
                self.note(f"scope:{var}:in slot")
                return {"op": "in", "slot": slot_name}, tuple(candidates)
            t = rng.choice(candidates)
            self.note(f"scope:{var}:is in slot")
            return {"op": "is", "entity_type": t, "in": {"slot": slot_name}}, (t,)
        if r < 0.3:
            self.note(f"scope:{var}:all")
            return {"op": "All"}, tuple(candidates)
        if r < 0.5:
            t = rng.choice(candidates)
            self.note(f"scope:{var}:==")
            if self.mode != "validated" and rng.random() < 0.06:  # a type the schema does not declare
                self.note(f"scope:{var}:undeclared")
                odd = rng.choice(("Undeclared", f"Other::{t.rsplit('::', 1)[-1]}", f"{t}s"))
                if odd not in self.schema.entity_types:
                    return rng.choice(({"op": "==", "entity": {"type": odd, "id": "x"}},
                                       {"op": "is", "entity_type": odd})), tuple(candidates)
            return {"op": "==", "entity": self.values.entity_ref(t).to_json()}, (t,)
        if r < 0.68:
            target = self._ancestor_uid(rng.choice(candidates))
            self.note(f"scope:{var}:in")
            narrowed = tuple(t for t in candidates if t in self.schema.descendant_types(target.type))
            return {"op": "in", "entity": target.to_json()}, narrowed or tuple(candidates)
        if r < 0.88:
            t = rng.choice(candidates)
            self.note(f"scope:{var}:is")
            return {"op": "is", "entity_type": t}, (t,)
        t = rng.choice(candidates)
        self.note(f"scope:{var}:is in")
        return {"op": "is", "entity_type": t, "in": {"entity": self._ancestor_uid(t).to_json()}}, (t,)

    def _ancestor_uid(self, type_name: str) -> EntityRef:
        ancestors = [a for a in self.schema.entity_types if type_name in self.schema.descendant_types(a)]
        return self.values.entity_ref(self.rng.choice(ancestors) if ancestors else type_name)

    # ------------------------------------------------------------------ policies

    def policy(self, template: bool = False) -> dict[str, Any]:
        rng = self.rng
        mode = self.mode
        # Policies of one set often share an action scope, so one request reaches several conditions.
        if self._last_action is not None and rng.random() < 0.5:
            action_scope, actions = self._last_action
        else:
            action_scope, actions = self._last_action = self.action_scope()
        principals = sorted({t for a in actions for t in a.principals})
        resources = sorted({t for a in actions for t in a.resources})
        slots = [v for v in ("principal", "resource") if template and rng.random() < 0.6] or (
            [rng.choice(("principal", "resource"))] if template else [])
        p_scope, p_types = self.entity_scope("principal", principals, "principal" in slots)
        r_scope, r_types = self.entity_scope("resource", resources, "resource" in slots)
        contexts = {a.context_shape for a in actions}
        env = Env(p_types, r_types, tuple(a.uid for a in actions), contexts.pop() if len(contexts) == 1 else None)
        gen = ExprGen(rng, self.schema, self.store, self.pool, env, ExprSettings(mode), self.stats)
        conditions = []
        for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3))):
            kind = "when" if rng.random() < 0.75 else "unless"
            self.note(kind)
            conditions.append({"kind": kind, "body": gen.condition()})
        out: dict[str, Any] = {
            "effect": "permit" if rng.random() < 0.7 else "forbid",
            "principal": p_scope,
            "action": action_scope,
            "resource": r_scope,
            "conditions": conditions,
        }
        if rng.random() < 0.15:
            keys = rng.sample(ANNOTATION_KEYS, rng.randint(1, 2))
            out["annotations"] = {k: (None if rng.random() < 0.2 else rng.choice(("x", "", "é", "a\nb"))) for k in keys}
        return out

    def link_values(self, template: dict[str, Any]) -> dict[str, dict[str, str]]:
        """Slot values for a link: entities of the types the template's scope expects, mostly existing."""
        values = {}
        for var in ("principal", "resource"):
            c = template[var]
            if "slot" in c or "slot" in c.get("in", {}):
                types = [c["entity_type"]] if c["op"] == "is" else list(self.schema.entity_types)
                values[f"?{var}"] = self.values.entity_ref(self.rng.choice(types)).to_json()
        return values

    def policy_set(self) -> PolicySetSpec:
        rng = self.rng
        ps = PolicySetSpec()
        n_static = rng.randint(1, 5)
        n_templates = rng.choice((0, 0, 0, 1, 2))
        kinds = [False] * n_static + [True] * n_templates
        rng.shuffle(kinds)
        for template in kinds:
            ps.policies.append(self.policy(template))
        if self.mode != "validated" and rng.random() < 0.02:
            self.note("deep")
            ps.policies.append({"effect": "permit", "principal": {"op": "All"}, "action": {"op": "All"},
                                "resource": {"op": "All"},
                                "conditions": [{"kind": "when", "body": deep_expr(rng, rng.randint(40, 300))}]})
        link_no = 0
        for i, p in enumerate(ps.policies):
            if not ps.is_template(i):
                continue
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                self.note("template_link")
                ps.links.append({"templateId": ps.policy_id(i), "newId": f"link{link_no}", "values": self.link_values(p)})
                link_no += 1
        return ps


def gen_policy_set(rng: random.Random, schema: SchemaSpec, store: EntityStore, pool: ValuePool, mode: str,
                   stats: Counter | None = None) -> PolicySetSpec:
    return PolicyGen(rng, schema, store, pool, mode, stats).policy_set()

