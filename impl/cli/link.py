"""`cedar link`: link a template and record the link (Rust: `command/link.rs`).

Prints "Template-linked policy added: <policy>" and, with `-k FILE`, appends
`{"template_id", "link_id", "args"}` to that JSON file (created if missing).
"""

from __future__ import annotations

import argparse
import json
import sys
from . import EXIT_FAILURE, EXIT_SUCCESS
from .authorize import policy_args
from .diagnostics import Printer, from_error, os_error_text
from .inputs import CliError, Link, check_slot, fail, load_links, load_policy_set, slot_values
from .options import clap_error
from .policy_text import policy_text


def run(ns: argparse.Namespace, printer: Printer) -> int:
    args = _arguments(ns.arguments)
    if isinstance(args, str):
        usage = "cedar link --template-id <TEMPLATE_ID> --new-id <NEW_ID> --arguments <ARGUMENTS>"
        sys.stderr.write(clap_error(f"invalid value '{ns.arguments}' for '--arguments <ARGUMENTS>': {args}", usage))
        return 2
    try:
        _link(ns, args)
    except CliError as e:
        printer.emit(e.diagnostics, sys.stdout)
        return EXIT_FAILURE
    return EXIT_SUCCESS


def _arguments(text: str) -> dict[str, str] | str:
    """The `--arguments` JSON object, or the reason it is not one."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        return f"{e.msg} at line {e.lineno} column {e.colno}"
    if not isinstance(obj, dict) or not all(isinstance(v, str) for v in obj.values()):
        return "expected a JSON object mapping slots to entity uid strings"
    for slot in obj:
        try:
            check_slot(slot)
        except CliError as e:
            return e.diagnostics[0].message
    return obj


def _link(ns: argparse.Namespace, args: dict[str, str]) -> None:
    from ..errors import CedarError

    policies = load_policy_set(policy_args(ns), allow_missing_links=True)
    values = slot_values(args)
    try:
        linked = policies.link(ns.template_id, ns.new_id, values)
    except CedarError as e:
        raise CliError(from_error(e)) from None
    sys.stdout.write(f"Template-linked policy added: {policy_text(linked)}\n")
    if ns.template_linked_file is not None:
        _append(ns.template_linked_file, Link(ns.template_id, ns.new_id, args))


def _append(path: str, link: Link) -> None:
    import os

    links = load_links(path) if os.path.exists(path) else []
    links.append(link)
    try:
        with open(path, "w", encoding="utf-8") as f:
            json.dump([x.to_json() for x in links], f, separators=(",", ":"), ensure_ascii=False)
    except OSError as e:
        raise fail(f"failed to open template link file {path}", os_error_text(e)) from None
