"""`cedar translate-policy` and `cedar translate-schema` (Rust: `command/translate_*.rs`).

Output goes to standard output, errors to standard error (as in Rust). Comments
are not carried across. JSON comes out compact, as Rust's `to_string`, except
`cedar-to-json-with-resolved-types`, which Rust pretty-prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import EXIT_FAILURE, EXIT_SUCCESS
from .diagnostics import Printer
from .inputs import CliError, fail, parse_json, read_cedar_policy_set, read_json_policy_set, read_text, source_name, wrapped


def translate_policy(ns: argparse.Namespace, printer: Printer) -> int:
    try:
        if ns.direction == "cedar-to-json":
            output = compact_json(read_cedar_policy_set(ns.input_file).to_json())
        else:
            output = _to_cedar(read_json_policy_set(ns.input_file))
    except CliError as e:
        printer.emit(e.diagnostics, sys.stderr)
        return EXIT_FAILURE
    sys.stdout.write(output + "\n")
    return EXIT_SUCCESS


def _to_cedar(ps: Any) -> str:
    """Static policies sorted by id, then templates sorted by id, each as Rust displays a policy
    read from JSON, separated by blank lines (Rust: `PolicySet::to_cedar`)."""
    from .policy_text import policy_display

    if ps.links:
        raise fail("Unable to translate policy set containing template linked policies.")
    statics = [p for _, p in sorted(ps.static_policies.items())]
    templates = [t for _, t in sorted(ps.templates.items())]
    return "\n\n".join(policy_display(p) for p in statics + templates)


def compact_json(obj: Any) -> str:
    from ..parser import MAX_DEPTH

    limit = sys.getrecursionlimit()
    if limit < 4 * MAX_DEPTH + 200:
        sys.setrecursionlimit(4 * MAX_DEPTH + 200)
    try:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    finally:
        sys.setrecursionlimit(limit)


# ---------------------------------------------------------------- schemas


def translate_schema(ns: argparse.Namespace, printer: Printer) -> int:
    from ..errors import CedarError

    try:
        text = read_text(ns.input_file, "schema")
        name = source_name(ns.input_file)
        try:
            if ns.direction == "json-to-cedar":
                output = _schema_to_cedar(text, name)
            elif ns.direction == "cedar-to-json":
                output = _schema_to_json(text, name)
            else:
                output = _schema_to_resolved_json(text, name)
        except (CedarError, RecursionError) as e:
            raise wrapped(e, "error parsing schema") from None
    except CliError as e:
        printer.emit(e.diagnostics, sys.stderr)
        return EXIT_FAILURE
    sys.stdout.write(output + "\n")
    return EXIT_SUCCESS


def _schema_to_cedar(text: str, name: str) -> str:
    from ..schema.cedar_print import fragment_to_cedar
    from ..schema.json_form import parse_json_schema

    obj = parse_json(text, name, "failed to parse schema")
    return fragment_to_cedar(parse_json_schema(obj))


def _schema_to_json(text: str, name: str) -> str:
    from ..schema.cedar_syntax import parse_cedar_schema
    from ..schema.json_form import fragment_to_json

    return compact_json(fragment_to_json(parse_cedar_schema(text, name)))


def _schema_to_resolved_json(text: str, name: str) -> str:
    """The JSON form with every type name resolved: `{"type": "Entity", "name": <qualified>}` for an
    entity type, `{"type": <qualified common type>}` for a common type, and entity type lists qualified.
    Unlike `cedar-to-json`, every type the schema names must be declared."""
    from ..schema.cedar_syntax import parse_cedar_schema
    from ..schema.json_form import fragment_to_json
    from ..schema.model import Schema
    from ..schema.resolve import _Resolver

    fragment = parse_cedar_schema(text, name)
    Schema.from_fragment(fragment)  # every name must resolve
    resolver = _Resolver(fragment)
    out = fragment_to_json(fragment)
    for ns, body in out.items():
        _resolve_namespace(body, ns, resolver)
    return json.dumps(out, indent=2, ensure_ascii=False)


_JSON_TYPE_KEYWORDS = frozenset({"Long", "String", "Boolean", "Set", "Record", "Entity", "EntityOrCommon", "Extension"})


def _resolve_namespace(body: dict[str, Any], ns: str, resolver: Any) -> None:
    def entity(n: str) -> str:
        return resolver.resolve_name(ns, n, None, False, True)

    def walk(t: Any) -> Any:
        if isinstance(t, dict):
            if t.get("type") == "EntityOrCommon":
                resolved = resolver.resolve_name(ns, t["name"], None, True, True)
                rest = {k: v for k, v in t.items() if k not in ("type", "name")}
                if resolved in resolver.common_names:
                    builtin = resolved.removeprefix("__cedar::")
                    if resolver.commons[resolved].builtin is not None:
                        head = {"type": {"Bool": "Boolean"}.get(builtin, builtin)} if builtin in (
                            "Long", "String", "Bool") else {"type": "Extension", "name": builtin}
                        return {**head, **rest}
                    return {"type": resolved, **rest}
                return {"type": "Entity", "name": resolved, **rest}
            if t.get("type") == "Entity" and isinstance(t.get("name"), str):
                return {**t, "name": entity(t["name"])}
            if isinstance(t.get("type"), str) and t["type"] not in _JSON_TYPE_KEYWORDS:
                t = {**t, "type": resolver.resolve_name(ns, t["type"], None, True, False)}
            return {k: walk(v) for k, v in t.items()}
        if isinstance(t, list):
            return [walk(x) for x in t]
        return t

    for decl in body.get("commonTypes", {}).values():
        decl.update(walk(decl))
    for decl in body.get("entityTypes", {}).values():
        if "memberOfTypes" in decl:
            decl["memberOfTypes"] = [entity(n) for n in decl["memberOfTypes"]]
        for key in ("shape", "tags"):
            if key in decl:
                decl[key] = walk(decl[key])
    for decl in body.get("actions", {}).values():
        applies = decl.get("appliesTo")
        if isinstance(applies, dict):
            for key in ("principalTypes", "resourceTypes"):
                if key in applies:
                    applies[key] = [entity(n) for n in applies[key]]
            if "context" in applies:
                applies["context"] = walk(applies["context"])
