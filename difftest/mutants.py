"""Single-point semantic bugs ("mutants") of the engine, for measuring how much the difftest catches.

A mutant is one source rewrite at one site of one target file: a comparison
flipped (`<` to `<=`, `==` to `!=`, `in` to `not in`, `is` to `is not`),
`and` for `or`, `+` for `-`, a dropped `not`, `True` for `False`, an integer
off by one, a deleted `raise`, `return x` made `return None`, `continue` for
`break`. Sites are drawn evenly across the engine's areas (evaluator,
authorizer and index, parser and JSON form, validator, extensions, entities).

Sites that cannot change what the engine decides, accepts or produces are
left out, because a bug there is not a semantic bug:
- error *text* and positions: f-strings; anything inside a `raise` statement's
  exception expression (deleting the `raise` itself is a mutant); the
  arguments of calls that build an error, a diagnostic or a source location
  (callee named `*Error`, `*Warning`, `*Exception`, `*Fail`, `_fail`, `_error`,
  `Loc`, `loc`, `span`, `make_error`, `make_warning`);
- whole functions that only build error values or message text: those
  annotated to return an exception or diagnostic (`-> EvaluationError`,
  `-> ParseError`, `-> _Fail`, ...), `__repr__`/`__str__`, and the helpers
  listed in `MESSAGE_ONLY` (each checked to feed nothing but messages);
- error values `(start, end, message)` (a tuple ending in a message string),
  and statements that only feed a variable of `MESSAGE_ONLY_VARIABLES`;
- `assert` statements, docstrings, type annotations, and `repr=` flags;
- the few sites listed in `EQUIVALENT`, where every rewrite (or every rewrite
  of the given kinds) is an equivalent mutant, no input can tell it apart
  (it only changes speed, or what it changes is unobservable), each with why.
"""

from __future__ import annotations

import ast
import random
import re
from dataclasses import dataclass
from pathlib import Path

AREAS: dict[str, tuple[str, ...]] = {
    "evaluator": ("impl/evaluator.py",),
    "authorizer": ("impl/authorizer.py", "impl/policy_index.py"),
    "parser": ("impl/parser/*.py", "impl/est.py"),
    "validator": ("impl/validator/*.py",),
    "extensions": ("impl/extensions/*.py",),
    "entities": ("impl/entities.py",),
}
"""The engine's areas and their files (relative to the repository root)."""

MESSAGE_ONLY_VARIABLES: dict[str, dict[str, frozenset[str]]] = {
    # the "try replacing `==` with `in`" help text of an invalid action application
    "impl/validator/scope.py": {"check_action_application": frozenset({"hints", "etype"})},
}
"""Local variables (per file and function) that only hold message text: statements that only
feed them are left out."""

MESSAGE_ONLY: dict[str, frozenset[str]] = {
    # what the author wrote / what the parser expected, for parse-error messages; `_all_errors`
    # and `_collect` re-parse a text already refused, only to list every broken policy
    "impl/parser/policy.py": frozenset({"_describe", "_describe_expected", "_all_errors", "_collect"}),
    # type names, hints and "did you mean" suggestions in validation messages
    "impl/validator/typecheck.py": frozenset({"describe", "_set_help", "_in_help", "_has_help",
                                              "_attribute_names", "_on"}),
    "impl/validator/scope.py": frozenset({"_suggest"}),
    # the JSON path printed in EST error messages
    "impl/est.py": frozenset({"_Path"}),
    # the terminals the LALR parser expected, listed in a syntax error's message
    "impl/parser/lalr.py": frozenset({"_expected"}),
}
"""Functions (or classes) whose results only ever end up in error text."""

FAST_PATH = ("bool", "int")
"""The rewrites of a fast path's shape test that only send inputs down the general path instead."""

