"""`python -m proofs` (= `make prove`): the table, every obligation proved on the real model, and a
non-zero exit with a Cedar counterexample as soon as one is not."""

from __future__ import annotations

import io

import pytest

from proofs import cli, explicit_permit
from proofs.harness import Obligation
from tests.proofs import seeded_bugs as bug


@pytest.fixture(scope="module")
def real_run() -> tuple[int, str]:
    """One run of every obligation on the real model (the `make prove` sample for obligation 9)."""
    out = io.StringIO()
    return cli.main([], out), out.getvalue()


def test_every_obligation_is_proved_on_the_real_model(real_run: tuple[int, str]) -> None:
    code, text = real_run
    table = text.split("\n\n")[0].splitlines()
    rows = [line for line in table if line[:3].rstrip(". ").isdigit()]
    assert [r.split(".")[0] for r in rows] == [str(n) for n in range(1, 11)], text
    assert all("  proved  " in r for r in rows), text
    assert code == 0, text
    assert "counterexample" not in text and "unknown" not in text


def test_the_table_reports_seconds_and_the_corpus_sample(real_run: tuple[int, str]) -> None:
    _, text = real_run
    assert text.splitlines()[0].split() == ["obligation", "status", "seconds"]
    assert any(line.startswith("total") for line in text.splitlines())
    assert "validating policy sets" in text and "policies checked" in text and "request environments" in text


def test_an_obligation_not_proved_fails_the_run_and_prints_cedar(monkeypatch: pytest.MonkeyPatch) -> None:
    seeded = Obligation("1", "explicit permit", lambda: explicit_permit.goals(bug.no_forbid_allows))
    monkeypatch.setattr(cli, "obligations", lambda: [seeded])
    out = io.StringIO()
    assert cli.main([], out) == 1
    text = out.getvalue()
    assert "1. explicit permit" in text and "counterexample" in text
    assert "Allow, yet no permit policy is satisfied" in text and 'principal: User::"alice"' in text


def test_only_selects_obligations_and_rejects_unknown_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert cli.main(["--only", "2,3"], out) == 0
    assert "2. forbid overrides permit" in out.getvalue() and "1. explicit permit" not in out.getvalue()
    with pytest.raises(SystemExit) as exit:
        cli.main(["--only", "99"], io.StringIO())
    assert exit.value.code == 2 and "no obligation numbered 99" in capsys.readouterr().err
