"""One-line Cedar text for a policy, as the Rust CLI prints a linked policy
(the `Display` of Rust's JSON policy form, `est.rs` and `est/expr.rs`).

`@k("v")` annotations each on their own line, then
`effect(scope, scope, scope) when { expr } unless { expr };` with operands
parenthesised exactly where Rust's `maybe_with_parens` puts parentheses.
"""

from __future__ import annotations

import re
from typing import Any

from ..ast import (
    WILDCARD, And, BinaryApp, ExtCall, GetAttr, HasAttr, If, Is, Like, Lit, Or, Policy, RecordLit, SetLit, Slot,
    UnaryApp, Var,
)
from ..parser import call_style
from ..values import EntityUID
from .evaluate import escape_debug

_IDENT = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*\Z")
_RESERVED = frozenset({"true", "false", "if", "then", "else", "in", "is", "like", "has", "__cedar",
                       "permit", "forbid", "when", "unless", "principal", "action", "resource", "context"})
_BINARY_SYMBOLS = {"==": "==", "!=": "!=", "in": "in", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
                   "+": "+", "-": "-", "*": "*"}
_METHODS = ("contains", "containsAll", "containsAny", "getTag", "hasTag")


def policy_text(p: Policy) -> str:
    lines = [f"@{k}" if v is None else f'@{k}("{escape_debug(v)}")' for k, v in p.annotations]
    head = f"{p.effect}({_scope('principal', p.principal)}, {_action(p.action)}, {_scope('resource', p.resource)})"
    for cond in p.conditions:
        head += f" {cond.kind} {{ {expr_text(cond.body)} }}"
    lines.append(head + ";")
    return "\n".join(lines)


def policy_display(p: Policy) -> str:
    """Multi-line text, as Rust's `Display` of a policy it holds as an AST (`ast::TemplateBody`),
    which `cedar translate-policy --direction json-to-cedar` prints: annotations sorted by key,
    one scope constraint per line, and all conditions as one `when` expression (`unless { e }`
    read as `!e`, folded to the right: `c1 && (c2 && c3)`)."""
    lines = [f'@{k}("{escape_debug(v or "")}")' for k, v in sorted(p.annotations)]
    if p.action.op == "all":
        action = "action"
    elif p.action.op == "==":
        action = f"action == {_uid(p.action.entities[0])}"
    else:
        action = "action in [" + ",".join(_uid(e) for e in p.action.entities) + "]"
    head = f"{p.effect}(\n  {_scope('principal', p.principal)},\n  {action},\n  {_scope('resource', p.resource)}\n)"
    body: Any = None
    for cond in reversed(p.conditions):
        e = cond.body if cond.kind == "when" else UnaryApp("!", cond.body)
        body = e if body is None else And(e, body)
    lines.append(head + (f" when {{\n  {expr_text(body)}\n}};" if body is not None else ";"))
    return "\n".join(lines)


def _entity(e: Any) -> str:
    return e.name if isinstance(e, Slot) else _uid(e)


def _uid(e: EntityUID) -> str:
    return f'{e[0]}::"{escape_debug(e[1])}"'


def _scope(var: str, c: Any) -> str:
    if c.op == "all":
        return var
    if c.op in ("==", "in"):
        return f"{var} {c.op} {_entity(c.entity)}"
    if c.op == "is":
        return f"{var} is {c.entity_type}"
    return f"{var} is {c.entity_type} in {_entity(c.entity)}"


def _action(c: Any) -> str:
    if c.op == "all":
        return "action"
    if c.op == "==":
        return f"action == {_uid(c.entities[0])}"
    if c.is_list:
        return "action in [" + ", ".join(_uid(e) for e in c.entities) + "]"
    return f"action in {_uid(c.entities[0])}"


def _is_ident(s: str) -> bool:
    return bool(_IDENT.match(s)) and s not in _RESERVED


