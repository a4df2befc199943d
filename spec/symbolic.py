"""Symbolic requests and entity stores shaped by a schema, for proofs and policy analyses.

`symbolic_environment(schema, reqty)` is every request of a request type and every
entity store that is an instance of the schema (Lean
`InstanceOfWellFormedEnvironment`): unknown ids, attributes, tags and ancestors
are uninterpreted functions, the store's `exists` an array constant, and
`constraints` say they respect the schema (declared types and enumerations,
allowed and transitive ancestors, the schema's action hierarchy). Values are
exact except that a set has at most `max_set_size` elements, and that sets stored
in entities are not required to be in canonical order (quantified over all
entities, that constraint defeats Z3). Both only add models: what is proved holds
for every instance of the schema with sets that small; a witness that relies on
an unordered set is caught when replayed concretely.

`concretize(model, ...)` turns a model back into JSON the concrete front door
reads, so every symbolic finding can be replayed (`spec.is_authorized`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import z3

from spec import extfun
from spec.authorizer import has_error, is_authorized, policy_list
from spec.entities import Entities
from spec.errors import ERRORS, Result
from spec.evaluator import evaluate
from spec.expr import Lit, SetExpr, Uid, subexpressions
from spec.ext.ipaddr import IPNet
from spec.policy import Policy
from spec.request import Request
from spec.schema import RequestType, Schema
from spec.types import BoolType, CedarType, EntityType, LongType, RecordType, SetType, StringType
from spec.values import (EMPTY_MAP, EntityUID, Entry, Value, bool_value, entity_uid, long_value, ascending_set,
                         key, make_record, string_of, string_val, string_value, units, ext_json)



@dataclass(frozen=True)
class SymbolicEnvironment:
    schema: Schema
    reqty: RequestType
    request: Request
    entities: Entities
    constraints: list[z3.BoolRef]


class _Builder:
    """Symbolic values of schema types: one uninterpreted function per leaf, applied to `args`."""

    def __init__(self, schema: Schema, max_set_size: int, ordered: bool) -> None:
        self.schema, self.max_set_size, self.ordered = schema, max_set_size, ordered

    def leaf(self, name: str, args: list[z3.ExprRef], sort: z3.SortRef) -> z3.ExprRef:
        return z3.Function(name, *[a.sort() for a in args], sort)(*args) if args else z3.Const(name, sort)

    def value(self, t: CedarType, name: str, args: list[z3.ExprRef], facts: list[z3.BoolRef]) -> z3.DatatypeRef:
        """A value of type `t`; `facts` receives what the schema says about it."""
        if isinstance(t, BoolType):
            return bool_value(self.leaf(name, args, z3.BoolSort()) if t.kind == "anyBool" else t.kind == "tt")
        if isinstance(t, LongType):
            return long_value(self.leaf(name, args, z3.BitVecSort(64)))
        if isinstance(t, StringType):
            return string_value(self.leaf(name, args, z3.StringSort()))
        if isinstance(t, EntityType):
            uid = EntityUID.entity_uid(string_val(t.ety), self.leaf(name, args, z3.StringSort()))
            facts.append(self.schema.valid_uid(uid, t.ety))
            return Value.entity(uid)
        if isinstance(t, SetType):
            s, ascending = ascending_set([(self.leaf(f"{name}[{i}]?", args, z3.BoolSort()),
                                           self.value(t.elem, f"{name}[{i}]", args, facts))
                                          for i in range(self.max_set_size)])
            facts += [ascending] if self.ordered else []
            return s
        if isinstance(t, RecordType):
            return make_record({a: self.value(q.ty, f"{name}.{a}", args, facts) if q.required else
                                (self.leaf(f"{name}.{a}?", args, z3.BoolSort()), self.value(q.ty, f"{name}.{a}", args, facts))
                                for a, q in t.attrs})
        payload = self.leaf(name, args, IPNet if t.name == "ipaddr" else z3.BitVecSort(64))
        if t.name == "ipaddr":
            facts.append(z3.If(IPNet.is_ipv4(payload), z3.ULE(IPNet.v4_prefix(payload), 32),
                               z3.ULE(IPNet.v6_prefix(payload), 128)))
        return {"decimal": Value.decimal, "ipaddr": Value.ipaddr, "datetime": Value.datetime,
                "duration": Value.duration}[t.name](payload)


def _for_all(args: list[z3.ExprRef], facts: list[z3.BoolRef], guard: z3.BoolRef) -> list[z3.BoolRef]:
    return [z3.ForAll(args, z3.Implies(guard, z3.And(facts)))] if facts else []


def _entities(b: _Builder, name: str) -> tuple[Entities, list[z3.BoolRef]]:
    schema = b.schema
    u, a, c = (z3.Const(n, EntityUID) for n in ("u", "a", "c"))
    tag_name = z3.String("tag")
    exists = z3.Array(f"{name}.exists", EntityUID, z3.BoolSort())
    ancestor = z3.Function(f"{name}.ancestor", EntityUID, EntityUID, z3.BoolSort())
    constraints: list[z3.BoolRef] = []
    attr_maps, tag_maps = EMPTY_MAP, EMPTY_MAP
    for ety, entry in schema.entity_types.items():
        of_type = EntityUID.ty(u) == string_val(ety)
        facts: list[z3.BoolRef] = []
        attr_maps = z3.If(of_type, Value.attrs(b.value(entry.attrs, f"{name}.{ety}", [u], facts)), attr_maps)
        if entry.tags is not None:
            tag = Entry.present(b.value(entry.tags, f"{name}.{ety}.tag", [u, tag_name], facts))
            has_tag = b.leaf(f"{name}.{ety}.tag?", [u, tag_name], z3.BoolSort())
            tag_maps = z3.If(of_type, z3.Lambda([tag_name], z3.If(has_tag, tag, Entry.absent)), tag_maps)
        constraints += _for_all([u], facts, of_type)
        allowed = z3.Or([EntityUID.ty(a) == string_val(t) for t in entry.ancestors])
        constraints.append(z3.ForAll([u, a], z3.Implies(z3.And(of_type, ancestor(u, a)), allowed)))
    for action, entry in schema.actions.items():
        uid = entity_uid(action.ty, action.eid)
        constraints.append(exists[uid])
        constraints.append(z3.ForAll([a], ancestor(uid, a) == z3.Or([a == entity_uid(p.ty, p.eid) for p in entry.ancestors])))
    valid = z3.Or([EntityUID.ty(u) == string_val(t) for t in schema.entity_types] +
                  [u == entity_uid(x.ty, x.eid) for x in schema.actions])
    constraints.append(z3.ForAll([u], z3.Implies(exists[u], valid)))
    for ety in schema.entity_types:
        constraints.append(z3.ForAll([u], z3.Implies(z3.And(exists[u], EntityUID.ty(u) == string_val(ety)),
                                                     schema.valid_uid(u, ety))))
    constraints.append(z3.ForAll([u, a, c], z3.Implies(z3.And(ancestor(u, a), ancestor(a, c)), ancestor(u, c))))
    ancestors = z3.Lambda([u], z3.Lambda([a], ancestor(u, a)))
    return Entities(exists, z3.Lambda([u], attr_maps), ancestors, z3.Lambda([u], tag_maps)), constraints


def symbolic_environment(schema: Schema, reqty: RequestType, max_set_size: int = 2,
                         name: str = "env") -> SymbolicEnvironment:
    """Any request of type `reqty` with any store that is an instance of `schema`."""
    b = _Builder(schema, max_set_size, ordered=True)
    entities, constraints = _entities(_Builder(schema, max_set_size, ordered=False), f"{name}.entities")
    facts: list[z3.BoolRef] = []
    principal = Value.uid(b.value(EntityType(reqty.principal), f"{name}.principal", [], facts))
    resource = Value.uid(b.value(EntityType(reqty.resource), f"{name}.resource", [], facts))
    context = b.value(reqty.context, f"{name}.context", [], facts)
    request = Request(principal, entity_uid(reqty.action.ty, reqty.action.eid), resource, context)
    return SymbolicEnvironment(schema, reqty, request, entities, constraints + facts)


def literal_strings(policies: list[Policy]) -> set[str]:
    """The string literals of the policies (the arguments extension constructors may see there)."""
    return {e.prim for p in policies for e in subexpressions(p.to_expr()) if isinstance(e, Lit) and isinstance(e.prim, str)}


_LIFTED = (z3.Z3_OP_DT_ACCESSOR, z3.Z3_OP_DT_RECOGNISER, z3.Z3_OP_DT_IS, z3.Z3_OP_SELECT)


def _update(t: z3.ExprRef, args: list[z3.ExprRef]) -> z3.ExprRef:
    ast = z3.Z3_update_term(t.ctx_ref(), t.as_ast(), len(args), (z3.Ast * len(args))(*[a.as_ast() for a in args]))
    return z3.z3._to_expr_ref(ast, t.ctx)


def lift_ite(t: z3.ExprRef, cache: dict[int, tuple[z3.ExprRef, z3.ExprRef]] | None = None) -> z3.ExprRef:
    """`t` with `f(if c then a else b)` rewritten to `if c then f(a) else f(b)` for datatype accessors and
    testers and array reads: an equivalence, without which Z3 decides these formulas poorly (it returns
    unknown on `Length(elems(if c then set(..) else set(..))) == 1`)."""
    cache = {} if cache is None else cache
    if t.get_id() not in cache:  # the entry keeps `t` alive, so that its id is not reused
        if z3.is_quantifier(t):
            lifted = _update(t, [lift_ite(t.body(), cache)])
        elif z3.is_app(t) and t.num_args() > 0:
            args = [lift_ite(a, cache) for a in t.children()]
            if t.decl().kind() in _LIFTED and z3.is_app_of(args[0], z3.Z3_OP_ITE):
                c, a, b = args[0].children()
                lifted = z3.If(c, lift_ite(_update(t, [a, *args[1:]]), cache), lift_ite(_update(t, [b, *args[1:]]), cache))
            else:
                lifted = _update(t, args)
        else:
            lifted = t
        cache[t.get_id()] = (t, lifted)
    return cache[t.get_id()][1]


def distinct_keys(policies: list[Policy], env: SymbolicEnvironment) -> list[z3.BoolRef]:
    """Distinct elements of each set literal have distinct keys.

    `key` is uninterpreted, and stating it injective outright (a quantifier) defeats
    Z3; this is the part a set literal relies on to keep all its elements. (Sets read
    from the environment already ascend strictly by key.)
    """
    facts = []
    for p in policies:
        for x in subexpressions(p.to_expr()):
            if isinstance(x, SetExpr):
                rs = [evaluate(e, env.request, env.entities) for e in x.elems]
                facts += [z3.Implies(z3.And(Result.is_ok(a), Result.is_ok(b), Result.ok_value(a) != Result.ok_value(b)),
                                     key(Result.ok_value(a)) != key(Result.ok_value(b)))
                          for i, a in enumerate(rs) for b in rs[i + 1:]]
    return facts


def solver_for(policies: list[Policy], env: SymbolicEnvironment, goal: z3.BoolRef,
               timeout_ms: int = 60_000) -> z3.Solver:
    """A solver holding the environment's constraints, what the policies' literals mean, and `goal`."""
    solver = z3.Solver()
    solver.set(timeout=timeout_ms)
    cache: dict[int, tuple[z3.ExprRef, z3.ExprRef]] = {}
    facts = [*env.constraints, *extfun.literal_axioms(literal_strings(policies)), *distinct_keys(policies, env), goal]
    solver.add(*(lift_ite(c, cache) for c in facts))
    return solver


# ----- analyses -----

def _decide(solver: z3.Solver, what: str) -> bool:
    verdict = solver.check()
    if verdict == z3.unknown:
        raise RuntimeError(f"Z3 could not decide {what}: {solver.reason_unknown()}")
    return verdict == z3.sat


def find_allowed_request(policies: list[Policy], schema: Schema, max_set_size: int = 2) -> tuple[Any, Any] | None:
    """A request (and store) the policies allow, as (request JSON, entities JSON), or None if there is none."""
    for reqty in schema.environments():
        env = symbolic_environment(schema, reqty, max_set_size)
        results = [evaluate(p.to_expr(), env.request, env.entities) for p in policies]
        solver = solver_for(policies, env, is_authorized(policy_list([p.effect for p in policies], results)).allow)
        if _decide(solver, "whether the policies allow a request"):
            return concretize(solver.model(), env, policies)
    return None


def error_witness(policy: Policy, schema: Schema, permitted: tuple[str, ...] = (),
                  max_set_size: int = 2) -> tuple[Any, Any] | None:
    """A request and store on which `policy` raises an error not in `permitted`, or None: a proof that it
    never does under `schema` (`permitted=validator.PERMITTED_ERRORS` states the validator's guarantee)."""
    for reqty in schema.environments():
        env = symbolic_environment(schema, reqty, max_set_size)
        result = evaluate(policy.to_expr(), env.request, env.entities)
        allowed = z3.Or([Result.error(result) == ERRORS[k] for k in permitted])
        solver = solver_for([policy], env, z3.And(has_error(result), z3.Not(allowed)))
        if _decide(solver, f"whether {policy.id} errors"):
            return concretize(solver.model(), env, [policy])
    return None


# ----- from a model back to JSON -----

def _uid_json(m: z3.ModelRef, uid: z3.ExprRef) -> dict[str, str]:
    uid = m.eval(uid, model_completion=True)
    return {"type": string_of(uid.arg(0)), "id": string_of(uid.arg(1))}


def value_json(m: z3.ModelRef, v: z3.ExprRef, t: CedarType) -> Any:
    """The Cedar JSON (explicit form) of value `v`, of type `t`, in model `m`."""
    def ev(x: z3.ExprRef) -> z3.ExprRef:
        return m.eval(x, model_completion=True)
    if isinstance(t, BoolType):
        return z3.is_true(ev(Value.b(v)))
    if isinstance(t, LongType):
        return ev(Value.i(v)).as_signed_long()
    if isinstance(t, StringType):
        return string_of(ev(Value.s(v)))
    if isinstance(t, EntityType):
        return {"__entity": _uid_json(m, Value.uid(v))}
    if isinstance(t, SetType):
        return [value_json(m, e, t.elem) for e in units(ev(Value.elems(v)))]
    if isinstance(t, RecordType):
        entries = {a: (ev(Value.attrs(v)[string_val(a)]), q.ty) for a, q in t.attrs}
        return {a: value_json(m, Entry.entry_value(e), ty) for a, (e, ty) in entries.items()
                if z3.is_true(z3.simplify(Entry.is_present(e)))}
    return ext_json(ev(v))


def _map_json(m: z3.ModelRef, attrs: z3.ArrayRef, t: RecordType) -> dict[str, Any]:
    return value_json(m, Value.record(attrs, z3.StringVal("")), t)


def _entity_refs(j: Any) -> list[dict[str, str]]:
    if isinstance(j, dict) and set(j) == {"__entity"}:
        return [j["__entity"]]
    children = j.values() if isinstance(j, dict) else j if isinstance(j, list) else ()
    return [r for c in children for r in _entity_refs(c)]


def concretize(m: z3.ModelRef, env: SymbolicEnvironment, policies: list[Policy]) -> tuple[Any, Any]:
    """The request and the relevant part of the store in model `m` (the entities that exist among those the
    request, the policies' literals and the attributes found reach), as JSON for `spec.is_authorized`."""
    def ev(x: z3.ExprRef) -> z3.ExprRef:
        return m.eval(x, model_completion=True)
    es = env.entities
    request = {"principal": _uid_json(m, env.request.principal), "action": _uid_json(m, env.request.action),
               "resource": _uid_json(m, env.request.resource),
               "context": value_json(m, env.request.context, env.reqty.context)}
    literals = {e.prim for p in policies for e in subexpressions(p.to_expr()) if isinstance(e, Lit)}
    todo = [request["principal"], request["action"], request["resource"], *_entity_refs(request["context"]),
            *({"type": u.ty, "id": u.eid} for u in literals if isinstance(u, Uid))]
    reached: dict[tuple[str, str], dict[str, str]] = {}
    entities: dict[tuple[str, str], dict[str, Any]] = {}
    while todo:
        uid = todo.pop()
        ref = (uid["type"], uid["id"])
        if ref in reached:
            continue
        reached[ref] = uid
        entry = env.schema.entity_types.get(ref[0])
        if not z3.is_true(ev(es.exists[entity_uid(*ref)])):
            continue
        attrs = _map_json(m, es.attrs[entity_uid(*ref)], entry.attrs) if entry else {}
        tags = {}
        for t in (s for s in literals if isinstance(s, str) and entry is not None and entry.tags is not None):
            tag = ev(es.tags[entity_uid(*ref)][string_val(t)])
            if z3.is_true(z3.simplify(Entry.is_present(tag))):
                tags[t] = value_json(m, Entry.entry_value(tag), entry.tags)  # type: ignore[union-attr, arg-type]
        entities[ref] = {"uid": uid, "attrs": attrs, "tags": tags}
        todo += _entity_refs([attrs, tags])
    for ref, e in entities.items():
        e["parents"] = [uid for a, uid in reached.items() if z3.is_true(ev(es.ancestors[entity_uid(*ref)][entity_uid(*a)]))]
    return request, list(entities.values())
