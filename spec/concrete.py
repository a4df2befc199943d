"""The model as an oracle: `is_authorized(request, policies, entities) -> Response` on concrete JSON.

No second semantics lives here. A policy set's response is the model's own term
(evaluator, then authorizer) for a symbolic request and store (`symbolic_request`,
`symbolic_entities`); the concrete request, entity store and literal tables are
substituted in, and `z3.simplify` reduces the term to a ground one. The term is
the response spelled as a string (`_summary`), so that one `simplify` and one
read give the whole answer; `is_authorized_all` answers every request on one
policy set and store with one `simplify`.

Building terms is most of the cost, and z3py spends microseconds on every node,
so an expression's term is built with one Z3 application per expression: the
rule of its form (`Ite`, `BinaryApp("less")`, `GetAttr(_, a)`, ...), built once
on placeholder results (`_rule`), stands as a macro, a function symbol applied
to the results of the sub-expressions and to the names the form carries
(attribute names, entity types) (`_macro`). One `z3.substitute_funs` pass then
replaces every application by its rule, instantiated (`_expand`): the term
`evaluate` builds, up to Z3's own rewriting while instantiating (`if true then
a else b` becomes `a`).

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
from spec.expr import Expr, GetAttr, HasAttr, Is, Like, Lit, RecordExpr, Uid, UnaryApp, expr_of_json, uid_of_json, value_expr
from spec.policy import policies_of_json
from spec.request import Request, symbolic_request
from spec.terms import and_, eq, fast_decl, ite, substitute, substitute_funs
from spec.values import KEY, String, Value, entity_uid, key, string_val, value_json

_REQUEST, _ENTITIES = symbolic_request(), symbolic_entities()


@dataclass(frozen=True)
class Response:
    decision: str  # "allow" | "deny"
    reasons: frozenset[str]  # determining policies
    errors: frozenset[str]  # erroring policies
    error_kinds: Mapping[str, str]  # erroring policy -> error kind


# ----- expressions, by applying each form's rule -----

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
    rule = apply_rule(form, lambda h: _hole(h.index), _REQUEST, _ENTITIES)
    return rule if isinstance(form, Lit) else z3.substitute_funs(rule, (key, _KEY))  # a literal has no key


def _name(rank: int) -> str:
    """A placeholder for a name that a form carries; placeholders sort by `rank`, as names do."""
    return f"\x00concrete.name{rank:06d}"


def _generic(form: Expr) -> tuple[Expr, list[str]] | None:
    """`form` with the names it carries replaced by placeholders, and those names (in placeholder order).

    None for `like`, whose pattern becomes a regular expression, not a value a function could take.
    """
    if isinstance(form, UnaryApp) and isinstance(form.op, Like):
        return None
    if isinstance(form, (GetAttr, HasAttr)):
        return dataclasses.replace(form, attr=_name(0)), [form.attr]
    if isinstance(form, UnaryApp) and isinstance(form.op, Is):
        return UnaryApp(Is(_name(0)), form.arg), [form.op.ety]
    if isinstance(form, RecordExpr):
        names = sorted(a for a, _ in form.attrs)
        return RecordExpr(tuple((_name(names.index(a)), h) for a, h in form.attrs)), names
    return form, []


_MAX_MACROS = 20000
"""Past this many forms, new ones are instantiated by substitution instead (`_evaluate`)."""
_MACROS: dict[Expr, tuple[z3.FuncDeclRef, z3.ExprRef]] = {}


def _macro(generic: Expr, holes: int, names: int) -> z3.FuncDeclRef | None:
    """A function symbol standing for the rule of a form (names as placeholders), applied to its holes' results
    and its names; `_expand` replaces each application by the rule, instantiated."""
    if generic not in _MACROS and len(_MACROS) < _MAX_MACROS:
        params = [_hole(i) for i in range(holes)] + [z3.String(f"concrete.name{r}") for r in range(names)]
        rule = substitute(_rule(generic, type(None)), [(string_val(_name(r)), params[holes + r]) for r in range(names)])
        body = z3.Lambda(params[::-1], rule).body()  # the parameters as de Bruijn variables, the first one 0
        _MACROS[generic] = (fast_decl(z3.Function(f"concrete.rule{len(_MACROS)}", *(p.sort() for p in params), Result)),
                            body)
        _expansion.cache_clear()
    return _MACROS[generic][0] if generic in _MACROS else None


@lru_cache(maxsize=1)
def _expansion() -> tuple[int, Any, Any]:
    pairs = list(_MACROS.values())
    return len(pairs), (z3.FuncDecl * len(pairs))(*(f.ast for f, _ in pairs)), (z3.Ast * len(pairs))(*(b.ast for _, b in pairs))


def _expand(term: z3.ExprRef) -> z3.ExprRef:
    """`term` with every macro application replaced by its rule (one pass of `z3.substitute_funs`)."""
    return substitute_funs(term, *_expansion())


def _evaluate(x: Expr) -> z3.DatatypeRef:
    """`evaluate(x, _REQUEST, _ENTITIES)` with the concrete key, macros unexpanded."""
    form, subs = _form(x)
    if not subs:
        return _rule(form, type(getattr(form, "prim", None)))
    results = [_evaluate(e) for e in subs]
    generic = _generic(form)
    f = None if generic is None else _macro(generic[0], len(subs), len(generic[1]))
    if f is None:
        return substitute(_rule(form, type(None)), list(zip(map(_hole, range(len(subs))), results)))
    return f(*results, *(string_val(n) for n in generic[1]))


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


def _closed(term: z3.ExprRef, strings: frozenset[str]) -> z3.ExprRef:
    """A term of data (values read from JSON holding `strings`) with its macros expanded and its literal tables."""
    return substitute(_expand(term), extfun.literal_tables(strings))


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
    summary = substitute(_summary_rule(tuple(p.effect for p in policies)), results)
    return _PolicySet(tuple(p.id for p in policies), summary, _literals(j))


# ----- entities and requests -----

_INVALID, _BAR = z3.StringVal("!"), z3.StringVal("|")
"""The summary of a request whose context does not evaluate; what separates the summaries of a batch."""


@dataclass(frozen=True)
class _Store:
    entities: Entities
    valid: z3.BoolRef  # its attribute and tag values evaluate without error
    strings: frozenset[str]


@lru_cache(maxsize=32)
def _entity_store(text: str) -> _Store:
    """The store, with its attribute and tag values as the model's results; and its literal strings."""
    j = json.loads(text)
    if not isinstance(j, list) or not all(isinstance(e, dict) and "uid" in e for e in j):
        raise InputError("entities must be a JSON list of objects with a `uid`")
    uids = [uid_of_json(e["uid"]) for e in j]
    if len(set(uids)) != len(uids):
        raise InputError("duplicate entity in the entities")
    maps = [(e.get("attrs") or {}, e.get("tags") or {}) for e in j]
    if not all(isinstance(a, dict) and isinstance(t, dict) for a, t in maps):
        raise InputError("entity attrs and tags must be JSON objects")
    results = [({k: _value(v) for k, v in a.items()}, {k: _value(v) for k, v in t.items()}) for a, t in maps]
    ancestors = transitive_closure({u: frozenset(uid_of_json(p) for p in e.get("parents") or []) for u, e in zip(uids, j)})

    def term(u: Uid) -> z3.DatatypeRef:
        return entity_uid(u.ty, u.eid)

    def values(rs: dict[str, z3.DatatypeRef]) -> dict[str, z3.DatatypeRef]:
        return {k: Result.ok_value(r) for k, r in rs.items()}

    store = concrete_entities({term(u): EntityData(values(a), frozenset(term(p) for p in ancestors[u]), values(t))
                               for u, (a, t) in zip(uids, results)})
    valid = and_(*(Result.is_ok(r) for a, t in results for r in (*a.values(), *t.values())))
    strings = _literals(j)
    return _Store(Entities(store.exists, _closed(store.attrs, strings), store.ancestors, _closed(store.tags, strings)),
                  _closed(valid, strings), strings)


