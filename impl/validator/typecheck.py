"""The strict typechecker (Rust: `validator/typecheck.rs`), one request environment at a time.

A policy is typechecked once for every request environment the schema allows:
each declared action with each of its principal types and resource types (and,
for a template, each entity type its slots could be linked to). Within one
environment, types are refined the way Rust refines them: `true`/`false`
singleton Bool types, so `false && e` never looks at `e` and a scope that
cannot match an environment types as `false`; capabilities (`e has a`,
`e.hasTag(k)`) flow through `&&`, `||` and `if` and make optional attributes
and tags safe to read.

Every check returns `(type, capabilities, ok)`. As in Rust, a failed
subexpression does not stop the check of its parent: the parent goes on with
the child's best type (or None) so that every independent error is reported,
and then fails too.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Callable

from ..ast import (
    And,
    BinaryApp,
    Expr,
    ExtCall,
    GetAttr,
    HasAttr,
    If,
    Is,
    Like,
    Lit,
    Or,
    RecordLit,
    SetLit,
    Slot,
    UnaryApp,
    Var,
)
from ..conformance import is_action_type
from ..errors import EvaluationError, Loc
from ..extensions import EXTENSION_FUNCTIONS
from ..schema.model import Schema
from ..types import (
    AnyEntityType,
    AttrType,
    BoolType,
    CedarType,
    EntityType,
    ExtensionType,
    LongType,
    LubFailure,
    NeverType,
    RecordType,
    SetType,
    StringType,
    is_subtype,
    least_upper_bound,
)
from ..values import EntityUID, quote_string
from .result import ValidationError, make_error

TRUE, FALSE, BOOL = BoolType(True), BoolType(False), BoolType()
LONG, STRING = LongType(), StringType()
ANY_ENTITY = AnyEntityType()
ANY_RECORD = RecordType({}, open=True)
ANY_SET = SetType(NeverType())  # a marker (compared by identity): `expect` reads it as "any set"
SET_OF_ENTITIES = SetType(AnyEntityType())
NO_CAPS: frozenset = frozenset()
ORDERED_EXTENSION_TYPES = ("datetime", "duration")  # the extension types `<` and `<=` accept

Answer = tuple[CedarType | None, frozenset, bool]


@dataclass(frozen=True, slots=True)
class RequestEnv:
    """One request environment (plus, for a template, the entity types its slots are linked to)."""

    principal: str
    action: EntityUID
    resource: str
    context: RecordType
    principal_slot: str | None = None
    resource_slot: str | None = None


def describe(t: CedarType) -> str:
    if t is ANY_SET:
        return "a set"
    if isinstance(t, AnyEntityType):
        return "an entity"
    if isinstance(t, RecordType) and t.open:
        return "a record"
    if isinstance(t, BoolType):
        return "Bool" if t.value is None else f"`{str(t.value).lower()}` (a Bool that is always {str(t.value).lower()})"
    return f"`{t}`"


_LUB_CONTEXTS = {
    "set": "elements of a set",
    "if": "both branches of a conditional",
    "==": "both operands to a `==` expression",
    "contains": "elements of the first operand and the second operand to a `contains` expression",
    "containsAnyAll": "elements of both set operands to a `containsAll` or `containsAny` expression",
    "getTag": "tag types for a `.getTag()` operation",
}


class SingleEnvChecker:
    """Typechecks expressions of one policy in one request environment, appending to `errors`."""

    def __init__(self, schema: Schema, policy_id: str, env: RequestEnv, errors: list[ValidationError],
                 fallback_loc: Loc | None) -> None:
        self.schema = schema
        self.policy_id = policy_id
        self.env = env
        self.errors = errors
        self.fallback_loc = fallback_loc

    # ------------------------------------------------------------ helpers

    def error(self, kind: str, message: str, loc: Loc | None, help: str | None = None) -> None:
        self.errors.append(make_error(self.policy_id, kind, message, loc or self.fallback_loc, help))

    def expect(self, e: Expr, prior: frozenset, expected: tuple[CedarType, ...],
               help: Callable[[CedarType], str | None] | None = None) -> Answer:
        """Check `e` and require its type to fit one of `expected` (permissively, as Rust does here)."""
        ty, caps, ok = self.check(e, prior)
        if not ok:
            caps = NO_CAPS
        if ty is None:
            return None, NO_CAPS, False
        if not any(_fits(ty, x) for x in expected):
            wanted = " or ".join(describe(x) for x in expected)
            self.error("unexpected_type", f"unexpected type: expected {wanted} but saw {describe(ty)}",
                       e.loc, help(ty) if help is not None else None)
            return None, NO_CAPS, False
        return ty, caps, ok

    def lub_or_error(self, loc: Loc | None, types: list[CedarType | None], context: str) -> CedarType | None:
        if any(t is None for t in types):
            return None
        lub: CedarType = NeverType()
        for t in types:
            lub_or_failure = least_upper_bound(lub, t)  # type: ignore[arg-type]
            if isinstance(lub_or_failure, LubFailure):
                self._incompatible(loc, types, lub_or_failure, context)  # type: ignore[arg-type]
                return None
            lub = lub_or_failure
        return lub

    def _incompatible(self, loc: Loc | None, types: list[CedarType], why: LubFailure, context: str) -> None:
        shown = ", ".join(sorted({describe(t) for t in types}))
        self.error("incompatible_types", f"the types {shown} are not compatible as {_LUB_CONTEXTS[context]}",
                   loc, why.value)

    # ------------------------------------------------------------ dispatch

    def check(self, e: Expr, prior: frozenset) -> Answer:
        method = _DISPATCH.get(e.__class__)
        if method is None:  # pragma: no cover - every AST node class is dispatched
            raise TypeError(f"not an expression: {e!r}")
        return method(self, e, prior)

    def check_lit(self, e: Lit, prior: frozenset) -> Answer:
        v = e.value
        if v is True or v is False:
            return (TRUE if v else FALSE), NO_CAPS, True
        if isinstance(v, int):
            return LONG, NO_CAPS, True
        if isinstance(v, str):
            return STRING, NO_CAPS, True
        ty = self.euid_type(v)
        return ty, NO_CAPS, ty is not None

    def euid_type(self, uid: EntityUID) -> CedarType | None:
        """The type of an entity literal; None (an error reported by the scope checks) if the schema lacks it."""
        if is_action_type(uid.type):
            return EntityType(uid.type) if uid in self.schema.actions else None
        return EntityType(uid.type) if uid.type in self.schema.entity_types else None

    def check_var(self, e: Var, prior: frozenset) -> Answer:
        env = self.env
        if e.name == "principal":
            return EntityType(env.principal), NO_CAPS, True
        if e.name == "resource":
            return EntityType(env.resource), NO_CAPS, True
        if e.name == "action":
            return EntityType(env.action.type), NO_CAPS, True
        return env.context, NO_CAPS, True

    def check_slot(self, e: Slot, prior: frozenset) -> Answer:
        linked = self.env.principal_slot if e.name == "?principal" else self.env.resource_slot
        return (EntityType(linked) if linked is not None else ANY_ENTITY), NO_CAPS, True

    # ------------------------------------------------------------ control flow

    def check_if(self, e: If, prior: frozenset) -> Answer:
        tt, ct, ok_test = self.expect(e.cond, prior, (BOOL,))
        if tt == TRUE:
            ty, caps, ok = self.check(e.then, prior | ct)
            return ty, (caps | ct) if ok else NO_CAPS, ok and ok_test
        if tt == FALSE:
            ty, caps, ok = self.check(e.else_, prior)
            return ty, caps if ok else NO_CAPS, ok and ok_test
        t_then, c_then, ok_then = self.check(e.then, prior | ct)
        c_then = (c_then | ct) if ok_then else NO_CAPS
        t_else, c_else, ok_else = self.check(e.else_, prior)
        if not ok_else:
            c_else = NO_CAPS
        lub = self.lub_or_error(e.loc, [t_then, t_else], "if")
        if lub is None:
            return None, NO_CAPS, False
        return lub, c_then & c_else, ok_test and ok_then and ok_else

    def check_and(self, e: And, prior: frozenset) -> Answer:
        return self.check_chain(e, prior, self.__class__.and_step)

    def check_or(self, e: Or, prior: frozenset) -> Answer:
        return self.check_chain(e, prior, self.__class__.or_step)

    def check_chain(self, e: And | Or, prior: frozenset,
                    step: Callable[["SingleEnvChecker", And | Or, frozenset, Answer], Answer]) -> Answer:
        """`((a && b) && c) && ...` (or `||`) walked up its left spine with a loop, not recursion, so
        a chain of any length checks (each node's left operand has the node's own `prior`)."""
        spine = [e]
        while spine[-1].left.__class__ is e.__class__:
            spine.append(spine[-1].left)  # type: ignore[arg-type]
        answer = self.expect(spine[-1].left, prior, (BOOL,))
        for node in reversed(spine):
            if node is not spine[-1]:
                ty, caps, ok = answer  # as `expect` would pass the inner node's answer on (always a Bool type)
                answer = (None, NO_CAPS, False) if ty is None else (ty, caps if ok else NO_CAPS, ok)
            answer = step(self, node, prior, answer)
        return answer

    def and_step(self, e: And, prior: frozenset, left: Answer) -> Answer:
        tl, cl, ok_left = left
        if tl == FALSE:
            return FALSE, NO_CAPS, ok_left
        tr, cr, ok_right = self.expect(e.right, prior | cl, (BOOL,))
        ok = ok_left and ok_right
        if tl is None or tr is None:
            return BOOL, NO_CAPS, False
        if tr == FALSE:
            return FALSE, NO_CAPS, ok
        if tr == TRUE:
            return tl, cl | cr, ok
        if tl == TRUE:
            return tr, cr, ok  # Rust keeps only the right operand's capabilities here
        return BOOL, cl | cr, ok

    def or_step(self, e: Or, prior: frozenset, left: Answer) -> Answer:
        tl, cl, ok_left = left
        if tl == TRUE:
            return TRUE, cl, ok_left
        tr, cr, ok_right = self.expect(e.right, prior, (BOOL,))
        ok = ok_left and ok_right
        if tl is None or tr is None:
            return BOOL, NO_CAPS, False
        if tr == TRUE:
            return TRUE, cr, ok
        if tr == FALSE:
            return tl, cl, ok
        if tl == FALSE:
            return tr, cr, ok
        return BOOL, cl & cr, ok

    # ------------------------------------------------------------ operators

    def check_unary(self, e: UnaryApp, prior: frozenset) -> Answer:
        if e.op == "!":
            ty, _, ok = self.expect(e.arg, prior, (BOOL,))
            if ty is None:
                return BOOL, NO_CAPS, False
            return _negate(ty), NO_CAPS, ok
        if e.op == "neg":
            ty, _, ok = self.expect(e.arg, prior, (LONG,))
            return LONG, NO_CAPS, ok
        ty, _, ok = self.expect(e.arg, prior, (ANY_SET,),
                                lambda t: 'try using `== ""` to test if a string is empty' if t == STRING else None)
        return BOOL, NO_CAPS, ok

    def check_binary(self, e: BinaryApp, prior: frozenset) -> Answer:
        op = e.op
        if op in ("==", "!="):
            ty, _, ok = self.check_equal(e, prior)
            return (_negate(ty) if op == "!=" and ty is not None else ty), NO_CAPS, ok
        if op in ("<", "<="):
            return self.check_compare(e.left, e.right, e.loc, prior)
        if op in (">", ">="):  # Rust reads `a > b` as `!(a <= b)` and `a >= b` as `!(a < b)`
            ty, _, ok = self.check_compare(e.left, e.right, e.loc, prior)
            return (_negate(ty) if ty is not None else None), NO_CAPS, ok
        if op in ("+", "-", "*"):
            return self.check_arith(e, prior)
        if op == "in":
            return self.check_in(e.left, e.right, e.loc, prior)
        if op == "contains":
            return self.check_contains(e, prior)
        if op in ("containsAll", "containsAny"):
            return self.check_contains_all_any(e, prior)
        if op == "hasTag":
            return self.check_has_tag(e, prior)
        return self.check_get_tag(e, prior)

    def check_equal(self, e: BinaryApp, prior: frozenset) -> Answer:
        tl, _, ok_left = self.check(e.left, prior)
        tr, _, ok_right = self.check(e.right, prior)
        ok = ok_left and ok_right
        ty = self.type_of_equality(e.left, tl, e.right, tr)
        if ty in (TRUE, FALSE) or tl is None or tr is None:
            return ty, NO_CAPS, ok
        lub = least_upper_bound(tl, tr)
        if isinstance(lub, LubFailure):
            self._incompatible(e.loc, [tl, tr], lub, "==")
            return ty, NO_CAPS, False
        return ty, NO_CAPS, ok

    def type_of_equality(self, left: Expr, tl: CedarType | None, right: Expr, tr: CedarType | None) -> CedarType:
        if isinstance(tl, EntityType) and isinstance(tr, EntityType) and tl != tr:
            return FALSE
        l, r = self._literal(left), self._literal(right)
        if l is not None and r is not None:
            return TRUE if l == r else FALSE
        return BOOL

    def _literal(self, e: Expr) -> Lit | None:
        """`e` as a literal, reading `action` as this environment's action."""
        if e.__class__ is Lit:
            return e  # type: ignore[return-value]
        if e.__class__ is Var and e.name == "action":  # type: ignore[union-attr]
            return Lit(self.env.action)
        return None

    def check_compare(self, left: Expr, right: Expr, loc: Loc | None, prior: frozenset) -> Answer:
        t1, _, ok1 = self.check(left, prior)
        t2, _, ok2 = self.check(right, prior)
        ok = ok1 and ok2
        if t1 is None or t2 is None:
            return BOOL, NO_CAPS, False
        never1, never2 = isinstance(t1, NeverType), isinstance(t2, NeverType)
        if never1 and never2:
            return BOOL, NO_CAPS, False
        if never1 or never2:
            other, where = (t2, right) if never1 else (t1, left)
            if _orderable(other):
                return BOOL, NO_CAPS, ok
            self._not_comparable(where, _ORDERABLE, other)
            return BOOL, NO_CAPS, False
        if t1 == t2 and _orderable(t1):
            return BOOL, NO_CAPS, ok
        if t1 == LONG:
            self._not_comparable(right, (LONG,), t2)
        elif t2 == LONG:
            self._not_comparable(left, (LONG,), t1)
        elif _orderable(t1):
            self._not_comparable(right, (t1,), t2)
        elif _orderable(t2):
            self._not_comparable(left, (t2,), t1)
        else:
            self._not_comparable(left, _ORDERABLE, t1)
            self._not_comparable(right, _ORDERABLE, t2)
        return BOOL, NO_CAPS, False

    def _not_comparable(self, e: Expr, expected: tuple[CedarType, ...], actual: CedarType) -> None:
        wanted = " or ".join(describe(x) for x in expected)
        self.error("unexpected_type", f"unexpected type: expected {wanted} but saw {describe(actual)}", e.loc,
                   "`<`, `<=`, `>` and `>=` compare two `Long`s, two `datetime`s or two `duration`s"
                   " (use `.lessThan()` and friends for `decimal`)")

    def check_arith(self, e: BinaryApp, prior: frozenset) -> Answer:
        def help(t: CedarType) -> str | None:
            if e.op == "+" and t == STRING:
                return "Cedar does not support string concatenation"
            if isinstance(t, SetType):
                return "Cedar does not support computing the union, intersection, or difference of sets"
            return None

        _, _, ok1 = self.expect(e.left, prior, (LONG,), help)
        _, _, ok2 = self.expect(e.right, prior, (LONG,), help)
        return LONG, NO_CAPS, ok1 and ok2

    def check_in(self, left: Expr, right: Expr, loc: Loc | None, prior: frozenset) -> Answer:
        tl, _, ok_left = self.expect(left, prior, (ANY_ENTITY,),
                                     lambda t: "try using `contains` to test if a single element is in a set")
        tr, _, ok_right = self.expect(right, prior, (SET_OF_ENTITIES, ANY_ENTITY), _in_help)
        if not (ok_left and ok_right):
            return BOOL, NO_CAPS, False
        lhs = self._literal(left)
        rhs = self._literal_uids(right)
        if lhs is not None and rhs is not None and is_action_type(lhs.value.type):  # type: ignore[union-attr]
            rhs_actions = [uid for uid in rhs if is_action_type(uid.type)]
            if not rhs_actions:
                return FALSE, NO_CAPS, True
            if any(uid not in self.schema.actions for uid in rhs_actions):
                return BOOL, NO_CAPS, False  # the unknown action is reported by the scope checks
            member = any(lhs.value == uid or lhs.value in self.schema.actions[uid].descendants for uid in rhs_actions)
            return (TRUE if member else FALSE), NO_CAPS, True
        left_type = tl.name if isinstance(tl, EntityType) else None
        right_type = tr.name if isinstance(tr, EntityType) else (
            tr.element.name if isinstance(tr, SetType) and isinstance(tr.element, EntityType) else None)
        if left_type is not None and right_type is not None and not self._may_be_in(left_type, right_type):
            return FALSE, NO_CAPS, True
        return BOOL, NO_CAPS, True

    def _literal_uids(self, e: Expr) -> list[EntityUID] | None:
        single = self._literal(e)
        if single is not None:
            return [single.value] if isinstance(single.value, EntityUID) else None
        if e.__class__ is SetLit:
            out = []
            for element in e.elements:  # type: ignore[union-attr]
                lit = self._literal(element)
                if lit is None or not isinstance(lit.value, EntityUID):
                    return None
                out.append(lit.value)
            return out
        return None

    def _may_be_in(self, child: str, parent: str) -> bool:
        """Can an entity of type `child` be `in` one of type `parent`? (Rust: `any_entity_type_decedent_of`)"""
        if child in self.schema.entity_types_in(parent):
            return True
        return any(
            uid.type == parent and any(d.type == child for d in a.descendants)
            for uid, a in self.schema.actions.items()
        )

    def check_contains(self, e: BinaryApp, prior: frozenset) -> Answer:
        t1, _, ok1 = self.expect(e.left, prior, (ANY_SET,), _set_help)
        t2, _, ok2 = self.check(e.right, prior)
        ok = ok1 and ok2
        element = t1.element if isinstance(t1, SetType) else None
        if element is not None and t2 is not None:
            lub = least_upper_bound(element, t2)
            if isinstance(lub, LubFailure):
                self._incompatible(e.loc, [element, t2], lub, "contains")
                return BOOL, NO_CAPS, False
        return BOOL, NO_CAPS, ok

    def check_contains_all_any(self, e: BinaryApp, prior: frozenset) -> Answer:
        t1, _, ok1 = self.expect(e.left, prior, (ANY_SET,), _set_help)
        t2, _, ok2 = self.expect(e.right, prior, (ANY_SET,),
                                 lambda t: "try using `contains` to test if a single element is in a set")
        ok = ok1 and ok2
        if t1 is not None and t2 is not None:
            lub = least_upper_bound(t1, t2)
            if isinstance(lub, LubFailure):
                self._incompatible(e.loc, [t1, t2], lub, "containsAnyAll")
                return BOOL, NO_CAPS, False
        return BOOL, NO_CAPS, ok

    def tag_types(self, t: CedarType) -> list[CedarType]:
        if isinstance(t, EntityType):
            etype = self.schema.entity_types.get(t.name)
            return [etype.tags] if etype is not None and etype.tags is not None else []
        out: list[CedarType] = []
        for etype in self.schema.entity_types.values():
            if etype.tags is not None and etype.tags not in out:
                out.append(etype.tags)
        return out

    def check_has_tag(self, e: BinaryApp, prior: frozenset) -> Answer:
        t1, _, ok1 = self.expect(e.left, prior, (ANY_ENTITY,))
        _, _, ok2 = self.expect(e.right, prior, (STRING,))
        if t1 is None:
            return None, NO_CAPS, False
        cap = ("tag", e.left, e.right)
        if not self.tag_types(t1):
            ty = FALSE
        elif cap in prior:
            ty = TRUE
        else:
            ty = BOOL
        return ty, frozenset((cap,)), ok1 and ok2

    def check_get_tag(self, e: BinaryApp, prior: frozenset) -> Answer:
        t1, _, ok1 = self.expect(e.left, prior, (ANY_ENTITY,))
        _, _, ok2 = self.expect(e.right, prior, (STRING,))
        if t1 is None:
            return None, NO_CAPS, False
        if ("tag", e.left, e.right) not in prior:
            on = f" on entity type `{t1}`" if isinstance(t1, EntityType) else ""
            self.error("unsafe_tag_access", f"unable to guarantee safety of access to a tag{on}", e.loc,
                       "try testing for the tag's presence with `.hasTag(..) && ..`")
            return None, NO_CAPS, False
        tags = self.tag_types(t1)
        if not tags:
            which = f"type `{t1}`" if isinstance(t1, EntityType) else "this type"
            self.error("no_tags_allowed", f"`.getTag()` is not allowed on entities of {which} because no `tags` "
                       "were declared on the entity type in the schema", e.loc)
            return None, NO_CAPS, False
        ty = self.lub_or_error(e.loc, tags, "getTag")  # type: ignore[arg-type]
        return ty, NO_CAPS, ty is not None and ok1 and ok2

    # ------------------------------------------------------------ attributes

    def attribute(self, t: CedarType, attr: str) -> AttrType | None:
        if isinstance(t, RecordType):
            return t.attrs.get(attr)
        if isinstance(t, EntityType):
            etype = self.schema.entity_types.get(t.name)
            return etype.attributes.attrs.get(attr) if etype is not None else None
        return None

    def may_have_attribute(self, t: CedarType, attr: str) -> bool:
        if isinstance(t, (NeverType, AnyEntityType)):
            return True
        if isinstance(t, EntityType):
            if is_action_type(t.name):
                return False
            etype = self.schema.entity_types.get(t.name)
            return etype is None or attr in etype.attributes.attrs
        if isinstance(t, RecordType):
            return t.open or attr in t.attrs
        return False

    def check_get_attr(self, e: GetAttr, prior: frozenset) -> Answer:
        ty, _, ok = self.expect(e.expr, prior, (ANY_ENTITY, ANY_RECORD))
        if ty is None:
            return None, NO_CAPS, False
        a = self.attribute(ty, e.attr)
        if a is None:
            known = sorted(_attribute_names(self.schema, ty))
            close = difflib.get_close_matches(e.attr, known, n=1)
            self.error("attribute_not_found", f"attribute `{e.attr}` not found{_on(ty, self.env)}", e.loc,
                       f"did you mean `{close[0]}`?" if close else None)
            return None, NO_CAPS, False
        if a.required or ("attr", e.expr, e.attr) in prior:
            return a.type, NO_CAPS, ok
        self.error("unsafe_optional_attribute_access",
                   f"unable to guarantee safety of access to optional attribute `{e.attr}`{_on(ty, self.env)}", e.loc,
                   f"try testing for the attribute's presence with `... has {e.attr} && ..`")
        return a.type, NO_CAPS, False

    def check_has_attr(self, e: HasAttr, prior: frozenset) -> Answer:
        ty, _, ok = self.expect(e.expr, prior, (ANY_ENTITY, ANY_RECORD), _has_help)
        if ty is None:
            return BOOL, NO_CAPS, False
        cap = ("attr", e.expr, e.attr)
        a = self.attribute(ty, e.attr)
        if a is None:
            return (BOOL if self.may_have_attribute(ty, e.attr) else FALSE), NO_CAPS, ok
        if a.required:
            known = isinstance(ty, RecordType) or cap in prior
        else:
            known = cap in prior
        return (TRUE if known else BOOL), frozenset((cap,)), ok

    # ------------------------------------------------------------ other forms

    def check_like(self, e: Like, prior: frozenset) -> Answer:
        _, _, ok = self.expect(e.expr, prior, (STRING,),
                               lambda t: "try using `is` to test for an entity type"
                               if isinstance(t, (EntityType, AnyEntityType)) else None)
        return BOOL, NO_CAPS, ok

    def check_is(self, e: Is, prior: frozenset) -> Answer:
        if e.in_expr is not None:  # Rust reads `e is T in E` as `e is T && e in E`
            return self.check_and(And(Is(e.expr, e.entity_type, None, e.loc), BinaryApp("in", e.expr, e.in_expr, e.loc), e.loc), prior)
        ty, _, ok = self.expect(e.expr, prior, (ANY_ENTITY,), lambda t: "Cedar only supports run time type tests for entities")
        if isinstance(ty, EntityType):
            return (TRUE if ty.name == e.entity_type else FALSE), NO_CAPS, ok
        if isinstance(ty, AnyEntityType):
            return BOOL, NO_CAPS, ok
        return BOOL, NO_CAPS, False

    def check_set(self, e: SetLit, prior: frozenset) -> Answer:
        answers = [self.check(x, prior) for x in e.elements]
        ok = all(a[2] for a in answers)
        lub = self.lub_or_error(e.loc, [a[0] for a in answers], "set")
        if not e.elements:
            self.error("empty_set_forbidden", "empty set literals are forbidden in policies", e.loc,
                       "the validator cannot tell the element type of `[]`")
            return None, NO_CAPS, False
        if lub is None:
            return None, NO_CAPS, False
        return SetType(lub), NO_CAPS, ok

    def check_record(self, e: RecordLit, prior: frozenset) -> Answer:
        attrs: dict[str, AttrType] = {}
        ok = True
        complete = True
        for name, value in e.fields:
            ty, _, value_ok = self.check(value, prior)
            ok = ok and value_ok
            if ty is None:
                complete = False
            else:
                attrs[name] = AttrType(ty, True)
        return (RecordType(attrs) if complete else None), NO_CAPS, ok

    def check_ext_call(self, e: ExtCall, prior: frozenset) -> Answer:
        f = EXTENSION_FUNCTIONS.get(e.name)
        if f is None:
            self.error("undefined_extension", f"undefined extension function: {e.name}", e.loc)
            for arg in e.args:
                self.check(arg, prior)
            return None, NO_CAPS, False
        failed = False
        if len(e.args) != len(f.arg_types):
            self.error("wrong_number_arguments", f"wrong number of arguments in extension function application. "
                       f"Expected {len(f.arg_types)}, got {len(e.args)}", e.loc)
            failed = True
        if f.is_constructor:
            literal = e.args[0].value if len(e.args) == 1 and e.args[0].__class__ is Lit else None  # type: ignore[union-attr]
            if literal.__class__ is str:  # Rust checks a single string literal by constructing the value
                try:
                    f.call(literal)
                except EvaluationError as err:
                    self.error("function_argument_validation",
                               f"error during extension function argument validation: failed to parse as "
                               f"{f.return_type}: `{quote_string(literal)}`", e.loc, err.message)  # type: ignore[arg-type]
                    failed = True
            if not all(arg.__class__ is Lit for arg in e.args):
                self.error("non_literal_extension_constructor",
                           "extension constructors may not be called with non-literal expressions", e.loc,
                           f"write the argument of `{e.name}` as a string literal")
                failed = True
        if failed:
            for arg in e.args:
                self.check(arg, prior)
            return f.return_type, NO_CAPS, False
        ok = True
        for arg, expected in zip(e.args, f.arg_types):
            _, _, arg_ok = self.expect(arg, prior, (expected,))
            ok = ok and arg_ok
        return f.return_type, NO_CAPS, ok


