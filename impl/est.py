"""Cedar's JSON policy form (the "EST" of Rust `cedar-policy-core/src/est/`): read and write.

Writing produces what Rust's `Policy::to_json` gives for a policy parsed from
text (the shape the author wrote: `!=`, `is ... in`, `has a.b` as a chain of
`has`), keys in Rust's order, record and annotation keys sorted. Reading accepts
exactly Rust's JSON (`Value` with `__entity`/`__extn` escapes, every operator
key, any known extension function as a key, ...) and reports a malformed
document as a `ParseError` naming the JSON path of the problem.

Both directions walk expressions with an explicit stack, never Python's
recursion. JSON text nests at most 127 levels, as Rust's reader allows; a policy
nested deeper than Python's JSON writer can go is a `CedarError` to write.
"""

from __future__ import annotations

import json
import re
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from .ast import (
    WILDCARD, ActionConstraint, And, BinaryApp, Condition, ExtCall, GetAttr, HasAttr, If, Is, Like, Lit, Or,
    Policy, RecordLit, ScopeConstraint, SetLit, Slot, TemplateLink, UnaryApp, Var,
)
from .arguments import json_argument
from .errors import CedarError, Loc, ParseError, Source
from .parser import extension_names
from .parser.policy import MAX_DEPTH, children, extended_has
from .parser.strings import merge_pattern
from .values import EntityUID
from .value_json import json_error_text, json_int, lone_surrogate_string

Json = Any

_NAME_RE = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*(?:::[_a-zA-Z][_a-zA-Z0-9]*)*\Z")
_IDENT_RE = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*\Z")
_RESERVED = frozenset({"true", "false", "if", "then", "else", "in", "is", "like", "has", "__cedar"})

_BINARY = ("==", "!=", "in", "<", "<=", ">", ">=", "+", "-", "*",
           "contains", "containsAll", "containsAny", "getTag", "hasTag")
_BINARY_KEYS = frozenset(_BINARY) | {"&&", "||"}
_UNARY_KEYS = frozenset({"!", "neg", "isEmpty"})


# ================================================================ paths and errors


class _Path:
    """A JSON path, rendered only when an error is reported."""

    __slots__ = ("parent", "key")

    def __init__(self, parent: "_Path | None", key: str | int) -> None:
        self.parent, self.key = parent, key

    def __str__(self) -> str:
        keys: list[str | int] = []
        p: _Path | None = self
        while p is not None:
            keys.append(p.key)
            p = p.parent
        out = ""
        for k in reversed(keys):
            out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
        return out or "(top level)"


def _child(path: _Path | None, key: str | int) -> _Path:
    return _Path(path, key)


class _JsonError(Exception):
    def __init__(self, path: _Path | None, message: str) -> None:
        super().__init__(message)
        self.path, self.message = path, message


def _fail(path: _Path | None, message: str) -> _JsonError:
    return _JsonError(path, message)


def _to_parse_error(e: _JsonError, what: str) -> ParseError:
    where = str(e.path) if e.path is not None else "(top level)"
    return ParseError(f"invalid JSON {what} at `{where}`: {e.message}")


def loads(text: str, name: str = "<input>") -> Json:
    """JSON text, rejecting duplicate keys, non-finite numbers and nesting deeper than 127
    levels as Rust's serde does."""
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for k, v in items:
            if k in d:
                raise ValueError(f"duplicate key `{k}`")
            d[k] = v
        return d

    def constant(c: str) -> Any:
        raise ValueError(f"`{c}` is not valid JSON")

    try:
        with _deep_json():
            obj = json.loads(text, object_pairs_hook=pairs, parse_constant=constant,
                             parse_int=json_int if "-0" in text else int)
    except json.JSONDecodeError as e:
        raise ParseError(f"invalid JSON: {e.msg}", Loc(Source(text, name), e.pos, min(len(text), e.pos + 1))) from None
    except ValueError as e:
        raise ParseError(f"invalid JSON: {json_error_text(e)}") from None
    except RecursionError:
        raise ParseError("invalid JSON: nested too deeply (JSON may nest at most 127 levels)") from None
    bad = lone_surrogate_string(text, obj)
    if bad is not None:
        raise ParseError(f"invalid JSON: string \"{bad}\" contains a lone surrogate")
    json_argument(obj, "invalid JSON", ParseError)  # the nesting limit
    return obj


