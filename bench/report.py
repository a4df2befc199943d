"""The benchmark's outputs: a plain-text table with PASS/MISS per target, a JSON of every figure, a plot."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# per-request time, ours / cedarpy's: at most 1.0 below 1,000 policies, at most 0.5 from 1,000 up
REQUEST_RATIO_SMALL = 1.0
REQUEST_RATIO_LARGE = 0.5
LARGE_FROM = 1000
PARSE_RATIO = 5.0  # our policy-parsing time / cedarpy's
ENTITIES_RATIO = 2.0  # our entity-loading time / cedarpy's


@dataclass(frozen=True)
class Target:
    what: str
    workload: str
    policies: int | None
    ratio: float
    limit: float

    @property
    def passed(self) -> bool:
        return self.ratio <= self.limit

    def to_json(self) -> dict[str, Any]:
        return dict(asdict(self), passed=self.passed)


def request_limit(policies: int) -> float:
    return REQUEST_RATIO_LARGE if policies >= LARGE_FROM else REQUEST_RATIO_SMALL


def targets(results: dict[str, Any]) -> list[Target]:
    """The targets that can be judged: only those where both engines produced the figure."""
    out: list[Target] = []
    for name, workload in results["workloads"].items():
        for row in workload["sizes"]:
            if "ratio" in row:
                out.append(Target("per-request time", name, row["policies"], row["ratio"], request_limit(row["policies"])))
        for row in workload["sizes"]:
            engines = row["engines"]
            if "impl" in engines and "cedarpy" in engines:
                ratio = engines["impl"]["parse_s"] / engines["cedarpy"]["parse_s"]
                out.append(Target("policy parsing time", name, row["policies"], ratio, PARSE_RATIO))
        loading = workload["loading"]
        if "impl" in loading and "cedarpy" in loading:
            ratio = loading["impl"]["entities_s"] / loading["cedarpy"]["entities_s"]
            out.append(Target("entity loading time", name, None, ratio, ENTITIES_RATIO))
    return out


def _fmt_us(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def render(results: dict[str, Any]) -> str:
    meta = results["meta"]
    parts = [
        f"Cedar engine benchmark  (python {meta['python']}, cedarpy {meta['cedarpy']}, {meta['cpu_count']} cpus, seed {meta['options']['seed']})",
        f"timing: {meta['timing']}",
        f"1-minute load average: {meta['load_average_at_start']:.1f} at start, {meta['load_average_at_end']:.1f} at end "
        f"(above the cpu count, other processes were competing and absolute times are inflated; ratios less so)",
    ]
    for name, label in meta["engines"].items():
        parts.append(f"  {name}: {label}")
    for name, workload in results["workloads"].items():
        types = ", ".join(f"{n} {t}" for t, n in workload["entity_types"].items())
        parts += ["", f"== {name}: {workload['description']}", f"   {workload['entities']:,} entities ({types}); {workload['requests']:,} requests"]
        for failure in workload["failures"]:
            parts.append(f"   !! FAILURE: {failure}")
        rows = []
        for row in workload["sizes"]:
            e = row["engines"]
            ours = e.get("impl", {}).get("request", {})
            theirs = e.get("cedarpy", {}).get("request", {})
            batch = e.get("cedarpy", {}).get("request_batch", {})
            ratio = row.get("ratio")
            verdict = "" if ratio is None else ("PASS" if ratio <= request_limit(row["policies"]) else "MISS")
            allowed = e.get("cedarpy", e.get("impl", {})).get("allowed")
            rows.append([
                f"{row['policies']:,}",
                f"{row['static']}+{row['links']}",
                _fmt_us(ours.get("median_us")), _fmt_us(ours.get("p99_us")),
                _fmt_us(theirs.get("median_us")) + _best_mark(row, "is_authorized"),
                _fmt_us(theirs.get("p99_us")),
                _fmt_us(batch.get("median_us")) + _best_mark(row, "is_authorized_batch"),
                "-" if ratio is None else f"{ratio:.3g}",
                "-" if ratio is None else f"<= {request_limit(row['policies'])}",
                verdict,
                "-" if allowed is None else f"{allowed / max(1, workload['requests']):.0%}",
                str(row.get("disagreements", "-")),
            ])
        parts.append(_table(
            ["policies", "static+links", "impl med us", "impl p99", "cedarpy med", "cedarpy p99", "cp batch",
             "ratio", "target", "", "allow", "disagree"],
            rows,
        ))
        parts.append("   (* = cedarpy's best per-request median, which the ratio divides by; 'cp batch' = "
                     "is_authorized_batch block time per request)")
        parts.append(_loading_table(workload))
        parts += _memory_lines(workload)
        for row in workload["sizes"]:
            if row.get("disagreements"):
                parts.append(f"   !! DISAGREEMENT at {row['policies']} policies: {row['disagreements']} requests decided differently; first:")
                for ex in row["disagreement_examples"]:
                    parts.append(f"      cedarpy={ex['cedarpy']} impl={ex['impl']} {json.dumps(ex['request'])}")
            errors = row["engines"].get("impl", {}).get("error_examples")
            if errors:
                parts.append(f"   !! impl raised on {row['engines']['impl']['errors']} requests at {row['policies']} policies: {errors}")
    judged = targets(results)
    if judged:
        parts += ["", "== targets (ours / cedarpy's time)"]
        for t in judged:
            where = f"{t.workload} @ {t.policies:,} policies" if t.policies is not None else t.workload
            parts.append(f"   {'PASS' if t.passed else 'MISS'}  {t.what:<20} {where:<28} {t.ratio:8.3g}  (<= {t.limit})")
        parts.append(f"   {sum(t.passed for t in judged)}/{len(judged)} targets met")
    total = sum(row.get("disagreements", 0) for w in results["workloads"].values() for row in w["sizes"])
    if total:
        parts += ["", f"!!!!!! {total} DECISIONS DIFFER BETWEEN impl AND cedarpy (details above and in the JSON) !!!!!!"]
    return "\n".join(parts)


def _best_mark(row: dict[str, Any], mode: str) -> str:
    return "*" if row.get("cedarpy_best", {}).get("mode") == mode else " "


def _loading_table(workload: dict[str, Any]) -> str:
    rows = []
    loading = workload["loading"]
    if loading:
        cells = [f"{loading[e]['entities_per_s']:,.0f}/s ({loading[e]['entities_s'] * 1000:,.0f} ms)" if e in loading else "-"
                 for e in ("impl", "cedarpy")]
        ratio = loading["impl"]["entities_s"] / loading["cedarpy"]["entities_s"] if len(loading) == 2 else None
        rows.append(["entity loading", f"{workload['entities']:,} entities", *cells, _ratio_cell(ratio, ENTITIES_RATIO)])
    for row in workload["sizes"]:
        e = row["engines"]
        cells = [f"{e[n]['policies_per_s']:,.0f}/s ({e[n]['parse_s'] * 1000:,.1f} ms, link {e[n]['link_s'] * 1000:,.1f} ms)"
                 if n in e else "-" for n in ("impl", "cedarpy")]
        ratio = e["impl"]["parse_s"] / e["cedarpy"]["parse_s"] if "impl" in e and "cedarpy" in e else None
        texts = row["static"] + row["templates"]
        rows.append(["policy parsing", f"{texts:,} in text, {row['links']:,} links", *cells, _ratio_cell(ratio, PARSE_RATIO)])
    for row in workload["sizes"]:  # what a service pays before its first request, each engine's own way
        e = row["engines"]
        if not all("setup_s" in e.get(n, {}) for n in ("impl", "cedarpy")):
            continue
        ready = {n: e[n]["parse_s"] + e[n]["link_s"] + e[n]["setup_s"] for n in ("impl", "cedarpy")}
        cells = [f"{ready[n] * 1000:,.1f} ms (setup {e[n]['setup_s'] * 1000:,.1f} ms)" for n in ("impl", "cedarpy")]
        rows.append(["parse+link+setup", f"{row['policies']:,} policies", *cells,
                     f"{ready['impl'] / ready['cedarpy']:.2f} (no target)"])
    return _table(["", "input", "impl", "cedarpy", "time ratio"], rows)


def _ratio_cell(ratio: float | None, limit: float) -> str:
    if ratio is None:
        return "-"
    return f"{ratio:.2f} (<= {limit}) {'PASS' if ratio <= limit else 'MISS'}"


def _memory_lines(workload: dict[str, Any]) -> list[str]:
    lines = []
    for name, m in workload["memory"].items():
        if "error" in m:
            lines.append(f"   memory {name}: FAILED {m['error']}")
        elif "tracemalloc_peak_mib" in m:
            lines.append(f"   memory impl (tracemalloc, Python objects): peak {m['tracemalloc_peak_mib']:.1f} MiB, "
                         f"retained {m['tracemalloc_retained_mib']:.1f} MiB")
        else:
            lines.append(f"   memory {name} (RSS of a child process, {m['policies']:,} policies, {m['requests']:,} requests): "
                         f"peak +{m['rss_peak_mib']:.1f} MiB, retained +{m['rss_retained_mib']:.1f} MiB")
    return lines


def write_json(results: dict[str, Any], path: Path) -> None:
    data = dict(results, targets=[t.to_json() for t in targets(results)])
    path.write_text(json.dumps(data, indent=2))


def write_plot(results: dict[str, Any], path: Path) -> str | None:
    """Per-request median against policies, log-log; returns why not if matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]'): no plot"
    fig, ax = plt.subplots(figsize=(8, 5.5))
    colors = dict(zip(results["workloads"], ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"]))
    for name, workload in results["workloads"].items():
        for engine, style in (("impl", "-o"), ("cedarpy", "--s")):
            points = [(row["policies"], row["engines"][engine]["request"]["median_us"])
                      for row in workload["sizes"] if "request" in row["engines"].get(engine, {})]
            if points:
                xs, ys = zip(*points)
                ax.plot(xs, ys, style, color=colors[name], label=f"{name} / {engine}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("policies (static + template links)")
    ax.set_ylabel("median time per request (µs)")
    ax.set_title("Cedar authorization: impl (solid) vs cedarpy (dashed)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return None