EQUIVALENT: dict[str, dict[str, str | tuple[tuple[str, ...], str]]] = {
    "impl/authorizer.py": {
        "_CACHE_SIZE = 32": "the capacity of the compiled-policies and schema caches only changes speed",
        "if len(cache) >= _CACHE_SIZE:": "when a cache evicts its oldest entry only changes speed",
        "or len(p) != 2 or len(a) != 2 or len(r) != 2):": (
            FAST_PATH, "which request shapes take the remembered fast path: `_read_request` reads every "
            "shape to the same answer (both ignore keys other than `type` and `id`)"),
    },
    "impl/parser/policy.py": {
        "maybe_placeholders=False)": "the policy grammar has no optional `[...]` items, all this lark option affects",
        "maybe_placeholders=False))": "the policy grammar has no optional `[...]` items, all this lark option affects",
    },
    "impl/parser/lalr.py": {
        "if plan == ((0, True), (1, False)):": (
            FAST_PATH, "a fast path for one reduction shape; changed, that shape takes the general reduction, "
                       "which builds the same tree (no rule of either grammar has the changed shape)"),
    },
    "impl/evaluator.py": {
        # measured: a chain of 1707 `&&` evaluates in cedarpy called from a main thread, 1708 does not;
        # inside the difftest's worker processes Rust already stops a few levels earlier
        "MAX_DEPTH = 1708": "where Rust stops recursing depends on how much stack its caller already used, "
                            "so no fixed reference answer tells 1708 from 1709",
        # Python's recursion limit, raised for deep policies: the difftest's process already runs with a
        # limit of 20 000 (difftest/__init__.py), so the guard is false and its body never runs there
        "if len(args) == 1:": (("int",), "which arities get a closure of their own: the general `call_n` "
                                         "answers alike (and no extension function takes more than two)"),
        "if len(args) == 2:": (("int",), "which arities get a closure of their own: the general `call_n` "
                                         "answers alike (and no extension function takes more than two)"),
        "if sys.getrecursionlimit() < MAX_DEPTH * 4 + 1000:": "a resource guard the difftest process never trips",
        "sys.setrecursionlimit(MAX_DEPTH * 4 + 1000)": "a resource guard the difftest process never trips",
    },
    "impl/validator/validate.py": {
        'raise SchemaError(f"expected a schema as a Schema, Cedar text or JSON, got {type(schema).__name__}")':
            "without it `Schema.from_json` refuses the same values with a SchemaError of its own",
    },
    "impl/entities.py": {
        # `_check_conforms` refuses every such entity again once all are read: the same input is
        # refused either way, only the moment (and so which of two broken entities is named) differs
        'raise EntityError(f"found a tag `{name}` on `{uid}`, but no tags should exist on `{uid}` according to the schema")':
            "a tag on an entity type without tags is refused again by `_check_conforms`",
    },
}
"""Per file, source lines (stripped) whose every mutant is equivalent, with the reason. A mutant
drawn here would survive any difftest, so it says nothing about the generators."""

_BUILDER = re.compile(r"(Error|Warning|Exception|Fail)$|^_?(fail|error)$|^(Loc|loc|span|make_error|make_warning)$")

_CMP_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
             ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_CMP_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
             ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}
_BIN_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Add, ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd,
             ast.FloorDiv: ast.Mult, ast.Mod: ast.FloorDiv}
_BIN_TEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.BitAnd: "&", ast.BitOr: "|", ast.FloorDiv: "//",
             ast.Mod: "%"}

KIND_WEIGHT = {"compare": 4, "boolop": 3, "binop": 2, "not": 2, "raise": 2, "bool": 2, "int": 2, "return": 1,
               "continue": 0.5, "break": 0.5}
"""How often each operator is drawn: the classic condition mutations most."""


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to the repository root
    line: int
    end_line: int  # last line of the mutated node
    stmt_line: int  # first line of the statement holding it (line coverage is per statement start)
    in_function: bool  # False: the site runs at import time, so every case reaches it
    area: str
    kind: str
    description: str
    new_source: str  # the whole mutated file
    before: str = ""  # the original line, for the report

    @property
    def name(self) -> str:
        return f"{self.path}:{self.line} {self.kind}: {self.description}"

    def lines(self) -> range:
        """The source lines whose execution a case needs to be able to tell this mutant apart."""
        return range(min(self.stmt_line, self.line), self.end_line + 1)


@dataclass(frozen=True)
class Site:
    kind: str
    node: ast.AST
    stmt: ast.stmt
    in_function: bool