@contextmanager
def _deep_json() -> Iterator[None]:
    """Let the C JSON codec recurse as deep as an EST document of `MAX_DEPTH` nesting needs."""
    limit = sys.getrecursionlimit()
    needed = 4 * MAX_DEPTH + 200
    if limit < needed:
        sys.setrecursionlimit(needed)
    try:
        yield
    finally:
        if limit < needed:
            sys.setrecursionlimit(limit)


def dumps(obj: Json, indent: int | None = None) -> str:
    """JSON text for a (possibly deeply nested) EST document; compact, as Rust's `serde_json`, unless indented.

    A `CedarError` if the document nests deeper than Python's JSON writer can go (the parser takes
    expressions of any depth; Rust's writer overflows its stack on those)."""
    try:
        with _deep_json():
            if indent is None:
                return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
            return json.dumps(obj, indent=indent, ensure_ascii=False)
    except RecursionError:
        raise CedarError("cannot write the policy as JSON: its expressions are nested too deeply") from None


# ================================================================ writing


def policy_to_json(policy: Policy) -> dict[str, Json]:
    """One policy or template as Rust writes it."""
    out: dict[str, Json] = {
        "effect": policy.effect,
        "principal": _scope_to_json(policy.principal),
        "action": _action_to_json(policy.action),
        "resource": _scope_to_json(policy.resource),
        "conditions": [{"kind": c.kind, "body": expr_to_json(c.body)} for c in policy.conditions],
    }
    if policy.annotations:
        out["annotations"] = {k: v for k, v in sorted(policy.annotations)}
    return out


def link_to_json(link: TemplateLink) -> dict[str, Json]:
    return {
        "templateId": link.template_id,
        "newId": link.new_id,
        "values": {slot: uid.to_json() for slot, uid in sorted(link.values)},
    }


def _entity_or_slot(e: EntityUID | Slot) -> dict[str, Json]:
    if isinstance(e, Slot):
        return {"slot": e.name}
    return {"entity": e.to_json()}


def _scope_to_json(c: ScopeConstraint) -> dict[str, Json]:
    if c.op == "all":
        return {"op": "All"}
    if c.op in ("==", "in"):
        return {"op": c.op, **_entity_or_slot(c.entity)}  # type: ignore[arg-type]
    out: dict[str, Json] = {"op": "is", "entity_type": c.entity_type}
    if c.op == "is_in":
        out["in"] = _entity_or_slot(c.entity)  # type: ignore[arg-type]
    return out


def _action_to_json(c: ActionConstraint) -> dict[str, Json]:
    if c.op == "all":
        return {"op": "All"}
    if c.op == "==" or len(c.entities) == 1:
        return {"op": c.op, "entity": c.entities[0].to_json()}
    return {"op": "in", "entities": [e.to_json() for e in c.entities]}


def _lit_to_json(value: Any) -> Json:
    if value.__class__ is EntityUID:
        return {"__entity": value.to_json()}
    return value


def expr_to_json(expr: Any) -> Json:
    """An expression as a JSON expression object (Rust `est::Expr`), built without recursion.

    A sub-expression shared by several nodes (`e has a.b.c` shares `e.a.b`) is converted once."""
    results: list[Json] = []
    done: dict[int, Json] = {}  # by node id
    stack: list[tuple[Any, bool]] = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        cls = e.__class__
        if not ready and id(e) in done:
            results.append(done[id(e)])
            continue
        if cls is Lit:
            results.append({"Value": _lit_to_json(e.value)})
            continue
        if cls is Var:
            results.append({"Var": e.name})
            continue
        if cls is Slot:
            results.append({"Slot": e.name})
            continue
        subs = children(e)
        if not ready:
            stack.append((e, True))
            for s in reversed(subs):
                stack.append((s, False))
            continue
        n = len(subs)
        args = results[len(results) - n:] if n else []
        if n:
            del results[len(results) - n:]
        results.append(done.setdefault(id(e), _node_to_json(e, args)))
    return results[0]


