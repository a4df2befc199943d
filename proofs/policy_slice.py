"""Obligation 10, Lean `isAuthorized_eq_for_scope_based_policy_slice`, for the index the engine uses.

The engine (`impl/policy_index.py`) evaluates only the policies its scope index
selects, and of those only the conditions. Three steps show that this is exact:

* scope lemmas: for every form of scope constraint (each `op` of the index, each
  dimension) and every request and store, the model evaluates the constraint to
  `ok(b)`, `b` being whether the index (`proofs.scope_index`) selects the policy;
  an action list of any length by induction on its length (`proofs.membership`),
  its first lengths checked outright;
* `policy_is_its_scope_and_conditions`: a policy whose three constraints evaluate
  to `ok(b1)`, `ok(b2)`, `ok(b3)` evaluates to `false` unless all hold, and then
  to the value of its conditions alone (`true && conditions`);
* `isAuthorized_eq_for_scope_based_policy_slice`: if every policy the index does
  not select evaluates to `false` (neither satisfied nor erroring), the slice of
  selected policies gets the same response as the whole set, of any size.

The action-list lemmas rest on the model's premise that `key` is injective.
"""

from __future__ import annotations

from typing import Callable

import z3

from proofs import render, sets
from proofs.explain import genuine
from proofs.harness import Goal, Obligation
from proofs.holes import evaluate_form, mark
from proofs.logic import Lemma, Steps, closure
from proofs.membership import in_list_step, in_literals
from proofs.policy_family import REAL_AUTHORIZER, Authorize, Policy as PolicySort, scenario, symbolic_policies
from proofs.scope_index import ENGINE_INDEX, IndexEncoding
from spec.entities import symbolic_entities
from spec.errors import Result, error_kind, ok
from spec.expr import And, Expr, Lit, Uid
from spec.policy import ActionInAny, Condition, Policy, Scope
from spec.request import symbolic_request
from spec.values import EntityUID, Value, bool_value, string_of

REQ, ES = symbolic_request("request"), symbolic_entities("entities")
DIMENSIONS = ("principal", "action", "resource")
SCOPE_KINDS = {"all": "any", "==": "eq", "in": "mem", "is": "is", "is_in": "isMem"}  # index op -> model Scope kind
LIST_LENGTHS_CHECKED = 3


def _policy(scopes: dict[str, Scope | ActionInAny], conditions: tuple[Condition, ...] = ()) -> Policy:
    any_scope = Scope("any")
    return Policy("policy", "permit", scopes.get("principal", any_scope), scopes.get("action", any_scope),  # type: ignore[arg-type]
                  scopes.get("resource", any_scope), conditions)  # type: ignore[arg-type]


def _parts(policy: Policy) -> tuple[Expr, Expr, Expr, Expr]:
    """The principal, action and resource constraints and the conditions of `Policy.to_expr`."""
    x = policy.to_expr()
    if not (isinstance(x, And) and isinstance(x.b, And) and isinstance(x.b.b, And)):
        raise AssertionError(f"Policy.to_expr is no longer principal && (action && (resource && conditions)): {x}")
    return x.a, x.b.a, x.b.b.a, x.b.b.b


def _ok_bool(b: z3.BoolRef) -> z3.DatatypeRef:
    return ok(bool_value(b))


# ----- counterexamples -----

def _uid_text(m: z3.ModelRef, uid: z3.ExprRef) -> tuple[str, str]:
    uid = m.eval(uid, model_completion=True)
    return string_of(uid.arg(0)), string_of(uid.arg(1))


def _scope_text(dim: str, op: str, m: z3.ModelRef, entities: list[z3.ExprRef], ety: z3.ExprRef | None) -> str:
    names = [render.uid(*_uid_text(m, e)) for e in entities]
    t = string_of(m.eval(ety, model_completion=True)) if ety is not None else ""
    if dim == "action" and op == "in" and len(names) != 1:
        return f"action in [{', '.join(names)}]"
    return {"all": dim, "==": f"{dim} == {names[0] if names else ''}", "in": f"{dim} in {names[0] if names else ''}",
            "is": f"{dim} is {t}", "is_in": f"{dim} is {t} in {names[0] if names else ''}"}[op]


def _result_text(m: z3.ModelRef, result: z3.ExprRef) -> str:
    r = m.eval(result, model_completion=True)
    kind = error_kind(r)
    if kind is not None:
        return f"an error ({kind})"
    v = m.eval(Value.b(Result.ok_value(r)), model_completion=True)
    return "true" if z3.is_true(v) else "false" if z3.is_false(v) else str(r)


