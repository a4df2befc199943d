"""Run the real `cedar` command line as a subprocess on files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.corpus import DATA

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "data"
SAMPLES = DATA / "sample-data"
HANDWRITTEN = DATA / "tests"


@dataclass
class Run:
    code: int
    out: str
    err: str


def console_script() -> list[str]:
    """The installed `cedar` script (from `pip install .`), next to this interpreter."""
    script = Path(sys.executable).with_name("cedar")
    if script.exists():
        return [str(script)]
    found = shutil.which("cedar")
    if found is None:
        pytest.fail("the `cedar` console script is not installed (run `pip install -e .`)")
    return [found]


def run_cedar(*args: str | Path, stdin: str | None = None, env: dict[str, str] | None = None,
              module: bool = False, cwd: Path | None = None) -> Run:
    command = [sys.executable, "-m", "impl.cli"] if module else console_script()
    full_env = {k: v for k, v in os.environ.items() if k not in ("CEDAR_ERROR_FORMAT", "CEDAR_CLI_TRACEBACK")}
    full_env["NO_COLOR"] = "1"
    full_env["PYTHONPATH"] = str(HERE.parent.parent)
    full_env.update(env or {})
    proc = subprocess.run([*command, *map(str, args)], input=stdin, capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=120)
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cedar():
    return run_cedar


def assert_no_traceback(r: Run) -> None:
    assert "Traceback" not in r.out and "Traceback" not in r.err, r.out + r.err


def flat(text: str) -> str:
    """Report text with miette's line wrapping undone (continuation gutters and breaks become one space)."""
    import re

    return re.sub(r"[ \t]*\n[ \t]*(?:│[ \t]*)?", " ", text)
