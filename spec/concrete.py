"""The model as an oracle: `is_authorized(request, policies, entities) -> Response` on concrete JSON.

No second semantics lives here. A policy set's response is the model's own term
(evaluator, then authorizer), built once for a symbolic request and store
(`symbolic_request`, `symbolic_entities`) and cached; each call substitutes the
concrete request, entity store and literal tables, and `z3.simplify` reduces the
term to a ground one. The term is the response spelled as a string
(`_summary`), so that one `simplify` and one read give the whole answer.

Inputs are the neutral forms: the JSON policy-set format, entities with
`__entity`/`__extn` spelled out, and a request `{"principal", "action",
"resource", "context"}` with an explicit Cedar JSON context.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

import z3

from spec import extfun
from spec.authorizer import Response as ResponseTerms
from spec.authorizer import is_authorized as authorize
from spec.authorizer import policy_list
from spec.entities import EntityData, Entities, concrete_entities, symbolic_entities, transitive_closure
from spec.errors import ERROR_KINDS, ERRORS, InputError, Result, error_kind
from spec.evaluator import evaluate
from spec.expr import Uid, expr_of_json, uid_of_json, value_expr
from spec.policy import policies_of_json
from spec.request import Request, symbolic_request
from spec.values import entity_uid, units, value_json, with_concrete_key

_REQUEST, _ENTITIES = symbolic_request(), symbolic_entities()


@dataclass(frozen=True)
class Response:
    decision: str  # "allow" | "deny"
    reasons: frozenset[str]  # determining policies
    errors: frozenset[str]  # erroring policies
    error_kinds: Mapping[str, str]  # erroring policy -> error kind


# ----- JSON values -----

def _strings(j: Any) -> set[str]:
    """Every string in a JSON document (a superset of the strings its values hold)."""
    if isinstance(j, str):
        return {j}
    children = j.values() if isinstance(j, dict) else j if isinstance(j, list) else ()
    return set().union(*(_strings(c) for c in children))


def _value(j: Any) -> z3.DatatypeRef:
    """The result of an explicit Cedar JSON value: a restricted expression, evaluated by the model."""
    return evaluate(value_expr(j), _REQUEST, _ENTITIES)


def _literals(j: Any) -> frozenset[str]:
    """The strings in a JSON document that some extension constructor accepts."""
    return frozenset(s for s in _strings(j) if extfun.is_literal(s))


# ----- policy sets -----

def _kind_name(e: z3.ExprRef) -> z3.SeqRef:
    name = z3.StringVal(ERROR_KINDS[-1])
    for kind in reversed(ERROR_KINDS[:-1]):
        name = z3.If(e == ERRORS[kind], z3.StringVal(kind), name)
    return name


def _summary(response: ResponseTerms, results: list[z3.DatatypeRef]) -> z3.SeqRef:
    """The response as a string: `A` or `D`, then per policy `+`/`-` (determining), its error kind, `;`."""
    parts = [z3.If(response.allow, z3.StringVal("A"), z3.StringVal("D"))]
    for i, r in enumerate(results):
        parts += [z3.If(response.determining(i), z3.StringVal("+"), z3.StringVal("-")),
                  z3.If(response.erroring(i), _kind_name(Result.error(r)), z3.StringVal("")), z3.StringVal(";")]
    return z3.Concat(*parts) if len(parts) > 1 else parts[0]


@dataclass(frozen=True)
class _PolicySet:
    ids: tuple[str, ...]
    summary: z3.SeqRef  # for `_REQUEST` and `_ENTITIES`
    strings: frozenset[str]


@lru_cache(maxsize=32)
def _policy_set(text: str) -> _PolicySet:
    j = json.loads(text)
    policies = policies_of_json(j)
    results = [evaluate(p.to_expr(), _REQUEST, _ENTITIES) for p in policies]
    response = authorize(policy_list([p.effect for p in policies], results))
    return _PolicySet(tuple(p.id for p in policies), with_concrete_key(_summary(response, results)), _literals(j))


# ----- entities and requests -----

def _ground(results: list[z3.DatatypeRef], strings: frozenset[str]) -> list[z3.DatatypeRef]:
    """The values of data (attribute and tag values, contexts), reduced once; each must evaluate without error."""
    if not results:
        return []
    parts = [z3.Unit(Result.ok_value(r)) for r in results]
    packed = z3.Concat(parts) if len(parts) > 1 else parts[0]
    checked = with_concrete_key(z3.If(z3.And([Result.is_ok(r) for r in results]), packed, z3.Empty(packed.sort())))
    ground = z3.simplify(z3.substitute(checked, *extfun.literal_tables(strings)))
    if ground.decl().kind() not in (z3.Z3_OP_SEQ_CONCAT, z3.Z3_OP_SEQ_UNIT):
        raise InputError("a value in the entities or context does not evaluate (bad extension value?)")
    return units(ground)


@lru_cache(maxsize=32)
def _entity_store(text: str) -> tuple[Entities, frozenset[str]]:
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
    values = iter(_ground([_value(v) for a, t in maps for v in (*a.values(), *t.values())], strings))
    ancestors = transitive_closure({u: frozenset(uid_of_json(p) for p in e.get("parents") or []) for u, e in zip(uids, j)})

    def term(u: Uid) -> z3.DatatypeRef:
        return entity_uid(u.ty, u.eid)

    data = {term(u): EntityData({k: next(values) for k in a}, frozenset(term(p) for p in ancestors[u]),
                                {k: next(values) for k in t})
            for u, (a, t) in zip(uids, maps)}
    return concrete_entities(data), strings


@lru_cache(maxsize=256)
def _context(text: str) -> tuple[z3.DatatypeRef, frozenset[str]]:
    """The context's value, and its literal strings."""
    j = json.loads(text)
    if not isinstance(j, dict):
        raise InputError("the context must be a JSON object")
    context, = _ground([_value(j)], _literals(j))
    return context, _literals(j)


def _request(j: Any) -> tuple[Request, frozenset[str]]:
    if not isinstance(j, dict):
        raise InputError("a request must be a JSON object")
    uids = [uid_of_json(j.get(var)) for var in ("principal", "action", "resource")]
    context, strings = _context(json.dumps(j.get("context", {})))
    return Request(*(entity_uid(u.ty, u.eid) for u in uids), context), strings


def _text(j: Any) -> str:
    return j if isinstance(j, str) else json.dumps(j)


def _json(j: Any) -> Any:
    return json.loads(j) if isinstance(j, (str, bytes)) else j


def is_authorized(request_json: Any, policies_json: Any, entities_json: Any) -> Response:
    """Lean `isAuthorized` on concrete input (JSON text or parsed JSON)."""
    policy_set = _policy_set(_text(policies_json))
    entities, entity_strings = _entity_store(_text(entities_json))
    request, request_strings = _request(_json(request_json))
    substitution = (_REQUEST.substitution(request) + _ENTITIES.substitution(entities)
                    + extfun.literal_tables(policy_set.strings | entity_strings | request_strings))
    summary = z3.simplify(z3.substitute(policy_set.summary, *substitution))
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
    request, request_strings = _request(_json(request_json))
    result = with_concrete_key(evaluate(expr_of_json(expr), _REQUEST, _ENTITIES))
    substitution = (_REQUEST.substitution(request) + _ENTITIES.substitution(entities)
                    + extfun.literal_tables(_literals(expr) | entity_strings | request_strings))
    ground = z3.simplify(z3.substitute(result, *substitution))
    kind = error_kind(ground)
    return ("error", kind) if kind is not None else ("ok", value_json(ground.arg(0)))
