"""PNG charts with matplotlib: box plots, CDFs, lines, and the stacked per-stage waterfall.

Every function draws on its own ``matplotlib.figure.Figure`` with the Agg canvas (no pyplot, so
no global figure state and no display backend), writes one PNG and returns its path. Series keep
their colour across a report's charts because callers pass labels in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quickturn.errors import MissingDependencyError

_DPI = 100
_SIZE_IN = (7.5, 4.2)


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]
    step: bool = False  # draw as a staircase (a CDF), not straight segments


def _figure(size: tuple[float, float] = _SIZE_IN) -> tuple[Any, Any]:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise MissingDependencyError("charts", "pip install 'quickturn[bench]'") from exc
    fig = Figure(figsize=size, dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def _empty(ax: Any) -> None:
    ax.text(0.5, 0.5, "no successful samples", ha="center", va="center", transform=ax.transAxes)


def cdf_points(values: Sequence[float]) -> list[tuple[float, float]]:
    """Empirical CDF: (value, fraction of samples <= value), starting at (min, 0)."""
    ordered = sorted(values)
    if not ordered:
        return []
    n = len(ordered)
    return [(ordered[0], 0.0)] + [(v, (i + 1) / n) for i, v in enumerate(ordered)]


def line_chart(
    series: Sequence[Series], path: Path, *, title: str, x_label: str, y_label: str,
    hline: tuple[float, str] | None = None,
) -> Path:
    fig, ax = _figure()
    drawn = False
    for s in series:
        if not s.points:
            continue
        xs, ys = zip(*s.points, strict=True)
        if s.step:
            ax.step(xs, ys, where="post", label=s.label)
        else:
            ax.plot(xs, ys, marker="o", markersize=3, label=s.label)
        drawn = True
    if hline is not None:
        ax.axhline(hline[0], color="grey", linestyle="--", linewidth=1, label=hline[1])
    if not drawn:
        _empty(ax)
    ax.set(title=title, xlabel=x_label, ylabel=y_label)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if drawn or hline is not None:
        ax.legend(fontsize="small", loc="best")
    return _save(fig, path)


def box_chart(
    groups: Sequence[tuple[str, Sequence[float]]], path: Path, *, title: str, y_label: str
) -> Path:
    """One box per group (quartiles, whiskers at the 5th/95th percentile, outliers as dots)."""
    fig, ax = _figure()
    filled = [(label, list(vals)) for label, vals in groups if vals]
    if filled:
        ax.boxplot([v for _, v in filled], whis=(5, 95), tick_labels=[lab for lab, _ in filled])
        ax.tick_params(axis="x", labelrotation=15, labelsize="small")
    else:
        _empty(ax)
    ax.set(title=title, ylabel=y_label)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def stacked_bars(
    columns: Sequence[tuple[str, Mapping[str, float]]],
    stages: Sequence[str],
    path: Path,
    *,
    title: str,
    y_label: str = "milliseconds",
) -> Path:
    """One stacked bar per column, one segment per stage (in ``stages`` order, bottom up), with
    each bar's total written on top: the A2A waterfall beside a reference budget."""
    fig, ax = _figure((8.5, 5.0))
    labels = [label for label, _ in columns]
    bottoms = [0.0] * len(columns)
    for stage in stages:
        heights = [max(0.0, float(values.get(stage, 0.0))) for _, values in columns]
        if not any(heights):
            continue
        ax.bar(labels, heights, bottom=bottoms, label=stage, width=0.55)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    for i, total in enumerate(bottoms):
        ax.text(i, total, f"{total:,.0f}", ha="center", va="bottom", fontsize="small")
    ax.set_ylim(0, max([1.0, *bottoms]) * 1.08)  # room for the totals under the title
    ax.set(title=title, ylabel=y_label)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(fig, path)


def saved_bars(
    rows: Sequence[tuple[str, float | None, float | None]], path: Path, *, title: str
) -> Path:
    """Horizontal bars, two per row (p50 and p95 of milliseconds saved; negative: slower)."""
    fig, ax = _figure((8.5, max(2.5, 0.55 * len(rows) + 1.2)))
    labels = [label for label, _, _ in rows]
    ys = list(range(len(rows)))
    p50 = [v or 0.0 for _, v, _ in rows]
    p95 = [v or 0.0 for _, _, v in rows]
    if rows:
        ax.barh([y - 0.2 for y in ys], p50, height=0.4, label="saved p50")
        ax.barh([y + 0.2 for y in ys], p95, height=0.4, label="saved p95")
        ax.set_yticks(ys, labels, fontsize="small")
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.8)
        ax.legend(fontsize="small")
    else:
        _empty(ax)
    ax.set(title=title, xlabel="milliseconds saved vs. baseline")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)
