"""`python -m proofs`: run the obligations, print the table, exit non-zero unless all are proved."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from typing import TextIO

from proofs.harness import DEFAULT_TIMEOUT_MS, Obligation, Outcome, Status
from proofs.policy_never_errors import SAMPLE

# The obligations, in the order of the issue (one module each, named after the property).
MODULES = ("explicit_permit", "forbid_trumps_permit", "default_deny", "allowed_iff", "order_and_dup_independent",
           "monotonicity", "determining_policies", "validation_is_sound", "policy_never_errors", "policy_slice")


def obligations() -> list[Obligation]:
    return [importlib.import_module(f"proofs.{m}").OBLIGATION for m in MODULES]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m proofs", description="Discharge the proof obligations with Z3.")
    p.add_argument("--corpus-all", action="store_true",
                   help="obligation 9 over every validating policy set of the integration corpus (slow)")
    p.add_argument("--corpus-sample", type=int, default=None, metavar="N",
                   help="obligation 9 over N corpus files (default: the fixed sample of `make prove`)")
    p.add_argument("--only", default="", metavar="N,N", help="run only these obligations (numbers)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_MS / 1000, metavar="SECONDS",
                   help="Z3's time limit per goal")
    p.add_argument("-v", "--verbose", action="store_true", help="list every goal with its status and time")
    return p


def _table(outcomes: list[Outcome], total: float, out: TextIO) -> None:
    width = max(len(f"{o.number}. {o.title}") for o in outcomes)
    out.write(f"{'obligation':<{width}}  {'status':<14}  {'seconds':>7}\n")
    out.write(f"{'-' * width}  {'-' * 14}  {'-' * 7}\n")
    for o in outcomes:
        out.write(f"{o.number + '. ' + o.title:<{width}}  {o.status.value:<14}  {o.seconds:7.2f}\n")
    out.write(f"{'total':<{width}}  {'':<14}  {total:7.2f}\n")


def _details(o: Outcome, verbose: bool, out: TextIO) -> None:
    if o.note:
        out.write(f"\n{o.number}. {o.title}: {o.note}\n")
    if verbose:
        out.write(f"\n{o.number}. {o.title}: {len(o.verdicts)} goals\n")
        for v in o.verdicts:
            out.write(f"  {v.status.value:<14} {v.seconds:6.3f}  {v.goal}\n")
    for status in (Status.COUNTEREXAMPLE, Status.UNKNOWN):
        for v in o.verdicts:
            if v.status is status:
                out.write(f"\n{o.number}. {o.title}: {status.value} to `{v.goal}`\n{v.detail}\n")


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    """Run the obligations; 0 if every one is proved, 1 otherwise."""
    out = out or sys.stdout
    parser = _parser()
    args = parser.parse_args(argv)
    wanted = {n.strip() for n in args.only.split(",") if n.strip()}
    unknown = wanted - {ob.number for ob in obligations()}
    if unknown:
        parser.error(f"no obligation numbered {', '.join(sorted(unknown))} (there are {len(MODULES)})")
    start = time.perf_counter()
    outcomes = []
    for ob in obligations():
        if wanted and ob.number not in wanted:
            continue
        params: dict[str, object] = {}
        if ob.number == "9":
            params["sample"] = None if args.corpus_all else (SAMPLE if args.corpus_sample is None else args.corpus_sample)
            if args.corpus_all or args.corpus_sample is not None or args.verbose:
                params["progress"] = sys.stderr
        outcomes.append(ob.run(timeout_ms=int(args.timeout * 1000), **params))
    _table(outcomes, time.perf_counter() - start, out)
    for o in outcomes:
        _details(o, args.verbose, out)
    return 0 if outcomes and all(o.status is Status.PROVED for o in outcomes) else 1
