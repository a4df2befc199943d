"""The validator, strict mode (Lean `Validation/Typechecker.lean`, `Validator.lean`).

`type_of(x, c, env)` is Lean's `typeOf`: the type of `x` in request environment
`env`, given capabilities `c` (facts `(e, attr a)` / `(e, tag t)` established by
enclosing conditions), with the capabilities `x` itself establishes when true,
or a `TypingError`. Soundness, the property the proofs state per expression form:
in a request and store that are instances of `env`, where the capabilities hold,
a well-typed `x` evaluates to an instance of its type or to one of the permitted
errors (`PERMITTED_ERRORS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

from spec import extfun
from spec.expr import (And, BinaryApp, Call, Expr, GetAttr, HasAttr, Is, Ite, Like, Lit, Or, RecordExpr, SetExpr, Uid,
                       UnaryApp, Var, map_expr, subexpressions)
from spec.policy import ActionInAny, Policy, Scope
from spec.schema import RequestType, Schema
from spec.types import (BoolType, CedarType, EntityType, ExtType, LongType, Qualified, RecordType, SetType, StringType,
                        lub, record_type, subty)

PERMITTED_ERRORS = ("entityDoesNotExist", "extensionError", "arithBoundsError")

ANY_BOOL, TT, FF = BoolType("anyBool"), BoolType("tt"), BoolType("ff")


@dataclass(frozen=True)
class TypingError:
    kind: str  # lubErr unexpectedType attrNotFound tagNotFound unknownEntity extensionErr emptySetErr
    detail: str = ""  # incompatibleSetTypes


@dataclass(frozen=True)
class TypeEnv:
    schema: Schema
    reqty: RequestType

    def descendent_of(self, ety1: str, ety2: str) -> bool:
        """Lean `TypeEnv.descendentOf`: may an entity of type `ety1` be `in` one of type `ety2`?"""
        entry = self.schema.entity_types.get(ety1)
        if ety1 == ety2:
            return True
        if entry is not None:
            return ety2 in entry.ancestors
        return any(a.ty == ety1 and any(p.ty == ety2 for p in e.ancestors) for a, e in self.schema.actions.items())

    def action_descendent_of(self, uid1: Uid, uid2: Uid) -> bool:
        entry = self.schema.actions.get(uid1)
        return uid1 == uid2 or (entry is not None and uid2 in entry.ancestors)


Capabilities = frozenset  # of (Expr, ("attr", name) | ("tag", Expr))
Typed = tuple[CedarType, Capabilities]
Outcome = Union[Typed, TypingError]
NONE: Capabilities = frozenset()


def _ok(ty: CedarType, c: Capabilities = NONE) -> Typed:
    return ty, c


def _unexpected(ty: CedarType) -> TypingError:
    return TypingError("unexpectedType", repr(ty))


def _lub_or_err(t1: CedarType, t2: CedarType) -> Outcome:
    """Lean `ifLubThenBool`."""
    return _ok(ANY_BOOL) if lub(t1, t2) is not None else TypingError("lubErr", f"{t1!r} {t2!r}")


# ----- the forms -----

def _lit(x: Lit, c: Capabilities, env: TypeEnv) -> Outcome:
    p = x.prim
    if isinstance(p, bool):
        return _ok(TT if p else FF)
    if isinstance(p, int):
        return _ok(LongType())
    if isinstance(p, str):
        return _ok(StringType())
    return _ok(EntityType(p.ty)) if env.schema.is_valid_uid(p) else TypingError("unknownEntity", p.ty)


def _var(x: Var, c: Capabilities, env: TypeEnv) -> Outcome:
    r = env.reqty
    return _ok({"principal": EntityType(r.principal), "action": EntityType(r.action.ty),
                "resource": EntityType(r.resource), "context": r.context}[x.name])


def _ite(x: Ite, c: Capabilities, env: TypeEnv) -> Outcome:
    r1 = type_of(x.cond, c, env)
    if isinstance(r1, TypingError):
        return r1
    (ty1, c1), r2, r3 = r1, type_of(x.then_expr, c | r1[1], env), type_of(x.else_expr, c, env)
    if ty1 == TT:
        return r2 if isinstance(r2, TypingError) else _ok(r2[0], c1 | r2[1])
    if ty1 == FF:
        return r3
    if ty1 != ANY_BOOL:
        return _unexpected(ty1)
    if isinstance(r2, TypingError) or isinstance(r3, TypingError):
        return r2 if isinstance(r2, TypingError) else r3
    ty = lub(r2[0], r3[0])
    return TypingError("lubErr") if ty is None else _ok(ty, (c1 | r2[1]) & r3[1])


def _and(x: And, c: Capabilities, env: TypeEnv) -> Outcome:
    r1 = type_of(x.a, c, env)
    if isinstance(r1, TypingError) or not isinstance(r1[0], BoolType):
        return r1 if isinstance(r1, TypingError) else _unexpected(r1[0])
    if r1[0] == FF:
        return _ok(FF)
    r2 = type_of(x.b, c | r1[1], env)
    if isinstance(r2, TypingError) or not isinstance(r2[0], BoolType):
        return r2 if isinstance(r2, TypingError) else _unexpected(r2[0])
    if r2[0] == FF:
        return _ok(FF)
    return _ok(r1[0] if r2[0] == TT else ANY_BOOL, r1[1] | r2[1])


def _or(x: Or, c: Capabilities, env: TypeEnv) -> Outcome:
    r1 = type_of(x.a, c, env)
    if isinstance(r1, TypingError) or not isinstance(r1[0], BoolType):
        return r1 if isinstance(r1, TypingError) else _unexpected(r1[0])
    if r1[0] == TT:
        return _ok(TT)
    r2 = type_of(x.b, c, env)
    if isinstance(r2, TypingError) or not isinstance(r2[0], BoolType):
        return r2 if isinstance(r2, TypingError) else _unexpected(r2[0])
    if r1[0] == FF:
        return r2
    if r2[0] == TT:
        return _ok(TT)
    return _ok(ANY_BOOL, r1[1] if r2[0] == FF else r1[1] & r2[1])


def _unary(x: UnaryApp, c: Capabilities, env: TypeEnv) -> Outcome:
    r = type_of(x.arg, c, env)
    if isinstance(r, TypingError):
        return r
    ty, op = r[0], x.op
    if op == "not" and isinstance(ty, BoolType):
        return _ok(BoolType({"anyBool": "anyBool", "tt": "ff", "ff": "tt"}[ty.kind]))
    if (op == "neg" and ty == LongType()) or (isinstance(op, Like) and ty == StringType()):
        return _ok(ty if op == "neg" else ANY_BOOL)
    if op == "isEmpty" and isinstance(ty, SetType):
        return _ok(ANY_BOOL)
    if isinstance(op, Is) and isinstance(ty, EntityType):
        return _ok(TT if op.ety == ty.ety else FF)
    return _unexpected(ty)


def _eq(ty1: CedarType, ty2: CedarType, x1: Expr, x2: Expr) -> Outcome:
    """Lean `typeOfEq`: two literals are decided; otherwise the types must be compatible (or both entities)."""
    if isinstance(x1, Lit) and isinstance(x2, Lit):
        return _ok(TT if type(x1.prim) is type(x2.prim) and x1.prim == x2.prim else FF)
    if lub(ty1, ty2) is not None:
        return _ok(ANY_BOOL)
    return _ok(FF) if isinstance(ty1, EntityType) and isinstance(ty2, EntityType) else TypingError("lubErr")


def _action_uid(x: Expr, env: TypeEnv) -> Uid | None:
    return x.prim if isinstance(x, Lit) and isinstance(x.prim, Uid) and x.prim in env.schema.actions else None


def _uids(x: Expr) -> list[Uid] | None:
    if isinstance(x, SetExpr) and all(isinstance(e, Lit) and isinstance(e.prim, Uid) for e in x.elems):
        return [e.prim for e in x.elems]  # type: ignore[union-attr]
    return None


def _in(ety1: str, ety2: str, x1: Expr, x2: Expr, env: TypeEnv) -> BoolType:
    """Lean `typeOfInₑ` and `typeOfInₛ`: decided for action literals, else possible only down the hierarchy."""
    uid1 = _action_uid(x1, env)
    uids2 = [x2.prim] if isinstance(x2, Lit) and isinstance(x2.prim, Uid) else _uids(x2)
    if uid1 is not None and uids2 is not None:
        return TT if any(env.action_descendent_of(uid1, u) for u in uids2) else FF
    return ANY_BOOL if env.descendent_of(ety1, ety2) else FF


def _tag(op: str, ety: str, x: Expr, t: Expr, c: Capabilities, env: TypeEnv) -> Outcome:
    """Lean `typeOfHasTag` and `typeOfGetTag`."""
    entry = env.schema.entity_types.get(ety)
    if entry is None:
        return _ok(FF) if op == "hasTag" and env.schema.is_action_type(ety) else TypingError("unknownEntity", ety)
    known = (x, ("tag", t)) in c
    if op == "hasTag":
        return _ok(FF) if entry.tags is None else _ok(TT) if known else _ok(ANY_BOOL, frozenset({(x, ("tag", t))}))
    return _ok(entry.tags) if entry.tags is not None and known else TypingError("tagNotFound", ety)


_ORDERED = (LongType(), ExtType("datetime"), ExtType("duration"))


def _binary(x: BinaryApp, c: Capabilities, env: TypeEnv) -> Outcome:
    r1, r2 = type_of(x.a, c, env), type_of(x.b, c, env)
    if isinstance(r1, TypingError) or isinstance(r2, TypingError):
        return r1 if isinstance(r1, TypingError) else r2
    ty1, ty2, op = r1[0], r2[0], x.op
    if op == "eq":
        return _eq(ty1, ty2, x.a, x.b)
    if op == "mem" and isinstance(ty1, EntityType) and isinstance(ty2, EntityType):
        return _ok(_in(ty1.ety, ty2.ety, x.a, x.b, env))
    if op == "mem" and isinstance(ty1, EntityType) and isinstance(ty2, SetType) and isinstance(ty2.elem, EntityType):
        return _ok(_in(ty1.ety, ty2.elem.ety, x.a, x.b, env))
    if op in ("hasTag", "getTag") and isinstance(ty1, EntityType) and ty2 == StringType():
        return _tag(op, ty1.ety, x.a, x.b, c, env)
    if op in ("less", "lessEq") and ty1 == ty2 and ty1 in _ORDERED:
        return _ok(ANY_BOOL)
    if op in ("add", "sub", "mul") and ty1 == ty2 == LongType():
        return _ok(LongType())
    if op == "contains" and isinstance(ty1, SetType):
        return _lub_or_err(ty2, ty1.elem)
    if op in ("containsAll", "containsAny") and isinstance(ty1, SetType) and isinstance(ty2, SetType):
        return _lub_or_err(ty1.elem, ty2.elem)
    return _unexpected(ty1)


def _attrs_of(ty: CedarType, env: TypeEnv) -> RecordType | TypingError | None:
    """The attribute types of a record or entity type (None: an action's, which has none)."""
    if isinstance(ty, RecordType):
        return ty
    if isinstance(ty, EntityType):
        entry = env.schema.entity_types.get(ty.ety)
        if entry is not None:
            return entry.attrs
        return None if env.schema.is_action_type(ty.ety) else TypingError("unknownEntity", ty.ety)
    return _unexpected(ty)


def _has_attr(x: HasAttr, c: Capabilities, env: TypeEnv) -> Outcome:
    """Lean `typeOfHasAttr`: true if known (a capability, or a required attribute of a record), false if undeclared."""
    r = type_of(x.expr, c, env)
    if isinstance(r, TypingError):
        return r
    rty = _attrs_of(r[0], env)
    if rty is None or isinstance(rty, TypingError):
        return _ok(FF) if rty is None else rty
    qty, capability = rty.find(x.attr), (x.expr, ("attr", x.attr))
    if qty is None:
        return _ok(FF)
    if capability in c or (qty.required and isinstance(r[0], RecordType)):
        return _ok(TT)
    return _ok(ANY_BOOL, frozenset({capability}))


def _get_attr(x: GetAttr, c: Capabilities, env: TypeEnv) -> Outcome:
    """Lean `typeOfGetAttr`: required attributes, and optional ones known to be present."""
    r = type_of(x.expr, c, env)
    if isinstance(r, TypingError):
        return r
    rty = _attrs_of(r[0], env)
    if rty is None or isinstance(rty, TypingError):
        return TypingError("unknownEntity", repr(r[0])) if rty is None else rty
    qty = rty.find(x.attr)
    if qty is not None and (qty.required or (x.expr, ("attr", x.attr)) in c):
        return _ok(qty.ty)
    return TypingError("attrNotFound", x.attr)


def _set(x: SetExpr, c: Capabilities, env: TypeEnv) -> Outcome:
    rs = [type_of(e, c, env) for e in x.elems]
    if errors := [r for r in rs if isinstance(r, TypingError)]:
        return errors[0]
    if not rs:
        return TypingError("emptySetErr")
    ty: CedarType | None = rs[0][0]  # type: ignore[index]
    for r in rs[1:]:
        ty = None if ty is None else lub(ty, r[0])  # type: ignore[index]
    return TypingError("incompatibleSetTypes") if ty is None else _ok(SetType(ty))


def _record(x: RecordExpr, c: Capabilities, env: TypeEnv) -> Outcome:
    rs = [(a, type_of(e, c, env)) for a, e in x.attrs]
    if errors := [r for _, r in rs if isinstance(r, TypingError)]:
        return errors[0]
    return _ok(record_type({a: Qualified(r[0]) for a, r in rs}))  # type: ignore[index]


_D, _IP, _DT, _DUR = ExtType("decimal"), ExtType("ipaddr"), ExtType("datetime"), ExtType("duration")
_SIGNATURES: dict[str, tuple[tuple[CedarType, ...], CedarType]] = {
    **{f: ((_D, _D), ANY_BOOL) for f in ("lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual")},
    **{f: ((_IP,), ANY_BOOL) for f in ("isIpv4", "isIpv6", "isLoopback", "isMulticast")},
    "isInRange": ((_IP, _IP), ANY_BOOL), "offset": ((_DT, _DUR), _DT), "durationSince": ((_DT, _DT), _DUR),
    "toDate": ((_DT,), _DT), "toTime": ((_DT,), _DUR),
    **{f: ((_DUR,), LongType()) for f in ("toMilliseconds", "toSeconds", "toMinutes", "toHours", "toDays")},
}
_CONSTRUCTORS = {"decimal": _D, "ip": _IP, "datetime": _DT, "duration": _DUR}


def _call(x: Call, c: Capabilities, env: TypeEnv) -> Outcome:
    """Lean `typeOfCall`: constructors only of a literal that parses; other functions by signature."""
    rs = [type_of(e, c, env) for e in x.args]
    if errors := [r for r in rs if isinstance(r, TypingError)]:
        return errors[0]
    if x.fn in _CONSTRUCTORS:
        literal = len(x.args) == 1 and isinstance(x.args[0], Lit) and isinstance(x.args[0].prim, str)
        ok = literal and extfun.parses(x.fn, x.args[0].prim)  # type: ignore[union-attr, arg-type]
        return _ok(_CONSTRUCTORS[x.fn]) if ok else TypingError("extensionErr", x.fn)
    params, result = _SIGNATURES[x.fn]
    return _ok(result) if tuple(r[0] for r in rs) == params else TypingError("extensionErr", x.fn)  # type: ignore[index]


_TYPE_OF: dict[type, Callable[..., Outcome]] = {
    Lit: _lit, Var: _var, Ite: _ite, And: _and, Or: _or, UnaryApp: _unary, BinaryApp: _binary,
    HasAttr: _has_attr, GetAttr: _get_attr, SetExpr: _set, RecordExpr: _record, Call: _call,
}


def type_of(x: Expr, c: Capabilities, env: TypeEnv) -> Outcome:
    """Lean `typeOf`."""
    return _TYPE_OF[type(x)](x, c, env)


# ----- policies (Lean `Validator.lean`) -----

def check_entities(schema: Schema, x: Expr) -> TypingError | None:
    """Lean `checkEntities`: every entity literal and `is` type is declared (Rust checks this in a separate pass)."""
    for e in subexpressions(x):
        if isinstance(e, Lit) and isinstance(e.prim, Uid) and not schema.is_valid_uid(e.prim):
            return TypingError("unknownEntity", e.prim.ty)
        if isinstance(e, UnaryApp) and isinstance(e.op, Is) and not (
                e.op.ety in schema.entity_types or schema.is_action_type(e.op.ety)):
            return TypingError("unknownEntity", e.op.ety)
    return None


def typecheck_policy(policy: Policy, env: TypeEnv) -> Outcome:
    """Lean `typecheckPolicy`: with `action` replaced by its literal, the policy must be boolean."""
    x = map_expr(lambda e: Lit(env.reqty.action) if e == Var("action") else None, policy.to_expr())
    r = type_of(x, NONE, env)
    return r if isinstance(r, TypingError) or subty(r[0], ANY_BOOL) else _unexpected(r[0])


def _scope_types(scope: Scope, schema: Schema) -> set[str]:
    """The entity types a principal or resource scope admits (Rust `get_entity_types_satisfying_constraint`)."""
    def within(ety: str) -> set[str]:
        return {t for t, e in schema.entity_types.items() if ety in e.ancestors} | {ety}
    if scope.kind == "any":
        return set(schema.entity_types)
    if scope.kind == "eq":
        return {scope.entity.ty}  # type: ignore[union-attr]
    if scope.kind == "mem":
        return within(scope.entity.ty)  # type: ignore[union-attr]
    known = {scope.ety} & set(schema.entity_types)
    return known if scope.kind == "is" else known & within(scope.entity.ty)  # type: ignore[union-attr]


def _scope_actions(scope: Scope | ActionInAny, schema: Schema) -> set[Uid]:
    if isinstance(scope, Scope) and scope.kind == "any":
        return set(schema.actions)
    if isinstance(scope, Scope) and scope.kind == "eq":
        return {scope.entity}  # type: ignore[arg-type]
    groups = scope.entities if isinstance(scope, ActionInAny) else (scope.entity,)
    if not all(g in schema.actions for g in groups):
        return set()
    return {a for a, e in schema.actions.items() if a in groups or e.ancestors & set(groups)}


def applicable(policy: Policy, schema: Schema) -> bool:
    """Rust's action-application check (no Lean counterpart): some action the scope admits applies to some
    principal and resource type the scope admits."""
    principals, resources = _scope_types(policy.principal_scope, schema), _scope_types(policy.resource_scope, schema)
    return any(principals & e.principals and resources & e.resources
               for a in _scope_actions(policy.action_scope, schema) if (e := schema.actions.get(a)) is not None)


def validate_policy(policy: Policy, schema: Schema) -> TypingError | None:
    """Lean `typecheckPolicyWithEnvironments`: well-typed in every environment (and Rust's `applicable`)."""
    if (e := check_entities(schema, policy.to_expr())) is not None:
        return e
    if not applicable(policy, schema):
        return TypingError("invalidActionApplication")
    types = [typecheck_policy(policy, TypeEnv(schema, reqty)) for reqty in schema.environments()]
    return next((t for t in types if isinstance(t, TypingError)), None)


def is_impossible(policy: Policy, schema: Schema) -> bool:
    """Lean's `impossiblePolicy`: false in every environment (Rust reports it as a warning, not an error)."""
    types = [typecheck_policy(policy, TypeEnv(schema, reqty)) for reqty in schema.environments()]
    return all(not isinstance(t, TypingError) and t[0] == FF for t in types)


def validate(policies: list[Policy], schema: Schema) -> dict[str, TypingError]:
    """Lean `validate`: the error of each policy that does not validate."""
    return {p.id: e for p in policies if (e := validate_policy(p, schema)) is not None}
