"""The entity store: entities with attributes, tags and (transitively closed) ancestors.

Loading follows Rust's `EntityJsonParser` and `Entities::from_entities`:
1. each JSON entity `{"uid", "attrs", "parents", "tags"?}` is read (`attrs` and
   `parents` are required; unknown keys are ignored); with a schema its
   attributes and tags are read schema-directed (`impl.value_json`) and an
   entity of an undeclared type is an error;
2. the same uid twice is an error unless both entries are identical;
3. with a schema, every non-action entity must conform (required attributes,
   attribute and tag types, allowed parent types, enumerated ids);
4. a cycle in the hierarchy is an error (Rust's `enforce_dag`); each entity's
   ancestors (the transitive closure of its parents) are computed when first
   asked for, so a deep hierarchy costs what its queries need, not the square
   of its depth up front;
5. with a schema, an action entity given in the JSON must equal the schema's
   declaration (same ancestors, no attributes or tags), and the schema's
   action entities are added.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from .conformance import (
    invalid_entity_uid,
    invalid_entity_uid_in,
    is_action_type,
    schema_facts,
    type_mismatch,
)
from .errors import EntityError, SchemaError
from .gc_pause import paused_gc
from .schema.model import Schema
from .types import RecordType
from .values import EntityUID, Record, Value, to_json
from .value_json import Where, check_key, load_json, parse_entity_uid, parse_value

_EMPTY: frozenset = frozenset()


class Entity:
    """One entity. `ancestors` is the transitive closure of `parents` within the `Entities` store
    holding it (computed on first use, then kept), or its parents alone outside any store."""

    __slots__ = ("uid", "attrs", "parents", "tags", "_ancestors", "_store")

    def __init__(
        self,
        uid: EntityUID,
        attrs: Mapping[str, Value] | None = None,
        parents: Iterable[EntityUID] = (),
        tags: Mapping[str, Value] | None = None,
    ) -> None:
        self.uid = uid
        self.attrs: dict[str, Value] = dict(attrs) if attrs else {}
        self.parents: frozenset[EntityUID] = frozenset(parents)
        self.tags: dict[str, Value] = dict(tags) if tags else {}
        self._ancestors: frozenset[EntityUID] | None = None
        self._store: dict[EntityUID, Entity] | None = None

    @property
    def ancestors(self) -> frozenset[EntityUID]:
        found = self._ancestors
        if found is None:
            found = self._ancestors = _closure(self, self._store) if self._store is not None else self.parents
        return found

    @ancestors.setter
    def ancestors(self, value: frozenset[EntityUID]) -> None:
        self._ancestors = value

    def same_as(self, other: "Entity") -> bool:
        """Rust's `deep_eq` as used for duplicate entries (before ancestors are closed)."""
        return (
            self.uid == other.uid
            and Record(self.attrs) == Record(other.attrs)
            and Record(self.tags) == Record(other.tags)
            and self.parents == other.parents
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "uid": self.uid.to_json(),
            "attrs": {k: to_json(v) for k, v in self.attrs.items()},
            "parents": [p.to_json() for p in sorted(self.parents)],
        }
        if self.tags:
            out["tags"] = {k: to_json(v) for k, v in self.tags.items()}
        return out

    def __repr__(self) -> str:
        return f"Entity({self.uid!r}, attrs={self.attrs!r}, parents={sorted(self.parents)!r}, tags={self.tags!r})"