def _node_to_json(e: Any, a: list[Json]) -> Json:
    cls = e.__class__
    if cls is BinaryApp:
        return {e.op: {"left": a[0], "right": a[1]}}
    if cls is And:
        return {"&&": {"left": a[0], "right": a[1]}}
    if cls is Or:
        return {"||": {"left": a[0], "right": a[1]}}
    if cls is UnaryApp:
        return {e.op: {"arg": a[0]}}
    if cls is GetAttr:
        return {".": {"left": a[0], "attr": e.attr}}
    if cls is HasAttr:
        return {"has": {"left": a[0], "attr": e.attr}}
    if cls is Like:
        return {"like": {"left": a[0], "pattern": _pattern_to_json(e.pattern)}}
    if cls is Is:
        out = {"left": a[0], "entity_type": e.entity_type}
        if e.in_expr is not None:
            out["in"] = a[1]
        return {"is": out}
    if cls is If:
        return {"if-then-else": {"if": a[0], "then": a[1], "else": a[2]}}
    if cls is SetLit:
        return {"Set": a}
    if cls is RecordLit:
        return {"Record": dict(sorted(zip((k for k, _v in e.fields), a)))}
    if cls is ExtCall:
        return {e.name: a}
    raise TypeError(f"not an expression: {e!r}")


def _pattern_to_json(pattern: tuple[Any, ...]) -> list[Json]:
    out: list[Json] = []
    for elem in pattern:
        if elem is WILDCARD:
            out.append("Wildcard")
        else:
            out.extend({"Literal": ch} for ch in elem)
    return out


# ================================================================ reading


def policy_from_json(obj: Json, policy_id: str = "JSON policy") -> Policy:
    """One policy or template in the JSON form; a malformed document is a `ParseError`."""
    try:
        return _policy(obj, None, policy_id)
    except _JsonError as e:
        raise _to_parse_error(e, "policy") from None


def expr_from_json(obj: Json) -> Any:
    """One JSON expression object."""
    try:
        return _expr(obj, None)
    except _JsonError as e:
        raise _to_parse_error(e, "expression") from None


def policy_set_from_json(obj: Json) -> tuple[dict[str, Policy], dict[str, Policy], list[TemplateLink]]:
    """The JSON policy-set form: (static policies, templates, links), in document order."""
    try:
        return _policy_set(obj)
    except _JsonError as e:
        raise _to_parse_error(e, "policy set") from None


def _expect_dict(obj: Json, path: _Path | None, what: str) -> dict[str, Json]:
    if not isinstance(obj, dict):
        raise _fail(path, f"expected {what} (a JSON object), found {_kind(obj)}")
    return obj


def _expect_str(obj: Json, path: _Path | None, what: str) -> str:
    if not isinstance(obj, str):
        raise _fail(path, f"expected {what} (a string), found {_kind(obj)}")
    return obj


def _kind(obj: Json) -> str:
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "a boolean"
    if isinstance(obj, (int, float)):
        return "a number"
    if isinstance(obj, str):
        return "a string"
    if isinstance(obj, list):
        return "an array"
    return "an object"


def _struct(obj: Json, path: _Path | None, what: str, fields: tuple[str, ...], optional: int = 0) -> dict[str, Json]:
    """A JSON object, or (as Rust's serde also accepts for these structs) an array of the field values in order."""
    if isinstance(obj, list):
        if not len(fields) - optional <= len(obj) <= len(fields):
            raise _fail(path, f"expected {what}: an array of {len(fields) - optional} values "
                              f"({', '.join(fields)}), found {len(obj)}")
        return dict(zip(fields, obj))
    return _expect_dict(obj, path, what)