class RecordingChecker(SingleEnvChecker):
    """A checker that also remembers the type it gave each subexpression it looked at.

    Level validation walks the typed policy afterwards (Rust: the type-annotated
    AST of `typecheck_by_request_env`). `types` maps `id(e)` to `(e, type)`,
    holding `e` so a node built during the check (`e is T in E`) keeps its id;
    a subexpression the check skipped (`false && e`) is absent.
    """

    def __init__(self, schema: Schema, policy_id: str, env: RequestEnv, errors: list[ValidationError],
                 fallback_loc: Loc | None) -> None:
        super().__init__(schema, policy_id, env, errors, fallback_loc)
        self.types: dict[int, tuple[Expr, CedarType | None]] = {}

    def type_of(self, e: Expr) -> CedarType | None:
        seen = self.types.get(id(e))
        return seen[1] if seen is not None else None

    def check(self, e: Expr, prior: frozenset) -> Answer:
        answer = SingleEnvChecker.check(self, e, prior)
        self.types[id(e)] = (e, answer[0])
        return answer

    def and_step(self, e: And, prior: frozenset, left: Answer) -> Answer:  # type: ignore[override]
        answer = SingleEnvChecker.and_step(self, e, prior, left)
        self.types[id(e)] = (e, answer[0])  # the inner nodes of a `&&` chain are not `check`ed one by one
        return answer

    def or_step(self, e: Or, prior: frozenset, left: Answer) -> Answer:  # type: ignore[override]
        answer = SingleEnvChecker.or_step(self, e, prior, left)
        self.types[id(e)] = (e, answer[0])
        return answer