class Entities:
    """An immutable entity store keyed by `EntityUID`.

    `by_uid` is the plain dict the evaluator reads on the request path.
    """

    __slots__ = ("by_uid",)

    def __init__(self, entities: Iterable[Entity] = ()) -> None:
        """Store `entities` (identical duplicates allowed); an entity among its own ancestors is an error."""
        self.by_uid: dict[EntityUID, Entity] = _entity_map(entities)
        _link_hierarchy(self.by_uid)

    # ------------------------------------------------------------ reading

    def get(self, uid: EntityUID) -> Entity | None:
        return self.by_uid.get(uid)

    def __contains__(self, uid: object) -> bool:
        return uid in self.by_uid

    def __len__(self) -> int:
        return len(self.by_uid)

    def __iter__(self) -> Iterator[Entity]:
        return iter(self.by_uid.values())

    def ancestors(self, uid: EntityUID) -> frozenset[EntityUID]:
        """All ancestors of `uid` (empty if there is no such entity)."""
        e = self.by_uid.get(uid)
        return e.ancestors if e is not None else _EMPTY

    def attrs(self, uid: EntityUID) -> dict[str, Value] | None:
        e = self.by_uid.get(uid)
        return e.attrs if e is not None else None

    def tags(self, uid: EntityUID) -> dict[str, Value] | None:
        e = self.by_uid.get(uid)
        return e.tags if e is not None else None

    def to_json(self) -> list[dict[str, Any]]:
        """Entities JSON with every `__entity`/`__extn` escape explicit, readable without a schema."""
        return [e.to_json() for e in self.by_uid.values()]

    # ------------------------------------------------------------ loading

    @classmethod
    def from_json(cls, source: Any, schema: Schema | None = None) -> "Entities":
        """Load entities JSON (text, or the already-parsed list), schema-directed if `schema` is given."""
        with paused_gc():
            return cls._from_json(source, schema)

    @classmethod
    def _from_json(cls, source: Any, schema: Schema | None) -> "Entities":
        if schema is not None and not isinstance(schema, Schema):
            raise SchemaError(f"expected the schema as a `Schema`, got {type(schema).__name__}")
        if isinstance(source, (str, bytes, bytearray)):
            source = load_json(source, "entities")
        if not isinstance(source, (list, tuple)):
            raise EntityError("entities JSON must be an array of entities")
        parsed = [_parse_entity(j, i, schema) for i, j in enumerate(source)]
        by_uid = _entity_map(parsed)
        if schema is not None:
            for e in by_uid.values():
                if not is_action_type(e.uid[0]):
                    _check_conforms(e, schema)
        _link_hierarchy(by_uid)
        if schema is not None:  # (action entities' ancestors are taken before the schema's actions join the store)
            actions = schema_facts(schema).action_ancestors
            for e in by_uid.values():
                if is_action_type(e.uid[0]):
                    _check_action(e, schema, actions)
            for uid, ancestors in actions.items():
                action = Entity(uid, parents=schema.actions[uid].member_of)
                action.ancestors = ancestors
                by_uid[uid] = action
        store = cls.__new__(cls)
        store.by_uid = by_uid
        return store


def _parse_entity(j: Any, index: int, schema: Schema | None) -> Entity:
    if not isinstance(j, dict):
        raise EntityError(f"entity #{index} must be a JSON object")
    for required in ("uid", "attrs", "parents"):
        if required not in j:
            raise EntityError(f"entity #{index}: missing field `{required}`")
    uid = parse_entity_uid(j["uid"], Where("in uid field of entity #{}", index))
    attrs_j, parents_j, tags_j = j["attrs"], j["parents"], j.get("tags", {})
    if not isinstance(attrs_j, dict):
        raise EntityError(f"entity `{uid}`: `attrs` must be a JSON object")
    if not isinstance(parents_j, list):
        raise EntityError(f"entity `{uid}`: `parents` must be a JSON array")
    if not isinstance(tags_j, dict):
        raise EntityError(f"entity `{uid}`: `tags` must be a JSON object")
    etype = None
    is_action = is_action_type(uid[0])
    if schema is not None and not is_action:
        etype = schema.entity_types.get(uid[0])
        if etype is None:
            raise EntityError(f"entity `{uid}` has type `{uid[0]}` which is not declared in the schema")
    attrs: dict[str, Value] = {}
    for name, v in attrs_j.items():
        where = Where("in attribute `{}` on `{}`", name, uid)
        if name.__class__ is not str or not name.isascii():
            check_key(name, where)
        expected = None
        if etype is not None:
            attr = etype.attributes.get(name)
            if attr is None:
                if not etype.attributes.open:
                    raise EntityError(f"attribute `{name}` on `{uid}` should not exist according to the schema")
            else:
                expected = attr.type
        attrs[name] = parse_value(v, expected, where, 4)
    tags: dict[str, Value] = {}
    for name, v in tags_j.items():
        check_key(name, Where("in tag `{}` on `{}`", name, uid))
        expected = None
        if etype is not None:
            if etype.tags is None:
                raise EntityError(f"found a tag `{name}` on `{uid}`, but no tags should exist on `{uid}` according to the schema")
            expected = etype.tags
        tags[name] = parse_value(v, expected, Where("in tag `{}` on `{}`", name, uid), 4)
    parents = []
    where_parents = Where("in parents field of `{}`", uid)
    for p in parents_j:
        parent = parse_entity_uid(p, where_parents)
        if is_action and not is_action_type(parent[0]):
            raise EntityError(f"action `{uid}` has a non-action parent `{parent}`")
        parents.append(parent)
    return Entity(uid, attrs, parents, tags)


def _entity_map(entities: Iterable[Entity]) -> dict[EntityUID, Entity]:
    by_uid: dict[EntityUID, Entity] = {}
    for e in entities:
        seen = by_uid.get(e.uid)
        if seen is None:
            by_uid[e.uid] = e
        elif not seen.same_as(e):
            raise EntityError(f"duplicate entity entry `{e.uid}`")
    return by_uid


