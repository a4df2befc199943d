"""The model as an oracle: `is_authorized(request, policies, entities) -> Response` on concrete JSON.

No second semantics lives here. A policy set's response is the model's own term
(evaluator, then authorizer) for a symbolic request and store (`symbolic_request`,
`symbolic_entities`), built once and cached; each call substitutes the concrete
request, entity store and literal tables, and `z3.simplify` reduces the term to a
ground one. The term is the response spelled as a string (`_summary`), so that
one `simplify` and one read give the whole answer.

Building the term is most of the cost of a new policy set, so it is built by
instantiation: the rule of each expression form (`Ite`, `BinaryApp("less")`,
`GetAttr(_, "owner")`, ...) is built once, on placeholder results (`_rule`), and
an expression's term is its form's rule with the results of its sub-expressions
substituted in (`_evaluate`): one Z3 call per expression, giving exactly the
term `evaluate` builds.

Inputs are the neutral forms: the JSON policy-set format, entities with
`__entity`/`__extn` spelled out, and a request `{"principal", "action",
"resource", "context"}` with an explicit Cedar JSON context.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping, Sequence

import z3

from spec import extfun
from spec.authorizer import Response as ResponseTerms
from spec.authorizer import is_authorized as authorize
from spec.authorizer import policy_list
from spec.entities import EntityData, Entities, concrete_entities, symbolic_entities, transitive_closure
from spec.errors import ERROR_KINDS, ERRORS, InputError, Result, error_kind
from spec.evaluator import apply_rule
from spec.expr import Expr, Uid, expr_of_json, uid_of_json, value_expr
from spec.policy import policies_of_json
from spec.request import Request, symbolic_request
from spec.terms import and_, eq, ite, substitute
from spec.values import KEY, String, Value, entity_uid, key, value_json

_REQUEST, _ENTITIES = symbolic_request(), symbolic_entities()


@dataclass(frozen=True)
class Response:
    decision: str  # "allow" | "deny"
    reasons: frozenset[str]  # determining policies
    errors: frozenset[str]  # erroring policies
    error_kinds: Mapping[str, str]  # erroring policy -> error kind


# ----- expressions, by instantiating each form's rule -----

@dataclass(frozen=True)
class _Hole:
    """The place of a sub-expression in an expression form."""
    index: int


@lru_cache(maxsize=None)
def _hole(index: int) -> z3.DatatypeRef:
    return z3.Const(f"concrete.hole{index}", Result)


_FIELDS = {form: tuple(f.name for f in dataclasses.fields(form)) for form in typing.get_args(Expr)}


def _form(x: Expr) -> tuple[Expr, list[Expr]]:
    """`x` with its sub-expressions replaced by holes, and those sub-expressions."""
    subs: list[Expr] = []

    def hole(v: Any) -> Any:
        if isinstance(v, tuple):
            return tuple(hole(e) for e in v)
        if type(v) in _FIELDS:
            subs.append(v)
            return _Hole(len(subs) - 1)
        return v
    return type(x)(*(hole(getattr(x, f)) for f in _FIELDS[type(x)])), subs


def _key_function() -> z3.FuncDeclRef:
    """The concrete `KEY` as a function, which `z3.simplify` unfolds on values only: one node per use of `key`."""
    f, v = z3.RecFunction("concrete.key", Value, String), z3.Const("v", Value)
    z3.RecAddDefinition(f, [v], z3.substitute_vars(KEY, v))
    return f


_KEY = _key_function()(z3.Var(0, Value))


@lru_cache(maxsize=8192)
def _rule(form: Expr, literal_type: type) -> z3.DatatypeRef:
    """The result of an expression form, in terms of its holes' results.

    `literal_type` is the type of a literal's value, which tells `Lit(1)` from `Lit(True)` (equal in Python).
    """
    return z3.substitute_funs(apply_rule(form, lambda h: _hole(h.index), _REQUEST, _ENTITIES), (key, _KEY))


def _evaluate(x: Expr) -> z3.DatatypeRef:
    """`evaluate(x, _REQUEST, _ENTITIES)`, with the concrete key."""
    form, subs = _form(x)
    rule = _rule(form, type(getattr(form, "prim", None)))
    return substitute(rule, [(_hole(i), _evaluate(e)) for i, e in enumerate(subs)])


# ----- JSON values -----

def _strings(j: Any) -> set[str]:
    """Every string in a JSON document (a superset of the strings its values hold)."""
    found, todo = set(), [j]
    while todo:
        x = todo.pop()
        if isinstance(x, str):
            found.add(x)
        elif isinstance(x, (dict, list)):
            todo.extend(x.values() if isinstance(x, dict) else x)
    return found


def _value(j: Any) -> z3.DatatypeRef:
    """The result of an explicit Cedar JSON value: a restricted expression, evaluated by the model."""
    return _evaluate(value_expr(j))


def _literals(j: Any) -> frozenset[str]:
    """The strings in a JSON document that some extension constructor accepts."""
    return frozenset(s for s in _strings(j) if extfun.is_literal(s))


# ----- policy sets -----

_WORDS = {w: z3.StringVal(w) for w in ("A", "D", "+", "-", "", ";", *ERROR_KINDS)}


def _kind_name(e: z3.ExprRef) -> z3.SeqRef:
    name = _WORDS[ERROR_KINDS[-1]]
    for kind in reversed(ERROR_KINDS[:-1]):
        name = ite(eq(e, ERRORS[kind]), _WORDS[kind], name)
    return name


def _summary(response: ResponseTerms, results: Sequence[z3.DatatypeRef]) -> z3.SeqRef:
    """The response as a string: `A` or `D`, then per policy `+`/`-` (determining), its error kind, `;`."""
    parts = [ite(response.allow, _WORDS["A"], _WORDS["D"])]
    for i, r in enumerate(results):
        parts += [ite(response.determining(i), _WORDS["+"], _WORDS["-"]),
                  ite(response.erroring(i), _kind_name(Result.error(r)), _WORDS[""]), _WORDS[";"]]
    return z3.Concat(*parts) if len(parts) > 1 else parts[0]


@lru_cache(maxsize=1024)
def _summary_rule(effects: tuple[str, ...]) -> z3.SeqRef:
    """The summary of policies with these effects, in terms of their results (holes)."""
    results = [_hole(i) for i in range(len(effects))]
    return _summary(authorize(policy_list(effects, results)), results)


@dataclass(frozen=True)
class _PolicySet:
    ids: tuple[str, ...]
    summary: z3.SeqRef  # for `_REQUEST` and `_ENTITIES`
    strings: frozenset[str]


@lru_cache(maxsize=32)
def _policy_set(text: str) -> _PolicySet:
    j = json.loads(text)
    policies = policies_of_json(j)
    results = [(_hole(i), _evaluate(p.to_expr())) for i, p in enumerate(policies)]
    summary = z3.simplify(substitute(_summary_rule(tuple(p.effect for p in policies)), results))
    return _PolicySet(tuple(p.id for p in policies), summary, _literals(j))


# ----- entities and requests -----

def _checked(valid: z3.BoolRef, term: z3.ExprRef) -> z3.ExprRef:
    """`term` where the data (attribute, tag and context values) evaluated without error (`valid`)."""
    return ite(valid, term, z3.Const("concrete.invalid", term.sort()))


def _reduced(term: z3.ExprRef) -> z3.ExprRef:
    """`term` (a `_checked` one) simplified to a ground term."""
    ground = z3.simplify(term)
    if z3.is_const(ground) and ground.decl().name() == "concrete.invalid":
        raise InputError("a value in the entities or context does not evaluate (bad extension value?)")
    return ground


@lru_cache(maxsize=32)
def _entity_store(text: str) -> tuple[Entities, frozenset[str]]:
    """The store, its attributes and tags reduced once; and its literal strings."""
    j = json.loads(text)
    if not isinstance(j, list) or not all(isinstance(e, dict) and "uid" in e for e in j):
        raise InputError("entities must be a JSON list of objects with a `uid`")
    uids = [uid_of_json(e["uid"]) for e in j]
    if len(set(uids)) != len(uids):
        raise InputError("duplicate entity in the entities")
    maps = [(e.get("attrs") or {}, e.get("tags") or {}) for e in j]
    if not all(isinstance(a, dict) and isinstance(t, dict) for a, t in maps):
        raise InputError("entity attrs and tags must be JSON objects")
    strings = _literals(j)
    results = [({k: _value(v) for k, v in a.items()}, {k: _value(v) for k, v in t.items()}) for a, t in maps]
    ancestors = transitive_closure({u: frozenset(uid_of_json(p) for p in e.get("parents") or []) for u, e in zip(uids, j)})

    def term(u: Uid) -> z3.DatatypeRef:
        return entity_uid(u.ty, u.eid)

    def values(rs: dict[str, z3.DatatypeRef]) -> dict[str, z3.DatatypeRef]:
        return {k: Result.ok_value(r) for k, r in rs.items()}

    store = concrete_entities({term(u): EntityData(values(a), frozenset(term(p) for p in ancestors[u]), values(t))
                               for u, (a, t) in zip(uids, results)})
    valid = and_(*(Result.is_ok(r) for a, t in results for r in (*a.values(), *t.values())))
    tables = extfun.literal_tables(strings)
    attrs = _reduced(substitute(_checked(valid, store.attrs), tables))
    tags = _reduced(substitute(store.tags, tables))
    return Entities(store.exists, attrs, store.ancestors, tags), strings


def _request(j: Any) -> tuple[Request, z3.BoolRef, frozenset[str]]:
    """The request, whether its context evaluates without error, and the context's literal strings."""
    if not isinstance(j, dict):
        raise InputError("a request must be a JSON object")
    uids = [uid_of_json(j.get(var)) for var in ("principal", "action", "resource")]
    context = j.get("context", {})
    if not isinstance(context, dict):
        raise InputError("the context must be a JSON object")
    strings = _literals(context)
    result = substitute(_value(context), extfun.literal_tables(strings))
    return Request(*(entity_uid(u.ty, u.eid) for u in uids), Result.ok_value(result)), Result.is_ok(result), strings


