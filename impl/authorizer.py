"""The authorizer: the decision for a request, from compiled policies and an entity store.

Semantics (Lean `Cedar.Spec.isAuthorized`): if some forbid policy is satisfied
the decision is Deny and the satisfied forbids are the reasons; otherwise, if
some permit is satisfied, Allow with the satisfied permits as reasons;
otherwise Deny with no reasons. A policy whose evaluation errors is never
satisfied and is listed in `errors`. Authorization fails closed: any exception
while evaluating a policy, even an internal one, only makes that policy error.

`Authorizer` compiles each policy once (scope into the `PolicyIndex`,
conditions into a closure) and answers many requests; `is_authorized` is the
one-call convenience taking text, JSON or parsed objects.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, NamedTuple

from . import ast
from .arguments import text_argument
from .entities import Entities, parse_context
from .errors import (
    CedarError, EntityError, ErrorKind, EvaluationError, ParseError, PolicySetError, RequestError, SchemaError,
)
from .evaluator import Env, compile_expr
from .gc_pause import paused_gc
from .policy_index import PolicyIndex
from .request import validate_context, validate_scope
from .request import validate_request as _validate_request
from .schema.model import Schema
from .value_json import describe_json, load_json, make_entity_uid, parse_entity_uid
from .values import EntityUID, Record


class Decision(Enum):
    ALLOW = "allow"
    DENY = "deny"


_EMPTY_CONTEXT = Record()


class Request(NamedTuple):
    """`principal`, `action` and `resource` entity uids and the `context` record
    (a named tuple: cheap to make on the request path)."""

    principal: EntityUID
    action: EntityUID
    resource: EntityUID
    context: Record = _EMPTY_CONTEXT


@dataclass(frozen=True, slots=True)
class AuthorizationError:
    """A policy that errored on the request; `kind` is None for an internal failure."""

    policy_id: str
    message: str
    kind: ErrorKind | None = None


class Response(NamedTuple):
    decision: Decision
    reasons: list[str]  # determining policies, in policy-set order
    errors: list[AuthorizationError]  # erroring policies, in policy-set order

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW


_Condition = Callable[[Env], Any] | None
_ROLES = ("principal", "action", "resource")
_MAX_REMEMBERED = 100_000  # entity uids an `Authorizer` remembers from requests (then it starts afresh)


class Authorizer:
    """Compiled policies and an entity store, ready for many requests."""

    __slots__ = ("_ids", "_forbid", "_conditions", "_index", "_by_uid", "_masks", "schema", "entities",
                 "validate_requests", "_uids", "_valid_scopes", "_empty_contexts", "_valid_empty_contexts")

    def __init__(self, policies: Any, entities: Any = None, schema: Any = None, *,
                 validate_requests: bool = True) -> None:
        """`policies`, `entities` and `schema` in any form `is_authorized` takes. With a schema
        and `validate_requests`, requests given as dicts are validated against it."""
        self.schema = as_schema(schema)
        self.validate_requests = validate_requests
        self.entities = as_entities(entities, self.schema)
        with paused_gc():  # compiling allocates a closure tree per policy, none of it garbage
            compiled = compile_policies(policies)
        self._ids, self._forbid, self._conditions, self._index = compiled
        self._by_uid = self.entities.by_uid
        # uid -> scope mask per dimension; valid because the entity store never changes
        self._masks: tuple[dict, dict, dict] = ({}, {}, {})
        # What reading and validating requests given as dicts derives from their parts alone,
        # valid because the schema never changes either (see `_read_plain`).
        self._uids: dict[tuple[str, str], EntityUID] = {}
        self._valid_scopes: set[tuple[str, EntityUID, str]] = set()
        self._empty_contexts: dict[EntityUID, Record] = {}
        self._valid_empty_contexts: set[EntityUID] = set()

    def _read_request(self, request: Any) -> tuple[EntityUID, EntityUID, EntityUID, Record]:
        """A request given otherwise than as a `Request`: read, and validated if asked."""
        if request.__class__ is dict:
            req = self._read_plain(request)
            if req is not None:
                return req
        req = as_request(request, self.schema)
        if self.schema is not None and self.validate_requests:
            _validate_request(self.schema, req.principal, req.action, req.resource, req.context)
        return req

    def _read_plain(self, request: dict[str, Any]) -> tuple[EntityUID, EntityUID, EntityUID, Record] | None:
        """`_read_request` for the usual shape of request, `{"principal": {"type": .., "id": ..},
        "action": .., "resource": .., "context": {..}}` (None for any other shape), with the same
        result or the same error, in less time: it remembers the entity uid of each (type, id),
        the (principal type, action, resource type) that passed `validate_scope` (when neither
        type is enumerated, the only case where the ids matter), and for each action the
        context `{}` reads to and whether it passed `validate_context`."""
        p, a, r = request.get("principal"), request.get("action"), request.get("resource")
        if (p.__class__ is not dict or a.__class__ is not dict or r.__class__ is not dict
                or len(p) != 2 or len(a) != 2 or len(r) != 2):
            return None
        uids = self._uids
        try:  # only (str, str) keys are remembered
            principal, action, resource = uids[p.get("type"), p.get("id")], uids[a.get("type"), a.get("id")], \
                uids[r.get("type"), r.get("id")]
        except (KeyError, TypeError):
            parts = self._remember_uids(p, a, r)
            if parts is None:
                return None
            principal, action, resource = parts
        schema = self.schema
        context = request.get("context")
        empty = context is None or (context.__class__ is dict and not context)
        if empty:
            record = self._empty_contexts.get(action)
            if record is None:
                record = self._empty_contexts[action] = read_context({}, schema, action)
        elif context.__class__ is dict:
            record = read_context(context, schema, action)
        else:
            return None
        if schema is not None and self.validate_requests:
            scope = (principal[0], action, resource[0])
            if scope not in self._valid_scopes:
                validate_scope(schema, principal, action, resource)
                types = schema.entity_types
                if types[principal[0]].enum_ids is None and types[resource[0]].enum_ids is None:
                    self._valid_scopes.add(scope)
            if not empty:
                validate_context(schema, action, record)
            elif action not in self._valid_empty_contexts:
                validate_context(schema, action, record)
                self._valid_empty_contexts.add(action)
        return (principal, action, resource, record)

    def _remember_uids(self, *parts: dict[str, Any]) -> list[EntityUID] | None:
        """The entity uids of `{"type": .., "id": ..}` principal, action and resource, remembered;
        None if one is not of that form (the general path reads it)."""
        uids = self._uids
        out = []
        for role, v in zip(_ROLES, parts):
            t, i = v.get("type"), v.get("id")
            if t.__class__ is not str or i.__class__ is not str:
                return None
            uid = uids.get((t, i))
            if uid is None:
                uid = as_entity_uid(v, role)
                if len(uids) >= _MAX_REMEMBERED:
                    uids.clear()
                uids[(t, i)] = uid
            out.append(uid)
        return out

    def _mask(self, dim: int, uid: EntityUID) -> int:
        cache = self._masks[dim]
        m = cache.get(uid)
        if m is None:
            if len(cache) > 50_000:
                cache.clear()
            index = (self._index.principal, self._index.action, self._index.resource)[dim]
            m = cache[uid] = index.mask(uid, self._by_uid.get(uid))
        return m

    def is_authorized(self, request: Request | Mapping[str, Any]) -> Response:
        """The decision for `request`: a `Request` (taken as valid), or a dict as
        `is_authorized` takes (read, and validated as the constructor says)."""
        if request.__class__ is Request:
            principal, action, resource, context = request  # type: ignore[misc]
            if (principal.__class__ is not EntityUID or action.__class__ is not EntityUID
                    or resource.__class__ is not EntityUID or context.__class__ is not Record):
                principal, action, resource, context = self._read_request(request)  # see `_well_formed`
        else:
            principal, action, resource, context = self._read_request(request)
        masks = self._masks
        m = masks[0].get(principal)
        if m is None:
            m = self._mask(0, principal)
        a = masks[1].get(action)
        if a is None:
            a = self._mask(1, action)
        r = masks[2].get(resource)
        if r is None:
            r = self._mask(2, resource)
        candidates = m & a & r
        if not candidates:
            return Response(Decision.DENY, [], [])
        env = Env(principal, action, resource, context, self._by_uid)
        ids, forbid, conditions = self._ids, self._forbid, self._conditions
        forbids: list[str] = []
        permits: list[str] = []
        errors: list[AuthorizationError] = []
        while candidates:
            low = candidates & -candidates
            i = low.bit_length() - 1
            candidates ^= low
            condition = conditions[i]
            if condition is not None:
                try:
                    if condition(env) is not True:
                        continue
                except EvaluationError as e:
                    errors.append(AuthorizationError(ids[i], e.message, e.kind))
                    continue
                except Exception as e:  # noqa: BLE001 - fail closed on any internal failure
                    errors.append(AuthorizationError(ids[i], f"internal error: {type(e).__name__}: {e}", None))
                    continue
            (forbids if forbid[i] else permits).append(ids[i])
        if forbids:
            return Response(Decision.DENY, forbids, errors)
        if permits:
            return Response(Decision.ALLOW, permits, errors)
        return Response(Decision.DENY, [], errors)


# ---------------------------------------------------------------- compiling policies


_Compiled = tuple[list[str], list[bool], list[_Condition], PolicyIndex]
_COMPILED_TEXTS: dict[str, _Compiled] = {}  # policy text -> compiled, most recent last
_SCHEMA_TEXTS: dict[str, Schema] = {}
_CACHE_SIZE = 32


def _remember(cache: dict, key: str, value: Any) -> Any:
    if len(cache) >= _CACHE_SIZE:
        del cache[next(iter(cache))]
    cache[key] = value
    return value


def compile_policies(policies: Any) -> _Compiled:
    """Ids, forbid flags, compiled conditions (None when a policy has none) and the index.

    Policy text is compiled once and remembered (policies are immutable), so
    repeated one-call authorizations with the same text skip parsing.
    """
    if isinstance(policies, str):
        compiled = _COMPILED_TEXTS.get(policies)
        if compiled is None:
            compiled = _remember(_COMPILED_TEXTS, policies, _compile_policies(policies))
        return compiled
    return _compile_policies(policies)


def _compile_policies(policies: Any) -> _Compiled:
    listed = policy_list(policies)
    ids = [p.id for p in listed]
    forbid = [p.effect == "forbid" for p in listed]
    conditions = [compile_conditions(p) for p in listed]
    return ids, forbid, conditions, PolicyIndex(listed)


def compile_conditions(policy: ast.Policy) -> _Condition:
    """The closure for `cond1 && cond2 && ...` (`unless { e }` read as `!e`), or None if
    there are none; it returns a Bool or raises, as that tail of `Policy.to_expr` does."""
    bodies = [c.body if c.kind == "when" else ast.UnaryApp("!", c.body, c.loc) for c in policy.conditions]
    if not bodies:
        return None
    expr: ast.Expr = ast.Lit(True)  # `c && true` is `c` when `c` is a Bool, a type error otherwise
    for body in reversed(bodies):
        expr = ast.And(body, expr)
    return compile_expr(expr)


def policy_list(policies: Any) -> list[ast.Policy]:
    """The policies to authorize with, in policy-set order: from Cedar text, a `PolicySet`
    (its static and linked policies), a mapping id -> policy, or an iterable of policies."""
    if isinstance(policies, (bytes, bytearray, memoryview)):
        policies = text_argument(policies, "policy text", ParseError)
    if isinstance(policies, str):
        from .policyset import PolicySet

        policies = PolicySet.from_str(policies)
    inner = getattr(policies, "policies", None)
    if isinstance(inner, Mapping):
        listed = list(inner.values())
    elif isinstance(policies, Mapping):
        listed = list(policies.values())
    elif isinstance(policies, ast.Policy):
        listed = [policies]
    elif isinstance(policies, Iterable):
        listed = list(policies)
    else:
        raise PolicySetError(f"expected policies as Cedar text, a PolicySet or policies, got {type(policies).__name__}")
    for p in listed:
        if not isinstance(p, ast.Policy):
            raise PolicySetError(f"expected a Policy, got {type(p).__name__}")
    return listed


# ---------------------------------------------------------------- one-call API


def is_authorized(
    request: Any,
    policies: Any,
    entities: Any,
    schema: Any = None,
    *,
    validate_request: bool = True,
) -> Response:
    """Authorize one request.

    `request`: a `Request`, or a dict with `principal`, `action`, `resource`
    (each `{"type", "id"}`, an `EntityUID` or `'Type::"id"'`) and `context`
    (Cedar JSON, default `{}`); `policies`: Cedar text, a `PolicySet` or policies;
    `entities`: JSON text, a list, or `Entities`; `schema`: Cedar schema text,
    JSON (dict or text) or a `Schema`. With a schema, entities and context are
    read against it and, if `validate_request`, the request is validated
    (`RequestError` if it does not fit).
    """
    schema_obj = as_schema(schema)
    req = as_request(request, schema_obj)
    if schema_obj is not None and validate_request:
        _validate_request(schema_obj, req.principal, req.action, req.resource, req.context)
    return Authorizer(policies, as_entities(entities, schema_obj), schema_obj).is_authorized(req)


def as_schema(schema: Any) -> Schema | None:
    if schema is None or isinstance(schema, Schema):
        return schema
    if isinstance(schema, Mapping):
        return Schema.from_json(dict(schema))
    if isinstance(schema, (str, bytes, bytearray, memoryview)):
        text = text_argument(schema, "schema text", SchemaError)
        cached = _SCHEMA_TEXTS.get(text)
        if cached is None:
            parsed = Schema.from_json(text) if text.lstrip().startswith("{") else Schema.from_str(text)
            cached = _remember(_SCHEMA_TEXTS, text, parsed)
        return cached
    raise SchemaError(f"expected a schema as text, JSON or Schema, got {type(schema).__name__}")


def as_entities(entities: Any, schema: Schema | None) -> Entities:
    if entities is None:
        entities = []
    if isinstance(entities, Entities):
        return entities
    return Entities.from_json(entities, schema)


def as_request(request: Any, schema: Schema | None = None) -> Request:
    """A `Request` from a `Request` or a dict (context read against the schema, if any)."""
    if isinstance(request, Request):
        if _well_formed(request):
            return request
        request = request._asdict()  # built from other values than uids and a record: read them
    if not isinstance(request, Mapping):
        raise RequestError(f"expected a request as a dict or Request, got {type(request).__name__}")
    uids = []
    for role in ("principal", "action", "resource"):
        if role not in request:
            raise RequestError(f"request is missing its {role}")
        uids.append(as_entity_uid(request[role], role))
    principal, action, resource = uids
    context = request.get("context")
    if context is None:
        context = {}
    if isinstance(context, Record):
        return Request(principal, action, resource, context)
    return Request(principal, action, resource, read_context(context, schema, action))


def read_context(context: Any, schema: Schema | None, action: EntityUID) -> Record:
    """A request's context from its JSON (text or parsed), read against the action's context
    type if the schema declares the action (`RequestError` if it does not)."""
    try:
        if isinstance(context, (str, bytes)):
            context = load_json(context, "context", last_duplicate_wins=True)
        record = parse_context(context, schema if schema is not None and action in schema.actions else None, action)
    except EntityError as e:
        raise RequestError(f"invalid context: {e.message}") from None
    if schema is not None and action not in schema.actions:
        raise RequestError(f"action `{action}` does not exist in the supplied schema")
    return record


def _well_formed(request: Request) -> bool:
    """Whether a `Request` holds what its fields say (a named tuple takes any values)."""
    principal, action, resource, context = request
    return (principal.__class__ is EntityUID and action.__class__ is EntityUID
            and resource.__class__ is EntityUID and context.__class__ is Record)


def as_entity_uid(v: Any, role: str) -> EntityUID:
    """An `EntityUID` from an `EntityUID`, `{"type", "id"}` / `{"__entity": ...}`, or `'Type::"id"'`."""
    try:
        if isinstance(v, EntityUID):
            t, i = v
            if t.__class__ is str and i.__class__ is str:
                return make_entity_uid(t, i, f"in the request's {role}")
        elif isinstance(v, Mapping):
            return parse_entity_uid(dict(v), f"in the request's {role}")
        elif isinstance(v, str):
            return _parse_uid_text(v, role)
    except CedarError as e:
        raise RequestError(e.message) from None
    raise RequestError(f"the request's {role} must be an entity, got {describe_json(v)}")


_UID_TEXT = re.compile(r'([_a-zA-Z][_a-zA-Z0-9]*(?:::[_a-zA-Z][_a-zA-Z0-9]*)*)::"((?:[^"\\]|\\.)*)"', re.DOTALL)
_DEBUG_ESCAPES = {"\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\", '"': '\\"', "'": "\\'", "\0": "\\0"}


def _escape_debug(s: str) -> str:
    """Rust's `str::escape_debug` (printability and grapheme extension approximated by Python's
    Unicode tables): quotes, backslash and control escapes, `\\u{..}` for unprintable characters
    and for a combining mark at the start."""
    out = []
    for i, c in enumerate(s):
        esc = _DEBUG_ESCAPES.get(c)
        if esc is None:
            plain = c.isprintable() and not (i == 0 and unicodedata.category(c) in ("Mn", "Me"))
            esc = c if plain else f"\\u{{{ord(c):x}}}"
        out.append(esc)
    return "".join(out)


def _parse_uid_text(text: str, role: str) -> EntityUID:
    """`Type::"id"` in normalized form (as Rust prints it), as cedarpy reads request entities."""
    from .parser.strings import unescape

    m = _UID_TEXT.fullmatch(text)
    eid = unescape(m[2]) if m is not None else None
    if not isinstance(eid, str) or _escape_debug(eid) != m[2]:  # type: ignore[index]
        raise RequestError(
            f"the request's {role} `{text}` is not an entity reference in normalized form, like `User::\"alice\"`"
        )
    return make_entity_uid(m[1], eid, f"in the request's {role}")  # type: ignore[index]
