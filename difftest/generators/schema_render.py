"""A `SchemaSpec` written in Cedar schema syntax and in the JSON schema form.

Spelling choices (short or qualified names, `__cedar::` builtins, `=` before a
shape, quoted or bare attribute names, brackets around a single type) are
drawn from an rng, so the same schema exercises the schema parsers' name
resolution in several ways while meaning the same thing.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

from .schema import (
    ActionSpec, Attr, CommonT, EntityT, EntityTypeSpec, ExtT, Prim, RecordT, SchemaSpec, SetT, Type,
    basename, namespace_of,
)
from .values import EntityRef

_IDENT = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*\Z")
RESERVED_IN_POLICIES = frozenset({"true", "false", "if", "then", "else", "in", "is", "has", "like"})
_SCHEMA_KEYWORDS = frozenset({"Bool", "Boolean", "Entity", "Extension", "Long", "Record", "Set", "String"})


def is_ident(s: str) -> bool:
    return bool(_IDENT.match(s))


def quote(s: str) -> str:
    """A Cedar string literal (same escapes in policies and schemas)."""
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\0":
            out.append("\\0")
        elif ch.isprintable() and ch not in "\u2028\u2029":
            out.append(ch)
        else:
            out.append(f"\\u{{{ord(ch):x}}}")
    return '"' + "".join(out) + '"'


class _Names:
    """Which spellings of a name resolve to the intended declaration in a given namespace."""

    def __init__(self, spec: SchemaSpec) -> None:
        self.declared = set(spec.entity_types) | set(spec.common_types)

    def resolves_short(self, short: str, ns: str, target: str | None) -> bool:
        for cand in ([f"{ns}::{short}"] if ns else []) + [short]:
            if cand in self.declared:
                return cand == target
        return target is None  # falls through to a builtin

    def ref(self, name: str, ns: str, rng: random.Random) -> str:
        short = basename(name)
        if namespace_of(name) == "":
            return short
        if self.resolves_short(short, ns, name) and rng.random() < 0.6:
            return short
        return name

    def builtin(self, short: str, ns: str, rng: random.Random) -> str:
        if not self.resolves_short(short, ns, None) or rng.random() < 0.05:
            return f"__cedar::{short}"
        return short


# ------------------------------------------------------------------ Cedar schema syntax


class _CedarWriter:
    def __init__(self, spec: SchemaSpec, rng: random.Random) -> None:
        self.spec = spec
        self.rng = rng
        self.names = _Names(spec)

    def name(self, s: str) -> str:
        if is_ident(s) and s not in RESERVED_IN_POLICIES and self.rng.random() < 0.85:
            return s
        return quote(s)

    def type(self, t: Type, ns: str, indent: str) -> str:
        if isinstance(t, Prim):
            return self.names.builtin(t.name, ns, self.rng)
        if isinstance(t, ExtT):
            return self.names.builtin(t.name, ns, self.rng)
        if isinstance(t, EntityT):
            return self.names.ref(t.name, ns, self.rng)
        if isinstance(t, CommonT):
            return self.names.ref(t.name, ns, self.rng)
        if isinstance(t, SetT):
            return f"Set<{self.type(t.elem, ns, indent)}>"
        return self.record(t, ns, indent)

    def record(self, r: RecordT, ns: str, indent: str) -> str:
        if not r.attrs:
            return "{}"
        inner = indent + "  "
        parts = []
        for k, a in r.attrs:
            opt = "" if a.required else "?"
            parts.append(f"{inner}{self.name(k)}{opt}: {self.type(a.type, ns, inner)}")
        trailing = "," if self.rng.random() < 0.2 else ""
        return "{\n" + ",\n".join(parts) + trailing + "\n" + indent + "}"

    def types_list(self, names: tuple[str, ...], ns: str) -> str:
        refs = [self.names.ref(n, ns, self.rng) for n in names]
        if len(refs) == 1 and self.rng.random() < 0.4:
            return refs[0]
        return "[" + ", ".join(refs) + "]"

    def annotations(self, anns: tuple[tuple[str, str], ...], indent: str) -> str:
        return "".join(f"{indent}@{k}({quote(v)})\n" for k, v in anns)

    def entity(self, e: EntityTypeSpec, ns: str, indent: str) -> str:
        head = self.annotations(e.annotations, indent) + f"{indent}entity {basename(e.name)}"
        if e.enum is not None:
            return head + " enum [" + ", ".join(quote(i) for i in e.enum) + "];"
        if e.parents:
            head += " in " + self.types_list(e.parents, ns)
        # The Cedar syntax takes a record literal here, never a common-type name.
        if e.shape.attrs or self.rng.random() < 0.3:
            head += (" = " if self.rng.random() < 0.5 else " ") + self.record(e.shape, ns, indent)
        if e.tags is not None:
            head += " tags " + self.type(e.tags, ns, indent)
        return head + ";"

    def action_ref(self, uid: EntityRef, ns: str) -> str:
        if namespace_of(uid.type) == ns and self.rng.random() < 0.6:
            return self.name(uid.id) if self.rng.random() < 0.5 else quote(uid.id)
        return f"{uid.type}::{quote(uid.id)}"

    def action(self, a: ActionSpec, ns: str, indent: str) -> str:
        out = self.annotations(a.annotations, indent) + f"{indent}action {self.name(a.uid.id)}"
        if a.parents:
            refs = [self.action_ref(p, ns) for p in a.parents]
            if len(refs) == 1 and self.rng.random() < 0.4:
                out += " in " + refs[0]
            else:
                out += " in [" + ", ".join(refs) + "]"
        if a.applies:
            inner = indent + "  "
            parts = [
                f"{inner}principal: {self.types_list(a.principals, ns)}",
                f"{inner}resource: {self.types_list(a.resources, ns)}",
            ]
            if isinstance(a.context, CommonT) or a.context_shape.attrs or self.rng.random() < 0.5:
                parts.append(f"{inner}context: {self.type(a.context, ns, inner)}")
            self.rng.shuffle(parts)
            out += " appliesTo {\n" + ",\n".join(parts) + "\n" + indent + "}"
        return out + ";"

    def write(self) -> str:
        blocks: list[str] = []
        for ns in self.spec.namespaces:
            indent = "  " if ns else ""
            decls: list[str] = []
            for name, t in self.spec.common_types.items():
                if namespace_of(name) == ns:
                    decls.append(f"{indent}type {basename(name)} = {self.type(t, ns, indent)};")
            decls += [self.entity(e, ns, indent) for e in self.spec.entity_types.values() if namespace_of(e.name) == ns]
            decls += [self.action(a, ns, indent) for a in self.spec.actions if namespace_of(a.uid.type) == ns]
            body = "\n".join(decls)
            blocks.append(f"namespace {ns} {{\n{body}\n}}" if ns else body)
        return "\n\n".join(b for b in blocks if b) + "\n"


def schema_to_cedar(spec: SchemaSpec, rng: random.Random) -> str:
    return _CedarWriter(spec, rng).write()


# ------------------------------------------------------------------ JSON schema


class _JsonWriter:
    def __init__(self, spec: SchemaSpec, rng: random.Random) -> None:
        self.spec = spec
        self.rng = rng
        self.names = _Names(spec)

    def type(self, t: Type, ns: str) -> dict[str, Any]:
        if isinstance(t, Prim):
            return {"type": "Boolean" if t.name == "Bool" else t.name}
        if isinstance(t, ExtT):
            return {"type": "Extension", "name": t.name}
        if isinstance(t, EntityT):
            ref = self.names.ref(t.name, ns, self.rng)
            return {"type": "Entity" if self.rng.random() < 0.8 else "EntityOrCommon", "name": ref}
        if isinstance(t, CommonT):
            ref = self.names.ref(t.name, ns, self.rng)
            return {"type": ref} if self.rng.random() < 0.8 else {"type": "EntityOrCommon", "name": ref}
        if isinstance(t, SetT):
            return {"type": "Set", "element": self.type(t.elem, ns)}
        return self.record(t, ns)

    def attr(self, a: Attr, ns: str) -> dict[str, Any]:
        out = self.type(a.type, ns)
        if not a.required or self.rng.random() < 0.3:
            out["required"] = a.required
        return out

    def record(self, r: RecordT, ns: str) -> dict[str, Any]:
        return {"type": "Record", "attributes": {k: self.attr(a, ns) for k, a in r.attrs}}

    def entity(self, e: EntityTypeSpec, ns: str) -> dict[str, Any]:
        if e.enum is not None:
            return {"enum": list(e.enum)}
        out: dict[str, Any] = {}
        if e.parents or self.rng.random() < 0.5:
            out["memberOfTypes"] = [self.names.ref(p, ns, self.rng) for p in e.parents]
        if isinstance(e.attrs, CommonT) or e.shape.attrs or self.rng.random() < 0.5:
            out["shape"] = self.type(e.attrs, ns)
        if e.tags is not None:
            out["tags"] = self.type(e.tags, ns)
        if e.annotations:
            out["annotations"] = dict(e.annotations)
        return out

    def action(self, a: ActionSpec, ns: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if a.parents or self.rng.random() < 0.5:
            refs = []
            for p in a.parents:
                if namespace_of(p.type) == ns and self.rng.random() < 0.6:
                    refs.append({"id": p.id})
                else:
                    refs.append({"id": p.id, "type": p.type})
            out["memberOf"] = refs
        if a.applies:
            applies: dict[str, Any] = {
                "principalTypes": [self.names.ref(t, ns, self.rng) for t in a.principals],
                "resourceTypes": [self.names.ref(t, ns, self.rng) for t in a.resources],
            }
            if isinstance(a.context, CommonT) or a.context_shape.attrs or self.rng.random() < 0.5:
                applies["context"] = self.type(a.context, ns)
            out["appliesTo"] = applies
        if a.annotations:
            out["annotations"] = dict(a.annotations)
        return out

    def write(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for ns in self.spec.namespaces:
            body: dict[str, Any] = {
                "entityTypes": {
                    basename(e.name): self.entity(e, ns)
                    for e in self.spec.entity_types.values()
                    if namespace_of(e.name) == ns
                },
                "actions": {
                    a.uid.id: self.action(a, ns) for a in self.spec.actions if namespace_of(a.uid.type) == ns
                },
            }
            common = {basename(n): self.type(t, ns) for n, t in self.spec.common_types.items() if namespace_of(n) == ns}
            if common:
                body["commonTypes"] = common
            out[ns] = body
        return out


def schema_to_json(spec: SchemaSpec, rng: random.Random) -> dict[str, Any]:
    return _JsonWriter(spec, rng).write()


def schema_to_json_str(spec: SchemaSpec, rng: random.Random) -> str:
    return json.dumps(schema_to_json(spec, rng), ensure_ascii=False)
