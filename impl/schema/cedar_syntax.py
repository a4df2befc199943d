"""Reading the Cedar schema syntax into a `Fragment` (Rust: `cedar_schema/` parser and `to_json_schema.rs`).

The LALR parser runs the transformer as it reduces, so no parse tree is built
and no Python recursion grows with the nesting of the input. Checks that Rust
makes while converting to the JSON form happen here too: reserved names,
duplicate declarations and namespaces, and the `appliesTo` rules.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lark import Lark, Transformer
from lark.exceptions import LarkError, UnexpectedToken
from lark.lexer import Lexer

from ..errors import Loc, SchemaError, Source
from ..parser.strings import unescape
from .fragment import (
    CEDAR_NAMESPACE,
    MAX_TYPE_DEPTH,
    RESERVED_COMMON_TYPE_NAMES,
    RESERVED_IDENTS,
    ActionDecl,
    ActionRef,
    ApplySpec,
    AttrDecl,
    CommonRefT,
    CommonTypeDecl,
    EntityOrCommonT,
    EntityTypeDecl,
    Fragment,
    NameRef,
    NamespaceDef,
    RawType,
    RecordT,
    SetT,
)
from .schema_lexer import Token, tokenize

_GRAMMAR = (Path(__file__).with_name("cedarschema.lark")).read_text()

_IDENT = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_TERMINAL_NAMES = {"IDENT": "an identifier", "STR": "a string literal", "NUMBER": "a number", "$END": "end of input"}


# ---------------------------------------------------------------- parse results


@dataclass(slots=True)
class _Name:
    text: str
    loc: Loc


@dataclass(slots=True)
class _Path:
    parts: list[str]
    loc: Loc

    @property
    def text(self) -> str:
        return "::".join(self.parts)


@dataclass(slots=True)
class _Typed:
    """A type with its nesting depth, so that over-deep input is refused as it is read."""

    type: RawType
    depth: int


@dataclass(slots=True)
class _Decl:
    kind: str  # "entity", "action", "type"
    names: list[_Name]
    decl: Any  # EntityTypeDecl | ActionDecl | CommonTypeDecl, before its annotations and location are known


@dataclass(slots=True)
class _AppDecl:
    kind: str  # "principal", "resource", "context"
    value: Any  # list[_Path] or RawType
    loc: Loc


@dataclass(slots=True)
class _Namespace:
    path: _Path | None
    decls: list[tuple[tuple[tuple[str, str], ...], _Decl]]
    annotations: tuple[tuple[str, str], ...]


# ---------------------------------------------------------------- the transformer


class _ToFragment(Transformer):
    """Reduces parse results bottom-up into fragment pieces (called by the LALR parser)."""

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source

    def _loc(self, start: int, end: int) -> Loc:
        return Loc(self.source, start, end)

    def _tok_loc(self, tok: Token) -> Loc:
        return Loc(self.source, tok.start_pos, tok.end_pos)

    # names

    def any_ident(self, c: list[Token]) -> _Name:
        return _Name(str(c[0]), self._tok_loc(c[0]))

    def ident(self, c: list[_Name]) -> _Name:
        name = c[0]
        if name.text in RESERVED_IDENTS:
            raise SchemaError(f"`{name.text}` is a reserved identifier and cannot be used here", name.loc)
        return name

    def _string(self, tok: Token) -> _Name:
        text = unescape(str(tok)[1:-1])
        if isinstance(text, tuple):
            start, end, message = text
            raise SchemaError(message, Loc(self.source, tok.start_pos + 1 + start, tok.start_pos + 1 + end))
        return _Name(text, self._tok_loc(tok))

    def name(self, c: list[Any]) -> _Name:
        return self._string(c[0]) if isinstance(c[0], Token) else c[0]  # a STR token, or an ident

    def path(self, c: list[_Name]) -> _Path:
        return _Path([n.text for n in c], self._loc(c[0].loc.start, c[-1].loc.end))

    def idents(self, c: list[_Name]) -> list[_Name]:
        return c

    def names(self, c: list[_Name]) -> list[_Name]:
        return c

    def strs(self, c: list[Token]) -> list[_Name]:
        return [self._string(t) for t in c]

    # annotations

    def annotation(self, c: list[Any]) -> tuple[_Name, str]:
        value = "" if c[2] is None else self._string(c[2]).text
        return (c[1], value)

    def annotations(self, c: list[tuple[_Name, str]]) -> tuple[tuple[str, str], ...]:
        seen: dict[str, str] = {}
        for key, value in c:
            if key.text in seen:
                raise SchemaError(f"duplicate annotation: `@{key.text}`", key.loc)
            seen[key.text] = value
        return tuple(sorted(seen.items()))

    # types

    def type_path(self, c: list[_Path]) -> _Typed:
        return _Typed(EntityOrCommonT(c[0].text, c[0].loc), 1)

    def set_type(self, c: list[Any]) -> _Typed:
        inner: _Typed = c[1]
        return self._nested(SetT(inner.type, self._tok_loc(c[0])), inner.depth + 1)

    def record_type(self, c: list[Any]) -> _Typed:
        attrs: list[tuple[_Name, AttrDecl, int]] = c[0] or []
        where = attrs[0][0].loc if attrs else None
        record = RecordT(_attributes(attrs), False, where)
        return self._nested(record, 1 + max((d for _, _, d in attrs), default=0))

    def _nested(self, ty: RawType, depth: int) -> _Typed:
        if depth > MAX_TYPE_DEPTH:
            raise SchemaError(f"types are nested more than {MAX_TYPE_DEPTH} deep", ty.where if isinstance(ty.where, Loc) else None)
        return _Typed(ty, depth)

    def attr_decls(self, c: list[tuple[_Name, AttrDecl, int]]) -> list[tuple[_Name, AttrDecl, int]]:
        return c

    def attr_decl(self, c: list[Any]) -> tuple[_Name, AttrDecl, int]:
        annotations, name, qmark, typed = c
        return (name, AttrDecl(typed.type, qmark is None, annotations, name.loc), typed.depth)

    # declarations

    def entity_decl(self, c: list[Any]) -> _Decl:
        _keyword, names, _in, parents, shape, _tags, tags = c
        decl = EntityTypeDecl(
            member_of_types=tuple(NameRef(p.text, p.loc) for p in parents or ()),
            shape=shape.type if shape is not None else RecordT(),
            tags=tags.type if tags is not None else None,
        )
        return _Decl("entity", names, decl)

    def enum_decl(self, c: list[Any]) -> _Decl:
        _keyword, names, _enum, choices = c
        return _Decl("entity", names, EntityTypeDecl(enum=tuple(s.text for s in choices)))

    def shape(self, c: list[Any]) -> _Typed:
        attrs: list[tuple[_Name, AttrDecl, int]] = c[0] or []
        return self._nested(RecordT(_attributes(attrs), False, attrs[0][0].loc if attrs else None),
                            1 + max((d for _, _, d in attrs), default=0))

    def ent_type_single(self, c: list[_Path]) -> list[_Path]:
        return c

    def ent_type_list(self, c: list[Any]) -> list[_Path]:
        return [p for p in c if p is not None]

    def qual_prefix(self, c: list[Any]) -> list[_Name]:
        return (c[0] + [c[1]]) if isinstance(c[0], list) else [c[0]]

    def qual_name_typed(self, c: list[Any]) -> ActionRef:
        prefix: list[_Name] = c[0]
        eid = self._string(c[1])
        return ActionRef(eid.text, "::".join(n.text for n in prefix), self._loc(prefix[0].loc.start, eid.loc.end))

    def qual_name_plain(self, c: list[_Name]) -> ActionRef:
        return ActionRef(c[0].text, None, c[0].loc)

    def qual_name_single(self, c: list[ActionRef]) -> list[ActionRef]:
        return c

    def qual_name_list(self, c: list[ActionRef]) -> list[ActionRef]:
        return c

    def principal_decl(self, c: list[Any]) -> _AppDecl:
        return _AppDecl("principal", c[1], self._tok_loc(c[0]))

    def resource_decl(self, c: list[Any]) -> _AppDecl:
        return _AppDecl("resource", c[1], self._tok_loc(c[0]))

    def context_path(self, c: list[Any]) -> _AppDecl:
        return _AppDecl("context", CommonRefT(c[1].text, c[1].loc), self._tok_loc(c[0]))

    def context_record(self, c: list[Any]) -> _AppDecl:
        return _AppDecl("context", c[1].type, self._tok_loc(c[0]))

    def applies_to(self, c: list[Any]) -> tuple[Token, list[_AppDecl]]:
        return (c[0], c[1:])

    def action_decl(self, c: list[Any]) -> _Decl:
        _keyword, names, _in, parents, applies, _attributes_kw = c
        decl = ActionDecl(
            applies_to=_apply_spec(names[0], applies[1]) if applies is not None else ApplySpec(),
            member_of=tuple(parents) if parents is not None else None,
        )
        return _Decl("action", names, decl)

    def type_decl(self, c: list[Any]) -> _Decl:
        _keyword, name, typed = c
        return _Decl("type", [name], CommonTypeDecl(typed.type))

    def annotated_decl(self, c: list[Any]) -> tuple[tuple[tuple[str, str], ...], _Decl]:
        return (c[0], c[1])

    def namespace(self, c: list[Any]) -> _Namespace:
        annotations, _kw, path, *decls = c
        return _Namespace(path, decls, annotations)

    def top_decl(self, c: list[Any]) -> _Namespace:
        return _Namespace(None, [(c[0], c[1])], ())

    def start(self, c: list[_Namespace]) -> list[_Namespace]:
        return c


def _attributes(attrs: list[tuple[_Name, AttrDecl, int]]) -> tuple[tuple[str, AttrDecl], ...]:
    """Record attributes by name; a repeated name keeps its last declaration, as Rust does."""
    by_name: dict[str, AttrDecl] = {}
    for name, decl, _ in attrs:
        by_name[name.text] = decl
    return tuple(sorted(by_name.items()))


def _apply_spec(action: _Name, decls: list[_AppDecl]) -> ApplySpec:
    seen: dict[str, _AppDecl] = {}
    for d in decls:
        if d.kind in seen:
            raise SchemaError(f"duplicate `{d.kind}` declaration in action `{action.text}`", d.loc)
        if d.kind != "context" and not d.value:
            raise SchemaError(
                f"`{d.kind}` of action `{action.text}` lists no entity types", d.loc,
                help=f"an action that applies to no {d.kind} has no `appliesTo`; otherwise list at least one type",
            )
        seen[d.kind] = d
    for kind in ("resource", "principal"):
        if kind not in seen:
            raise SchemaError(f"missing `{kind}` declaration for action `{action.text}`", action.loc,
                              help="`appliesTo` must declare both `principal` and `resource`")
    return ApplySpec(
        principal_types=tuple(NameRef(p.text, p.loc) for p in seen["principal"].value),
        resource_types=tuple(NameRef(p.text, p.loc) for p in seen["resource"].value),
        context=seen["context"].value if "context" in seen else RecordT(),
    )


# ---------------------------------------------------------------- namespaces


def _check_unreserved(name: _Name | _Path, what: str) -> None:
    parts = name.parts if isinstance(name, _Path) else [name.text]
    if CEDAR_NAMESPACE in parts:
        raise SchemaError(f"`{name.text}` is reserved: `{CEDAR_NAMESPACE}` cannot be used in {what}", name.loc)


_WHAT = {"type": "common type", "entity": "entity type", "action": "action"}


def _namespace_def(ns: _Namespace) -> NamespaceDef:
    """One namespace's declarations by kind and name; a name declared twice (within its kind) is an error."""
    tables: dict[str, dict[str, Any]] = {"type": {}, "entity": {}, "action": {}}
    for annotations, d in ns.decls:
        table = tables[d.kind]
        for name in d.names:
            if name.text in table:
                prev = table[name.text].where
                raise SchemaError(f"duplicate {_WHAT[d.kind]} declaration `{name.text}` (first declared at {prev.line}:{prev.column})",
                                  name.loc)
            if d.kind != "action":
                _check_unreserved(name, f"a{'n' if d.kind == 'entity' else ''} {_WHAT[d.kind]} name")
            if d.kind == "type" and name.text in RESERVED_COMMON_TYPE_NAMES:
                raise SchemaError(f"`{name.text}` is reserved and cannot be the name of a common type", name.loc)
            table[name.text] = replace(d.decl, annotations=annotations, where=name.loc)
    return NamespaceDef(
        tuple(sorted(tables["type"].items())),
        tuple(sorted(tables["entity"].items())),
        tuple(sorted(tables["action"].items())),
        ns.annotations,
        ns.path.loc if ns.path is not None else None,
    )


