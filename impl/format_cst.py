"""Policy text -> the `cedar format` layout, as Rust's `cedar-policy-formatter` prints it.

Rust lays out the concrete syntax tree, not the AST, so what the author wrote
is kept: parentheses, `e["a"]`, string literals with their escapes (a string
may even span lines). Only number literals are normalized (`007` -> `7`).

Comments are attached to tokens (Rust's `get_token_stream`): a comment on the
line of the token before it *trails* that token; every other comment *leads*
the next token; those after the last line with a token end the file. A node
asks for the comments of particular tokens (its first, its last, the one after
a child) where Rust's `Doc` implementation does and in the same order, and the
first to ask takes them. A trailing comment is printed after its token and
ends the line, which breaks every group around it; leading comments get lines
of their own. A comment nobody asks for is dropped, as in Rust.

The documents and their rendering are `impl.format`'s (the `pretty` crate's
algorithm). Documents are built by generators on an explicit stack, so deep
nesting needs no Python recursion.
"""

from __future__ import annotations

import bisect
import re
import sys
from typing import Any, Callable, Generator

from lark import Tree

from .errors import ParseError
from .format import ADD, AND, EXPR, HARDLINE, LINE, LINE_, MEMBER, MULT, OR, PRIMARY, REL, UNARY, _render
from .parser import parse_policies, tokenize
from .parser.lexer import Token
from .parser.policy import MAX_DEPTH, parse_tree

Doc = Any
Comment = tuple[list[str], str]  # (leading comment lines, trailing comment)
Builder = Generator[tuple[Any, int], Doc, Doc]  # yields (child, level) for the child's document

_COMMENT = re.compile(r"//[^\n\r]*")
_STRING = re.compile(r'"(\\.|[^"\\])*"')
# Rust's `str::trim`: Unicode White_Space
_RUST_WS = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"

# The grammar level each kind of expression node stands at (others are primaries).
_LEVELS = {"if_expr": EXPR, "or_op": OR, "and_op": AND, "rel_op": REL, "has_op": REL, "like_op": REL,
           "is_op": REL, "add_op": ADD, "mul_op": MULT, "not_op": UNARY, "neg_op": UNARY, "member": MEMBER}


class _FormatFailure(Exception):
    """Rust's formatter produced no document (`failed to produce doc`)."""


def format_policies_text(text: str, name: str = "<input>", line_width: int = 80, indent_width: int = 2) -> str:
    """The formatted policy set, comments kept (`ParseError` if `text` does not parse)."""
    policies = parse_policies(text, name)
    tokens, _comments = tokenize(text, name)
    comments = _TokenComments(text, tokens)
    printer = _Printer(comments, indent_width)
    try:
        blocks = [_remove_empty_lines(_render(printer.build(p), line_width)) for p in parse_tree(tokens).children]
    except _FormatFailure:
        raise ParseError("internal error: the formatter could not lay out this policy set") from None
    formatted = "\n\n".join(blocks) + "\n" + "".join(c + "\n" for c in comments.end_of_file)
    if not _same_policies(formatted, policies):
        raise ParseError("internal error: the formatter changed the meaning of the policies",
                         help="please report this input")
    return formatted


def _same_policies(formatted: str, policies: list[Any]) -> bool:
    """Does the layout read back as the same policies? (Rust's formatter checks this too.)"""
    try:
        again = parse_policies(formatted, "<formatted>")
    except ParseError:
        return False
    limit = sys.getrecursionlimit()
    needed = 4 * MAX_DEPTH + 200  # comparing ASTs recurses (the dataclass `__eq__`)
    if limit < needed:
        sys.setrecursionlimit(needed)
    try:
        return again == policies
    finally:
        if limit < needed:
            sys.setrecursionlimit(limit)


# ---------------------------------------------------------------- document combinators


def _cat(*docs: Doc) -> Doc:
    """Concatenation; like the `pretty` crate we drop empty documents, which matters because a hard
    line break takes the indentation of the next document."""
    parts = [d for d in docs if d != ""]
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else ("cat", parts)


