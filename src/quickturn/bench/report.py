"""Results of a benchmark run: a text table, ``results.json``, PNG charts and an HTML report.

``results.json`` holds the run's metadata, every raw per-request sample (warmup and failed ones
included, flagged) and the summary per endpoint and setting, so any statistic can be recomputed
later. The HTML inlines the PNG charts and needs no network or scripts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quickturn.bench.charts import Series, box_chart, cdf_points, line_chart
from quickturn.bench.html_report import write_json_atomic, write_page
from quickturn.bench.results import (
    METRICS,
    RATES,
    GroupSummary,
    Sample,
    group_keys,
    per_turn_p50,
    summarize,
)
from quickturn.bench.table import text_table
from quickturn.errors import ConfigError

_METRIC_TITLES = {
    "ttft_s": "time to first token",
    "ttfs_s": "time to first sentence",
    "total_s": "time to finish",
}


@dataclass(frozen=True)
class BenchRun:
    meta: dict[str, Any] = field(hash=False)
    samples: list[Sample] = field(hash=False)

    def summaries(self) -> list[GroupSummary]:
        return summarize(self.samples)

    def to_json(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "summary": [s.to_json() for s in self.summaries()],
            "samples": [s.to_json() for s in self.samples],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BenchRun:
        try:
            return cls(dict(data["meta"]), [Sample.from_json(s) for s in data["samples"]])
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"not a quickturn bench results file: {exc}") from exc


@dataclass(frozen=True)
class ReportFiles:
    json_path: Path
    html_path: Path
    charts: tuple[Path, ...] = ()


def _label(endpoint: str, setting: str) -> str:
    return endpoint if setting == "default" else f"{endpoint} [{setting}]"


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v * 1000:.0f}"


def format_table(summaries: Sequence[GroupSummary]) -> str:
    """A fixed-width table in milliseconds, one row per endpoint and setting."""
    head = ["endpoint [setting]", "ok/n"]
    for m in METRICS:
        short = m.removesuffix("_s")
        head += [f"{short} p50", f"{short} p95"]
    head += ["tok/s p50" for _ in RATES]
    rows = [head]
    for s in summaries:
        row = [_label(s.endpoint, s.setting), f"{s.requests - s.failures}/{s.requests}"]
        for m in METRICS:
            dist = s.metrics.get(m)
            row += ["-", "-"] if dist is None else [_ms(dist.p50), _ms(dist.p95)]
        for m in RATES:
            rate = s.metrics.get(m)
            row += ["-" if rate is None else f"{rate.p50:.1f}"]
        rows.append(row)
    lines = text_table(rows)
    lines.append(
        "(milliseconds; tok/s: completion tokens per second of the request; warmup turns "
        "excluded; failures are counted, not timed)"
    )
    for s in summaries:
        if s.errors:
            errs = ", ".join(f"{k} x{v}" for k, v in s.errors.items())
            lines.append(f"{_label(s.endpoint, s.setting)} failures: {errs}")
    return "\n".join(lines)


def write_charts(run: BenchRun, out_dir: Path) -> list[Path]:
    """Per metric: box plot, CDF and median vs. conversation depth, as PNG files."""
    samples = run.samples
    keys = group_keys(samples)
    labeled = [(_label(*key), key) for key in keys]
    measured = [s for s in samples if not s.warmup and s.ok]
    charts: list[Path] = []
    for metric in ("ttft_s", "ttfs_s"):
        title = _METRIC_TITLES[metric]
        short = metric.removesuffix("_s")
        values = {
            key: [getattr(s, metric) for s in measured
                  if (s.endpoint, s.setting) == key and getattr(s, metric) is not None]
            for key in keys
        }
        charts.append(box_chart(
            [(label, values[k]) for label, k in labeled], out_dir / f"{short}_box.png",
            title=f"{title}: distribution (whiskers p5-p95)", y_label="seconds",
        ))
        charts.append(line_chart(
            [Series(lab, cdf_points(values[k]), step=True) for lab, k in labeled],
            out_dir / f"{short}_cdf.png",
            title=f"{title}: CDF", x_label="seconds", y_label="fraction of requests",
        ))
        by_turn = per_turn_p50(samples, metric)
        charts.append(line_chart(
            [Series(label, by_turn[k]) for label, k in labeled], out_dir / f"{short}_by_turn.png",
            title=f"{title}: median vs. conversation depth", x_label="caller turn index",
            y_label="seconds (p50)",
        ))
    return charts


def write_report(run: BenchRun, out_dir: Path) -> ReportFiles:
    """Write ``results.json`` and ``report.html`` into ``out_dir`` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "results.json"
    write_json(run, json_path)
    charts = write_charts(run, out_dir)
    html_path = write_page(
        out_dir / "report.html", "quickturn bench llm", run.meta,
        [("Summary", format_table(run.summaries()))], charts,
    )
    return ReportFiles(json_path, html_path, tuple(charts))


def write_json(run: BenchRun, path: Path) -> None:
    write_json_atomic(path, run.to_json())