def _explain_scope(dim: str, op: str, entities: list[z3.ExprRef], ety: z3.ExprRef | None, result: z3.ExprRef,
                   selected: z3.BoolRef) -> Callable[[z3.ModelRef], str]:
    def explain(m: z3.ModelRef) -> str:
        scope = {d: d for d in DIMENSIONS}
        scope[dim] = _scope_text(dim, op, m, entities, ety)
        request_uid = getattr(REQ, dim)
        es = []
        if z3.is_true(m.eval(ES.exists[request_uid], model_completion=True)):
            parents = []
            for e in entities:
                if z3.is_true(m.eval(ES.ancestors[request_uid][e], model_completion=True)):
                    ty, eid = _uid_text(m, e)
                    parents.append({"type": ty, "id": eid})
            ty, eid = _uid_text(m, request_uid)
            es.append({"uid": {"type": ty, "id": eid}, "attrs": {}, "parents": parents})
        index = "selects" if z3.is_true(m.eval(selected, model_completion=True)) else "does not select"
        return "\n".join([
            f"the index {index} this policy, yet its {dim} constraint evaluates to {_result_text(m, result)}:",
            "policies:", f"  permit({scope['principal']}, {scope['action']}, {scope['resource']});",
            "request:", render.request(_uid_text(m, REQ.principal), _uid_text(m, REQ.action),
                                       _uid_text(m, REQ.resource), {}),
            "entities:", render.entities(es)])
    return explain


# ----- the scope lemmas -----

_TYPES = ("User", "Group", "Doc", "Folder", "Action")
_IDS = ("alice", "bob", "staff", "doc", "view", "edit")


def _one_of(s: z3.ExprRef, names: tuple[str, ...]) -> z3.BoolRef:
    return z3.Or([s == z3.StringVal(n) for n in names])


def _prettier(entities: list[z3.ExprRef], types: list[z3.ExprRef] = ()) -> list[z3.BoolRef]:  # type: ignore[assignment]
    """Names a reader recognizes, for the request and the scope's literals (tried, not assumed)."""
    uids = [REQ.principal, REQ.action, REQ.resource, *entities]
    return ([_one_of(EntityUID.ty(u), _TYPES) for u in uids] + [_one_of(EntityUID.eid(u), _IDS) for u in uids]
            + [_one_of(t, _TYPES) for t in types])


def _marked_uid(name: str) -> tuple[Uid, z3.ExprRef, dict[str, z3.ExprRef]]:
    """An entity literal with a symbolic type and id."""
    ty, eid = z3.String(f"{name}.type"), z3.String(f"{name}.id")
    return Uid(mark(f"{name}.type"), mark(f"{name}.id")), EntityUID.entity_uid(ty, eid), \
        {mark(f"{name}.type"): ty, mark(f"{name}.id"): eid}


def _scope_lemma(dim: str, op: str, index: IndexEncoding) -> Lemma:
    """`dim op E` (or `is T`...) evaluates to whether the index selects it."""
    literal, entity, strings = _marked_uid(f"{dim}.{op}")
    ety = z3.String(f"{dim}.{op}.is")
    strings[mark(f"{dim}.{op}.is")] = ety
    needs_entity, needs_type = op in ("==", "in", "is_in"), op in ("is", "is_in")
    scope = Scope(SCOPE_KINDS[op], literal if needs_entity else None, mark(f"{dim}.{op}.is") if needs_type else None)
    part = _parts(_policy({dim: scope}))[DIMENSIONS.index(dim)]
    result = evaluate_form(part, REQ, ES, strings=strings)
    uid = getattr(REQ, dim)
    selected = (index.selects_action(op, [entity], uid, ES) if dim == "action"
                else index.selects(op, entity, ety, uid, ES))
    name = f"the {dim} constraint `{op}` evaluates to the index's selection"
    statement = result == _ok_bool(selected)
    explain = _explain_scope(dim, op, [entity] if needs_entity else [], ety if needs_type else None, result, selected)
    prettier = _prettier([entity], [ety])
    return Lemma(name, (), statement, lambda: [Goal(name, [], statement, explain, prettier=prettier)])