def _group(doc: Doc) -> Doc:
    return doc if doc == "" else ("group", doc)


def _nest(k: int, doc: Doc) -> Doc:
    return doc if doc == "" or k == 0 else ("nest", k, doc)


# ---------------------------------------------------------------- comments attached to tokens


class _TokenComments:
    """Each token's leading comment lines and trailing comment, each given out once."""

    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.starts = [t.start for t in tokens]
        self.by_start = {t.start: i for i, t in enumerate(tokens)}
        self.by_end = {t.end: i for i, t in enumerate(tokens)}
        self.leading: list[list[str]] = []
        self.trailing: list[str] = []
        before = text[: tokens[0].start] if tokens else text
        for i, tok in enumerate(tokens):
            self.leading.append(_comment_lines(before))
            following = text[tok.end: tokens[i + 1].start] if i + 1 < len(tokens) else text[tok.end:]
            same_line, _, before = following.partition("\n")
            self.trailing.append(same_line.strip(_RUST_WS))
        self.end_of_file = _comment_lines(before)

    def _take(self, i: int | None) -> Comment:
        if i is None:
            raise _FormatFailure
        comment = (self.leading[i], self.trailing[i])
        self.leading[i], self.trailing[i] = [], ""
        return comment

    def at_start(self, pos: int) -> Comment:
        """The comments of the token starting at `pos`."""
        return self._take(self.by_start.get(pos))

    def leading_at_start(self, pos: int) -> list[str]:
        """Only the leading comments of the token starting at `pos`."""
        i = self.by_start.get(pos)
        if i is None:
            raise _FormatFailure
        lines, self.leading[i] = self.leading[i], []
        return lines

    def at_end(self, pos: int) -> Comment:
        """The comments of the token ending at `pos`."""
        return self._take(self.by_end.get(pos))

    def after(self, pos: int) -> Comment:
        """The comments of the first token starting at or after `pos` (or of the very first token)."""
        i = bisect.bisect_left(self.starts, pos)
        return self._take(i if i < len(self.tokens) else 0 if self.tokens else None)

    def between(self, start: int, end: int) -> list[Comment]:
        """The comments of each token inside `[start, end)`."""
        i = bisect.bisect_left(self.starts, start)
        taken = []
        while i < len(self.tokens) and self.tokens[i].end <= end:
            taken.append(self._take(i))
            i += 1
        return taken


def _comment_lines(text: str) -> list[str]:
    return [m.group().strip(_RUST_WS) for m in _COMMENT.finditer(text)]


def _leading_doc(lines: list[str]) -> Doc:
    if not lines:
        return ""
    parts: list[Doc] = [HARDLINE]
    for i, line in enumerate(lines):
        if i:
            parts.append(HARDLINE)
        parts.append(line)
    parts.append(HARDLINE)
    return _cat(*parts)


def _trailing_doc(comment: str, otherwise: Doc) -> Doc:
    return _cat(" ", comment, HARDLINE) if comment else otherwise


def _commented(doc: Doc, comment: Comment, otherwise: Doc = "") -> Doc:
    """`doc` with its token's comments: leading ones on lines before it, a trailing one after it
    ending the line (else `otherwise` follows)."""
    leading, trailing = comment
    return _cat(_leading_doc(leading), doc, _trailing_doc(trailing, otherwise))


def _intersperse(docs: list[Doc], separator: Doc) -> Doc:
    parts: list[Doc] = []
    for i, d in enumerate(docs):
        if i:
            parts.append(separator)
        parts.append(d)
    return _cat(*parts)


# ---------------------------------------------------------------- spans of tree nodes


def _first_token(node: Any) -> Token:
    while node.__class__ is Tree:
        node = node.children[0]
    return node


def _last_token(node: Any) -> Token:
    while node.__class__ is Tree:
        node = node.children[-1]
    return node


def _start(node: Any) -> int:
    return _first_token(node).start


def _end(node: Any) -> int:
    return _last_token(node).end