def _request(j: Any) -> tuple[Request, z3.BoolRef, frozenset[str]]:
    """The request, whether its context evaluates without error, and the context's literal strings."""
    if not isinstance(j, dict):
        raise InputError("a request must be a JSON object")
    uids = [uid_of_json(j.get(var)) for var in ("principal", "action", "resource")]
    context = j.get("context", {})
    if not isinstance(context, dict):
        raise InputError("the context must be a JSON object")
    strings = _literals(context)
    result = _closed(_value(context), strings)
    return Request(*(entity_uid(u.ty, u.eid) for u in uids), Result.ok_value(result)), Result.is_ok(result), strings


def _text(j: Any) -> str:
    return j if isinstance(j, str) else json.dumps(j)


def _json(j: Any) -> Any:
    return json.loads(j) if isinstance(j, (str, bytes)) else j


def _checked(valid: z3.BoolRef, term: z3.ExprRef) -> z3.ExprRef:
    """`term` where the data (attribute, tag and context values) evaluated without error (`valid`)."""
    return ite(valid, term, z3.Const("concrete.invalid", term.sort()))


def _reduced(term: z3.ExprRef, store: _Store, strings: frozenset[str]) -> z3.ExprRef:
    """`term`, for `_ENTITIES` given `store`, reduced to a ground term by one `simplify`."""
    substitution = _ENTITIES.substitution(store.entities) + extfun.literal_tables(store.strings | strings)
    ground = z3.simplify(substitute(_checked(store.valid, _expand(term)), substitution))
    if z3.is_const(ground) and ground.decl().name() == "concrete.invalid":
        raise InputError("a value in the entities does not evaluate (bad extension value?)")
    return ground