def _fields(obj: dict[str, Json], path: _Path | None, required: tuple[str, ...],
            optional: tuple[str, ...] = (), strict: bool = True) -> None:
    for k in required:
        if k not in obj:
            raise _fail(path, f"missing field `{k}`")
    if strict:
        allowed = set(required) | set(optional)
        for k in obj:
            if k not in allowed:
                raise _fail(_child(path, k), f"unknown field `{k}`, expected one of "
                                             + ", ".join(f"`{f}`" for f in (*required, *optional)))


def _policy_set(obj: Json) -> tuple[dict[str, Policy], dict[str, Policy], list[TemplateLink]]:
    d = _struct(obj, None, "a policy set", ("templates", "staticPolicies", "templateLinks"))
    _fields(d, None, ("staticPolicies", "templates", "templateLinks"))
    statics: dict[str, Policy] = {}
    path = _child(None, "staticPolicies")
    for pid, p in _expect_dict(d["staticPolicies"], path, "a map from policy id to policy").items():
        policy = _policy(p, _child(path, pid), pid)
        if policy.is_template:
            raise _fail(_child(path, pid), f"expected a static policy, got a template containing the slot "
                                           f"{policy.slots[0]}")
        statics[pid] = policy
    templates: dict[str, Policy] = {}
    path = _child(None, "templates")
    for tid, t in _expect_dict(d["templates"], path, "a map from template id to template").items():
        templates[tid] = _policy(t, _child(path, tid), tid)
    links: list[TemplateLink] = []
    path = _child(None, "templateLinks")
    raw_links = d["templateLinks"]
    if not isinstance(raw_links, list):
        raise _fail(path, f"expected an array of template links, found {_kind(raw_links)}")
    for i, raw in enumerate(raw_links):
        links.append(_link(raw, _child(path, i)))
    return statics, templates, links


def _link(obj: Json, path: _Path) -> TemplateLink:
    d = _struct(obj, path, "a template link", ("templateId", "newId", "values"))
    _fields(d, path, ("templateId", "newId", "values"))
    template_id = _expect_str(d["templateId"], _child(path, "templateId"), "a template id")
    new_id = _expect_str(d["newId"], _child(path, "newId"), "a policy id")
    vpath = _child(path, "values")
    values = []
    for slot, v in _expect_dict(d["values"], vpath, "a map from slot to entity").items():
        if slot not in ("?principal", "?resource"):
            raise _fail(_child(vpath, slot), f"invalid slot `{slot}`, expected `?principal` or `?resource`")
        values.append((slot, _entity_uid(v, _child(vpath, slot))))
    return TemplateLink(template_id, new_id, tuple(sorted(values)))


def _policy(obj: Json, path: _Path | None, policy_id: str) -> Policy:
    d = _struct(obj, path, "a policy", ("effect", "principal", "action", "resource", "conditions", "annotations"), 1)
    _fields(d, path, ("effect", "principal", "action", "resource", "conditions"), ("annotations",))
    effect = d["effect"]
    if effect not in ("permit", "forbid"):
        raise _fail(_child(path, "effect"), f"unknown effect {json.dumps(effect)}, expected `permit` or `forbid`")
    principal = _scope(d["principal"], _child(path, "principal"), "principal")
    action = _action(d["action"], _child(path, "action"))
    resource = _scope(d["resource"], _child(path, "resource"), "resource")
    cpath = _child(path, "conditions")
    raw_conditions = d["conditions"]
    if not isinstance(raw_conditions, list):
        raise _fail(cpath, f"expected an array of conditions, found {_kind(raw_conditions)}")
    conditions = tuple(_condition(c, _child(cpath, i)) for i, c in enumerate(raw_conditions))
    annotations: tuple[tuple[str, str | None], ...] = ()
    if "annotations" in d:
        apath = _child(path, "annotations")
        items = []
        for k, v in _expect_dict(d["annotations"], apath, "a map of annotations").items():
            if not _IDENT_RE.match(k):
                raise _fail(_child(apath, k), f"invalid annotation key `{k}`: must be an identifier")
            if v is not None and not isinstance(v, str):
                raise _fail(_child(apath, k), f"an annotation value must be a string or null, found {_kind(v)}")
            items.append((k, v))
        annotations = tuple(items)
    return Policy(policy_id, effect, principal, action, resource, conditions, annotations)