def _action_list_lemma(n: int, step: Lemma, index: IndexEncoding) -> Lemma:
    """`action in [E1, ..., En]` evaluates to the index's selection (`proofs.membership`, n steps)."""
    literals, entities, strings = [], [], {}
    for i in range(n):
        literal, entity, marked = _marked_uid(f"action.list{n}.{i}")
        literals.append(literal)
        entities.append(entity)
        strings.update(marked)
    part = _parts(_policy({"action": ActionInAny(tuple(literals))}))[1]
    result = evaluate_form(part, REQ, ES, strings=strings)
    selected = index.selects_action("in", entities, REQ.action, ES)
    name = f"the action constraint `in` a list of {n} evaluates to the index's selection"
    statement = z3.Implies(sets.KEY_INJECTIVE, result == _ok_bool(selected))
    steps, equation, _ = in_literals(name, REQ.action, entities, ES, step)
    explain = _explain_scope("action", "in", entities, None, result, selected)

    def proof() -> Steps:
        claim = result == _ok_bool(selected)
        return [*steps, Goal(name, [sets.KEY_INJECTIVE], claim, explain, known=[closure(steps[-1])],
                             prettier=_prettier(entities), simplify=True, opaque=True, propositional=True,
                             validate=genuine([sets.KEY_INJECTIVE], claim))]
    return Lemma(name, (), statement, proof)


def _policy_lemma() -> Lemma:
    """Lean `satisfied_implies_*_scope` in one: a policy is false unless its three constraints hold,
    and then it is its conditions alone."""
    policy = _policy({d: Scope("eq", Uid(mark(d), mark(d))) for d in DIMENSIONS},
                     (Condition("when", Lit(mark("conditions"))),))
    parts = _parts(policy)
    results = [z3.Const(f"policy.{d}", Result) for d in (*DIMENSIONS, "conditions")]
    whole = evaluate_form(policy.to_expr(), REQ, ES, dict(zip(parts, results)))
    alone = evaluate_form(And(Lit(True), parts[3]), REQ, ES, {parts[3]: results[3]})
    held = [z3.Bool(f"policy.{d}.holds") for d in DIMENSIONS]
    statement = z3.Implies(z3.And([r == _ok_bool(h) for r, h in zip(results, held)]),
                           whole == z3.If(z3.And(held), alone, _ok_bool(z3.BoolVal(False))))
    name = "policy_is_its_scope_and_conditions"
    return Lemma(name, (), statement, lambda: [Goal(name, [], statement)])


# ----- the slice -----

def goals(index: IndexEncoding = ENGINE_INDEX, authorize: Authorize = REAL_AUTHORIZER) -> Steps:
    scope_lemmas = [_scope_lemma(d, op, index) for d in ("principal", "resource") for op in SCOPE_KINDS]
    scope_lemmas += [_scope_lemma("action", op, index) for op in ("all", "==", "in")]
    step = in_list_step(ES)
    list_lemmas = [_action_list_lemma(n, step, index) for n in range(LIST_LENGTHS_CHECKED + 1)]
    policy = _policy_lemma()

    policies = symbolic_policies()
    selected = z3.Function("selected", PolicySort, z3.BoolSort())

    def in_slice(p: z3.ExprRef) -> z3.BoolRef:
        return z3.And(policies.member(p), selected(p))
    whole, sliced = authorize(policies.policy_set()), authorize(policies.policy_set(in_slice))
    p, pid = z3.Const("p", PolicySort), z3.String("id")
    # What the lemmas above give for every policy of the set: unselected, it evaluates to false.
    unselected_false = z3.ForAll([p], z3.Implies(z3.And(policies.member(p), z3.Not(selected(p))),
                                                 policies.result(p) == _ok_bool(z3.BoolVal(False))))
    uses = (*scope_lemmas, *list_lemmas, step, policy)

    def ids(response, member: Callable | None) -> z3.BoolRef:
        return policies.some(lambda x: z3.And(response(x), policies.policy_id(x) == pid), member)

    def explain(m: z3.ModelRef) -> str:
        return scenario(m, "removing the policies the index does not select changed the response:",
                        [("all policies", policies, None, whole), ("the selected policies", policies, in_slice, sliced)])
    name = "isAuthorized_eq_for_scope_based_policy_slice"
    return [
        Goal(f"{name}: decision", [unselected_false], whole.allow == sliced.allow, explain, uses=uses),
        Goal(f"{name}: determining policies", [unselected_false],
             ids(whole.determining, None) == ids(sliced.determining, in_slice), explain),
        Goal(f"{name}: erroring policies", [unselected_false],
             ids(whole.erroring, None) == ids(sliced.erroring, in_slice), explain),
    ]


OBLIGATION = Obligation("10", "sound slicing (engine's scope index)", goals)