def _fragment(namespaces: list[_Namespace]) -> Fragment:
    merged_top = _Namespace(None, [d for ns in namespaces if ns.path is None for d in ns.decls], ())
    named: dict[str, NamespaceDef] = {}
    named_locs: dict[str, Loc] = {}
    for ns in namespaces:
        if ns.path is None:
            continue
        _check_unreserved(ns.path, "a namespace name")
        if ns.path.text in named:
            prev = named_locs[ns.path.text]
            raise SchemaError(f"duplicate namespace `{ns.path.text}` (first declared at {prev.line}:{prev.column})", ns.path.loc)
        named[ns.path.text] = _namespace_def(ns)
        named_locs[ns.path.text] = ns.path.loc
    result = dict(named)
    if merged_top.decls:
        result[""] = _namespace_def(merged_top)
    return Fragment(tuple(sorted(result.items())))


# ---------------------------------------------------------------- entry point

_local = threading.local()


class _TokenList(Lexer):
    """Feeds lark the tokens `schema_lexer.tokenize` made."""

    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, data: Any) -> Any:  # type: ignore[override]
        return iter(data)


def _parser() -> tuple[Lark, _ToFragment]:
    """This thread's parser and the transformer it reduces with (built once per thread)."""
    cached = getattr(_local, "parser", None)
    if cached is None:
        transformer = _ToFragment(Source(""))
        lark = Lark(_GRAMMAR, parser="lalr", lexer=_TokenList, maybe_placeholders=True, transformer=transformer)
        cached = _local.parser = (lark, transformer)
    return cached