def _condition(obj: Json, path: _Path) -> Condition:
    d = _struct(obj, path, "a condition", ("kind", "body"))
    _fields(d, path, ("kind", "body"))
    kind = d["kind"]
    if kind not in ("when", "unless"):
        raise _fail(_child(path, "kind"), f"unknown condition kind {json.dumps(kind)}, expected `when` or `unless`")
    body = _expr(d["body"], _child(path, "body"))
    slot = _first_slot(body)
    if slot is not None:
        raise _fail(_child(path, "body"), f"found template slot {slot} in a `{kind}` clause")
    return Condition(kind, body)


def _first_slot(expr: Any) -> str | None:
    stack = [expr]
    while stack:
        e = stack.pop()
        if e.__class__ is Slot:
            return e.name
        if e.__class__ not in (Lit, Var):
            stack.extend(children(e))
    return None


def _entity_uid(obj: Json, path: _Path) -> EntityUID:
    """An entity reference: `{"type": .., "id": ..}` or `{"__entity": {...}}` (Rust `EntityUidJson`)."""
    if isinstance(obj, list):
        return _type_and_id(obj, path)
    d = _expect_dict(obj, path, "an entity reference")
    if "__expr" in d and isinstance(d["__expr"], str):
        raise _fail(path, "the `__expr` escape is no longer supported; write `{\"type\": .., \"id\": ..}`")
    if "__entity" in d and isinstance(d["__entity"], (dict, list)):
        return _type_and_id(d["__entity"], _child(path, "__entity"))
    return _type_and_id(d, path)


def _type_and_id(obj: Json, path: _Path) -> EntityUID:
    """`{"type": .., "id": ..}`, or serde's array form `[type, id]`."""
    d = _struct(obj, path, "an entity reference", ("type", "id"))
    if not isinstance(d.get("type"), str) or not isinstance(d.get("id"), str):
        raise _fail(path, "expected an entity reference with string fields `type` and `id`")
    return EntityUID(_type_name(d["type"], _child(path, "type")), d["id"])


def _type_name(name: str, path: _Path | None) -> str:
    """A normalized entity type or function name (Rust `Name::from_normalized_str`)."""
    if not _NAME_RE.match(name) or any(part in _RESERVED for part in name.split("::")):
        raise _fail(path, f"invalid name `{name}`: expected identifiers separated by `::`, "
                          f"without whitespace or reserved words")
    return name


def _slot(obj: Json, path: _Path, var: str) -> Slot:
    if obj not in ("?principal", "?resource"):
        raise _fail(path, f"invalid slot {json.dumps(obj)}, expected `?principal` or `?resource`")
    if obj != f"?{var}":
        raise _fail(path, f"invalid slot name or slot used in wrong position: the {var} slot is `?{var}`")
    return Slot(obj)


def _entity_or_slot_ref(d: dict[str, Json], path: _Path, var: str) -> EntityUID | Slot:
    if "entity" in d:
        return _entity_uid(d["entity"], _child(path, "entity"))
    if "slot" in d:
        return _slot(d["slot"], _child(path, "slot"), var)
    raise _fail(path, "expected a field `entity` or `slot`")


def _scope(obj: Json, path: _Path, var: str) -> ScopeConstraint:
    d = _expect_dict(obj, path, f"a {var} constraint")
    op = d.get("op")
    if op in ("All", "all"):
        return ScopeConstraint("all")
    if op == "==":
        return ScopeConstraint("==", entity=_entity_or_slot_ref(d, path, var))
    if op == "in":
        return ScopeConstraint("in", entity=_entity_or_slot_ref(d, path, var))
    if op == "is":
        _fields(d, path, ("op", "entity_type"), ("in",))
        entity_type = _type_name(_expect_str(d["entity_type"], _child(path, "entity_type"), "an entity type"),
                                 _child(path, "entity_type"))
        if d.get("in") is None:  # absent or null (serde reads null as `None`)
            return ScopeConstraint("is", entity_type=entity_type)
        ipath = _child(path, "in")
        inner = _expect_dict(d["in"], ipath, "an entity or slot")
        return ScopeConstraint("is_in", entity=_entity_or_slot_ref(inner, ipath, var), entity_type=entity_type)
    if op is None:
        raise _fail(path, "missing field `op`")
    raise _fail(_child(path, "op"), f"unknown variant {json.dumps(op)}, expected one of `All`, `all`, `==`, `in`, `is`")


