"""AST -> Cedar text in the layout of the Rust `cedar format` (`cedar-policy-formatter`).

Rust formats the concrete syntax tree with Wadler-style documents (the `pretty`
crate, line width 80, indent 2). We rebuild, from the AST, the syntax tree a
minimally parenthesized policy would have, give each node the document Rust
gives it, and render with the same algorithm (`_render` follows `pretty`'s
`best`/`fitting` exactly, widths in UTF-8 bytes). So for a policy written with
minimal parentheses our output equals `cedar format`'s, and it is a fixed point
of both formatters.

Printing never changes meaning: parentheses are added exactly where the grammar
needs them (`-(5)` is not the literal `-5`, `(-5).a` is not `-(5.a)`, at most
four unary operators in a row, relations do not chain). Formatting policy *text*
(`format_text`) is `impl.format_cst`'s job: like Rust it lays out the concrete
syntax, keeping comments, parentheses and literals as written.
Everything is built with explicit stacks, so depth is limited only by the parser.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Iterable

from .ast import (
    WILDCARD, ActionConstraint, And, BinaryApp, Condition, ExtCall, GetAttr, HasAttr, If, Is, Like, Lit, Or,
    Policy, RecordLit, ScopeConstraint, SetLit, Slot, UnaryApp, Var,
)
from .parser import extension_names
from .parser.policy import children
from .values import EntityUID, quote_string

LINE_WIDTH = 80
INDENT = 2

# ================================================================ documents

# A document is a str (text), or a tuple: ("cat", [docs]), ("group", doc), ("nest", k, doc),
# ("alt", broken, flat) for a line break that may stay flat, or HARDLINE.
HARDLINE = ("hard",)
LINE = ("alt", HARDLINE, " ")
LINE_ = ("alt", HARDLINE, "")


def _cat(*docs: Any) -> tuple:
    return ("cat", list(docs))


def _group(doc: Any) -> tuple:
    return ("group", doc)


def _nest(k: int, doc: Any) -> tuple:
    return ("nest", k, doc)


def _width(s: str) -> int:
    """Display width, as `pretty` measures non-ASCII text (the `unicode-width` crate)."""
    if s.isascii():
        return len(s)
    return sum(_char_width(ch) for ch in s)


@lru_cache(maxsize=4096)
def _char_width(ch: str) -> int:
    if ch.isascii():
        return 1
    if unicodedata.category(ch) in ("Mn", "Me") or ch in _ZERO_WIDTH or "\u1160" <= ch <= "\u11ff":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


# Default-ignorable characters that `unicode-width` gives no width (the rest of Cf is printed escaped).
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u034f\u180b\u180c\u180d\u180e\u180f")


def _render(doc: Any, width: int = LINE_WIDTH) -> str:
    """Lay out `doc` as the Rust `pretty` crate (0.12) does."""
    out: list[str] = []
    pos = 0
    cmds: list[tuple[int, bool, Any]] = [(0, False, doc)]  # (indent, flat?, doc)
    while cmds:
        ind, flat, d = cmds.pop()
        while True:
            if d.__class__ is str:
                out.append(d)
                pos += _width(d)
                break
            tag = d[0]
            if tag == "cat":
                parts = d[1]
                if not parts:
                    break
                for p in reversed(parts[1:]):
                    cmds.append((ind, flat, p))
                d = parts[0]
            elif tag == "group":
                if not flat and _fits(d[1], pos, width, cmds):
                    flat = True
                d = d[1]
            elif tag == "nest":
                ind += d[1]
                d = d[2]
            elif tag == "alt":
                d = d[2] if flat else d[1]
            else:  # hard line: indented as the next command will be
                if cmds:
                    ind, flat, d = cmds.pop()
                    out.append("\n" + " " * ind)
                    pos = ind
                    continue
                out.append("\n" + " " * ind)
                pos = ind
                break
    return "".join(out)


def _fits(doc: Any, pos: int, width: int, cmds: list[tuple[int, bool, Any]]) -> bool:
    """Does `doc`, flat, and what follows it up to the next line break fit in `width`?"""
    pending: list[Any] = [doc]
    flat = True
    rest = len(cmds)
    while True:
        if pending:
            d = pending.pop()
        elif rest == 0:
            return True
        else:
            rest -= 1
            flat = False
            d = cmds[rest][2]
        while True:
            if d.__class__ is str:
                pos += _width(d)
                if pos > width:
                    return False
                break
            tag = d[0]
            if tag == "cat":
                parts = d[1]
                if not parts:
                    break
                for p in reversed(parts[1:]):
                    pending.append(p)
                d = parts[0]
            elif tag == "group":
                d = d[1]
            elif tag == "nest":
                d = d[2]
            elif tag == "alt":
                d = d[2] if flat else d[1]
            else:
                return not flat


# ================================================================ expressions as the Rust syntax tree

# Grammar levels, loosest to tightest (Rust `grammar.lalrpop`).
EXPR, OR, AND, REL, ADD, MULT, UNARY, MEMBER, PRIMARY = range(9)

_IDENT_RE = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*\Z")
_RESERVED = frozenset({"true", "false", "if", "then", "else", "in", "is", "has", "like", "__cedar"})
_REL_OPS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in"})


def is_plain_identifier(s: str) -> bool:
    """Can `s` be written bare as an attribute (`e.s`, `e has s`, `{s: ..}`)?"""
    return bool(_IDENT_RE.match(s)) and s not in _RESERVED


def entity_uid_text(uid: EntityUID) -> str:
    return f"{uid.type}::{quote_string(uid.id)}"


def pattern_text(pattern: tuple[Any, ...]) -> str:
    parts = []
    for elem in pattern:
        if elem is WILDCARD:
            parts.append("*")
        else:
            parts.append(quote_string(elem)[1:-1].replace("*", "\\*"))
    return '"' + "".join(parts) + '"'


class _Info:
    """A node rebuilt as Rust's syntax tree: its grammar level and what its parent needs.

    level ADD/MULT: `doc` is the operator chain without its group, so a parent of
    the same level extends it (`a + b + c` is one chain). UNARY: `ops` and the
    member document. MEMBER: `item` and the `accesses`, which a parent access
    extends (`a.b.c` is one member). Other levels: `doc` as Rust builds it.
    """

    __slots__ = ("level", "doc", "ops", "item", "accesses", "neg_literal")

    def __init__(self, level: int, doc: Any = None, ops: str = "", item: Any = None,
                 accesses: list[Any] | None = None, neg_literal: bool = False) -> None:
        self.level, self.doc, self.ops, self.item = level, doc, ops, item
        self.accesses = accesses
        self.neg_literal = neg_literal  # a non-negative Long literal: `-` before it would make a new literal


def _member_doc(info: _Info) -> Any:
    if info.level == PRIMARY:
        return _group(info.item)
    accesses: list[Any] = []
    for i, a in enumerate(info.accesses or ()):
        if i:
            accesses.append(LINE_)
        accesses.append(a)
    return _group(_cat(info.item, _nest(INDENT, _cat(*accesses))))


def _paren(info: _Info) -> _Info:
    return _Info(PRIMARY, item=_group(_cat("(", _nest(1, _at(info, EXPR)), ")")))


def _at(info: _Info, required: int) -> Any:
    """The document of `info` where the grammar requires level `required` (parenthesized if looser)."""
    if info.level < required:
        info = _paren(info)
    level = info.level
    if level >= MEMBER:
        doc = _member_doc(info)
    elif level == UNARY:
        doc = _cat(info.ops, info.doc)
    elif level == MULT or level == ADD:
        doc = _group(info.doc)
    else:
        return info.doc
    if required <= MULT < level:
        doc = _group(doc)
    if required <= ADD < level:
        doc = _group(doc)
    return doc


def _receiver(info: _Info) -> tuple[Any, list[Any]]:
    """The member item and accesses a new access extends."""
    if info.level == MEMBER:
        return info.item, list(info.accesses or ())
    if info.level == PRIMARY:
        return info.item, []
    return _paren(info).item, []


def _call_doc(args: list[_Info]) -> Any:
    if not args:
        return "()"
    inner: list[Any] = [_at(args[0], EXPR)]
    for a in args[1:]:
        inner.extend((",", LINE, _at(a, EXPR)))
    return _cat("(", _nest(INDENT, _cat(LINE_, *inner)), LINE_, ")")


def _method(receiver: _Info, name: str, args: list[_Info]) -> _Info:
    item, accesses = _receiver(receiver)
    accesses.append("." + name)
    accesses.append(_call_doc(args))
    return _Info(MEMBER, item=item, accesses=accesses)


def _chain(left: _Info, level: int, op: str, right: _Info, right_level: int) -> _Info:
    """`left op right` for the left-associative chains (`||`, `&&`, `+ -`, `*`)."""
    if left.level == level:
        head = left.doc
    else:
        head = _at(left, level + 1)
    return _Info(level, doc=_cat(head, " " + op, LINE, _at(right, right_level)))


def _unary(op: str, arg: _Info) -> _Info:
    symbol = "!" if op == "!" else "-"
    if arg.level == UNARY and arg.ops[0] == symbol and len(arg.ops) < 4:
        return _Info(UNARY, doc=arg.doc, ops=symbol + arg.ops)
    if arg.level < MEMBER or (symbol == "-" and arg.neg_literal):
        arg = _paren(arg)
    return _Info(UNARY, doc=_member_doc(arg), ops=symbol)


def _leaf(e: Any) -> _Info | None:
    cls = e.__class__
    if cls is Lit:
        v = e.value
        if v.__class__ is bool:
            return _Info(PRIMARY, item="true" if v else "false")
        if v.__class__ is int:
            if v < 0:
                return _Info(UNARY, doc=_group(str(-v)), ops="-")
            return _Info(PRIMARY, item=str(v), neg_literal=True)
        if v.__class__ is str:
            return _Info(PRIMARY, item=quote_string(v))
        return _Info(PRIMARY, item=entity_uid_text(v))
    if cls is Var or cls is Slot:
        return _Info(PRIMARY, item=e.name)
    return None


def _node(e: Any, a: list[_Info]) -> _Info:
    cls = e.__class__
    if cls is BinaryApp:
        op = e.op
        if op in _REL_OPS:
            return _Info(REL, doc=_cat(_at(a[0], ADD), f" {op} ", _at(a[1], ADD)))
        if op == "+" or op == "-":
            return _chain(a[0], ADD, op, a[1], MULT)
        if op == "*":
            return _chain(a[0], MULT, op, a[1], UNARY)
        return _method(a[0], op, [a[1]])  # contains, containsAll, containsAny, getTag, hasTag
    if cls is And:
        return _chain(a[0], AND, "&&", a[1], REL)
    if cls is Or:
        return _chain(a[0], OR, "||", a[1], AND)
    if cls is UnaryApp:
        if e.op == "isEmpty":
            return _method(a[0], "isEmpty", [])
        return _unary(e.op, a[0])
    if cls is GetAttr:
        item, accesses = _receiver(a[0])
        attr = e.attr
        accesses.append("." + attr if is_plain_identifier(attr) else _cat("[", quote_string(attr), "]"))
        return _Info(MEMBER, item=item, accesses=accesses)
    if cls is HasAttr:
        attr = e.attr if is_plain_identifier(e.attr) else quote_string(e.attr)
        return _Info(REL, doc=_group(_cat(_at(a[0], ADD), LINE, "has", LINE, _nest(INDENT, attr))))
    if cls is Like:
        return _Info(REL, doc=_group(_cat(_at(a[0], ADD), LINE, "like", LINE,
                                          _nest(INDENT, pattern_text(e.pattern)))))
    if cls is Is:
        doc = _cat(_at(a[0], ADD), " is ", _nest(INDENT, e.entity_type))
        if e.in_expr is not None:
            doc = _cat(doc, LINE, "in ", _nest(INDENT, _at(a[1], ADD)))
        return _Info(REL, doc=_group(doc))
    if cls is If:
        return _Info(EXPR, doc=_group(_cat(
            "if", _nest(INDENT, _cat(LINE, _at(a[0], EXPR))), LINE,
            "then", _nest(INDENT, _cat(LINE, _at(a[1], EXPR))), LINE,
            "else", _nest(INDENT, _cat(LINE, _at(a[2], EXPR))))))
    if cls is SetLit:
        if not a:
            return _Info(PRIMARY, item="[]")
        inner: list[Any] = [_at(a[0], EXPR)]
        for x in a[1:]:
            inner.extend((",", LINE, _at(x, EXPR)))
        return _Info(PRIMARY, item=_cat("[", _nest(1, _cat(*inner)), "]"))
    if cls is RecordLit:
        if not a:
            return _Info(PRIMARY, item="{}")
        inits: list[Any] = []
        for i, ((key, _v), x) in enumerate(zip(e.fields, a)):
            if i:
                inits.extend((",", LINE))
            inits.append(_cat(key if is_plain_identifier(key) else quote_string(key), ": ", _at(x, EXPR)))
        return _Info(PRIMARY, item=_cat("{", _nest(INDENT, _group(_cat(LINE, *inits, LINE))), "}"))
    if cls is ExtCall:
        if extension_names.call_style(e.name) == "method" and a:
            return _method(a[0], e.name, a[1:])
        return _Info(MEMBER, item=e.name, accesses=[_call_doc(a)])
    raise TypeError(f"not an expression: {e!r}")


def _info(expr: Any) -> _Info:
    """Rebuild `expr` bottom-up with an explicit stack."""
    results: list[_Info] = []
    stack: list[tuple[Any, bool]] = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        leaf = _leaf(e)
        if leaf is not None:
            results.append(leaf)
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
        results.append(_node(e, args))
    return results[0]


def expr_doc(expr: Any) -> Any:
    """The document Rust's formatter builds for an expression (`Expr` level)."""
    return _at(_info(expr), EXPR)


