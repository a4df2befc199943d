"""`python -m difftest.mutation` (`make mutation`): how many injected engine bugs the difftest catches.

Each mutant is one single-point source rewrite (a flipped comparison, `and`
for `or`, an integer off by one, a deleted `raise`, a dropped `not`, ...) of
one file of the engine's evaluator, authorizer, parser or validator, made in
a temporary copy of `impl/` (the real files are never touched). A difftest
then runs against the copy (engine against Rust, `--seconds` each, one
process per core) and compares every case with a baseline run of the
unmutated engine: the mutant is killed as soon as one case's failing checks
differ from the baseline (or it hangs or crashes the run). The score is
killed / (killed + survived); mutants that do not even import count as
neither (Python rejected them, nothing to test).

    python -m difftest.mutation                # 40 mutants, 60 s each
    python -m difftest.mutation --mutants 10 --seconds 20 --seed 3
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = (
    "impl/evaluator.py", "impl/authorizer.py", "impl/policy_index.py", "impl/entities.py", "impl/est.py",
    "impl/extensions/*.py", "impl/parser/*.py", "impl/validator/*.py", "impl/value_json.py", "impl/request.py",
)

_CMP_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
             ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_CMP_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
             ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}
_BIN_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Add, ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd,
             ast.FloorDiv: ast.Mult, ast.Mod: ast.FloorDiv}


_KIND_WEIGHT = {"compare": 4, "boolop": 3, "binop": 2, "not": 2, "raise": 2, "bool": 2, "int": 2, "return": 1,
                "continue": 0.5, "break": 0.5}
"""How often each operator is drawn: the classic condition mutations most."""


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to the repository root
    line: int
    kind: str
    description: str
    new_source: str  # the whole mutated file
    before: str = ""  # the original line, for the report


# ------------------------------------------------------------------ making mutants


class _Sites(ast.NodeVisitor):
    """Every place one of the operators applies, outside docstrings, annotations and messages."""

    def __init__(self) -> None:
        self.sites: list[tuple[str, ast.AST]] = []
        self._skip_depth = 0

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, (ast.JoinedStr, ast.Assert)):
            return
        super().generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        for stmt in node.body:
            self.visit(stmt)
        for d in node.decorator_list:
            self.visit(d)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)

    def visit_Compare(self, node: ast.Compare) -> None:
        if len(node.ops) == 1 and type(node.ops[0]) in _CMP_SWAP:
            self.sites.append(("compare", node))
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        self.sites.append(("boolop", node))
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if type(node.op) in _BIN_SWAP:
            self.sites.append(("binop", node))
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self.sites.append(("not", node))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bool):
            self.sites.append(("bool", node))
        elif isinstance(node.value, int) and node.value not in (0,):
            self.sites.append(("int", node))

    def visit_Raise(self, node: ast.Raise) -> None:
        self.sites.append(("raise", node))
        self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None and not isinstance(node.value, ast.Constant):
            self.sites.append(("return", node))
        self.generic_visit(node)

    def visit_Continue(self, node: ast.Continue) -> None:
        self.sites.append(("continue", node))

    def visit_Break(self, node: ast.Break) -> None:
        self.sites.append(("break", node))


def _offsets(source: str) -> list[int]:
    starts, pos = [0], 0
    for line in source.splitlines(keepends=True):
        pos += len(line)
        starts.append(pos)
    return starts


def _span(source: str, node: ast.AST) -> tuple[int, int]:
    starts = _offsets(source)
    # ast columns count UTF-8 bytes; convert through the line's bytes
    def at(line: int, col: int) -> int:
        text = source[starts[line - 1]:starts[line]] if line < len(starts) else source[starts[line - 1]:]
        return starts[line - 1] + len(text.encode()[:col].decode(errors="ignore"))

    return at(node.lineno, node.col_offset), at(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def _rewrite(source: str, kind: str, node: ast.AST) -> tuple[str, str] | None:
    """The mutated source and a one-line description, or None if the site does not apply."""
    start, end = _span(source, node)
    segment = source[start:end]
    if kind == "compare":
        assert isinstance(node, ast.Compare)
        old = type(node.ops[0])
        left_end = _span(source, node.left)[1]
        right_start = _span(source, node.comparators[0])[0]
        middle = source[left_end:right_start]
        new_mid = middle.replace(_CMP_TEXT[old], _CMP_TEXT[_CMP_SWAP[old]], 1)
        if new_mid == middle:
            return None
        return source[:left_end] + new_mid + source[right_start:], f"`{_CMP_TEXT[old]}` -> `{_CMP_TEXT[_CMP_SWAP[old]]}`"
    if kind == "boolop":
        assert isinstance(node, ast.BoolOp)
        a_end = _span(source, node.values[0])[1]
        b_start = _span(source, node.values[1])[0]
        middle = source[a_end:b_start]
        old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        if f" {old} " not in middle:
            return None
        return source[:a_end] + middle.replace(f" {old} ", f" {new} ", 1) + source[b_start:], f"`{old}` -> `{new}`"
    if kind == "binop":
        assert isinstance(node, ast.BinOp)
        symbols = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.BitAnd: "&", ast.BitOr: "|", ast.FloorDiv: "//",
                   ast.Mod: "%"}
        a_end = _span(source, node.left)[1]
        b_start = _span(source, node.right)[0]
        middle = source[a_end:b_start]
        old, new = symbols[type(node.op)], symbols[_BIN_SWAP[type(node.op)]]
        if old not in middle:
            return None
        return source[:a_end] + middle.replace(old, new, 1) + source[b_start:], f"`{old}` -> `{new}`"
    if kind == "not":
        assert isinstance(node, ast.UnaryOp)
        inner_start = _span(source, node.operand)[0]
        return source[:start] + "(" + source[inner_start:end] + ")" + source[end:], "dropped `not`"
    if kind == "bool":
        return source[:start] + ("False" if segment == "True" else "True") + source[end:], f"`{segment}` flipped"
    if kind == "int":
        if not segment.isdigit():
            return None
        return source[:start] + str(int(segment) + 1) + source[end:], f"`{segment}` -> `{int(segment) + 1}`"
    if kind == "raise":
        return source[:start] + "pass" + source[end:], "deleted `raise`"
    if kind == "return":
        assert isinstance(node, ast.Return) and node.value is not None
        v_start, v_end = _span(source, node.value)
        return source[:v_start] + "None" + source[v_end:], "`return ...` -> `return None`"
    if kind == "continue":
        return source[:start] + "break" + source[end:], "`continue` -> `break`"
    if kind == "break":
        return source[:start] + "continue" + source[end:], "`break` -> `continue`"
    return None


def make_mutants(n: int, seed: int, root: Path = ROOT) -> list[Mutant]:
    """`n` distinct mutants of the engine under `root`, drawn across the target files and operator kinds."""
    rng = random.Random(seed)
    files = sorted({str(p.relative_to(root)) for pattern in TARGETS for p in root.glob(pattern)})
    candidates: dict[str, list[tuple[str, str, ast.AST]]] = {}
    for f in files:
        source = (root / f).read_text()
        finder = _Sites()
        finder.visit(ast.parse(source))
        for kind, node in finder.sites:
            candidates.setdefault(kind, []).append((f, source, node))
    kinds = sorted(candidates)
    weights = [_KIND_WEIGHT.get(k, 1.0) for k in kinds]
    out: list[Mutant] = []
    seen: set[tuple[str, int, int, str]] = set()
    attempts = 0
    while len(out) < n and attempts < n * 50:
        attempts += 1
        kind = rng.choices(kinds, weights)[0]
        f, source, node = rng.choice(candidates[kind])
        key = (f, node.lineno, node.col_offset, kind)  # type: ignore[attr-defined]
        if key in seen:
            continue
        seen.add(key)
        rewritten = _rewrite(source, kind, node)
        if rewritten is None:
            continue
        new_source, description = rewritten
        try:
            compile(new_source, f, "exec")
        except SyntaxError:
            continue
        line = source.splitlines()[node.lineno - 1].strip()  # type: ignore[attr-defined]
        out.append(Mutant(f, node.lineno, kind, description, new_source, line))  # type: ignore[attr-defined]
    return out


# ------------------------------------------------------------------ running them


def _workspace(mutant: Mutant | None, source: Path = ROOT) -> Path:
    """A directory holding a copy of `impl/` (mutated if `mutant`), the difftest and the model.

    Copies, not links, taken from one snapshot: the baseline and every mutant must run the
    same code even if the working tree changes meanwhile.
    """
    tmp = Path(tempfile.mkdtemp(prefix="difftest-mutant-"))
    for name in ("impl", "difftest", "spec"):
        shutil.copytree(source / name, tmp / name, ignore=shutil.ignore_patterns("__pycache__", "failures"))
    if mutant is not None:
        (tmp / mutant.path).write_text(mutant.new_source)
    return tmp


def _difftest(workdir: Path, args: list[str], timeout: float) -> tuple[int | None, str]:
    env = dict(os.environ, PYTHONPATH=str(workdir), PYTHONDONTWRITEBYTECODE="1")
    try:
        p = subprocess.run([sys.executable, "-m", "difftest", *args], cwd=workdir, env=env, capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timed out"
    return p.returncode, (p.stdout + p.stderr)[-2000:]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m difftest.mutation", description=__doc__.split("\n\n")[0])
    p.add_argument("--mutants", type=int, default=40)
    p.add_argument("--seconds", type=float, default=60.0, help="difftest budget per mutant")
    p.add_argument("--seed", type=int, default=0, help="which mutants (and which difftest cases)")
    p.add_argument("--cases", type=int, default=None,
                   help="baseline on exactly this many cases (default: as many as --seconds allows)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="mutants tested at once")
    p.add_argument("--out", type=Path, default=ROOT / ".cache" / "mutation.json", help="where to write the results")
    a = p.parse_args(argv)

    common = ["--seed", str(a.seed), "--workers", "1", "--no-coverage", "--quiet", "--oracles", "impl,rust",
              "--fuzz", "1", "--shrink-limit", "0", "--require-impl"]
    base_dir = _workspace(None)  # also the snapshot every mutant is made from
    record = base_dir / "baseline.json"
    t0 = time.monotonic()
    budget = ["--cases", str(a.cases)] if a.cases else ["--seconds", str(a.seconds)]
    code, out = _difftest(base_dir, common + budget + ["--record", str(record)], a.seconds * 10)
    if code is None or not record.exists():
        print(f"baseline run failed: {out}")
        return 2
    baseline = json.loads(record.read_text())
    print(f"baseline: {len(baseline)} cases in {time.monotonic() - t0:.0f}s; "
          f"{sum(1 for v in baseline.values() if v)} of them already disagree (known, not counted)")

    mutants = make_mutants(a.mutants, a.seed, base_dir)

    def test(m: Mutant) -> tuple[Mutant, str, str]:
        work = _workspace(m, base_dir)
        try:
            args = common + ["--max-cases", str(len(baseline)), "--seconds", str(a.seconds), "--baseline", str(record)]
            code, out = _difftest(work, args, a.seconds * 3 + 30)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if code is None:
            return m, "killed", "hang (no answer within the budget)"
        if code == 3:
            return m, "killed", out.strip().splitlines()[-1] if out.strip() else "departed"
        if code in (0, 1):
            return m, "survived", ""
        return m, "invalid", out.strip().splitlines()[-1] if out.strip() else f"exit {code}"

    results = []
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        for m, verdict, why in pool.map(test, mutants):
            results.append((m, verdict, why))
            print(f"{verdict:8s} {m.path}:{m.line} {m.kind}: {m.description}" + (f"  [{why[:120]}]" if why else ""),
                  flush=True)
    shutil.rmtree(base_dir, ignore_errors=True)
    killed = sum(1 for _, v, _ in results if v == "killed")
    survived = [m for m, v, _ in results if v == "survived"]
    scored = killed + len(survived)
    score = 100.0 * killed / scored if scored else 0.0
    print(f"\nmutation score {score:.1f}% ({killed} killed of {scored}; "
          f"{sum(1 for _, v, _ in results if v == 'invalid')} invalid)")
    for m in survived:
        print(f"  survivor {m.path}:{m.line} {m.kind}: {m.description} in `{m.before[:100]}`")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({
        "score": score, "killed": killed, "scored": scored,
        "mutants": [{"path": m.path, "line": m.line, "kind": m.kind, "description": m.description, "line_text": m.before,
                     "verdict": v, "why": w} for m, v, w in results],
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
