"""Error reports for the command line, drawn the way the Rust CLI's `miette` handlers draw them.

A `Diagnostic` is a message, the chain of causes under it, labelled spans of
one source text, a help line and related diagnostics. Three renderings, chosen
by `--error-format`:
- `human`: miette's graphical report (`× message`, `╰─▶ cause`, the source
  lines around each span with the span underlined and labelled, `help:`);
- `plain`: miette's narratable report, one fact per line, for screen readers;
- `json`: miette's JSON report (one object per line) for tools; each label also
  carries its 1-based `line` and `column`.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Literal

from ..errors import CedarError, Loc, Source

Severity = Literal["error", "warning", "advice"]
FORMATS = ("human", "plain", "json")
CONTEXT_LINES = 1
TAB_WIDTH = 4


@dataclass
class Label:
    """A span `[start, end)` (character offsets) of the diagnostic's source, with optional text."""

    start: int
    end: int
    text: str | None = None


@dataclass
class Diagnostic:
    message: str
    causes: list[str] = field(default_factory=list)
    help: str | None = None
    source: Source | None = None
    labels: list[Label] = field(default_factory=list)
    severity: Severity = "error"
    related: list["Diagnostic"] = field(default_factory=list)

    def wrap(self, context: str) -> "Diagnostic":
        """This diagnostic under a new top message (`wrap_err` in miette): the old message becomes a cause."""
        return Diagnostic(context, [self.message, *self.causes], self.help, self.source, self.labels,
                          self.severity, self.related)


# ---------------------------------------------------------------- building


def from_error(e: BaseException, context: str | None = None) -> Diagnostic:
    """A diagnostic for any error the engine raises (located when it is a located `CedarError`)."""
    if isinstance(e, CedarError):
        d = _from_cedar_error(e)
    elif isinstance(e, OSError):
        d = Diagnostic(os_error_text(e))
    else:
        d = Diagnostic(str(e) or type(e).__name__)
    return d.wrap(context) if context else d


def _from_cedar_error(e: CedarError) -> Diagnostic:
    many: list[CedarError] | None = getattr(e, "errors", None)
    if many and len(many) > 1:
        first, rest = _from_cedar_error(many[0]), [_from_cedar_error(x) for x in many[1:]]
        first.related.extend(rest)
        return first
    return located(e.message, e.loc, e.help)


def located(message: str, loc: Loc | None, help: str | None = None, label: str | None = None,
            severity: Severity = "error") -> Diagnostic:
    """A diagnostic pointing at `loc`.

    Rust's parser labels an unexpected token with what it expected (`expected \\`(\\``)
    rather than giving a help line; a help of that shape becomes the label here.
    """
    if loc is None:
        return Diagnostic(message, help=help, severity=severity)
    if label is None and help is not None and help.startswith("expected ") and message.startswith("unexpected"):
        label, help = help, None
    return Diagnostic(message, help=help, source=loc.source, labels=[Label(loc.start, loc.end, label)],
                      severity=severity)


def os_error_text(e: OSError) -> str:
    """Rust's rendering of an I/O error: `No such file or directory (os error 2)`."""
    if e.errno is not None and e.strerror:
        return f"{e.strerror} (os error {e.errno})"
    return str(e)


# ---------------------------------------------------------------- rendering


def render(d: Diagnostic, fmt: str, color: bool = False, width: int = 80) -> str:
    """The report text, ending in a newline."""
    if fmt == "json":
        return json.dumps(_json(d), ensure_ascii=False) + "\n"
    if fmt == "plain":
        return _Narrated().report(d)
    return _Graphical(color, width).report(d)