def _tight(e: Any) -> bool:
    """Printed without parentheses as an operand (primaries and member accesses)."""
    if isinstance(e, (SetLit, RecordLit, Var, Slot, GetAttr, ExtCall)):
        return True
    if isinstance(e, Lit):
        return not (e.value.__class__ is int and e.value < 0)  # a negative literal prints as `(-1)` itself
    if isinstance(e, BinaryApp):
        return e.op in _METHODS
    return isinstance(e, UnaryApp) and e.op == "isEmpty"


def _operand(e: Any) -> str:
    text = expr_text(e)
    return text if _tight(e) or (isinstance(e, Lit) and e.value.__class__ is int) else f"({text})"


def _chain(e: Any, cls: type, op: str | None = None) -> str:
    """Left operand of a left-associative operator: no parentheses for the same operator."""
    same = isinstance(e, cls) and (op is None or getattr(e, "op", None) == op)
    return expr_text(e) if same else _operand(e)


def expr_text(e: Any) -> str:
    if isinstance(e, Lit):
        v = e.value
        if v.__class__ is bool:
            return "true" if v else "false"
        if v.__class__ is int:
            return f"({v})" if v < 0 else str(v)
        if v.__class__ is str:
            return f'"{escape_debug(v)}"'
        return _uid(v)
    if isinstance(e, Var):
        return e.name
    if isinstance(e, Slot):
        return e.name
    if isinstance(e, UnaryApp):
        if e.op == "!":
            return "!" + _operand(e.arg)
        if e.op == "neg":
            return f"-({expr_text(e.arg)})"
        return _operand(e.arg) + ".isEmpty()"
    if isinstance(e, And):
        return f"{_chain(e.left, And)} && {_operand(e.right)}"
    if isinstance(e, Or):
        return f"{_chain(e.left, Or)} || {_operand(e.right)}"
    if isinstance(e, BinaryApp):
        if e.op in _METHODS:
            return f"{_operand(e.left)}.{e.op}({expr_text(e.right)})"
        left = _chain(e.left, BinaryApp, e.op) if e.op in ("+", "-", "*") else _operand(e.left)
        return f"{left} {_BINARY_SYMBOLS[e.op]} {_operand(e.right)}"
    if isinstance(e, GetAttr):
        attr = f".{e.attr}" if _is_ident(e.attr) else f'["{escape_debug(e.attr)}"]'
        return _operand(e.expr) + attr
    if isinstance(e, HasAttr):
        attr = e.attr if _is_ident(e.attr) else f'"{escape_debug(e.attr)}"'
        return f"{_operand(e.expr)} has {attr}"
    if isinstance(e, Like):
        pattern = "".join("*" if p is WILDCARD else escape_debug(p).replace("*", "\\*") for p in e.pattern)
        return f'{_operand(e.expr)} like "{pattern}"'
    if isinstance(e, Is):
        text = f"{_operand(e.expr)} is {e.entity_type}"
        return text + (f" in {_operand(e.in_expr)}" if e.in_expr is not None else "")
    if isinstance(e, If):
        return f"if {expr_text(e.cond)} then {expr_text(e.then)} else {expr_text(e.else_)}"
    if isinstance(e, SetLit):
        return "[" + ", ".join(expr_text(x) for x in e.elements) + "]"
    if isinstance(e, RecordLit):
        fields = sorted(e.fields, key=lambda f: f[0])
        return "{" + ", ".join((k if _is_ident(k) else f'"{escape_debug(k)}"') + f": {expr_text(v)}"
                               for k, v in fields) + "}"
    if isinstance(e, ExtCall):
        args = [expr_text(a) for a in e.args]
        if call_style(e.name) == "method" and e.args:
            return f"{_operand(e.args[0])}.{e.name}(" + ", ".join(args[1:]) + ")"
        return f"{e.name}(" + ", ".join(args) + ")"
    raise TypeError(f"not an expression: {e!r}")
