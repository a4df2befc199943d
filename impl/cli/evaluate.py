"""`cedar evaluate`: the value of one expression on a request (Rust: `command/evaluate.rs`).

The value is printed as Rust's `EvalResult` prints it: strings and entity ids
escaped with Rust's `escape_debug`, set elements in Rust's value order, record
attributes sorted by name, extension values as their constructor call.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import EXIT_FAILURE, EXIT_SUCCESS
from .authorize import request_args
from .diagnostics import Printer, from_error
from .inputs import CliError, load_entities, load_request, load_schema


def run(ns: argparse.Namespace, printer: Printer) -> int:
    out = sys.stdout
    out.write("\n")
    try:
        schema = load_schema(ns.schema_file, ns.schema_format)
        request = load_request(request_args(ns), schema)
        expr = _parse(ns.expression)
        entities = load_entities(ns.entities_file, schema) if ns.entities_file is not None else None
    except CliError as e:
        printer.emit(e.diagnostics, out)
        return EXIT_FAILURE

    from ..entities import Entities
    from ..errors import EvaluationError
    from ..evaluator import evaluate

    try:
        value = evaluate(expr, request, entities if entities is not None else Entities())
    except EvaluationError as e:
        printer.emit([from_error(e, "failed to evaluate the expression")], out)
        return EXIT_FAILURE
    out.write(display(value) + "\n")
    return EXIT_SUCCESS


def _parse(text: str) -> Any:
    from ..errors import CedarError
    from ..parser import parse_expr

    try:
        return parse_expr(text, "<expression>")
    except (CedarError, RecursionError) as e:
        raise CliError(from_error(e, "failed to parse the expression")) from None


# ---------------------------------------------------------------- Rust's `EvalResult` display


def escape_debug(s: str) -> str:
    """Rust's `str::escape_debug`."""
    out = []
    for i, ch in enumerate(s):
        if ch in _DEBUG_ESCAPES:
            out.append(_DEBUG_ESCAPES[ch])
        elif ch.isprintable() or ch == " " or (i > 0 and _is_grapheme_extend(ch)):
            out.append(ch)
        else:
            out.append(f"\\u{{{ord(ch):x}}}")
    return "".join(out)


_DEBUG_ESCAPES = {"\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\", '"': '\\"', "'": "\\'", "\0": "\\0"}


def _is_grapheme_extend(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch) in ("Mn", "Me")


def display(v: Any) -> str:
    from ..values import EntityUID, Record, Set

    cls = v.__class__
    if cls is bool:
        return "true" if v else "false"
    if cls is int:
        return str(v)
    if cls is str:
        return f'"{escape_debug(v)}"'
    if cls is EntityUID:
        return f'{v[0]}::"{escape_debug(v[1])}"'
    if cls is Set:
        return "[" + ", ".join(display(x) for x in sorted(v, key=order_key)) + "]"
    if cls is Record:
        return "{" + ", ".join(f'"{escape_debug(k)}": {display(v[k])}' for k in sorted(v)) + "}"
    return f'{v.constructor}("{escape_debug(v.to_string())}")'


def _name_key(name: str) -> tuple[str, tuple[str, ...]]:
    """Rust orders names by basename first, then namespace path."""
    *path, base = name.split("::")
    return base, tuple(path)


def order_key(v: Any) -> tuple:
    """A sort key giving Rust's `Ord` on values (literals < sets < records < extension values)."""
    from ..values import EntityUID, Record, Set

    cls = v.__class__
    if cls is bool:
        return (0, 0, int(v))
    if cls is int:
        return (0, 1, v)
    if cls is str:
        return (0, 2, v)
    if cls is EntityUID:
        return (0, 3, _name_key(v[0]), v[1])
    if cls is Set:
        return (1, sorted(order_key(x) for x in v))
    if cls is Record:
        return (2, [(k, order_key(v[k])) for k in sorted(v)])
    return (3, _name_key(v.type_name), _extension_key(v))


def _extension_key(v: Any) -> tuple:
    for attr in ("value", "epoch", "ms"):
        if hasattr(v, attr):
            return (getattr(v, attr),)
    if hasattr(v, "is_v6"):
        return (v.is_v6, v.addr, v.prefix)
    return (v.to_string(),)
