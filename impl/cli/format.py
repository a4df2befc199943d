"""`cedar format`: the canonical layout, comments kept (Rust: `command/format.rs`).

Prints the formatted policies (or, with `-w`, writes them back to the file);
with `-c` exits 1 when the input is not already formatted.
"""

from __future__ import annotations

import argparse
import sys

from . import EXIT_FAILURE, EXIT_SUCCESS
from .diagnostics import Printer, os_error_text
from .inputs import CliError, fail, read_text, source_name, wrapped


def run(ns: argparse.Namespace, printer: Printer) -> int:
    try:
        text = read_text(ns.policies_file, "policy set")
        formatted = format_text(text, source_name(ns.policies_file), ns.line_width, ns.indent_width)
        if ns.write:
            try:
                with open(ns.policies_file, "w", encoding="utf-8") as f:
                    f.write(formatted)
            except OSError as e:
                raise fail(f"failed to open {ns.policies_file} for writing", os_error_text(e)) from None
        else:
            sys.stdout.write(formatted)
    except CliError as e:
        printer.emit(e.diagnostics, sys.stdout)
        return EXIT_FAILURE
    if ns.check and formatted != text:
        return EXIT_FAILURE
    return EXIT_SUCCESS


def format_text(text: str, name: str, line_width: int = 80, indent_width: int = 2) -> str:
    """The canonical layout of a policy set's text, its comments kept (`impl.format_cst`)."""
    from ..errors import CedarError
    from ..format_cst import format_policies_text

    try:
        return format_policies_text(text, name, line_width, indent_width)
    except (CedarError, RecursionError) as e:
        raise wrapped(e, "cannot parse input policies") from None
