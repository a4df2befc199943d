"""`cedar format`: canonical layout, comments kept, idempotent, `--check` and `--write`."""

from __future__ import annotations

from impl.parser import parse_policies, parse_policies_with_comments

from .conftest import FIXTURES, HANDWRITTEN, flat

COMMENTED = """// header comment
@id("a")   // on the annotation
permit(principal,    // p
action == Action::"view", // a
   resource) // r
when {  // w
  context.x // x
  && context.y   // y
};
// before forbid
// second line
forbid(principal, action, resource) unless { principal has foo }; // after
// tail
"""


def test_formatted_file_is_unchanged(cedar):
    r = cedar("format", "-p", FIXTURES / "photos.cedar")
    assert r.code == 0
    assert r.out == (FIXTURES / "photos.cedar").read_text()


def test_every_comment_is_kept_and_the_layout_is_canonical(cedar, tmp_path):
    src = tmp_path / "c.cedar"
    src.write_text(COMMENTED)
    r = cedar("format", "-p", src)
    assert r.code == 0
    for comment in ("// header comment", "// on the annotation", "// p", "// a", "// r", "// w", "// x", "// y",
                    "// before forbid", "// second line", "// after", "// tail"):
        assert comment in r.out
    assert r.out.startswith('// header comment\n@id("a") // on the annotation\npermit (\n  principal, // p\n')
    assert r.out.endswith("unless { principal has foo }; // after\n// tail\n")
    assert parse_policies(r.out) == parse_policies(COMMENTED)


def test_formatting_is_idempotent(cedar, tmp_path):
    src = tmp_path / "c.cedar"
    src.write_text(COMMENTED)
    once = cedar("format", "-p", src).out
    src.write_text(once)
    assert cedar("format", "-p", src).out == once
    assert cedar("format", "-p", src, "--check").code == 0


def test_handwritten_integration_policies_keep_their_meaning(cedar):
    for path in sorted(HANDWRITTEN.rglob("*.cedar")):
        r = cedar("format", "-p", path)
        assert r.code == 0, (path, r.out)
        assert parse_policies(r.out) == parse_policies(path.read_text())
        assert [c.text for c in parse_policies_with_comments(r.out)[1]] == \
            [c.text.strip() for c in parse_policies_with_comments(path.read_text())[1]]


def test_check_exits_1_for_unformatted_input(cedar, tmp_path):
    src = tmp_path / "u.cedar"
    src.write_text("permit(principal,action,resource);")
    r = cedar("format", "-p", src, "-c")
    assert r.code == 1
    assert r.out == "permit (principal, action, resource);\n"


def test_write_rewrites_the_file_only_with_w(cedar, tmp_path):
    src = tmp_path / "u.cedar"
    src.write_text("permit(principal,action,resource);")
    assert cedar("format", "-p", src).code == 0
    assert src.read_text() == "permit(principal,action,resource);"
    r = cedar("format", "-p", src, "-w")
    assert (r.code, r.out) == (0, "")
    assert src.read_text() == "permit (principal, action, resource);\n"


def test_write_and_check_are_mutually_exclusive_as_in_clap(cedar, tmp_path):
    r = cedar("format", "-p", FIXTURES / "photos.cedar", "-w", "-c")
    assert r.code == 2
    assert "the argument '--write' cannot be used with '--check'" in r.err


def test_write_requires_policies(cedar):
    r = cedar("format", "-w", stdin="permit (principal, action, resource);")
    assert r.code == 2
    assert "the following required arguments were not provided:\n  --policies <FILE>" in r.err


def test_stdin_and_parse_errors(cedar):
    assert cedar("format", stdin="permit(principal,action,resource);").out == "permit (principal, action, resource);\n"
    r = cedar("format", stdin="permit(principal")
    assert r.code == 1 and "cannot parse input policies" in flat(r.out)


def test_width_and_indent_options_change_the_layout(cedar, tmp_path):
    src = tmp_path / "w.cedar"
    src.write_text('permit(principal == User::"alice", action, resource) when { context.a && context.b };')
    r = cedar("format", "-p", src, "--line-width", "20", "--indent-width", "4")
    assert r.code == 0
    assert r.out == ('permit (\n    principal ==\n        User::"alice",\n    action,\n    resource\n)\n'
                     "when\n{\n    context.a &&\n    context.b\n};\n")
