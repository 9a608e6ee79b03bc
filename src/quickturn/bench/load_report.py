"""Load results: per (admission, level) summary, the capacity inside a TTFT budget, table, charts.

Capacity is the highest level at which p95 TTFT stayed within the budget *and* no request was
refused or failed: an engine that answers the admitted half fast while telling the rest to retry
does not hold that many sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from quickturn.bench.charts import Series, line_chart
from quickturn.bench.load import LevelResult
from quickturn.bench.stats import Distribution
from quickturn.bench.table import text_table


@dataclass(frozen=True)
class LevelSummary:
    admission: str
    level: int
    requests: int
    ok: int
    refused_429: int
    failed: int
    ttft: Distribution | None
    total: Distribution | None
    queue_wait_mean_s: float | None
    queue_wait_p95_bound_s: float | None
    ok_per_s: float
    errors: dict[str, int]

    def within(self, budget_s: float) -> bool:
        return (
            self.ttft is not None and self.ttft.p95 <= budget_s
            and self.refused_429 == 0 and self.failed == 0
        )

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["ttft"] = None if self.ttft is None else self.ttft.to_json()
        out["total"] = None if self.total is None else self.total.to_json()
        return out


def summarize_level(result: LevelResult) -> LevelSummary:
    samples = result.samples
    ok = [s for s in samples if s.ok]
    errors: dict[str, int] = {}
    for s in samples:
        if not s.ok:
            errors[s.status] = errors.get(s.status, 0) + 1
    refused = errors.get("429", 0)
    queue = result.queue
    return LevelSummary(
        admission=result.admission,
        level=result.level,
        requests=len(samples),
        ok=len(ok),
        refused_429=refused,
        failed=len(samples) - len(ok) - refused,
        ttft=Distribution.of([s.ttft_s for s in ok if s.ttft_s is not None]),
        total=Distribution.of([s.total_s for s in ok if s.total_s is not None]),
        queue_wait_mean_s=None if queue is None else queue.mean_s(),
        queue_wait_p95_bound_s=None if queue is None else queue.quantile_bound_s(0.95),
        ok_per_s=len(ok) / result.wall_s if result.wall_s > 0 else 0.0,
        errors=errors,
    )


def capacity(summaries: Sequence[LevelSummary], budget_s: float) -> dict[str, int | None]:
    """Per admission mode: the most concurrent sessions held inside the budget (None: not even
    the lowest level). Levels are read in rising order and the first miss ends the count."""
    out: dict[str, int | None] = {}
    for mode in dict.fromkeys(s.admission for s in summaries):
        held: int | None = None
        for s in sorted((s for s in summaries if s.admission == mode), key=lambda s: s.level):
            if not s.within(budget_s):
                break
            held = s.level
        out[mode] = held
    return out


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v * 1000:.0f}"


def format_load_table(summaries: Sequence[LevelSummary], budget_s: float) -> str:
    head = ["admission", "sessions", "ok/n", "429", "failed", "ttft p50", "ttft p95",
            "total p50", "queue mean", "queue p95<=", "ok/s", "in budget"]
    rows = [head]
    for s in summaries:
        ttft, total = s.ttft, s.total
        rows.append([
            s.admission, str(s.level), f"{s.ok}/{s.requests}", str(s.refused_429), str(s.failed),
            _ms(None if ttft is None else ttft.p50), _ms(None if ttft is None else ttft.p95),
            _ms(None if total is None else total.p50), _ms(s.queue_wait_mean_s),
            _ms(s.queue_wait_p95_bound_s), f"{s.ok_per_s:.2f}",
            "yes" if s.within(budget_s) else "no",
        ])
    lines = text_table(rows, left=())
    held = capacity(summaries, budget_s)
    lines.append(f"(milliseconds; budget: p95 TTFT <= {budget_s * 1000:.0f} ms with no 429s or "
                 "failures; queue p95<= is a histogram bucket bound)")
    for mode, n in held.items():
        lines.append(f"most sessions inside the budget, admission {mode}: "
                     f"{'none of the levels' if n is None else n}")
    for s in summaries:
        if s.errors:
            errs = ", ".join(f"{k} x{v}" for k, v in s.errors.items())
            lines.append(f"{s.admission} c={s.level} not ok: {errs}")
    return "\n".join(lines)


def write_load_charts(
    summaries: Sequence[LevelSummary], budget_s: float, out_dir: Path
) -> list[Path]:
    modes = list(dict.fromkeys(s.admission for s in summaries))

    def series(stat: str) -> list[Series]:
        out = []
        for mode in modes:
            pts = [(float(s.level), getattr(s.ttft, stat)) for s in summaries
                   if s.admission == mode and s.ttft is not None]
            out.append(Series(f"admission {mode} {stat}", pts))
        return out

    ttft = line_chart(
        series("p95") + series("p50"), out_dir / "load_ttft.png",
        title="TTFT vs. concurrent sessions", x_label="concurrent sessions", y_label="seconds",
        hline=(budget_s, "budget"),
    )
    refused = line_chart(
        [Series(f"admission {mode}", [(float(s.level), s.refused_429 / max(s.requests, 1))
                                      for s in summaries if s.admission == mode])
         for mode in modes],
        out_dir / "load_429.png", title="share of requests refused (429)",
        x_label="concurrent sessions", y_label="fraction of requests",
    )
    return [ttft, refused]