def _action(obj: Json, path: _Path) -> ActionConstraint:
    d = _expect_dict(obj, path, "an action constraint")
    op = d.get("op")
    if op in ("All", "all"):
        return ActionConstraint("all")
    if op == "==":
        if "entity" not in d:
            if "slot" in d:
                raise _fail(path, "slots are not allowed for actions")
            raise _fail(path, "expected a field `entity`")
        return ActionConstraint("==", (_action_uid(d["entity"], _child(path, "entity")),))
    if op == "in":
        if "entity" in d:
            return ActionConstraint("in", (_action_uid(d["entity"], _child(path, "entity")),))
        if "entities" in d:
            epath = _child(path, "entities")
            raw = d["entities"]
            if not isinstance(raw, list):
                raise _fail(epath, f"expected an array of entities, found {_kind(raw)}")
            return ActionConstraint("in", tuple(_action_uid(e, _child(epath, i)) for i, e in enumerate(raw)),
                                    is_list=True)
        raise _fail(path, "expected a field `entity` or `entities`")
    if op is None:
        raise _fail(path, "missing field `op`")
    raise _fail(_child(path, "op"), f"unknown variant {json.dumps(op)}, expected one of `All`, `all`, `==`, `in`")


def _action_uid(obj: Json, path: _Path) -> EntityUID:
    uid = _entity_uid(obj, path)
    if uid.type.rsplit("::", 1)[-1] != "Action":
        raise _fail(path, f"expected an entity uid with type `Action` but got `{uid}`")
    return uid


# ---------------------------------------------------------------- expressions

# Builds a node from the results of its sub-expressions.
_Build = Callable[[list[Any]], Any]


def _expr(obj: Json, path: _Path | None) -> Any:
    """A JSON expression object as an AST expression, built with an explicit stack."""
    results: list[Any] = []
    stack: list[Any] = [("visit", obj, path, 1)]
    while stack:
        task = stack.pop()
        if task[0] == "build":
            _, build, n = task
            args = results[len(results) - n:] if n else []
            if n:
                del results[len(results) - n:]
            results.append(build(args))
            continue
        kind, o, p, depth = task
        if depth > MAX_DEPTH:
            raise _fail(p, f"expression nested too deeply (more than {MAX_DEPTH} levels)")
        leaf, build, subs = _visit_value(o, p) if kind == "value" else _visit(o, p)
        if build is None:
            results.append(leaf)
            continue
        stack.append(("build", build, len(subs)))
        for kind, sub, sp in reversed(subs):
            stack.append((kind, sub, sp, depth + 1))
    return results[0]


def _single_key(o: Json, p: _Path | None, what: str) -> tuple[str, Json]:
    d = _expect_dict(o, p, what)
    if len(d) != 1:
        if not d:
            raise _fail(p, "empty map is not a valid expression")
        keys = list(d)
        raise _fail(p, f"JSON object representing an `Expr` should have only one key, but found two keys: "
                       f"`{keys[0]}` and `{keys[1]}`")
    return next(iter(d.items()))


