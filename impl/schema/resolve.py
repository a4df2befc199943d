"""Turning a `Fragment` into the resolved schema: Rust's rules for what a type name means.

Rust (`schema.rs`, `namespace_def.rs`, `raw_name.rs`) resolves an unqualified
name `X` written in namespace `NS` by trying `NS::X`, then `X` in the empty
namespace; at each candidate a common type wins over an entity type (where
both are allowed). The builtins live in the reserved `__cedar` namespace
(`__cedar::Long`, `__cedar::ipaddr`, ...), and the empty namespace gets an
alias for each (`Long`, `ipaddr`, ...) unless the schema declares that name
there itself. Every namespace that declares actions has the entity type
`NS::Action`, which attribute types may name but `appliesTo` and
`memberOfTypes` may not.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..types import (
    EXTENSION_TYPE_NAMES,
    AttrType,
    BoolType,
    CedarType,
    EntityType,
    ExtensionType,
    LongType,
    RecordType,
    SetType,
    StringType,
)
from ..values import EntityUID
from .fragment import (
    CEDAR_NAMESPACE,
    MAX_TYPE_DEPTH,
    ActionRef,
    CommonRefT,
    EntityOrCommonT,
    EntityT,
    EntityTypeDecl,
    ExtensionT,
    Fragment,
    NameRef,
    PrimitiveT,
    RawType,
    RecordT,
    SetT,
    Where,
    schema_error,
)
from .model import ActionDef, EntityTypeDef

_PRIMITIVES: dict[str, CedarType] = {"Bool": BoolType(), "Long": LongType(), "String": StringType()}
_JSON_PRIMITIVES: dict[str, CedarType] = {"Boolean": BoolType(), "Long": LongType(), "String": StringType()}
_BUILTINS: dict[str, CedarType] = {**_PRIMITIVES, **{n: ExtensionType(n) for n in EXTENSION_TYPE_NAMES}}


def _qualify(ns: str, name: str) -> str:
    return f"{ns}::{name}" if ns else name


def _basename(name: str) -> str:
    return name.rpartition("::")[2]


@dataclass(slots=True)
class _Common:
    ns: str
    type: RawType | None  # None for a builtin
    builtin: CedarType | None = None


class _Resolver:
    """One resolution of one fragment; raises `SchemaError` at the first problem, as Rust does."""

    def __init__(self, fragment: Fragment) -> None:
        self.commons: dict[str, _Common] = {}
        self.entities: dict[str, tuple[str, EntityTypeDecl]] = {}
        self.actions: dict[EntityUID, tuple[str, object]] = {}
        for ns, d in fragment.namespaces:
            for name, e in d.entity_types:
                if name == "Action":
                    raise schema_error("`Action` cannot be declared as an entity type: it is the type of the actions", e.where)
            with_attributes = sorted(name for name, a in d.actions if a.has_attributes)
            if with_attributes:
                raise schema_error(
                    f"unsupported feature used in schema: action attributes (on {', '.join(with_attributes)})",
                    dict(d.actions)[with_attributes[0]].where,
                )
            for name, c in d.common_types:
                self.commons[_qualify(ns, name)] = _Common(ns, c.type)
            for name, e in d.entity_types:
                self.entities[_qualify(ns, name)] = (ns, e)
            for name, a in d.actions:
                self.actions[EntityUID(_qualify(ns, "Action"), name)] = (ns, a)
        self.entity_names: set[str] = set(self.entities)
        self.common_names: set[str] = set(self.commons)
        self._check_shadowing()
        for name, ty in _BUILTINS.items():
            self.commons[f"{CEDAR_NAMESPACE}::{name}"] = _Common(CEDAR_NAMESPACE, None, ty)
            if name not in self.entity_names and name not in self.common_names:
                self.commons[name] = _Common("", None, ty)
        self.common_names = set(self.commons)
        self.action_types = {uid.type for uid in self.actions}
        self.entity_names |= self.action_types
        self.resolved_commons: dict[str, tuple[CedarType, int]] = {}

    # -------------------------------------------------------- RFC 70

    def _check_shadowing(self) -> None:
        """A namespaced declaration may not reuse the basename of one in the empty namespace."""
        qualified: dict[str, str] = {}
        for name in sorted(self.entity_names | self.common_names):
            if "::" in name:
                qualified.setdefault(_basename(name), name)
        for name in sorted(self.entity_names | self.common_names):
            if "::" not in name and name in qualified:
                where = self.entities[name][1].where if name in self.entities else None
                raise schema_error(
                    f"definition of `{qualified[name]}` illegally shadows the existing definition of `{name}`", where,
                    help="declarations in a namespace may not reuse the name of a declaration in the empty namespace",
                )
        qualified_actions: dict[str, EntityUID] = {}
        for uid in sorted(self.actions):
            if "::" in uid.type:
                qualified_actions.setdefault(uid.id, uid)
        for uid in sorted(self.actions):
            if "::" not in uid.type and uid.id in qualified_actions:
                raise schema_error(
                    f"definition of `{qualified_actions[uid.id]}` illegally shadows the existing definition of `{uid}`",
                    getattr(self.actions[uid][1], "where", None),
                )

    # -------------------------------------------------------- names

    def _candidates(self, ns: str, name: str) -> list[str]:
        return [f"{ns}::{name}", name] if ns and "::" not in name else [name]

    def resolve_name(self, ns: str, name: str, where: Where, common: bool, entity: bool) -> str:
        candidates = self._candidates(ns, name)
        for c in candidates:
            if common and c in self.common_names:
                return c
            if entity and c in self.entity_names:
                return c
        what = "a common or entity type" if common and entity else "a common type" if common else "an entity type"
        if len(candidates) == 2:
            help = f"neither `{candidates[0]}` nor `{candidates[1]}` refers to anything that has been declared as {what}"
        else:
            help = f"`{candidates[0]}` has not been declared as {what}"
        raise schema_error(f"failed to resolve type: `{name}`", where, help)

    def resolve_action(self, ns: str, ref: ActionRef) -> EntityUID:
        candidates = self._candidates(ns, ref.type or "Action")
        for c in candidates:
            uid = EntityUID(c, ref.id)
            if uid in self.actions:
                return uid
        raise schema_error(f"undeclared action: `{EntityUID(candidates[-1], ref.id)}`", ref.where,
                           help="an action's parents must be actions declared in the schema")

    # -------------------------------------------------------- common types

    def _references(self, ns: str, t: RawType) -> list[tuple[str, Where]]:
        """The common types `t` names directly (after qualification)."""
        out: list[tuple[str, Where]] = []
        stack = [t]
        while stack:
            t = stack.pop()
            if isinstance(t, SetT):
                stack.append(t.element)
            elif isinstance(t, RecordT):
                stack.extend(a.type for _, a in t.attributes)
            elif isinstance(t, (EntityOrCommonT, CommonRefT)):
                name = self.resolve_name(ns, t.name, t.where, True, isinstance(t, EntityOrCommonT))
                if name in self.commons:
                    out.append((name, t.where))
        return out

    def resolve_common_types(self) -> None:
        """Resolve every common type in dependency order; a cycle is an error."""
        deps = {name: self._references(c.ns, c.type) for name, c in self.commons.items() if c.type is not None}
        for name, c in self.commons.items():
            if c.builtin is not None:
                self.resolved_commons[name] = (c.builtin, 1)
        pending = {name: {d for d, _ in ds if d in deps} for name, ds in deps.items()}
        users: dict[str, list[str]] = {}
        for name, ds in pending.items():
            for d in ds:
                users.setdefault(d, []).append(name)
        ready = sorted(name for name, ds in pending.items() if not ds)
        while ready:
            name = ready.pop()
            c = self.commons[name]
            assert c.type is not None
            self.resolved_commons[name] = self.convert(c.ns, c.type)
            for user in users.get(name, ()):
                pending[user].discard(name)
                if not pending[user]:
                    ready.append(user)
            del pending[name]
        if pending:
            name = min(pending)
            raise schema_error(f"cycle in common type references containing `{name}`", self.commons[name].type.where)

    # -------------------------------------------------------- types

    def convert(self, ns: str, t: RawType) -> tuple[CedarType, int]:
        """The resolved type and its nesting depth (bounded by MAX_TYPE_DEPTH)."""
        if isinstance(t, PrimitiveT):
            return _JSON_PRIMITIVES[t.name], 1
        if isinstance(t, SetT):
            element, depth = self.convert(ns, t.element)
            return self._bounded(SetType(element), depth + 1, t.where)
        if isinstance(t, RecordT):
            if t.additional_attributes:
                raise schema_error("unsupported feature used in schema: records and entities with `additionalAttributes`", t.where)
            attrs: dict[str, AttrType] = {}
            depth = 0
            for name, a in t.attributes:
                ty, d = self.convert(ns, a.type)
                attrs[name] = AttrType(ty, a.required)
                depth = max(depth, d)
            return self._bounded(RecordType(attrs), depth + 1, t.where)
        if isinstance(t, EntityT):
            return EntityType(self.resolve_name(ns, t.name, t.where, False, True)), 1
        if isinstance(t, ExtensionT):
            if t.name not in EXTENSION_TYPE_NAMES:
                raise schema_error(f"unknown extension type `{t.name}`", t.where,
                                   help=f"the extension types are {', '.join(EXTENSION_TYPE_NAMES)}")
            return ExtensionType(t.name), 1
        name = self.resolve_name(ns, t.name, t.where, True, isinstance(t, EntityOrCommonT))
        if name in self.resolved_commons:
            return self.resolved_commons[name]
        return EntityType(name), 1

    def _bounded(self, ty: CedarType, depth: int, where: Where) -> tuple[CedarType, int]:
        if depth > MAX_TYPE_DEPTH:
            raise schema_error(f"types are nested more than {MAX_TYPE_DEPTH} deep (after expanding common types)", where)
        return ty, depth

    def record(self, ns: str, t: RawType, what: str) -> RecordType:
        ty, _ = self.convert(ns, t)
        if not isinstance(ty, RecordType):
            raise schema_error(f"{what} is declared with a type other than `Record`", t.where)
        return ty

    # -------------------------------------------------------- declarations

    def entity_type_defs(self) -> dict[str, EntityTypeDef]:
        defs: dict[str, EntityTypeDef] = {}
        for name, (ns, e) in sorted(self.entities.items()):
            if e.enum is not None:
                defs[name] = EntityTypeDef(name, enum_ids=tuple(dict.fromkeys(e.enum)))
                continue
            parents = sorted({self._parent(ns, p) for p in e.member_of_types})
            defs[name] = EntityTypeDef(
                name,
                member_of_types=tuple(parents),
                attributes=self.record(ns, e.shape, f"shape for entity type `{name}`"),
                tags=self.convert(ns, e.tags)[0] if e.tags is not None else None,
            )
        return defs

    def _parent(self, ns: str, ref: NameRef) -> str:
        return self.resolve_name(ns, ref.name, ref.where, False, True)

    def action_defs(self) -> dict[EntityUID, ActionDef]:
        defs: dict[EntityUID, ActionDef] = {}
        for uid, (ns, a) in sorted(self.actions.items()):
            spec = a.applies_to
            principal_types = tuple(sorted({self._parent(ns, r) for r in spec.principal_types})) if spec else ()
            resource_types = tuple(sorted({self._parent(ns, r) for r in spec.resource_types})) if spec else ()
            defs[uid] = ActionDef(
                uid,
                member_of=tuple(sorted({self.resolve_action(ns, r) for r in a.member_of or ()})),
                principal_types=principal_types,
                resource_types=resource_types,
                context=self.record(ns, spec.context, f"context for action `{uid}`") if spec else RecordType(),
                applies=bool(principal_types and resource_types),
            )
        return defs


def resolve(fragment: Fragment) -> tuple[dict[str, EntityTypeDef], dict[EntityUID, ActionDef]]:
    """The resolved entity types and actions a fragment declares; `SchemaError` if it is not well-formed.

    The hierarchies' transitive closures are left to `Schema` itself.
    """
    r = _Resolver(fragment)
    r.resolve_common_types()
    entity_types = r.entity_type_defs()
    actions = r.action_defs()
    for name, e in entity_types.items():
        for parent in e.member_of_types:
            if parent not in entity_types:
                raise schema_error(f"undeclared entity type: `{parent}`", r.entities[name][1].where,
                                   help="an entity type's parents must be declared entity types")
    cycle = _action_in_cycle(actions)
    if cycle is not None:
        raise schema_error(f"cycle in action hierarchy containing `{cycle}`", getattr(r.actions[cycle][1], "where", None))
    for uid, a in actions.items():
        for name in a.principal_types + a.resource_types:
            if name not in entity_types:
                raise schema_error(f"undeclared entity type: `{name}`", getattr(r.actions[uid][1], "where", None),
                                   help="`principal` and `resource` types must be declared entity types")
    return entity_types, actions


def _action_in_cycle(actions: dict[EntityUID, ActionDef]) -> EntityUID | None:
    """Some action that is its own ancestor, if there is one (an iterative depth-first search)."""
    done: set[EntityUID] = set()
    for root in actions:
        if root in done:
            continue
        on_path = {root}
        stack = [(root, iter(actions[root].member_of))]
        while stack:
            uid, parents = stack[-1]
            for parent in parents:
                if parent in on_path:
                    return parent
                if parent not in done:
                    on_path.add(parent)
                    stack.append((parent, iter(actions[parent].member_of)))
                    break
            else:
                stack.pop()
                on_path.discard(uid)
                done.add(uid)
    return None