def use_color(stream: object) -> bool:
    """Color only for a terminal, and never when `NO_COLOR` is set."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def terminal_width(stream: object) -> int:
    try:
        if getattr(stream, "isatty", lambda: False)():
            return max(40, os.get_terminal_size(stream.fileno()).columns)  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError):
        pass
    return 80


# ------------------------------------------------ shared: lines of the source


@dataclass
class _Line:
    number: int  # 1-based
    start: int  # offset of the first character
    text: str  # without the line break

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    offset = 0
    for i, raw in enumerate(text.splitlines(keepends=True) or [""]):
        body = raw.rstrip("\r\n")
        out.append(_Line(i + 1, offset, body))
        offset += len(raw)
    return out


def _line_of(lines: list[_Line], offset: int) -> int:
    """Index into `lines` of the line holding `offset`."""
    lo, hi = 0, len(lines) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if lines[mid].start <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _clamped(label: Label, size: int) -> Label:
    start = min(max(0, label.start), size)
    return Label(start, min(max(start, label.end), size), label.text)


def _contexts(labels: list[Label], lines: list[_Line]) -> list[tuple[int, int, list[Label]]]:
    """Group labels whose surrounding lines overlap: (first line index, last line index, labels)."""
    groups: list[tuple[int, int, list[Label]]] = []
    for lab in sorted(labels, key=lambda x: (x.start, x.end)):
        first = max(0, _line_of(lines, lab.start) - CONTEXT_LINES)
        last_offset = lab.end - 1 if lab.end > lab.start else lab.end
        last = min(len(lines) - 1, _line_of(lines, max(lab.start, last_offset)) + CONTEXT_LINES)
        if groups and first <= groups[-1][1] + 1:
            f, l, labs = groups[-1]
            groups[-1] = (f, max(l, last), labs + [lab])
        else:
            groups.append((first, last, [lab]))
    return groups


def _width(ch: str) -> int:
    if ch == "\t":
        return TAB_WIDTH
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _visual(text: str) -> str:
    return text.replace("\t", " " * TAB_WIDTH)


def _col(line: _Line, offset: int) -> int:
    """Display column (0-based) of `offset` on `line`."""
    return sum(_width(c) for c in line.text[: max(0, offset - line.start)])


# ------------------------------------------------ human: miette's graphical report


class _Graphical:
    def __init__(self, color: bool, width: int) -> None:
        self.color = color
        self.width = width

    def _style(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and text else text

    def report(self, d: Diagnostic) -> str:
        out: list[str] = []
        self._one(d, out, prefix="")
        return "".join(out)

    def _one(self, d: Diagnostic, out: list[str], prefix: str) -> None:
        sev_code = {"error": "31", "warning": "33", "advice": "36"}[d.severity]
        icon = {"error": "×", "warning": "⚠", "advice": "☞"}[d.severity]
        out.append(prefix + self._wrap(d.message, f"  {self._style(icon, sev_code)} ",
                                       f"  {self._style('│', sev_code)} ") + "\n")
        for i, cause in enumerate(d.causes):
            last = i == len(d.causes) - 1
            first = f"  {'╰' if last else '├'}─▶ "
            rest = "      " if last else "  │   "
            out.append(self._wrap(cause, self._style(first, sev_code), self._style(rest, sev_code)) + "\n")
        if d.source is not None and d.labels:
            self._snippets(d, out)
        if d.help:
            out.append(self._wrap(d.help, f"  {self._style('help', '36')}: ", "        ") + "\n")
        for rel in d.related:
            out.append("\n")
            self._one(rel, out, prefix={"error": "Error: ", "warning": "Warning: ", "advice": "Advice: "}[rel.severity])

    def _wrap(self, text: str, first: str, rest: str) -> str:
        width = max(20, self.width - 2)
        out: list[str] = []
        indent = first
        for para in text.split("\n"):
            wrapped = textwrap.wrap(para, width=width, initial_indent=indent, subsequent_indent=rest,
                                    break_long_words=False, break_on_hyphens=False,
                                    drop_whitespace=True) if para.strip() else [indent.rstrip()]
            out.extend(wrapped)
            indent = rest
        return "\n".join(out)

    def _snippets(self, d: Diagnostic, out: list[str]) -> None:
        assert d.source is not None
        text = d.source.text
        lines = _lines(text)
        labels = [_clamped(lab, len(text)) for lab in d.labels]
        for first, last, group in _contexts(labels, lines):
            self._context(d.source, lines[first: last + 1], group, lines, out)

    def _context(self, source: Source, shown: list[_Line], labels: list[Label], lines: list[_Line],
                 out: list[str]) -> None:
        cyan = "36"
        linum_width = len(str(shown[-1].number))
        primary = labels[0]
        pline = lines[_line_of(lines, primary.start)]
        where = f"{pline.number}:{primary.start - pline.start + 1}"
        if source.name and not source.name.startswith("<"):
            header = f"[{source.name}:{where}]"
        elif len(shown) <= 1:
            header = "───"
        else:
            header = f"[{where}]"
        out.append(" " * (linum_width + 2) + "╭─" + header + "\n")
        multi = [lab for lab in labels if self._multiline(lab, lines)]
        gutter = len(multi)
        for line in shown:
            out.append(f" {self._style(str(line.number).rjust(linum_width), '2')} │ ")
            out.append(self._line_gutter(line, multi, gutter, lines))
            out.append(_visual(line.text) + "\n")
            singles = [lab for lab in labels if lab not in multi and line.start <= lab.start <= line.end
                       and _line_of(lines, lab.start) == line.number - 1]
            if singles:
                out.append(" " * (linum_width + 2) + "· " + self._highlight_gutter(line, multi, gutter, lines))
                self._single_highlights(line, singles, linum_width, multi, gutter, lines, out)
            for lab in multi:
                if lab.text and self._ends_on(lab, line, lines) and not self._starts_on(lab, line, lines):
                    out.append(" " * (linum_width + 2) + "· ")
                    out.append(self._style("╰" + "─" * (gutter - multi.index(lab) + 3) + " " + lab.text, cyan) + "\n")
        out.append(" " * (linum_width + 2) + "╰" + "─" * 4 + "\n")

    @staticmethod
    def _multiline(lab: Label, lines: list[_Line]) -> bool:
        end = lab.end - 1 if lab.end > lab.start else lab.start
        return _line_of(lines, lab.start) != _line_of(lines, end)

    @staticmethod
    def _starts_on(lab: Label, line: _Line, lines: list[_Line]) -> bool:
        return _line_of(lines, lab.start) == line.number - 1

    @staticmethod
    def _ends_on(lab: Label, line: _Line, lines: list[_Line]) -> bool:
        return _line_of(lines, max(lab.start, lab.end - 1)) == line.number - 1

    def _flies_by(self, lab: Label, line: _Line, lines: list[_Line]) -> bool:
        return _line_of(lines, lab.start) < line.number - 1 < _line_of(lines, max(lab.start, lab.end - 1))

    def _line_gutter(self, line: _Line, multi: list[Label], gutter: int, lines: list[_Line]) -> str:
        if gutter == 0:
            return ""
        g = ""
        arrow = False
        for i, lab in enumerate(multi):
            if self._starts_on(lab, line, lines):
                g += "╭" + "─" * (gutter - i) + "▶"
                arrow = True
                break
            if self._ends_on(lab, line, lines):
                g += ("├" if lab.text else "╰") + "─" * (gutter - i) + "▶"
                arrow = True
                break
            g += "│" if self._flies_by(lab, line, lines) else " "
        return self._style(g, "36") + " " * ((1 if arrow else 3) + max(0, gutter - len(g)))

    def _highlight_gutter(self, line: _Line, multi: list[Label], gutter: int, lines: list[_Line]) -> str:
        if gutter == 0:
            return ""
        g = "".join("│" if self._flies_by(lab, line, lines) or self._starts_on(lab, line, lines) else " "
                    for lab in multi)
        return self._style(g, "36") + " " * max(0, gutter + 3 - len(g))

    def _single_highlights(self, line: _Line, singles: list[Label], linum_width: int, multi: list[Label],
                           gutter: int, lines: list[_Line], out: list[str]) -> None:
        underline = ""
        highest = 0
        offsets: list[tuple[Label, int]] = []
        for lab in sorted(singles, key=lambda x: (x.start, x.end)):
            start = max(_col(line, lab.start), highest)
            end = start + 1 if lab.end == lab.start else max(_col(line, lab.end), start + 1)
            mid = (start + end) // 2
            mark = "▲" if lab.end == lab.start else ("┬" if lab.text else "─")
            underline += " " * (start - highest) + self._style("─" * (mid - start) + mark + "─" * (end - mid - 1), "35")
            highest = max(highest, end)
            offsets.append((lab, mid))
        out.append(underline + "\n")
        for lab, mid in reversed(offsets):
            if not lab.text:
                continue
            row = " " * (linum_width + 2) + "· " + self._highlight_gutter(line, multi, gutter, lines)
            cur = 0
            for other, other_mid in offsets:
                row += " " * (other_mid - cur)
                cur = other_mid
                if other is lab:
                    text_lines = lab.text.split("\n")
                    row += self._style(f"╰── {text_lines[0]}", "35")
                    for more in text_lines[1:]:
                        row += "\n" + " " * (linum_width + 2) + "· " + " " * (mid + 4) + more
                    break
                if other.text:
                    row += self._style("│", "35")
                else:
                    row += " "
                cur += 1
            out.append(row + "\n")


# ------------------------------------------------ plain: miette's narratable report


class _Narrated:
    def report(self, d: Diagnostic) -> str:
        out: list[str] = []
        self._header(d, out)
        self._causes(d, out)
        self._snippets(d, out)
        self._footer(d, out)
        self._related(d, out)
        return "".join(out)

    @staticmethod
    def _header(d: Diagnostic, out: list[str]) -> None:
        out.append(f"{d.message}\n    Diagnostic severity: {d.severity}\n")

    @staticmethod
    def _causes(d: Diagnostic, out: list[str]) -> None:
        for cause in d.causes:
            out.append(f"    Caused by: {cause}\n")

    @staticmethod
    def _footer(d: Diagnostic, out: list[str]) -> None:
        if d.help:
            out.append(f"diagnostic help: {d.help}\n")

    def _related(self, d: Diagnostic, out: list[str]) -> None:
        if not d.related:
            return
        out.append("\n")
        for rel in d.related:
            out.append({"error": "Error: ", "warning": "Warning: ", "advice": "Advice: "}[rel.severity])
            self._header(rel, out)
            out.append("\n")
            self._causes(rel, out)
            self._snippets(rel, out)
            self._footer(rel, out)
            self._related(rel, out)

    @staticmethod
    def _snippets(d: Diagnostic, out: list[str]) -> None:
        if d.source is None or not d.labels:
            return
        text = d.source.text
        lines = _lines(text)
        labels = [_clamped(lab, len(text)) for lab in d.labels]
        for first, last, group in _contexts(labels, lines):
            shown = lines[first: last + 1]
            name = f" for {d.source.name}" if d.source.name else ""
            out.append(f"Begin snippet{name} starting at line {shown[0].number}, column 1\n\n")
            for line in shown:
                out.append(f"snippet line {line.number}: {line.text}\n")
                for lab in group:
                    first_line = _line_of(lines, lab.start) + 1
                    last_line = _line_of(lines, max(lab.start, lab.end - 1)) + 1
                    if not first_line <= line.number <= last_line:
                        continue
                    start_col = lab.start - line.start + 1
                    end_col = max(lab.start, lab.end - 1) - line.start + 1
                    if first_line == last_line == line.number:
                        where = (f"column {start_col}" if start_col == end_col
                                 else f"columns {start_col} to {end_col}")
                        out.append(f"    label at line {line.number}, {where}")
                    elif line.number == first_line:
                        out.append(f"    label starting at line {line.number}, column {start_col}")
                    elif line.number == last_line:
                        out.append(f"    label ending at line {line.number}, column {end_col}")
                    else:
                        continue
                    out.append(f": {lab.text}\n" if lab.text else "\n")


# ------------------------------------------------ json: miette's JSON report


def _json(d: Diagnostic) -> dict[str, object]:
    obj: dict[str, object] = {"message": d.message, "severity": d.severity, "causes": list(d.causes)}
    if d.help:
        obj["help"] = d.help
    obj["filename"] = d.source.name if d.source is not None and d.labels else ""
    if d.source is not None and d.labels:
        text = d.source.text
        lines = _lines(text)
        labels = []
        for lab in (_clamped(x, len(text)) for x in d.labels):
            line = lines[_line_of(lines, lab.start)]
            offset = len(text[: lab.start].encode("utf-8"))
            length = len(text[lab.start: lab.end].encode("utf-8"))
            labels.append({"label": lab.text, "span": {"offset": offset, "length": length},
                           "line": line.number, "column": lab.start - line.start + 1})
        obj["labels"] = labels
    obj["related"] = [_json(r) for r in d.related]
    return obj


# ---------------------------------------------------------------- printing


class Printer:
    """Where reports go, in the format the user chose."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt if fmt in FORMATS else "human"

    def emit(self, diagnostics: Iterable[Diagnostic], stream: object = None) -> None:
        stream = stream if stream is not None else sys.stdout
        color, width = use_color(stream), terminal_width(stream)
        for d in diagnostics:
            stream.write(render(d, self.fmt, color, width))  # type: ignore[attr-defined]
        stream.flush()  # type: ignore[attr-defined]