def _check_conforms(e: Entity, schema: Schema) -> None:
    """Rust's `validate_entity` for a non-action entity."""
    etype = schema.entity_types[e.uid[0]]
    problem = invalid_entity_uid(e.uid, schema)
    if problem is not None:
        raise EntityError(problem)
    attributes: RecordType = etype.attributes
    for name, attr in attributes.attrs.items():
        if attr.required and name not in e.attrs:
            raise EntityError(f"expected entity `{e.uid}` to have attribute `{name}`, but it does not")
    for name, v in e.attrs.items():
        attr = attributes.get(name)
        if attr is None:
            if not attributes.open:
                raise EntityError(f"attribute `{name}` on `{e.uid}` should not exist according to the schema")
        else:
            mismatch = type_mismatch(v, attr.type)
            if mismatch is not None:
                raise EntityError(f"in attribute `{name}` on `{e.uid}`, {mismatch}")
        problem = invalid_entity_uid_in(v, schema)
        if problem is not None:
            raise EntityError(f"in attribute `{name}` on `{e.uid}`, {problem}")
    allowed = schema_facts(schema).allowed_parent_types.get(e.uid[0], frozenset())
    for parent in sorted(e.parents):
        problem = invalid_entity_uid(parent, schema)
        if problem is not None:
            raise EntityError(problem)
        if parent[0] not in allowed:
            raise EntityError(f"`{e.uid}` is not allowed to have an ancestor of type `{parent[0]}` according to the schema")
    if e.tags:
        if etype.tags is None:
            name = next(iter(e.tags))
            raise EntityError(f"found a tag `{name}` on `{e.uid}`, but no tags should exist on `{e.uid}` according to the schema")
        for name, v in e.tags.items():
            mismatch = type_mismatch(v, etype.tags)
            if mismatch is not None:
                raise EntityError(f"in tag `{name}` on `{e.uid}`, {mismatch}")
        for name, v in e.tags.items():
            problem = invalid_entity_uid_in(v, schema)
            if problem is not None:
                raise EntityError(f"in tag `{name}` on `{e.uid}`, {problem}")


def _check_action(e: Entity, schema: Schema, actions: dict[EntityUID, frozenset[EntityUID]]) -> None:
    declared = actions.get(e.uid)
    if declared is None:
        raise EntityError(f"found action entity `{e.uid}`, but it was not declared as an action in the schema")
    if e.attrs or e.tags or e.ancestors != declared:
        raise EntityError(f"definition of action `{e.uid}` does not match its schema declaration")


def _link_hierarchy(by_uid: dict[EntityUID, Entity]) -> None:
    """Attach every entity to the store (for `Entity.ancestors`); an entity among its own
    ancestors is an error (Rust's `enforce_dag`).

    Iterative depth-first search, linear in entities and parent edges, so a deep hierarchy
    cannot exhaust the Python stack; parents that are not in the store end a path.
    """
    done: set[EntityUID] = set()
    on_path: set[EntityUID] = set()
    for root, entity in by_uid.items():
        entity._store = by_uid
        entity._ancestors = None
        if root in done:
            continue
        stack: list[tuple[EntityUID, Iterator[EntityUID]]] = [(root, iter(entity.parents))]
        on_path.add(root)
        while stack:
            uid, pending = stack[-1]
            for parent in pending:
                if parent in on_path:
                    raise EntityError(f"entity `{parent}` has itself as an ancestor")
                if parent not in done and parent in by_uid:
                    on_path.add(parent)
                    stack.append((parent, iter(by_uid[parent].parents)))
                    break
            else:
                stack.pop()
                on_path.discard(uid)
                done.add(uid)


def _closure(entity: Entity, by_uid: dict[EntityUID, Entity]) -> frozenset[EntityUID]:
    """The ancestors of `entity` in `by_uid`: its parents, theirs, and so on (reusing what
    other entities already know of theirs). The hierarchy is acyclic (`_link_hierarchy`)."""
    found = set(entity.parents)
    pending = list(found)
    while pending:
        parent = by_uid.get(pending.pop())
        if parent is None:
            continue
        known = parent._ancestors
        if known is not None:
            found |= known
            continue
        for grandparent in parent.parents:
            if grandparent not in found:
                found.add(grandparent)
                pending.append(grandparent)
    return frozenset(found)


def parse_context(source: Any, schema: Schema | None = None, action: EntityUID | None = None) -> Record:
    """A request context from its JSON (text or parsed), read against `action`'s context type
    when a schema is given. Type conformance is checked by request validation."""
    if isinstance(source, (str, bytes, bytearray)):
        source = load_json(source, "context", last_duplicate_wins=True)
    if schema is not None:
        if not isinstance(schema, Schema):
            raise SchemaError(f"expected the schema as a `Schema`, got {type(schema).__name__}")
        if action is None or action not in schema.actions:
            raise EntityError(f"cannot read the context: action `{action}` is not declared in the schema")
        value = parse_value(source, schema.actions[action].context, "while parsing context")
    else:
        value = parse_value(source, None, "while parsing context")
    if value.__class__ is not Record:
        raise EntityError("the context must be a record (a JSON object)")
    return value  # type: ignore[return-value]