_DISPATCH: dict[type, Callable[[SingleEnvChecker, Expr, frozenset], Answer]] = {
    Lit: SingleEnvChecker.check_lit,
    Var: SingleEnvChecker.check_var,
    Slot: SingleEnvChecker.check_slot,
    If: SingleEnvChecker.check_if,
    And: SingleEnvChecker.check_and,
    Or: SingleEnvChecker.check_or,
    UnaryApp: SingleEnvChecker.check_unary,
    BinaryApp: SingleEnvChecker.check_binary,
    GetAttr: SingleEnvChecker.check_get_attr,
    HasAttr: SingleEnvChecker.check_has_attr,
    Like: SingleEnvChecker.check_like,
    Is: SingleEnvChecker.check_is,
    SetLit: SingleEnvChecker.check_set,
    RecordLit: SingleEnvChecker.check_record,
    ExtCall: SingleEnvChecker.check_ext_call,
}  # type: ignore[dict-item]

_ORDERABLE: tuple[CedarType, ...] = (LONG,) + tuple(ExtensionType(n) for n in ORDERED_EXTENSION_TYPES)


def _orderable(t: CedarType) -> bool:
    return t == LONG or (isinstance(t, ExtensionType) and t.name in ORDERED_EXTENSION_TYPES)


def _fits(actual: CedarType, expected: CedarType) -> bool:
    if expected is ANY_SET:
        return isinstance(actual, (SetType, NeverType))
    return is_subtype(actual, expected, strict=False)