def parse_cedar_schema(text: str, name: str = "<schema>") -> Fragment:
    """The fragment a Cedar-syntax schema declares; `SchemaError` (with line:column) if it is malformed."""
    source = Source(text, name)
    lark, transformer = _parser()
    transformer.source = source
    try:
        namespaces = lark.parse(tokenize(source))  # type: ignore[arg-type]
    except UnexpectedToken as e:
        raise _syntax_error(e, source, lark) from None
    except LarkError as e:  # pragma: no cover - lark raises nothing else for LALR over a token list
        raise SchemaError(f"cannot parse the schema: {e}") from None
    return _fragment(namespaces)


def _describe(terminal: str, lark: Lark) -> str:
    if terminal in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[terminal]
    try:
        pattern = lark.get_terminal(terminal).pattern
    except KeyError:
        return terminal
    return f"`{pattern.value}`"


def _syntax_error(e: UnexpectedToken, source: Source, lark: Lark) -> SchemaError:
    tok = e.token
    if tok.type == "$END":
        pos = len(source.text)
        loc = Loc(source, pos, pos)
        found = "end of input"
    else:
        loc = Loc(source, tok.start_pos, tok.end_pos)
        found = f"`{tok}`"
    terminals = set(e.accepts or e.expected)
    if "IDENT" in terminals:  # every keyword is an identifier too: name the class, not each keyword
        terminals = {t for t in terminals if not _IDENT.fullmatch(_describe(t, lark).strip("`"))} | {"IDENT"}
    expected = sorted(_describe(t, lark) for t in terminals)
    help = None
    if tok.type == "_SEMI" and "_RBRACE" in e.expected:
        help = "a namespace block is not followed by `;`"
    return SchemaError(f"unexpected token {found}; expected {', '.join(expected)}", loc, help)