# ================================================================ policies


def _is_doc(entity_type: str) -> Any:
    return _group(_nest(INDENT, _cat(_group(_cat(LINE, "is")), LINE, entity_type)))


def _var_doc(var: str, entity_type: str | None, op: str | None, rhs: Any) -> Any:
    is_doc = _is_doc(entity_type) if entity_type is not None else ""
    if op is None:
        return _cat(var, is_doc)
    return _group(_cat(_group(_cat(var, is_doc, LINE, op)), _nest(INDENT, _cat(LINE, rhs))))


def _entity_doc(e: EntityUID | Slot) -> Any:
    text = e.name if isinstance(e, Slot) else entity_uid_text(e)
    return _group(_group(_group(text)))


def _scope_doc(var: str, c: ScopeConstraint) -> tuple[Any, bool]:
    if c.op == "all":
        return var, True
    if c.op == "is":
        return _var_doc(var, c.entity_type, None, None), False
    if c.op == "is_in":
        return _var_doc(var, c.entity_type, "in", _entity_doc(c.entity)), False  # type: ignore[arg-type]
    return _var_doc(var, None, c.op, _entity_doc(c.entity)), False  # type: ignore[arg-type]


def _action_doc(c: ActionConstraint) -> tuple[Any, bool]:
    if c.op == "all":
        return "action", True
    if c.op == "in" and (c.is_list or len(c.entities) != 1):
        if not c.entities:
            items: Any = "[]"
        else:
            inner: list[Any] = [_entity_doc(c.entities[0])]
            for uid in c.entities[1:]:
                inner.extend((",", LINE, _entity_doc(uid)))
            items = _cat("[", _nest(1, _cat(*inner)), "]")
        return _var_doc("action", None, "in", _group(_group(_group(items)))), False
    return _var_doc("action", None, c.op, _entity_doc(c.entities[0])), False


