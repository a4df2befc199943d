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
from spec.errors import ERROR_KINDS, ERRORS, InputError, Result, err, error_kind
from spec.evaluator import evaluate
from spec.expr import Uid, checked_string, expr_of_json, uid_of_json
from spec.policy import policies_of_json
from spec.request import Request, symbolic_request
from spec.values import (Value, bool_value, entity_uid, long_value, make_record, make_set, string_value, units,
                         value_json, with_concrete_key)

_REQUEST, _ENTITIES = symbolic_request(), symbolic_entities()
I64_MIN, I64_MAX = -(2**63), 2**63 - 1


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


def _value(j: Any, calls: list[z3.DatatypeRef]) -> z3.DatatypeRef:
    """The value of an explicit Cedar JSON value; each extension call's result is appended to `calls`."""
    if isinstance(j, bool):
        return bool_value(j)
    if isinstance(j, int) and I64_MIN <= j <= I64_MAX:
        return long_value(j)
    if isinstance(j, str):
        return string_value(checked_string(j))
    if isinstance(j, list):
        return make_set([_value(x, calls) for x in j])
    if isinstance(j, dict) and set(j) == {"__entity"}:
        uid = uid_of_json(j)
        return Value.entity(entity_uid(uid.ty, uid.eid))
    if isinstance(j, dict) and set(j) == {"__extn"}:
        ext = j["__extn"]
        args = ext.get("args", [ext.get("arg")]) if isinstance(ext, dict) else None
        if not (isinstance(args, list) and ext.get("fn") in extfun.CALLS):
            raise InputError(f"malformed extension value {j!r}")
        calls.append(extfun.call(ext["fn"], [_value(a, calls) for a in args]))
        return Result.ok_value(calls[-1])
    if isinstance(j, dict):
        return make_record({k: _value(v, calls) for k, v in j.items()})
    raise InputError(f"not a Cedar value: {j!r}")


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

def _ground(values: list[z3.DatatypeRef], calls: list[z3.DatatypeRef], strings: frozenset[str]) -> list[z3.DatatypeRef]:
    """Reduce data values once, checking that their extension calls succeeded."""
    if not values:
        return []
    packed = z3.Concat([z3.Unit(v) for v in values]) if len(values) > 1 else z3.Unit(values[0])
    checked = with_concrete_key(z3.If(z3.And([Result.is_ok(c) for c in calls]), packed, z3.Empty(packed.sort())))
    ground = z3.simplify(z3.substitute(checked, *extfun.literal_tables(strings)))
    if ground.decl().kind() not in (z3.Z3_OP_SEQ_CONCAT, z3.Z3_OP_SEQ_UNIT):
        raise InputError("a value in the entities does not evaluate (bad extension value?)")
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
    calls: list[z3.DatatypeRef] = []
    values = iter(_ground([_value(v, calls) for a, t in maps for v in (*a.values(), *t.values())], calls, strings))
    ancestors = transitive_closure({u: frozenset(uid_of_json(p) for p in e.get("parents") or []) for u, e in zip(uids, j)})

    def term(u: Uid) -> z3.DatatypeRef:
        return entity_uid(u.ty, u.eid)

    data = {term(u): EntityData({k: next(values) for k in a}, frozenset(term(p) for p in ancestors[u]),
                                {k: next(values) for k in t})
            for u, (a, t) in zip(uids, maps)}
    return concrete_entities(data), strings


@lru_cache(maxsize=256)
def _context(text: str) -> tuple[z3.DatatypeRef, z3.BoolRef, frozenset[str]]:
    """The context's value, whether its extension calls succeed, and its literal strings."""
    j = json.loads(text)
    if not isinstance(j, dict):
        raise InputError("the context must be a JSON object")
    calls: list[z3.DatatypeRef] = []
    context = with_concrete_key(_value(j, calls))
    valid = z3.And([Result.is_ok(c) for c in calls])
    tables = extfun.literal_tables(_literals(j))  # an extension value's argument is a literal of its own
    return z3.substitute(context, *tables), z3.substitute(valid, *tables), _literals(j)


def _request(j: Any) -> tuple[Request, z3.BoolRef, frozenset[str]]:
    if not isinstance(j, dict):
        raise InputError("a request must be a JSON object")
    uids = [uid_of_json(j.get(var)) for var in ("principal", "action", "resource")]
    context, valid, strings = _context(json.dumps(j.get("context", {})))
    return Request(*(entity_uid(u.ty, u.eid) for u in uids), context), valid, strings


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
    checked = z3.If(valid, policy_set.summary, z3.StringVal("!"))
    summary = z3.simplify(z3.substitute(checked, *substitution))
    if not z3.is_string_value(summary) or summary.as_string() == "!":
        raise InputError(f"the request does not evaluate (bad extension value in the context?): {summary}")
    decision = summary.as_string()[0]
    per_policy = summary.as_string()[1:].split(";")[:-1]
    return Response("allow" if decision == "A" else "deny",
                    frozenset(i for i, p in zip(policy_set.ids, per_policy) if p[0] == "+"),
                    frozenset(i for i, p in zip(policy_set.ids, per_policy) if p[1:]),
                    {i: p[1:] for i, p in zip(policy_set.ids, per_policy) if p[1:]})


def evaluate_json(expr_json: Any, request_json: Any, entities_json: Any) -> tuple[str, Any]:
    """One expression (JSON form) on concrete input: ("ok", its value as explicit Cedar JSON) or ("error", kind)."""
    expr = _json(expr_json)
    entities, entity_strings = _entity_store(_text(entities_json))
    request, valid, request_strings = _request(_json(request_json))
    result = with_concrete_key(z3.If(valid, evaluate(expr_of_json(expr), _REQUEST, _ENTITIES), err("extensionError")))
    substitution = (_REQUEST.substitution(request) + _ENTITIES.substitution(entities)
                    + extfun.literal_tables(_literals(expr) | entity_strings | request_strings))
    ground = z3.simplify(z3.substitute(result, *substitution))
    kind = error_kind(ground)
    return ("error", kind) if kind is not None else ("ok", value_json(ground.arg(0)))