class _Sites(ast.NodeVisitor):
    """Every place one of the operators applies, outside the message-only code (module docstring)."""

    def __init__(self, message_only: frozenset[str], message_variables: dict[str, frozenset[str]]) -> None:
        self.sites: list[Site] = []
        self.message_only = message_only
        self.variables_of = message_variables
        self.message_variables: frozenset[str] = frozenset()  # those of the function being visited
        self._stmt: ast.stmt | None = None
        self._depth = 0  # enclosing functions

    def add(self, kind: str, node: ast.AST) -> None:
        assert self._stmt is not None
        self.sites.append(Site(kind, node, self._stmt, self._depth > 0))

    def _feeds_message_only(self, stmt: ast.stmt) -> bool:
        """Whether `stmt` only changes message-only variables (`hints.append(..)`, `hints = ..`, or
        an `if`/`for` whose every statement does)."""
        names = self.message_variables
        if not names:
            return False
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            f = stmt.value.func
            return isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in names
        if isinstance(stmt, (ast.Assign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            return all(isinstance(t, ast.Name) and t.id in names for t in targets)
        if isinstance(stmt, (ast.If, ast.For)):
            return all(self._feeds_message_only(x) for x in (*stmt.body, *stmt.orelse))
        return False

    def visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.stmt) and self._feeds_message_only(node):
            return
        if isinstance(node, ast.stmt):
            outer, self._stmt = self._stmt, node
            try:
                super().visit(node)
            finally:
                self._stmt = outer
        else:
            super().visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, (ast.JoinedStr, ast.Assert)):
            return
        super().generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        if not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):  # docstrings
            self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if node.name in self.message_only or node.name in ("__repr__", "__str__"):
            return
        returns = node.returns
        if isinstance(returns, (ast.Name, ast.Attribute)) and _BUILDER.search(ast.unparse(returns)):
            return
        for d in node.decorator_list:
            self.visit(d)
        for default in (*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)):
            self.visit(default)
        self._depth += 1
        outer, self.message_variables = self.message_variables, self.variables_of.get(node.name, self.message_variables)
        try:
            for stmt in node.body:
                self.visit(stmt)
        finally:
            self._depth -= 1
            self.message_variables = outer

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._depth += 1
        try:
            self.visit(node.body)
        finally:
            self._depth -= 1

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if node.name in self.message_only or _BUILDER.search(node.name):
            return
        for stmt in node.body:
            self.visit(stmt)

    def visit_Tuple(self, node: ast.Tuple) -> None:
        *first, last = node.elts or [None]
        is_message = isinstance(last, ast.JoinedStr) or (isinstance(last, ast.Constant) and isinstance(last.value, str))
        if len(node.elts) == 3 and is_message and not any(isinstance(x, ast.Constant) for x in first):
            return  # an error value (start, end, message)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)

    def visit_arg(self, node: ast.arg) -> None:  # annotations
        return

    def visit_Call(self, node: ast.Call) -> None:
        callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if _BUILDER.search(callee):
            return
        self.visit(node.func)
        for a in node.args:
            self.visit(a)
        for k in node.keywords:
            if k.arg != "repr":
                self.visit(k.value)

    def visit_Raise(self, node: ast.Raise) -> None:
        self.add("raise", node)

    def visit_Compare(self, node: ast.Compare) -> None:
        if len(node.ops) == 1 and type(node.ops[0]) in _CMP_SWAP:
            self.add("compare", node)
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        self.add("boolop", node)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if type(node.op) in _BIN_SWAP:
            self.add("binop", node)
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self.add("not", node)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bool):
            self.add("bool", node)
        elif isinstance(node.value, int) and node.value != 0:
            self.add("int", node)

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None and not isinstance(node.value, ast.Constant):
            self.add("return", node)
        self.generic_visit(node)

    def visit_Continue(self, node: ast.Continue) -> None:
        self.add("continue", node)

    def visit_Break(self, node: ast.Break) -> None:
        self.add("break", node)


def _line_starts(source: str) -> list[int]:
    starts, pos = [0], 0
    for line in source.splitlines(keepends=True):
        pos += len(line)
        starts.append(pos)
    return starts


