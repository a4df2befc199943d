"""Report rendering: miette's graphical, narratable and JSON layouts."""

from __future__ import annotations

import json

from impl.cli.diagnostics import Diagnostic, Label, from_error, render
from impl.errors import Loc, ParseError, Source

SOURCE = Source("permit(principal, action, resource) when {\n  principal.jobLevel > 5\n};", "p.cedar")


def test_unlabelled_span_is_underlined_with_context_lines():
    d = Diagnostic("policy set validation failed", ["for policy `policy0`, level 0 is violated"],
                   "Consider increasing the level", SOURCE, [Label(45, 63)])
    assert render(d, "human") == (
        "  × policy set validation failed\n"
        "  ╰─▶ for policy `policy0`, level 0 is violated\n"
        "   ╭─[p.cedar:2:3]\n"
        " 1 │ permit(principal, action, resource) when {\n"
        " 2 │   principal.jobLevel > 5\n"
        "   ·   ──────────────────\n"
        " 3 │ };\n"
        "   ╰────\n"
        "  help: Consider increasing the level\n")


def test_labelled_span_gets_a_pointer_and_unnamed_single_line_source_a_plain_header():
    d = from_error(ParseError("unexpected token `a`", Loc(Source("not a valid policy", "<stdin>"), 4, 5),
                              help="expected `(`"), "failed to parse policy set")
    assert render(d, "human") == (
        "  × failed to parse policy set\n"
        "  ╰─▶ unexpected token `a`\n"
        "   ╭────\n"
        " 1 │ not a valid policy\n"
        "   ·     ┬\n"
        "   ·     ╰── expected `(`\n"
        "   ╰────\n")


def test_multi_line_span_uses_a_gutter():
    d = Diagnostic("msg", source=SOURCE, labels=[Label(0, len(SOURCE.text), "whole policy")])
    out = render(d, "human")
    assert " 1 │ ╭─▶ permit(" in out and " 3 │ ├─▶ };" in out and "   · ╰──── whole policy" in out


def test_several_causes_and_related_reports():
    d = Diagnostic("top", ["middle", "bottom"], related=[Diagnostic("second", severity="warning")])
    assert render(d, "human") == "  × top\n  ├─▶ middle\n  ╰─▶ bottom\n\nWarning:   ⚠ second\n"


def test_long_messages_wrap_at_80_columns():
    d = Diagnostic("word " * 30)
    lines = render(d, "human").splitlines()
    assert len(lines) > 1 and all(len(x) <= 80 for x in lines) and lines[1].startswith("  │ ")


def test_plain_format_narrates():
    d = Diagnostic("top", ["cause"], "do this", SOURCE, [Label(45, 63, "here")])
    assert render(d, "plain") == (
        "top\n    Diagnostic severity: error\n    Caused by: cause\n"
        "Begin snippet for p.cedar starting at line 1, column 1\n\n"
        "snippet line 1: permit(principal, action, resource) when {\n"
        "snippet line 2:   principal.jobLevel > 5\n"
        "    label at line 2, columns 3 to 20: here\n"
        "snippet line 3: };\n"
        "diagnostic help: do this\n")


def test_json_format_has_byte_offsets_and_line_columns():
    src = Source("é == x", "u.cedar")
    d = Diagnostic("bad", ["why"], None, src, [Label(5, 6, "this")])
    obj = json.loads(render(d, "json"))
    assert obj == {"message": "bad", "severity": "error", "causes": ["why"], "filename": "u.cedar",
                   "labels": [{"label": "this", "span": {"offset": 6, "length": 1}, "line": 1, "column": 6}],
                   "related": []}


def test_several_parse_errors_become_related_reports():
    first = ParseError("one", Loc(SOURCE, 0, 6))
    second = ParseError("two", Loc(SOURCE, 45, 54))
    combined = ParseError("2 errors", Loc(SOURCE, 0, 6))
    combined.errors = [first, second]  # type: ignore[attr-defined]
    d = from_error(combined)
    assert d.message == "one" and [r.message for r in d.related] == ["two"]