def _condition_doc(c: Condition) -> Any:
    body = _group(expr_doc(c.body))
    return _group(_cat(c.kind, LINE, "{", _group(_cat(_nest(INDENT, _cat(LINE, body)), LINE, "}"))))


def policy_doc(p: Policy) -> Any:
    parts: list[Any] = []
    for key, value in p.annotations:
        parts.append(f"@{key}" + ("" if value is None else f"({quote_string(value)})"))
        parts.append(HARDLINE)
    parts.append(_group(_cat(p.effect, LINE, "(")))
    principal, p_plain = _scope_doc("principal", p.principal)
    action, a_plain = _action_doc(p.action)
    resource, r_plain = _scope_doc("resource", p.resource)
    if p_plain and a_plain and r_plain:
        parts.append(_group(_nest(INDENT, _cat(principal, ", ", action, ", ", resource))))
    else:
        parts.append(_nest(INDENT, _cat(HARDLINE, principal, ",", HARDLINE, action, ",", HARDLINE, resource)))
        parts.append(HARDLINE)
    parts.append(")")
    if p.conditions:
        parts.append(HARDLINE)
        for i, c in enumerate(p.conditions):
            if i:
                parts.append(HARDLINE)
            parts.append(_condition_doc(c))
    parts.append(";")
    return _cat(*parts)


def _remove_empty_lines(text: str) -> str:
    """Drop whitespace-only lines and trim (Rust `remove_empty_lines`; our strings never span lines)."""
    lines = text.split("\n")
    kept = [ln for i, ln in enumerate(lines) if ln.strip() or i == len(lines) - 1]
    return "\n".join(kept).strip()


def format_policy(policy: Policy) -> str:
    """One policy or template, without a trailing newline."""
    return _remove_empty_lines(_render(policy_doc(policy)))


def format_policies(policies: Iterable[Policy]) -> str:
    """Policies separated by blank lines, ending with a newline (the `cedar format` layout)."""
    return "\n\n".join(format_policy(p) for p in policies) + "\n"


def format_expr(expr: Any) -> str:
    return _render(_group(expr_doc(expr)))


def format_text(text: str, name: str = "<input>") -> str:
    """Cedar policy text in `cedar format`'s layout, laid out from what the author wrote (comments,
    parentheses and literals kept), as `impl.format_cst` does."""
    from .format_cst import format_policies_text

    return format_policies_text(text, name)