def _span(source: str, starts: list[int], node: ast.AST) -> tuple[int, int]:
    """Character offsets of `node` (ast columns count UTF-8 bytes)."""

    def at(line: int, col: int) -> int:
        text = source[starts[line - 1]:starts[line]] if line < len(starts) else source[starts[line - 1]:]
        return starts[line - 1] + len(text.encode()[:col].decode(errors="ignore"))

    return at(node.lineno, node.col_offset), at(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def rewrite(source: str, kind: str, node: ast.AST) -> tuple[str, str] | None:
    """The mutated source and a one-line description, or None if the site does not apply."""
    starts = _line_starts(source)
    start, end = _span(source, starts, node)
    segment = source[start:end]

    def between(a: ast.AST, b: ast.AST, old: str, new: str) -> str | None:
        a_end, b_start = _span(source, starts, a)[1], _span(source, starts, b)[0]
        middle = source[a_end:b_start]
        if old not in middle:
            return None
        return source[:a_end] + middle.replace(old, new, 1) + source[b_start:]

    if kind == "compare":
        assert isinstance(node, ast.Compare)
        old, new = _CMP_TEXT[type(node.ops[0])], _CMP_TEXT[_CMP_SWAP[type(node.ops[0])]]
        out = between(node.left, node.comparators[0], f" {old} ", f" {new} ")
        return (out, f"`{old}` -> `{new}`") if out else None
    if kind == "boolop":
        assert isinstance(node, ast.BoolOp)
        old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        out = between(node.values[0], node.values[1], f" {old} ", f" {new} ")
        if out is None:
            out = between(node.values[0], node.values[1], f"{old} ", f"{new} ")
        return (out, f"`{old}` -> `{new}`") if out else None
    if kind == "binop":
        assert isinstance(node, ast.BinOp)
        old, new = _BIN_TEXT[type(node.op)], _BIN_TEXT[_BIN_SWAP[type(node.op)]]
        out = between(node.left, node.right, old, new)
        return (out, f"`{old}` -> `{new}`") if out else None
    if kind == "not":
        assert isinstance(node, ast.UnaryOp)
        inner_start = _span(source, starts, node.operand)[0]
        return source[:start] + "(" + source[inner_start:end] + ")" + source[end:], "dropped `not`"
    if kind == "bool":
        return source[:start] + ("False" if segment == "True" else "True") + source[end:], f"`{segment}` flipped"
    if kind == "int":
        if not segment.isdigit():
            return None
        return source[:start] + str(int(segment) + 1) + source[end:], f"`{segment}` -> `{int(segment) + 1}`"
    if kind == "raise":
        return source[:start] + "pass" + source[end:], "deleted `raise`"
    if kind == "return":
        assert isinstance(node, ast.Return) and node.value is not None
        v_start, v_end = _span(source, starts, node.value)
        return source[:v_start] + "None" + source[v_end:], "`return ...` -> `return None`"
    if kind == "continue":
        return source[:start] + "break" + source[end:], "`continue` -> `break`"
    if kind == "break":
        return source[:start] + "continue" + source[end:], "`break` -> `continue`"
    return None


def sites(path: str, source: str) -> list[Site]:
    finder = _Sites(MESSAGE_ONLY.get(path, frozenset()), MESSAGE_ONLY_VARIABLES.get(path, {}))
    finder.visit(ast.parse(source))
    equivalent = EQUIVALENT.get(path, {})
    lines = source.splitlines()

    def is_equivalent(s: Site) -> bool:
        line = lines[s.node.lineno - 1].strip()  # type: ignore[attr-defined]
        why = equivalent.get(line, equivalent.get(lines[s.stmt.lineno - 1].strip()))
        return why is not None and (isinstance(why, str) or s.kind in why[0])

    return [s for s in finder.sites if not is_equivalent(s)]


def area_files(root: Path) -> dict[str, list[str]]:
    return {area: sorted({str(p.relative_to(root)) for pattern in patterns for p in root.glob(pattern)})
            for area, patterns in AREAS.items()}


def make_mutants(n: int, seed: int, root: Path, areas: tuple[str, ...] | None = None) -> list[Mutant]:
    """`n` distinct mutants of the engine under `root`: areas in turn, a weighted operator kind, then a site."""
    rng = random.Random(seed)
    by_area: dict[str, dict[str, list[tuple[str, str, Site]]]] = {}
    for area, files in area_files(root).items():
        if areas is not None and area not in areas:
            continue
        for f in files:
            source = (root / f).read_text()
            for s in sites(f, source):
                by_area.setdefault(area, {}).setdefault(s.kind, []).append((f, source, s))
    order = sorted(by_area)
    rng.shuffle(order)
    out: list[Mutant] = []
    seen: set[tuple[str, int, int, str]] = set()

    def draw(area: str) -> Mutant | None:
        kinds = sorted(by_area[area])
        for _ in range(100):
            kind = rng.choices(kinds, [KIND_WEIGHT.get(k, 1.0) for k in kinds])[0]
            f, source, s = rng.choice(by_area[area][kind])
            node = s.node
            key = (f, node.lineno, node.col_offset, kind)  # type: ignore[attr-defined]
            if key in seen:
                continue
            seen.add(key)
            rewritten = rewrite(source, kind, node)
            if rewritten is None:
                continue
            new_source, description = rewritten
            try:
                compile(new_source, f, "exec")
            except SyntaxError:
                continue
            line = source.splitlines()[node.lineno - 1].strip()  # type: ignore[attr-defined]
            return Mutant(f, node.lineno, node.end_lineno, s.stmt.lineno, s.in_function,  # type: ignore[attr-defined]
                          area, kind, description, new_source, line)
        return None

    while len(out) < n:
        drawn = [m for m in (draw(a) for a in order[: n - len(out)]) if m is not None]
        if not drawn:
            break
        out += drawn
    return out