def _left_chain(node: Tree, kind: str) -> list[Any]:
    """The children of a left-nested chain (`a + b - c`), flattened: [a, op?, b, op?, c]."""
    rights: list[list[Any]] = []
    while node.__class__ is Tree and node.data == kind:
        rights.append(node.children[1:])
        node = node.children[0]
    items = [node]
    for tail in reversed(rights):
        items.extend(tail)
    return items


def _path_tokens(node: Any) -> list[Token]:
    """The identifier tokens of a `name_path` (or a single identifier token)."""
    tokens: list[Token] = []
    while node.__class__ is Tree:
        tokens.append(node.children[1])
        node = node.children[0]
    tokens.append(node)
    tokens.reverse()
    return tokens


# ---------------------------------------------------------------- documents


class _Printer:
    """The documents of Rust's `Doc` implementations (`cedar-policy-formatter/src/pprint/doc.rs`)."""

    def __init__(self, comments: _TokenComments, indent: int) -> None:
        self.c = comments
        self.indent = indent
        self.leaves: dict[str, Callable[[Tree], Doc]] = {
            "bool_lit": self.literal, "num_lit": self.number, "str_lit": self.literal, "slot": self.literal,
            "ident_prim": self.literal, "path_prim": self.path, "ref_one": self.entity_ref,
            "ref_path": self.entity_ref,
        }
        self.nodes: dict[str, Callable[[Tree], Builder]] = {
            "if_expr": self.if_expr, "or_op": self.or_op, "and_op": self.and_op, "rel_op": self.rel_op,
            "has_op": self.has_op, "like_op": self.like_op, "is_op": self.is_op, "add_op": self.add_op,
            "mul_op": self.mul_op, "not_op": self.unary, "neg_op": self.unary, "member": self.member,
            "paren": self.paren, "set_lit": self.set_lit, "record_lit": self.record_lit,
        }

    def build(self, policy: Tree) -> Doc:
        """The document of one policy. Each expression node with sub-expressions is a generator that
        yields `(child, level)` and receives the child's document, so no Python recursion is needed."""
        stack: list[tuple[Builder, bool]] = [(self.policy(policy), False)]
        value: Doc = None
        while True:
            gen, wrap = stack[-1]
            try:
                child, level = gen.send(value)
            except StopIteration as done:
                stack.pop()
                value = _group(done.value) if wrap else done.value
                if not stack:
                    return value
                continue
            # Rust's single-item `Add`, `Mult` and `Member` nodes between the level the grammar
            # expects here and the child's own level each wrap the child in a group.
            natural = _LEVELS.get(child.data, PRIMARY)
            wrap = level <= ADD < natural or level <= MULT < natural or level <= MEMBER < natural
            leaf = self.leaves.get(child.data)
            if leaf is not None:
                value = _group(leaf(child)) if wrap else leaf(child)
            else:
                stack.append((self.nodes[child.data](child), wrap))
                value = None

    # ------------------------------------------------------------ tokens and names

    def token(self, tok: Token, text: str | None = None) -> Doc:
        return _commented(tok.value if text is None else text, self.c.at_start(tok.start))

    def name(self, tokens: list[Token]) -> Doc:
        doc = self.token(tokens[0])
        for prev, tok in zip(tokens, tokens[1:]):
            doc = _cat(doc, _commented("::", self.c.after(prev.end)), self.token(tok))
        return doc

    # ------------------------------------------------------------ policies

    def policy(self, p: Tree) -> Builder:
        children = p.children
        i = 0
        annotations = []
        while children[i].__class__ is Tree and children[i].data == "annotation":
            annotations.append(self.annotation(children[i]))
            i += 1
        effect: Token = children[i]
        effect_leading = self.c.leading_at_start(effect.start)
        effect_doc = self.token(effect)
        variables = children[i + 2].children
        if len(variables) != 3:
            raise _FormatFailure
        principal = yield from self.variable_def(variables[0])
        action = yield from self.variable_def(variables[1])
        resource = yield from self.variable_def(variables[2])
        first_comma = self.c.after(_end(variables[0]))
        second_comma = self.c.after(_end(variables[1]))
        if all(len(v.children) == 1 for v in variables):
            scope = _group(_nest(self.indent, _cat(principal, _commented(",", first_comma, " "), action,
                                                   _commented(",", second_comma, " "), resource)))
        else:
            scope = _cat(_nest(self.indent, _cat(HARDLINE, principal, _commented(",", first_comma, HARDLINE), action,
                                                 _commented(",", second_comma, HARDLINE), resource)), HARDLINE)
        conditions = []
        for cond in children[i + 4:-1]:
            conditions.append((yield from self.cond(cond)))
        lpar = self.c.after(effect.end)
        rpar = self.c.after(_end(variables[2]))
        semi = self.c.at_end(children[-1].end)
        return _cat(*annotations, _leading_doc(effect_leading),
                    _group(_cat(effect_doc, LINE, _commented("(", lpar))), scope,
                    _commented(")", rpar, HARDLINE if conditions else ""),
                    _intersperse(conditions, HARDLINE), _commented(";", semi))

    def annotation(self, a: Tree) -> Doc:
        at, key = a.children[0], a.children[1]
        key_doc = self.token(key)
        at_doc = _commented("@", self.c.at_start(at.start))
        if len(a.children) == 2:
            return _cat(at_doc, key_doc, HARDLINE)
        value: Token = a.children[3]
        lpar = _commented("(", self.c.after(key.end))
        value_doc = self.token(value)
        rpar = _commented(")", self.c.at_end(a.children[-1].end), HARDLINE)
        return _cat(at_doc, key_doc, lpar, value_doc, rpar)

    def variable_def(self, v: Tree) -> Builder:
        var: Token = v.children[0]
        is_type = rel = None
        for part in v.children[1:]:
            if part.data == "is_type":
                is_type = part
            elif part.data == "scope_rel":
                rel = part
        start = self.c.at_start(var.start)
        is_doc: Doc = ""
        if is_type is not None:
            is_comment = self.c.after(var.end)
            entity_type = is_type.children[1]
            type_doc = yield entity_type, ADD
            type_doc = _commented(type_doc, self.c.at_start(_start(entity_type)))
            is_doc = _group(_nest(self.indent, _cat(_group(_cat(LINE, _commented("is", is_comment))),
                                                    LINE, type_doc)))
        if rel is None:
            return _cat(_commented(var.value, start), is_doc)
        op, rhs = rel.children
        op_comment = self.c.after(_end(is_type) if is_type is not None else var.end)
        rhs_doc = yield rhs, EXPR
        head = _group(_cat(var.value, _trailing_doc(start[1], ""), is_doc, LINE, _commented(op.value, op_comment)))
        return _cat(_leading_doc(start[0]), _group(_cat(head, _nest(self.indent, _cat(LINE, rhs_doc)))))

    def cond(self, c: Tree) -> Builder:
        keyword: Token = c.children[0]
        lbrace = self.c.after(keyword.end)
        rbrace = self.c.at_end(c.children[-1].end)
        keyword_comment = self.c.at_start(keyword.start)
        rbrace_doc = _commented("}", rbrace)
        keyword_doc = self.token(keyword)
        if len(c.children) == 3:
            raise _FormatFailure  # an empty condition does not parse
        body = c.children[2]
        body_leading = self.c.leading_at_start(_start(body))
        body_doc = yield body, EXPR
        inner = _group(_cat(_nest(self.indent, _cat(_trailing_doc(lbrace[1], LINE), _leading_doc(body_leading),
                                                    _group(body_doc))), LINE, rbrace_doc))
        return _cat(_leading_doc(keyword_comment[0]),
                    _group(_cat(keyword_doc, _trailing_doc(keyword_comment[1], LINE), _leading_doc(lbrace[0]),
                                "{", inner)))

    # ------------------------------------------------------------ expressions

    def if_expr(self, e: Tree) -> Builder:
        _if, cond, _then, then, _else, otherwise = e.children
        if_comment = self.c.at_start(_if.start)
        then_comment = self.c.after(_end(cond))
        else_comment = self.c.after(_end(then))
        parts = []
        for keyword, comment, branch in (("if", if_comment, cond), ("then", then_comment, then),
                                         ("else", else_comment, otherwise)):
            branch_doc = yield branch, EXPR
            parts.append(_cat(_commented(keyword, comment), _nest(self.indent, _cat(LINE, branch_doc))))
        return _group(_intersperse(parts, LINE))

    def _chain(self, e: Tree, op: str, level: int) -> Builder:
        """`||` and `&&` chains: each operator's comment is taken before the operand before it."""
        items = _left_chain(e, e.data)
        parts: list[Doc] = []
        for item in items[:-1]:
            comment = self.c.after(_end(item))
            item_doc = yield item, level
            parts.extend((item_doc, " ", _commented(op, comment, LINE)))
        last = yield items[-1], level
        parts.append(last)
        return _cat(*parts)

    def or_op(self, e: Tree) -> Builder:
        return (yield from self._chain(e, "||", AND))

    def and_op(self, e: Tree) -> Builder:
        return (yield from self._chain(e, "&&", REL))

    def rel_op(self, e: Tree) -> Builder:
        left, op, right = e.children
        left_doc = yield left, ADD
        op_doc = _commented(op.value, self.c.after(_end(left)))
        right_doc = yield right, ADD
        return _cat(left_doc, " ", op_doc, " ", right_doc)

    def _keyword_relation(self, e: Tree, keyword: str) -> Builder:
        target, _kw, rhs = e.children
        target_doc = yield target, ADD
        keyword_doc = _commented(keyword, self.c.after(_end(target)))
        rhs_doc = yield rhs, ADD
        return _group(_cat(target_doc, LINE, keyword_doc, LINE, _nest(self.indent, rhs_doc)))

    def has_op(self, e: Tree) -> Builder:
        return (yield from self._keyword_relation(e, "has"))

    def like_op(self, e: Tree) -> Builder:
        return (yield from self._keyword_relation(e, "like"))

    def is_op(self, e: Tree) -> Builder:
        target, entity_type = e.children[0], e.children[2]
        target_doc = yield target, ADD
        is_doc = _commented("is", self.c.after(_end(target)))
        type_doc = yield entity_type, ADD
        doc = _cat(target_doc, " ", is_doc, " ", _nest(self.indent, type_doc))
        if len(e.children) > 3:
            in_doc = _commented("in", self.c.after(_end(entity_type)))
            in_entity_doc = yield e.children[4], ADD
            doc = _cat(doc, LINE, in_doc, " ", _nest(self.indent, in_entity_doc))
        return _group(doc)

    def _arith(self, e: Tree, level: int) -> Builder:
        items = _left_chain(e, e.data)
        doc = yield items[0], level
        for k in range(1, len(items), 2):
            op, item = items[k], items[k + 1]
            op_doc = _commented(op.value, self.c.after(_end(items[k - 1])))
            item_doc = yield item, level
            doc = _cat(doc, " ", op_doc, LINE, item_doc)
        return _group(doc)

    def add_op(self, e: Tree) -> Builder:
        return (yield from self._arith(e, MULT))

    def mul_op(self, e: Tree) -> Builder:
        return (yield from self._arith(e, UNARY))

    def unary(self, e: Tree) -> Builder:
        ops, item = e.children[:-1], e.children[-1]
        comments = self.c.between(_start(e), _start(item))
        if len(comments) != len(ops):
            raise _FormatFailure
        op_docs = [_commented(op.value, comment) for op, comment in zip(ops, comments)]
        item_doc = yield item, MEMBER
        return _cat(*op_docs, item_doc)

    def member(self, e: Tree) -> Builder:
        item_doc = yield e.children[0], PRIMARY
        accesses = []
        for access in e.children[1:]:
            accesses.append((yield from self.access(access)))
        return _group(_cat(item_doc, _nest(self.indent, _intersperse(accesses, LINE_))))

    def access(self, a: Tree) -> Builder:
        opening = _commented(a.children[0].value, self.c.at_start(a.children[0].start))
        if a.data == "field":
            return _cat(opening, self.token(a.children[1]))
        if a.data == "index":
            index_doc = yield a.children[1], EXPR
            return _cat(opening, index_doc, _commented("]", self.c.at_end(a.children[-1].end)))
        args = a.children[1].children
        inner: Doc = ""
        if args:
            args_doc = yield from self._listed(args)
            inner = _cat(_nest(self.indent, _cat(LINE_, args_doc)), LINE_)
        return _cat(opening, inner, _commented(")", self.c.at_end(a.children[-1].end)))

    def _listed(self, items: list[Any]) -> Builder:
        """Comma-separated expressions; each comma's comment is taken before the next item."""
        doc = yield items[0], EXPR
        for prev, item in zip(items, items[1:]):
            comma = _commented(",", self.c.after(_end(prev)))
            item_doc = yield item, EXPR
            doc = _cat(doc, comma, LINE, item_doc)
        return doc

    # ------------------------------------------------------------ primaries

    def literal(self, e: Tree) -> Doc:
        return self.token(e.children[0])

    def number(self, e: Tree) -> Doc:
        tok = e.children[0]
        return self.token(tok, str(int(tok.value)))

    def path(self, e: Tree) -> Doc:
        return self.name(_path_tokens(e.children[0]))

    def entity_ref(self, e: Tree) -> Doc:
        path, eid = e.children
        path_doc = self.name(_path_tokens(path))
        colons = _commented("::", self.c.after(_end(path)))
        return _cat(path_doc, colons, self.token(eid))

    def paren(self, e: Tree) -> Builder:
        lpar = _commented("(", self.c.at_start(_start(e)))
        inner = yield e.children[1], EXPR
        rpar = _commented(")", self.c.at_end(_end(e)))
        return _group(_cat(lpar, _nest(1, inner), rpar))

    def set_lit(self, e: Tree) -> Builder:
        elements = e.children[1].children
        inner: Doc = ""
        if elements:
            inner = yield from self._listed(elements)
        lsqb = _commented("[", self.c.at_start(_start(e)))
        rsqb = _commented("]", self.c.at_end(_end(e)))
        return _cat(lsqb, _nest(1, inner), rsqb)

    def record_lit(self, e: Tree) -> Builder:
        inits = e.children[1].children
        inner: Doc = ""
        if inits:
            doc = yield from self.rec_init(inits[0])
            for prev, init in zip(inits, inits[1:]):
                comma = _commented(",", self.c.after(_end(prev)))
                init_doc = yield from self.rec_init(init)
                doc = _cat(doc, comma, LINE, init_doc)
            inner = _group(_cat(LINE, doc, LINE))
        lbrace = _commented("{", self.c.at_start(_start(e)))
        rbrace = _commented("}", self.c.at_end(_end(e)))
        return _cat(lbrace, _nest(self.indent, inner), rbrace)

    def rec_init(self, init: Tree) -> Builder:
        key, _colon, value = init.children
        key_doc = yield key, EXPR
        value_doc = yield value, EXPR
        colon = _commented(":", self.c.after(_end(key)))
        return _cat(key_doc, colon, " ", value_doc)


# ---------------------------------------------------------------- clean-up


def _remove_empty_lines(text: str) -> str:
    """Drop whitespace-only lines outside string literals and comments, then trim (Rust `remove_empty_lines`)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        found = [m for m in (_COMMENT.search(text, i), _STRING.search(text, i)) if m is not None]
        if not found:
            out.append(_remove_interior_empty_lines(text[i:]))
            break
        m = min(found, key=lambda m: m.start())
        out.append(_remove_interior_empty_lines(text[i:m.start()]))
        out.append(m.group())
        i = m.end()
    return "".join(out).strip(_RUST_WS)


def _remove_interior_empty_lines(s: str) -> str:
    lines = s.split("\n")
    pieces = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    kept = [p for p in pieces if p.strip(_RUST_WS) or "\n" not in p]
    return ("\n" if s.startswith("\n") else "") + "".join(kept)
