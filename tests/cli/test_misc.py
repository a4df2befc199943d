"""The small commands, usage errors (clap's wording, exit 2), and polite failures."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import FIXTURES, SAMPLES, assert_no_traceback, console_script, run_cedar


def test_python_dash_m_is_the_same_command(cedar):
    r = cedar("language-version", module=True)
    assert (r.code, r.out) == (0, "Cedar language version: 4.5\n")
    assert cedar("language-version").out == r.out


def test_version_and_help(cedar):
    assert cedar("--version").out.startswith("cedar ")
    r = cedar("--help")
    assert r.code == 0
    for command in ("authorize", "evaluate", "validate", "check-parse", "link", "format", "translate-policy",
                    "translate-schema", "run-tests", "language-version", "prove"):
        assert command in r.out
    assert "--policy-format" in cedar("authorize", "--help").out


def test_usage_errors_use_clap_wording_and_exit_2(cedar):
    r = cedar("authorize", "-p", FIXTURES / "photos.cedar")
    assert r.code == 2
    assert r.err.startswith("error: the following required arguments were not provided:\n  --entities <FILE>")
    assert r.err.endswith("For more information, try '--help'.\n")
    r = cedar("nonsense")
    assert r.code == 2 and "unrecognized subcommand 'nonsense'" in r.err
    r = cedar("validate", "-s", "x", "--policy-format", "yaml")
    assert r.code == 2 and "invalid value 'yaml' for '--policy-format'" in r.err
    r = cedar("language-version", "--bogus")
    assert r.code == 2 and "unexpected argument '--bogus' found" in r.err


def test_arguments_that_are_not_utf8_are_a_usage_error(cedar):
    """Python would hand the bytes over as lone surrogates, and an entity id could hold them."""
    r = cedar("authorize", "-p", FIXTURES / "photos.cedar", "--entities", FIXTURES / "photos.entities.json",
              "-l", 'User::"\udcff"', "-a", 'Action::"view"', "-r", 'Photo::"p"')
    assert r.code == 2 and r.err.startswith("error: invalid UTF-8 was detected in one or more arguments")


def test_bad_error_format_in_environment_is_a_usage_error(cedar):
    r = cedar("language-version", env={"CEDAR_ERROR_FORMAT": "xml"})
    assert r.code == 2 and "invalid value 'xml'" in r.err


def test_visualize_writes_graphviz(cedar):
    r = cedar("visualize", "--entities", SAMPLES / "sandbox_a" / "entities.json")
    assert r.code == 0
    assert r.out.startswith('strict digraph {\n\tordering="out"\n\tnode[shape=box]\n')
    assert '\t"User::\\"alice\\"" -> "UserGroup::\\"jane_friends\\""\n' in r.out
    assert r.out.endswith("}\n")


def test_new_creates_a_project_that_authorizes(cedar, tmp_path):
    assert cedar("new", "--name", "proj", cwd=tmp_path).code == 0
    proj = tmp_path / "proj"
    r = cedar("authorize", "-p", proj / "policy.cedar", "--entities", proj / "entities.json",
              "-s", proj / "schema.cedarschema.json", "--schema-format", "json",
              "-l", 'A::"a"', "-a", 'Action::"action"', "-r", 'C::"c"')
    assert (r.code, r.out) == (0, "\nALLOW\n")
    r = cedar("new", "--name", "proj", cwd=tmp_path)
    assert r.code == 1 and "File exists" in r.out


def test_experimental_commands_say_they_are_not_built(cedar):
    r = cedar("partially-authorize")
    assert r.code == 1
    assert "subcommand `partially-authorize` is experimental" in r.err


def test_prove_runs_the_proofs_package_or_explains(cedar):
    r = cedar("prove")
    assert_no_traceback(r)
    if r.code != 0:
        assert "proofs" in r.out


def test_license(cedar):
    r = cedar("license")
    assert r.code == 0 and "Apache License, Version 2.0" in r.out


def test_broken_pipe_is_quiet(tmp_path):
    big = tmp_path / "big.cedar"
    big.write_text("\n".join(f'permit(principal == User::"u{i}", action, resource);' for i in range(3000)))
    script = console_script()
    producer = subprocess.Popen([*script, "format", "-p", str(big)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    consumer = subprocess.run(["head", "-c", "10"], stdin=producer.stdout, capture_output=True)
    producer.stdout.close()  # type: ignore[union-attr]
    err = producer.stderr.read().decode()  # type: ignore[union-attr]
    producer.wait(timeout=120)
    assert consumer.stdout == b"permit (\n "
    assert "Traceback" not in err


def test_internal_errors_are_reports_not_tracebacks(tmp_path):
    # A run-tests file whose entities are deeply nested JSON: the engine must answer with a report.
    deep = "[" * 50000 + "]" * 50000
    path = tmp_path / "deep.json"
    path.write_text(deep)
    r = run_cedar("check-parse", "--entities", path)
    assert r.code == 1
    assert_no_traceback(r)


def test_json_error_format_for_usage_of_missing_file(cedar, tmp_path):
    r = cedar("check-parse", "-p", tmp_path / "none.cedar", "-f", "json")
    report = json.loads(r.out)
    assert report["message"] == f"failed to open policy set file {tmp_path / 'none.cedar'}"
    assert report["causes"] == ["No such file or directory (os error 2)"]


def test_keyboard_interrupt_is_polite():
    code = ("import signal, sys, impl.cli.evaluate as ev\n"
            "def boom(*a, **k): raise KeyboardInterrupt\n"
            "ev.run = boom\n"
            "from impl.cli import main\n"
            "sys.exit(main(['evaluate', '-l', 'A::\"a\"', '-a', 'A::\"b\"', '-r', 'A::\"c\"', '1']))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 130
    assert "interrupted" in proc.stderr and "Traceback" not in proc.stderr


def test_entity_files_are_read_as_rust_reads_them(tmp_path):
    """A key twice in one object and `-0` are errors (as in Rust's entity reader), reported not raised."""
    cases = {"dup": '[{"uid": {"type": "A", "id": "a"}, "attrs": {"x": 1, "x": 2}, "parents": []}]',
             "zero": '[{"uid": {"type": "A", "id": "a"}, "attrs": {"x": -0}, "parents": []}]',
             "surrogate": '[{"uid": {"type": "A", "id": "\\ud800"}, "attrs": {}, "parents": []}]'}
    messages = {"dup": "the key `x` occurs two or more times in the same JSON object",
                "zero": "numbers must be integers", "surrogate": "lone surrogate"}
    for name, text in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(text)
        r = run_cedar("check-parse", "--entities", path)
        assert r.code == 1
        assert_no_traceback(r)
        assert messages[name] in " ".join(r.out.split() + r.err.split())
    (tmp_path / "ok.json").write_text('[{"uid": {"type": "A", "id": "a"}, "attrs": {"x": 0, "y": "-0"}, "parents": []}]')
    assert run_cedar("check-parse", "--entities", tmp_path / "ok.json").code == 0


def test_context_files_are_read_as_rust_reads_them(tmp_path):
    """Rust reads a context into a `serde_json::Value`: the last of duplicate keys counts, `-0` is a float."""
    (tmp_path / "p.cedar").write_text("permit(principal, action, resource) when { context.a };")
    (tmp_path / "e.json").write_text("[]")
    request = ["authorize", "-p", tmp_path / "p.cedar", "--entities", tmp_path / "e.json",
               "--principal", 'User::"a"', "--action", 'Action::"a"', "--resource", 'R::"r"']
    for text, code, out in (('{"a": 1, "a": true}', 0, "ALLOW"), ('{"a": true, "a": 1}', 2, "DENY")):
        (tmp_path / "c.json").write_text(text)
        r = run_cedar(*request, "--context", tmp_path / "c.json")
        assert (r.code, r.out.split()[0]) == (code, out)
    (tmp_path / "c.json").write_text('{"a": -0}')
    r = run_cedar(*request, "--context", tmp_path / "c.json")
    assert r.code == 1 and "numbers must be integers" in " ".join(r.out.split() + r.err.split())
    assert_no_traceback(r)