def _response(policy_set: _PolicySet, summary: str) -> Response:
    decision, per_policy = summary[0], summary[1:].split(";")[:-1]
    return Response("allow" if decision == "A" else "deny",
                    frozenset(i for i, p in zip(policy_set.ids, per_policy) if p[0] == "+"),
                    frozenset(i for i, p in zip(policy_set.ids, per_policy) if p[1:]),
                    {i: p[1:] for i, p in zip(policy_set.ids, per_policy) if p[1:]})


def is_authorized_all(requests_json: Sequence[Any], policies_json: Any, entities_json: Any) -> list[Response | InputError]:
    """Lean `isAuthorized` for each request against one policy set and store, in one `simplify`.

    A request the model cannot read (or whose context does not evaluate) gets its
    `InputError` in its place; unreadable policies or entities raise it.
    """
    policy_set = _policy_set(_text(policies_json))
    store = _entity_store(_text(entities_json))
    answers: list[Response | InputError | None] = []
    summaries, strings = [], set(policy_set.strings)
    for j in requests_json:
        try:
            request, valid, request_strings = _request(_json(j))
        except InputError as e:
            answers.append(e)
            continue
        answers.append(None)
        strings |= request_strings
        summaries.append(ite(valid, substitute(policy_set.summary, _REQUEST.substitution(request)), _INVALID))
    if not summaries:
        return answers  # type: ignore[return-value]
    parts = [p for summary in summaries for p in (_BAR, summary)][1:]
    whole = z3.Concat(*parts) if len(parts) > 1 else parts[0]
    ground = _reduced(whole, store, frozenset(strings))
    if not z3.is_string_value(ground):
        raise RuntimeError(f"the model did not reduce to a response: {ground}")
    reduced = iter(ground.as_string().split("|"))
    for i, a in enumerate(answers):
        if a is None:
            s = next(reduced)
            answers[i] = (InputError("a value in the context does not evaluate (bad extension value?)") if s == "!"
                          else _response(policy_set, s))
    return answers  # type: ignore[return-value]


def is_authorized(request_json: Any, policies_json: Any, entities_json: Any) -> Response:
    """Lean `isAuthorized` on concrete input (JSON text or parsed JSON)."""
    answer, = is_authorized_all([request_json], policies_json, entities_json)
    if isinstance(answer, InputError):
        raise answer
    return answer


def evaluate_json(expr_json: Any, request_json: Any, entities_json: Any) -> tuple[str, Any]:
    """One expression (JSON form) on concrete input: ("ok", its value as explicit Cedar JSON) or ("error", kind)."""
    expr = _json(expr_json)
    store = _entity_store(_text(entities_json))
    request, valid, request_strings = _request(_json(request_json))
    term = ite(valid, substitute(_evaluate(expr_of_json(expr)), _REQUEST.substitution(request)),
               z3.Const("concrete.bad_context", Result))
    ground = _reduced(term, store, _literals(expr) | request_strings)
    if z3.is_const(ground):
        raise InputError("a value in the context does not evaluate (bad extension value?)")
    kind = error_kind(ground)
    return ("error", kind) if kind is not None else ("ok", value_json(ground.arg(0)))