def _negate(t: CedarType) -> CedarType:
    return FALSE if t == TRUE else TRUE if t == FALSE else BOOL


def _set_help(t: CedarType) -> str | None:
    if isinstance(t, (EntityType, AnyEntityType)):
        return "try using `in` for entity hierarchy membership"
    if isinstance(t, RecordType):
        return "try using `has` to test for an attribute"
    if t == STRING:
        return "try using `like` to examine the contents of a string"
    return None


def _in_help(t: CedarType) -> str | None:
    if isinstance(t, SetType):
        return "try using `contains` to test if a single element is in a set"
    if t == STRING:
        return "try using `like` to examine the contents of a string"
    return None


def _has_help(t: CedarType) -> str | None:
    if isinstance(t, SetType):
        return "try using `contains` to test if a single element is in a set"
    if t == STRING:
        return "try using `like` to examine the contents of a string"
    return None


def _attribute_names(schema: Schema, t: CedarType) -> list[str]:
    if isinstance(t, RecordType):
        return list(t.attrs)
    if isinstance(t, EntityType) and t.name in schema.entity_types:
        return list(schema.entity_types[t.name].attributes.attrs)
    return []


def _on(t: CedarType, env: RequestEnv) -> str:
    if isinstance(t, EntityType):
        return f" on entity type `{t.name}`"
    if t is env.context:
        return f" in context for `{env.action}`"
    return ""
