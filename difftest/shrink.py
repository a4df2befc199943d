"""Delta debugging: the smallest case that still shows a finding.

Greedy passes, repeated until none makes progress (or the budget runs out):
drop requests, policies, links, entities, attributes, parents, tags, context
fields, conditions and annotations; widen scopes to `All`; replace expression
subtrees by one of their children or by a literal; and, for malformed-text
cases, cut the text itself (lines, then characters).
"""

from __future__ import annotations

import random
import time
from typing import Any, Callable, Iterator

from .case import Case
from .generators.est import children
from .generators.schema import CommonT, EntityT, RecordT, SchemaSpec, SetT, Type, walk_types
from .generators.schema_render import schema_to_cedar, schema_to_json

Predicate = Callable[[Case], bool]

_LITERALS = ({"Value": True}, {"Value": False}, {"Value": 0}, {"Value": ""})


class Shrinker:
    def __init__(self, pred: Predicate, budget_seconds: float = 60.0, max_tries: int = 4000,
                 schema: bool = False) -> None:
        self.pred = pred
        self.schema = schema  # also shrink a generated schema (for findings about schemas and validation)
        self.deadline = time.monotonic() + budget_seconds
        self.tries_left = max_tries

    def _ok(self, c: Case) -> bool:
        if self.out_of_budget():
            return False
        self.tries_left -= 1
        try:
            return self.pred(c)
        except Exception:  # noqa: BLE001 - a candidate the harness cannot even run is not kept
            return False

    def out_of_budget(self) -> bool:
        return self.tries_left <= 0 or time.monotonic() > self.deadline

    def shrink(self, case: Case) -> Case:
        passes = (
            self._requests, self._policies, self._links, self._entities, self._entity_parts, self._context,
            self._conditions, self._scopes, self._expressions, self._annotations, self._text, self._schema_text,
            self._spec, self._entities_text, self._policy_json,
        )
        progress = True
        while progress and not self.out_of_budget():
            progress = False
            for p in passes:
                smaller = p(case)
                if smaller is not None:
                    case, progress = smaller, True
        return case

    # ------------------------------------------------------------------ generic list reduction

    def _reduce_list(self, case: Case, get: Callable[[Case], list], put: Callable[[Case, list], None]) -> Case | None:
        """ddmin-style: remove chunks of halving size, then single elements."""
        items = get(case)
        changed = False
        size = max(1, len(items) // 2)
        while size >= 1 and items:
            i = 0
            while i < len(items):
                cand = case.copy()
                put(cand, items[:i] + items[i + size:])
                if self._ok(cand):
                    case, items, changed = cand, get(cand), True
                else:
                    i += size
            size //= 2
        return case if changed else None

    # ------------------------------------------------------------------ passes

    def _requests(self, case: Case) -> Case | None:
        def put(c: Case, idx: list[int]) -> None:
            c.requests = [c.requests[i] for i in idx]
            c.requests_conform = [c.request_conforms(i) for i in idx]

        return self._reduce_list(case, lambda c: list(range(len(c.requests))), put)

    def _policies(self, case: Case) -> Case | None:
        if not case.policies or case.text_override is not None:
            return None

        def put(c: Case, keep: list[int]) -> None:
            renumber = {f"policy{old}": f"policy{new}" for new, old in enumerate(keep)}
            c.policies = [c.policies[i] for i in keep]
            c.links = [dict(link, templateId=renumber[link["templateId"]]) for link in c.links
                       if link["templateId"] in renumber]

        return self._reduce_list(case, lambda c: list(range(len(c.policies))), put)

    def _links(self, case: Case) -> Case | None:
        def put(c: Case, idx: list[int]) -> None:
            c.links = [c.links[i] for i in idx]

        return self._reduce_list(case, lambda c: list(range(len(c.links))), put)

    def _entities(self, case: Case) -> Case | None:
        def put(c: Case, idx: list[int]) -> None:
            c.entities = [c.entities[i] for i in idx]

        return self._reduce_list(case, lambda c: list(range(len(c.entities))), put)

    def _entity_parts(self, case: Case) -> Case | None:
        changed = False
        for i in range(len(case.entities)):
            e = case.entities[i]
            if not isinstance(e, dict):
                continue
            for key in ("attrs", "tags"):
                if isinstance(e.get(key), dict):
                    for name in list(e[key]):
                        cand = case.copy()
                        del cand.entities[i][key][name]
                        if self._ok(cand):
                            case, changed = cand, True
            if isinstance(case.entities[i].get("parents"), list):
                for p in list(case.entities[i]["parents"]):
                    cand = case.copy()
                    cand.entities[i]["parents"].remove(p)
                    if self._ok(cand):
                        case, changed = cand, True
        return case if changed else None

    def _context(self, case: Case) -> Case | None:
        changed = False
        for i, r in enumerate(case.requests):
            if not isinstance(r.get("context"), dict):
                continue
            for name in list(r["context"]):
                cand = case.copy()
                del cand.requests[i]["context"][name]
                if self._ok(cand):
                    case, changed = cand, True
        return case if changed else None

    def _conditions(self, case: Case) -> Case | None:
        if case.text_override is not None:
            return None
        changed = False
        for pi in range(len(case.policies)):
            for ci in reversed(range(len(case.policies[pi].get("conditions", [])))):
                cand = case.copy()
                del cand.policies[pi]["conditions"][ci]
                if self._ok(cand):
                    case, changed = cand, True
        return case if changed else None

    def _scopes(self, case: Case) -> Case | None:
        if case.text_override is not None:
            return None
        changed = False
        for pi, p in enumerate(case.policies):
            for var in ("principal", "action", "resource"):
                c = case.policies[pi][var]
                if c["op"] == "All" or "slot" in c or "slot" in c.get("in", {}):
                    continue
                simpler = [{"op": "All"}]
                if c["op"] == "is" and "in" in c:
                    simpler.append({"op": "is", "entity_type": c["entity_type"]})
                for s in simpler:
                    cand = case.copy()
                    cand.policies[pi][var] = s
                    if self._ok(cand):
                        case, changed = cand, True
                        break
        return case if changed else None

    def _annotations(self, case: Case) -> Case | None:
        if case.text_override is not None:
            return None
        changed = False
        for pi in range(len(case.policies)):
            if case.policies[pi].get("annotations"):
                cand = case.copy()
                del cand.policies[pi]["annotations"]
                if self._ok(cand):
                    case, changed = cand, True
        return case if changed else None

    def _expressions(self, case: Case) -> Case | None:
        """Replace subtrees top-down: by a child first (keeps structure small), then by literals."""
        if case.text_override is not None:
            return None
        changed = False
        for pi in range(len(case.policies)):
            for ci in range(len(case.policies[pi].get("conditions", []))):
                path: tuple = ()
                while True:
                    body = case.policies[pi]["conditions"][ci]["body"]
                    replaced = False
                    for node_path in _paths(body):
                        if node_path < path:
                            continue
                        node = _get(body, node_path)
                        for repl in children(node) + list(_LITERALS):
                            if not _simpler(repl, node):
                                continue
                            cand = case.copy()
                            cand.policies[pi]["conditions"][ci]["body"] = _set(body, node_path, repl)
                            if self._ok(cand):
                                case, changed, replaced, path = cand, True, True, node_path
                                break
                        if replaced or self.out_of_budget():
                            break
                    if not replaced or self.out_of_budget():
                        break
        return case if changed else None

    def _text(self, case: Case) -> Case | None:
        if case.text_override is None or case.policies:
            return None
        return self._shrink_string(case, lambda c: c.text_override or "", lambda c, t: setattr(c, "text_override", t))

    def _schema_text(self, case: Case) -> Case | None:
        if case.schema_text is None or case.spec is not None:
            return None  # a generated schema is kept whole: entities and requests were drawn from it
        return self._shrink_string(case, lambda c: c.schema_text or "", lambda c, t: setattr(c, "schema_text", t))

    def _spec(self, case: Case) -> Case | None:
        """Drop actions, entity types, attributes, tags and common types from a generated schema."""
        if not self.schema or case.spec is None:
            return None
        changed = False
        for edit in schema_edits(case.spec):
            cand = case.copy()
            edit(cand.spec)
            rerender(cand)
            if self._ok(cand):
                case, changed = cand, True
        return case if changed else None

    def _entities_text(self, case: Case) -> Case | None:
        if case.entities_text is None:
            return None
        return self._shrink_string(case, lambda c: c.entities_text or "", lambda c, t: setattr(c, "entities_text", t))

    def _policy_json(self, case: Case) -> Case | None:
        """Delete object members and list elements of a malformed JSON policy set, deepest last."""
        if case.policy_json_override is None:
            return None
        changed = False
        for path in list(_json_paths(case.policy_json_override)):
            cand = case.copy()
            if _json_delete(cand.policy_json_override, path) and self._ok(cand):
                case, changed = cand, True
                continue
            for literal in ({"Value": True}, {"Value": 1}):
                cand = case.copy()
                if _json_replace(cand.policy_json_override, path, literal) and self._ok(cand):
                    case, changed = cand, True
                    break
        return case if changed else None

    def _shrink_string(self, case: Case, get: Callable[[Case], str], put: Callable[[Case, str], None]) -> Case | None:
        changed = False
        for unit in ("lines", "chars"):
            text = get(case)
            parts = text.splitlines(keepends=True) if unit == "lines" else list(text)
            size = max(1, len(parts) // 2)
            while size >= 1:
                i = 0
                while i < len(parts):
                    cand = case.copy()
                    put(cand, "".join(parts[:i] + parts[i + size:]))
                    if self._ok(cand):
                        case, changed = cand, True
                        parts = parts[:i] + parts[i + size:]
                    else:
                        i += size
                size //= 2
        return case if changed else None


# ------------------------------------------------------------------ expression paths


def _size(e: dict[str, Any]) -> int:
    return 1 + sum(_size(c) for c in children(e))


def _rank(e: dict[str, Any]) -> int:
    return _LITERALS.index(e) if e in _LITERALS else len(_LITERALS)


def _simpler(new: dict[str, Any], old: dict[str, Any]) -> bool:
    """A well-founded order, so replacing subtrees always terminates."""
    a, b = _size(new), _size(old)
    return a < b or (a == b and _rank(new) < _rank(old))


def _paths(e: dict[str, Any], prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    for i, c in enumerate(children(e)):
        yield from _paths(c, prefix + (i,))


def _get(e: dict[str, Any], path: tuple) -> dict[str, Any]:
    for i in path:
        e = children(e)[i]
    return e


def _set(e: dict[str, Any], path: tuple, new: dict[str, Any]) -> dict[str, Any]:
    """A copy of `e` with the node at `path` replaced (children are located as `children` lists them)."""
    if not path:
        return new
    (k,) = e.keys()
    body = e[k]
    i, rest = path[0], path[1:]
    if isinstance(body, list):
        out = list(body)
        out[i] = _set(body[i], rest, new)
        return {k: out}
    if k == "Record":
        keys = list(body)
        return {k: {kk: (_set(v, rest, new) if j == i else v) for j, (kk, v) in enumerate(body.items())}} if keys else e
    slots = {"arg": ["arg"], "if-then-else": ["if", "then", "else"]}
    if "arg" in body:
        names = slots["arg"]
    elif k == "if-then-else":
        names = slots["if-then-else"]
    elif k == "is":
        names = ["left", "in"]
    elif "right" in body:
        names = ["left", "right"]
    else:
        names = ["left"]
    name = names[i]
    return {k: {**body, name: _set(body[name], rest, new)}}


# ------------------------------------------------------------------ schema edits


def rerender(case: Case) -> None:
    assert case.spec is not None
    case.schema_text = schema_to_cedar(case.spec, random.Random(case.seed + 1))
    case.schema_json = schema_to_json(case.spec, random.Random(case.seed + 2))


def _mentions(t: Type, name: str) -> bool:
    return any(isinstance(x, EntityT) and x.name == name for x in walk_types(t))


def _drop_attr(t: Type, name: str) -> Type:
    r = t.target if isinstance(t, CommonT) else t
    assert isinstance(r, RecordT)
    return RecordT(tuple((k, a) for k, a in r.attrs if k != name))


def _without_type(spec: SchemaSpec, name: str) -> None:
    del spec.entity_types[name]
    for et in spec.entity_types.values():
        et.parents = tuple(p for p in et.parents if p != name)
        if et.enum is None:
            et.attrs = RecordT(tuple((k, a) for k, a in et.shape.attrs if not _mentions(a.type, name)))
        if et.tags is not None and _mentions(et.tags, name):
            et.tags = None
    for a in spec.actions:
        a.principals = tuple(t for t in a.principals if t != name)
        a.resources = tuple(t for t in a.resources if t != name)
        if not a.principals or not a.resources:
            a.applies, a.principals, a.resources = False, (), ()
        a.context = RecordT(tuple((k, x) for k, x in a.context_shape.attrs if not _mentions(x.type, name)))
    spec.common_types = {k: v for k, v in spec.common_types.items() if not _mentions(v, name)}


def _inline_common(t: Type) -> Type:
    if isinstance(t, CommonT):
        return _inline_common(t.target)
    if isinstance(t, SetT):
        return SetT(_inline_common(t.elem))
    if isinstance(t, RecordT):
        return RecordT(tuple((k, type(a)(_inline_common(a.type), a.required)) for k, a in t.attrs))
    return t


def _inline_all(spec: SchemaSpec) -> None:
    for et in spec.entity_types.values():
        et.attrs = _inline_common(et.attrs)
        if et.tags is not None:
            et.tags = _inline_common(et.tags)
    for a in spec.actions:
        a.context = _inline_common(a.context)
    spec.common_types = {}


def schema_edits(spec: SchemaSpec) -> list[Callable[[SchemaSpec], None]]:
    """Single-step simplifications of a schema, largest first."""
    edits: list[Callable[[SchemaSpec], None]] = []
    for i in reversed(range(len(spec.actions))):
        edits.append(lambda s, i=i: s.actions.pop(i) if len(s.actions) > 1 and i < len(s.actions) else None)
    for name in list(spec.entity_types):
        edits.append(lambda s, n=name: _without_type(s, n) if n in s.entity_types else None)
    if spec.common_types:
        edits.append(_inline_all)
    for name, et in spec.entity_types.items():
        if et.enum is not None:
            continue
        if et.tags is not None:
            edits.append(lambda s, n=name: setattr(s.entity_types[n], "tags", None) if n in s.entity_types else None)
        for attr, _ in et.shape.attrs:
            edits.append(lambda s, n=name, a=attr: setattr(s.entity_types[n], "attrs", _drop_attr(s.entity_types[n].attrs, a))
                         if n in s.entity_types else None)
    for i, a in enumerate(spec.actions):
        for attr, _ in a.context_shape.attrs:
            edits.append(lambda s, i=i, k=attr: setattr(s.actions[i], "context", _drop_attr(s.actions[i].context, k))
                         if i < len(s.actions) else None)
    return edits


# ------------------------------------------------------------------ JSON documents


def _json_paths(j: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Paths of every object member and list element, parents before children."""
    items = j.items() if isinstance(j, dict) else enumerate(j) if isinstance(j, list) else ()
    for k, v in items:
        yield prefix + (k,)
        yield from _json_paths(v, prefix + (k,))


def _json_parent(j: Any, path: tuple) -> Any:
    """The container holding `path`'s last step (None if the path no longer leads anywhere)."""
    for k in path[:-1]:
        try:
            j = j[k]
        except (KeyError, IndexError, TypeError):
            return None
    return j


def _json_delete(j: Any, path: tuple) -> bool:
    parent = _json_parent(j, path)
    try:
        del parent[path[-1]]
    except (KeyError, IndexError, TypeError):
        return False
    return True


def _json_replace(j: Any, path: tuple, new: Any) -> bool:
    """Replace an expression-like object (a one-key object other than a literal) at `path`."""
    j = _json_parent(j, path)
    try:
        old = j[path[-1]]
    except (KeyError, IndexError, TypeError):
        return False
    if not (isinstance(old, dict) and len(old) == 1 and "Value" not in old):
        return False
    j[path[-1]] = new
    return True