def _visit(o: Json, p: _Path | None) -> tuple[Any, _Build | None, list[tuple[str, Json, _Path]]]:
    """Inspect one JSON expression: either a finished leaf, or a builder and its sub-expressions."""
    key, v = _single_key(o, p, "an expression")
    kp = _child(p, key)
    if key == "Value":
        return _visit_value(v, kp)
    if key == "Var":
        if v not in ("principal", "action", "resource", "context"):
            raise _fail(kp, f"unknown variable {json.dumps(v)}, expected one of `principal`, `action`, "
                            f"`resource`, `context`")
        return Var(v), None, []
    if key == "Slot":
        if v not in ("?principal", "?resource"):
            raise _fail(kp, f"invalid slot {json.dumps(v)}, expected `?principal` or `?resource`")
        return Slot(v), None, []
    if key in _UNARY_KEYS:
        d = _expect_dict(v, kp, "an object with field `arg`")
        _fields(d, kp, ("arg",))
        op = key
        return None, lambda a: UnaryApp(op, a[0]), [("visit", d["arg"], _child(kp, "arg"))]
    if key in _BINARY_KEYS:
        d = _expect_dict(v, kp, "an object with fields `left` and `right`")
        _fields(d, kp, ("left", "right"))
        subs = [("visit", d["left"], _child(kp, "left")), ("visit", d["right"], _child(kp, "right"))]
        if key == "&&":
            return None, lambda a: And(a[0], a[1]), subs
        if key == "||":
            return None, lambda a: Or(a[0], a[1]), subs
        op = key
        return None, lambda a: BinaryApp(op, a[0], a[1]), subs
    if key == ".":
        d = _expect_dict(v, kp, "an object with fields `left` and `attr`")
        _fields(d, kp, ("left", "attr"))
        attr = _expect_str(d["attr"], _child(kp, "attr"), "an attribute name")
        return None, lambda a: GetAttr(a[0], attr), [("visit", d["left"], _child(kp, "left"))]
    if key == "has":
        d = _expect_dict(v, kp, "an object with fields `left` and `attr`")
        _fields(d, kp, ("left", "attr"), strict=False)
        raw = d["attr"]
        if isinstance(raw, str):
            attrs = [raw]
        elif isinstance(raw, list) and raw and all(isinstance(x, str) for x in raw):
            attrs = list(raw)
        else:
            raise _fail(_child(kp, "attr"), "expected an attribute name or a non-empty array of attribute names")
        return None, lambda a: extended_has(a[0], attrs, None), [("visit", d["left"], _child(kp, "left"))]
    if key == "like":
        d = _expect_dict(v, kp, "an object with fields `left` and `pattern`")
        _fields(d, kp, ("left", "pattern"))
        pattern = _pattern(d["pattern"], _child(kp, "pattern"))
        return None, lambda a: Like(a[0], pattern), [("visit", d["left"], _child(kp, "left"))]
    if key == "is":
        d = _expect_dict(v, kp, "an object with fields `left` and `entity_type`")
        _fields(d, kp, ("left", "entity_type"), ("in",))
        tpath = _child(kp, "entity_type")
        entity_type = _type_name(_expect_str(d["entity_type"], tpath, "an entity type"), tpath)
        subs = [("visit", d["left"], _child(kp, "left"))]
        if d.get("in") is not None:
            subs.append(("visit", d["in"], _child(kp, "in")))
            return None, lambda a: Is(a[0], entity_type, a[1]), subs
        return None, lambda a: Is(a[0], entity_type), subs
    if key == "if-then-else":
        d = _expect_dict(v, kp, "an object with fields `if`, `then` and `else`")
        _fields(d, kp, ("if", "then", "else"))
        subs = [("visit", d[k], _child(kp, k)) for k in ("if", "then", "else")]
        return None, lambda a: If(a[0], a[1], a[2]), subs
    if key == "Set":
        if not isinstance(v, list):
            raise _fail(kp, f"expected an array of expressions, found {_kind(v)}")
        return None, lambda a: SetLit(tuple(a)), [("visit", e, _child(kp, i)) for i, e in enumerate(v)]
    if key == "Record":
        d = _expect_dict(v, kp, "a map from attribute to expression")
        keys = list(d)
        return (None, lambda a: RecordLit(tuple(zip(keys, a))),
                [("visit", e, _child(kp, k)) for k, e in d.items()])
    if key in extension_names.EXTENSION_FUNCTIONS:
        if not isinstance(v, list):
            raise _fail(kp, f"expected an array of arguments, found {_kind(v)}")
        name = key
        return None, lambda a: ExtCall(name, tuple(a)), [("visit", e, _child(kp, i)) for i, e in enumerate(v)]
    raise _fail(kp, f"unknown variant `{key}`: not an operator, `Value`, `Var`, `Slot`, `Set`, `Record` "
                    f"or extension function")


