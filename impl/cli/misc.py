"""The small commands: `language-version`, `license`, `visualize`, `new`, `prove`, and the
experimental commands this build does not have (Rust: `command/{language_version,license,
visualize,new}.rs`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from . import EXIT_FAILURE, EXIT_SUCCESS
from .diagnostics import Diagnostic, Printer, os_error_text
from .evaluate import escape_debug
from .inputs import CliError, load_entities

LANGUAGE_VERSION = (4, 5)  # Rust's `get_lang_version()` in cedar-policy 4.12


def language_version(ns: argparse.Namespace, printer: Printer) -> int:
    sys.stdout.write(f"Cedar language version: {LANGUAGE_VERSION[0]}.{LANGUAGE_VERSION[1]}\n")
    return EXIT_SUCCESS


def license(ns: argparse.Namespace, printer: Printer) -> int:
    sys.stdout.write("This implementation of Cedar is licensed under the Apache License, Version 2.0.\n"
                     "See https://www.apache.org/licenses/LICENSE-2.0 for the full text.\n\n"
                     "Third-party dependency licenses: lark (MIT), z3-solver (MIT).\n")
    return EXIT_SUCCESS


def experimental(ns: argparse.Namespace, printer: Printer) -> int:
    sys.stderr.write(f"Error: subcommand `{ns.command}` is experimental, but this executable was not built "
                     f"with `{ns.feature}` experimental feature enabled\n")
    return EXIT_FAILURE


# ---------------------------------------------------------------- visualize


def _dot_id(text: str) -> str:
    return f'"{escape_debug(text)}"'


def visualize(ns: argparse.Namespace, printer: Printer) -> int:
    """The entity hierarchy in Graphviz DOT: one cluster per entity type, an edge per parent."""
    try:
        entities = load_entities(ns.entities_file, None)
    except CliError as e:
        printer.emit(e.diagnostics, sys.stderr)
        return EXIT_FAILURE
    out = ['strict digraph {\n\tordering="out"\n\tnode[shape=box]\n']
    by_type: dict[str, list[Any]] = {}
    for entity in entities:
        by_type.setdefault(entity.uid[0], []).append(entity)
    for etype in sorted(by_type):
        out.append(f'\tsubgraph "cluster_{etype}" {{\n\t\tlabel={_dot_id(etype)}\n')
        for entity in by_type[etype]:
            out.append(f"\t\t{_dot_id(_uid(entity.uid))} [label={_dot_id(escape_debug(entity.uid[1]))}]\n")
        out.append("\t}\n")
    for entity in entities:
        for parent in sorted(entity.parents):
            out.append(f"\t{_dot_id(_uid(entity.uid))} -> {_dot_id(_uid(parent))}\n")
    out.append("}\n")
    sys.stdout.write("".join(out))
    return EXIT_SUCCESS


def _uid(uid: Any) -> str:
    return f'{uid[0]}::"{escape_debug(uid[1])}"'


# ---------------------------------------------------------------- new


_NEW_SCHEMA = {"": {"entityTypes": {"A": {"memberOfTypes": ["B"]}, "B": {"memberOfTypes": []},
                                    "C": {"memberOfTypes": []}},
                    "actions": {"action": {"appliesTo": {"resourceTypes": ["C"], "principalTypes": ["A", "B"]}}}}}
_NEW_POLICY = 'permit (\n  principal in A::"a",\n  action == Action::"action",\n  resource == C::"c"\n) when { true };\n'
_NEW_ENTITIES = [
    {"uid": {"type": "A", "id": "a"}, "attrs": {}, "parents": [{"type": "B", "id": "b"}]},
    {"uid": {"type": "B", "id": "b"}, "attrs": {}, "parents": []},
    {"uid": {"type": "C", "id": "c"}, "attrs": {}, "parents": []},
]


def new(ns: argparse.Namespace, printer: Printer) -> int:
    """A starter project: `schema.cedarschema.json`, `policy.cedar` and `entities.json` in a new directory."""
    directory = os.path.join(os.getcwd(), ns.name)
    try:
        os.mkdir(directory)
        with open(os.path.join(directory, "schema.cedarschema.json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(_NEW_SCHEMA, indent=2))
        with open(os.path.join(directory, "policy.cedar"), "w", encoding="utf-8") as f:
            f.write(_NEW_POLICY)
        with open(os.path.join(directory, "entities.json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(_NEW_ENTITIES, indent=2))
    except OSError as e:
        printer.emit([Diagnostic(os_error_text(e))], sys.stdout)
        return EXIT_FAILURE
    return EXIT_SUCCESS


# ---------------------------------------------------------------- prove


def prove(ns: argparse.Namespace, printer: Printer) -> int:
    """The proof table of `make prove`, from the installed `proofs` package."""
    import importlib
    import runpy

    args = [a for a in ns.proof_args if a != "--"]
    try:
        proofs = importlib.import_module("proofs")
        entry = getattr(proofs, "main", None)
        if callable(entry):
            return int(entry(args) or 0)
        saved = sys.argv
        sys.argv = ["proofs", *args]
        try:
            runpy.run_module("proofs", run_name="__main__", alter_sys=True)
        finally:
            sys.argv = saved
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (EXIT_SUCCESS if e.code is None else EXIT_FAILURE)
    except ImportError as e:
        printer.emit([Diagnostic("the proofs are not available in this installation", [str(e)],
                                 help="install the whole project (`pip install .`), which brings the "
                                      "`proofs` package and z3-solver")], sys.stdout)
        return EXIT_FAILURE
    return EXIT_SUCCESS
