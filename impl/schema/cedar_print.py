"""Printing a `Fragment` in the Cedar schema syntax, laid out as Rust's printer lays it out (`cedar_schema/fmt.rs`).

Printing keeps meaning: JSON-only forms print as their `__cedar::` builtins
(`{"type": "Long"}` is `__cedar::Long`, which no user declaration can capture),
and the two things Cedar syntax cannot say are refused as Rust refuses them
(an entity shape that is not a record literal; an entity type and a common
type of the same name in one namespace).
"""

from __future__ import annotations

import re

from ..values import quote_string
from .fragment import (
    RESERVED_IDENTS,
    ActionDecl,
    CommonRefT,
    EntityOrCommonT,
    EntityT,
    EntityTypeDecl,
    ExtensionT,
    Fragment,
    NamespaceDef,
    PrimitiveT,
    RawType,
    RecordT,
    SetT,
    schema_error,
)

INDENT = "  "
_IDENT = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_PRIMITIVE_NAMES = {"Long": "Long", "String": "String", "Boolean": "Bool"}


def _quote(s: str) -> str:
    """A string literal as Rust's `escape_debug` writes it (which escapes `'` too)."""
    return quote_string(s).replace("'", "\\'")


def fragment_to_cedar(fragment: Fragment) -> str:
    _check_printable(fragment)
    parts = []
    for ns, d in fragment.namespaces:
        if ns == "":
            parts.append(_namespace_body(d, ""))
        else:
            parts.append(f"{_annotations(d.annotations, '')}namespace {ns} {{\n{_namespace_body(d, INDENT)}}}\n")
    return "\n".join(parts)


def _check_printable(fragment: Fragment) -> None:
    for ns, d in fragment.namespaces:
        common = {name for name, _ in d.common_types}
        for name, e in d.entity_types:
            qualified = f"{ns}::{name}" if ns else name
            if ns and name in common:  # Rust lets the empty namespace through
                raise schema_error(f"cannot print in Cedar schema syntax: `{qualified}` is both an entity type and a common type", e.where)
            if e.enum is None and not isinstance(e.shape, RecordT):
                raise schema_error(
                    f"cannot print in Cedar schema syntax: the shape of entity type `{qualified}` is not a record type", e.where,
                    help="in the Cedar schema syntax an entity shape is a record type written out, not a common type",
                )


def _annotations(annotations: tuple[tuple[str, str], ...], indent: str) -> str:
    return "".join(f"{indent}@{key}({_quote(value)})\n" for key, value in annotations)


def _namespace_body(d: NamespaceDef, indent: str) -> str:
    decls = [
        f"{_annotations(c.annotations, indent)}{indent}type {name} = {type_to_cedar(c.type, indent)};\n"
        for name, c in d.common_types
    ]
    decls += [
        f"{_annotations(e.annotations, indent)}{indent}entity {name}{_entity(e, indent)};\n"
        for name, e in d.entity_types
    ]
    decls += [
        f"{_annotations(a.annotations, indent)}{indent}action {_quote(name)}{_action(a, indent)};\n"
        for name, a in d.actions
    ]
    return "\n".join(decls)


def _entity(e: EntityTypeDecl, indent: str) -> str:
    if e.enum is not None:
        return f" enum [{', '.join(_quote(c) for c in e.enum)}]"
    out = ""
    if e.member_of_types:
        out += f" in [{', '.join(r.name for r in e.member_of_types)}]"
    shape = e.shape
    if isinstance(shape, RecordT) and (shape.attributes or shape.additional_attributes):
        out += f" = {type_to_cedar(shape, indent)}"
    if e.tags is not None:
        out += f" tags {type_to_cedar(e.tags, '')}"
    return out


def _action(a: ActionDecl, indent: str) -> str:
    out = ""
    if a.member_of:
        refs = [f"{r.type or 'Action'}::{_quote(r.id)}" for r in a.member_of]
        out += f" in [{', '.join(refs)}]"
    spec = a.applies_to
    if spec is not None and spec.principal_types and spec.resource_types:
        inner = indent + INDENT
        context = spec.context
        context_text = "{}" if isinstance(context, RecordT) and not context.attributes else type_to_cedar(context, inner)
        out += (
            f" appliesTo {{\n{inner}principal: [{', '.join(r.name for r in spec.principal_types)}],"
            f"\n{inner}resource: [{', '.join(r.name for r in spec.resource_types)}],"
            f"\n{inner}context: {context_text}\n{indent}}}"
        )
    return out


def _attr_name(name: str) -> str:
    return name if _IDENT.fullmatch(name) and name not in RESERVED_IDENTS else _quote(name)


def type_to_cedar(t: RawType, indent: str) -> str:
    if isinstance(t, PrimitiveT):
        return f"__cedar::{_PRIMITIVE_NAMES[t.name]}"
    if isinstance(t, ExtensionT):
        return f"__cedar::{t.name}"
    if isinstance(t, (EntityT, EntityOrCommonT, CommonRefT)):
        return t.name
    if isinstance(t, SetT):
        return f"Set<{type_to_cedar(t.element, indent)}>"
    assert isinstance(t, RecordT)
    if not t.attributes:
        return "{" + indent + "}"  # Rust's layout, indentation and all
    inner = indent + INDENT
    lines = []
    for i, (name, a) in enumerate(t.attributes):
        comma = "," if i < len(t.attributes) - 1 else ""
        lines.append(f"{_annotations(a.annotations, inner)}{inner}{_attr_name(name)}{'' if a.required else '?'}: {type_to_cedar(a.type, inner)}{comma}\n")
    return "{\n" + "".join(lines) + indent + "}"