def _pattern(raw: Json, path: _Path) -> tuple[Any, ...]:
    if not isinstance(raw, list):
        raise _fail(path, f"expected an array of pattern elements, found {_kind(raw)}")
    elems: list[Any] = []
    for i, e in enumerate(raw):
        if e == "Wildcard" or e == {"Wildcard": None}:
            elems.append(WILDCARD)
        elif isinstance(e, dict) and len(e) == 1 and isinstance(e.get("Literal"), str):
            elems.append(e["Literal"])
        else:
            raise _fail(_child(path, i), "expected `\"Wildcard\"` or `{\"Literal\": <string>}`")
    return merge_pattern(elems)


_ESCAPE_FIELDS = {"__entity": ("type", "id"), "__extn": ("fn", "arg", "args")}


def _check_ignored_fields(inner: dict[str, Json], known: tuple[str, ...], p: _Path) -> None:
    """Rust ignores unknown fields of an escape, but still refuses a float or a number beyond 64 bits in them."""
    stack = [(v, _child(p, k)) for k, v in inner.items() if k not in known]
    while stack:
        x, xp = stack.pop()
        if isinstance(x, float) or (isinstance(x, int) and not isinstance(x, bool) and not -(2**63) <= x < 2**63):
            raise _fail(xp, f"{x} is not a Cedar value: numbers must be 64-bit integers")
        if isinstance(x, list):
            stack.extend((e, _child(xp, i)) for i, e in enumerate(x))
        elif isinstance(x, dict):
            stack.extend((e, _child(xp, k)) for k, e in x.items())


def _visit_value(v: Json, p: _Path) -> tuple[Any, _Build | None, list[tuple[str, Json, _Path]]]:
    """A Cedar value in JSON (Rust `CedarValueJson`); sets, records and extension escapes have parts."""
    if isinstance(v, bool):
        return Lit(v), None, []
    if isinstance(v, int):
        if not -(2**63) <= v < 2**63:
            raise _fail(p, f"integer {v} does not fit in 64 bits")
        return Lit(v), None, []
    if isinstance(v, str):
        return Lit(v), None, []
    if isinstance(v, float):
        raise _fail(p, f"{v} is not a Cedar value: numbers must be integers")
    if v is None:
        raise _fail(p, "null is not a Cedar value")
    if isinstance(v, list):
        return None, lambda a: SetLit(tuple(a)), [("value", e, _child(p, i)) for i, e in enumerate(v)]
    if not isinstance(v, dict):
        raise _fail(p, f"{_kind(v)} is not a Cedar value")
    if len(v) == 1:
        (k, inner), = v.items()
        if k in _ESCAPE_FIELDS and isinstance(inner, dict):
            _check_ignored_fields(inner, _ESCAPE_FIELDS[k], _child(p, k))
        if k == "__entity" and isinstance(inner, dict) and len(inner) >= 2 \
                and isinstance(inner.get("type"), str) and isinstance(inner.get("id"), str):
            return Lit(EntityUID(_type_name(inner["type"], _child(_child(p, k), "type")), inner["id"])), None, []
        if k == "__extn" and isinstance(inner, dict) and len(inner) >= 2 and isinstance(inner.get("fn"), str):
            fn = _type_name(inner["fn"], _child(_child(p, k), "fn"))
            if "arg" in inner:
                return None, lambda a: ExtCall(fn, tuple(a)), [("value", inner["arg"], _child(_child(p, k), "arg"))]
            if isinstance(inner.get("args"), list):
                apath = _child(_child(p, k), "args")
                return (None, lambda a: ExtCall(fn, tuple(a)),
                        [("value", e, _child(apath, i)) for i, e in enumerate(inner["args"])])
        if k == "__expr" and isinstance(inner, str):
            raise _fail(p, "the `__expr` escape is no longer supported")
    keys = list(v)
    return None, lambda a: RecordLit(tuple(zip(keys, a))), [("value", e, _child(p, k)) for k, e in v.items()]

