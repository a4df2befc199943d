"""`cedar format`: the canonical layout, comments kept (Rust: `command/format.rs`).

Prints the formatted policies (or, with `-w`, writes them back to the file);
with `-c` exits 1 when the input is not already formatted.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from typing import Any, Callable

from . import EXIT_FAILURE, EXIT_SUCCESS
from .comments import format_with_comments
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
    """The canonical layout of a policy set's text, its comments kept."""
    from ..errors import CedarError
    from ..parser import parse_policies_with_comments, tokenize

    try:
        policies, _comments = parse_policies_with_comments(text, name)
    except (CedarError, RecursionError) as e:
        raise wrapped(e, "cannot parse input policies") from None
    layout = _policy_formatter(line_width, indent_width)
    formatted = format_with_comments(text, lambda t: tokenize(t, name), policies, layout)
    _check_meaning_kept(policies, formatted)
    return formatted


def _check_meaning_kept(policies: list[Any], formatted: str) -> None:
    """Refuse to print a layout that reads back differently (Rust's formatter checks this too)."""
    from ..errors import CedarError
    from ..parser import parse_policies

    try:
        again = parse_policies(formatted, "<formatted>")
    except (CedarError, RecursionError) as e:
        raise fail("internal error: the formatter produced text that does not parse", str(e)) from None
    if again != list(policies):
        raise fail("internal error: the formatter changed the meaning of a policy",
                   help="please report this input; the file was left unchanged")


def _policy_formatter(line_width: int, indent_width: int) -> Callable[[Any], str]:
    """One policy -> its comment-free layout, from the engine's formatter (`impl.format`)."""
    try:
        from ..format import format_policy
    except ImportError:
        raise fail("the policy formatter is not available in this build (module `impl.format` is missing)") from None
    params = inspect.signature(format_policy).parameters
    options: dict[str, int] = {}
    for key, value, default in (("line_width", line_width, 80), ("indent_width", indent_width, 2)):
        if key in params:
            options[key] = value
        elif value != default:
            raise fail(f"this build's formatter has a fixed layout: `--{key.replace('_', '-')}` must be {default}")
    return lambda policy: format_policy(policy, **options)
