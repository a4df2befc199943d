"""`cedar`: the command line, compatible with the Rust `cedar` CLI (`cedar-policy-cli`).

Same subcommands, flags, outputs and exit codes, so scripts written for the Rust
CLI keep working: 0 success (and ALLOW), 1 failure, 2 DENY (and, as with clap,
a usage error), 3 validation failure. Errors are reports, never tracebacks.
"""

from __future__ import annotations

import os
import sys
from typing import Sequence

EXIT_SUCCESS = 0
EXIT_FAILURE = 1
EXIT_DENY = 2
EXIT_VALIDATION_FAILURE = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `cedar` command; returns the exit code (the console script exits with it)."""
    from .diagnostics import Diagnostic, Printer
    from .inputs import CliError
    from .options import UsageError, build_parser, parse

    try:
        try:
            ns = parse(build_parser(), list(sys.argv[1:] if argv is None else argv))
        except UsageError as e:
            sys.stderr.write(e.text)
            sys.stderr.flush()
            return e.code
        printer = Printer(ns.error_format)
        try:
            return ns.run(ns, printer)
        except CliError as e:
            printer.emit(e.diagnostics)
            return EXIT_FAILURE
        except RecursionError:
            printer.emit([Diagnostic("input nested too deeply to process")])
            return EXIT_FAILURE
        except MemoryError:
            printer.emit([Diagnostic("out of memory")])
            return EXIT_FAILURE
        except (KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception as e:  # noqa: BLE001 - a bug must not show the user a traceback
            if os.environ.get("CEDAR_CLI_TRACEBACK"):
                raise
            printer.emit([Diagnostic(f"internal error: {type(e).__name__}: {e}",
                                     help="this is a bug in the Cedar engine; please report it "
                                          "(set CEDAR_CLI_TRACEBACK=1 to see where it happened)")])
            return EXIT_FAILURE
    except KeyboardInterrupt:
        _quiet_stdout()
        sys.stderr.write("\ninterrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE


def _quiet_stdout() -> None:
    """After a broken pipe (or ^C mid-write), stop Python from failing again while flushing at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


__all__ = ["main", "EXIT_SUCCESS", "EXIT_FAILURE", "EXIT_DENY", "EXIT_VALIDATION_FAILURE"]