def _text(j: Any) -> str:
    return j if isinstance(j, str) else json.dumps(j)


def _json(j: Any) -> Any:
    return json.loads(j) if isinstance(j, (str, bytes)) else j


def is_authorized(request_json: Any, policies_json: Any, entities_json: Any) -> Response:
    """Lean `isAuthorized` on concrete input (JSON text or parsed JSON)."""
    policy_set = _policy_set(_text(policies_json))
    entities, entity_strings = _entity_store(_text(entities_json))
    request, valid, request_strings = _request(_json(request_json))
    substitution = (_REQUEST.substitution(request) + _ENTITIES.substitution(entities)
                    + extfun.literal_tables(policy_set.strings | entity_strings | request_strings))
    summary = _reduced(_checked(valid, substitute(policy_set.summary, substitution)))
    if not z3.is_string_value(summary):
        raise RuntimeError(f"the model did not reduce to a response: {summary}")
    decision, per_policy = summary.as_string()[0], summary.as_string()[1:].split(";")[:-1]
    return Response("allow" if decision == "A" else "deny",
                    frozenset(i for i, p in zip(policy_set.ids, per_policy) if p[0] == "+"),
                    frozenset(i for i, p in zip(policy_set.ids, per_policy) if p[1:]),
                    {i: p[1:] for i, p in zip(policy_set.ids, per_policy) if p[1:]})


def evaluate_json(expr_json: Any, request_json: Any, entities_json: Any) -> tuple[str, Any]:
    """One expression (JSON form) on concrete input: ("ok", its value as explicit Cedar JSON) or ("error", kind)."""
    expr = _json(expr_json)
    entities, entity_strings = _entity_store(_text(entities_json))
    request, valid, request_strings = _request(_json(request_json))
    substitution = (_REQUEST.substitution(request) + _ENTITIES.substitution(entities)
                    + extfun.literal_tables(_literals(expr) | entity_strings | request_strings))
    ground = _reduced(_checked(valid, substitute(_evaluate(expr_of_json(expr)), substitution)))
    kind = error_kind(ground)
    return ("error", kind) if kind is not None else ("ok", value_json(ground.arg(0)))
