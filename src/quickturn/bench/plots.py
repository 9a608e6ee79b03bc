"""Self-contained SVG charts (no plotting library): line charts and box plots.

Each function returns one ``<svg>`` element as a string, ready to inline in HTML. Series keep
their colour across every chart of a report (the caller passes labels in the same order).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from quickturn.bench.stats import percentile

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")

_W, _H = 640, 360
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 170, 36, 48  # the right margin holds the legend


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]
    step: bool = False  # draw as a staircase (a CDF), not straight segments


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2 or 5 times a power of ten apart)."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.floor(low / step) * step
    ticks = []
    t = first
    while t <= high + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    if ticks[-1] < high:
        ticks.append(round(t, 10))
    return ticks


def _fmt(v: float) -> str:
    return f"{v:g}" if abs(v) >= 0.01 or v == 0 else f"{v:.1e}"


class _Frame:
    """Maps data coordinates into the plot area and draws axes, grid and titles."""

    def __init__(self, xs: list[float], ys: list[float], *, y_from_zero: bool) -> None:
        self.xt = nice_ticks(min(xs, default=0.0), max(xs, default=1.0))
        self.yt = nice_ticks(0.0 if y_from_zero else min(ys, default=0.0), max(ys, default=1.0))

    def x(self, v: float) -> float:
        lo, hi = self.xt[0], self.xt[-1]
        return _LEFT + (v - lo) / ((hi - lo) or 1.0) * (_W - _LEFT - _RIGHT)

    def y(self, v: float) -> float:
        lo, hi = self.yt[0], self.yt[-1]
        return _H - _BOTTOM - (v - lo) / ((hi - lo) or 1.0) * (_H - _TOP - _BOTTOM)

    def axes(self, title: str, x_label: str, y_label: str, x_ticks: bool = True) -> list[str]:
        mid_y = _TOP + (_H - _TOP - _BOTTOM) / 2
        out = [
            f'<text x="{_W / 2 - _RIGHT / 2}" y="20" text-anchor="middle" font-weight="bold">'
            f"{escape(title)}</text>",
            f'<text x="{_LEFT + (_W - _LEFT - _RIGHT) / 2}" y="{_H - 10}" text-anchor="middle">'
            f"{escape(x_label)}</text>",
            f'<text x="14" y="{mid_y}" text-anchor="middle" '
            f'transform="rotate(-90 14 {mid_y})">{escape(y_label)}</text>',
        ]
        for t in self.yt:
            y = self.y(t)
            out.append(
                f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(t)}</text>'
            )
        if x_ticks:
            for t in self.xt:
                x = self.x(t)
                out.append(
                    f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{_H - _BOTTOM}" y2="{_H - _BOTTOM + 4}" '
                    f'stroke="#333"/><text x="{x:.1f}" y="{_H - _BOTTOM + 18}" '
                    f'text-anchor="middle">{_fmt(t)}</text>'
                )
        out.append(
            f'<rect x="{_LEFT}" y="{_TOP}" width="{_W - _LEFT - _RIGHT}" '
            f'height="{_H - _TOP - _BOTTOM}" fill="none" stroke="#333"/>'
        )
        return out


def _legend(labels: Sequence[str]) -> list[str]:
    out = []
    for i, label in enumerate(labels):
        y = _TOP + 8 + i * 20
        color = PALETTE[i % len(PALETTE)]
        out.append(
            f'<rect x="{_W - _RIGHT + 12}" y="{y - 9}" width="12" height="12" fill="{color}"/>'
            f'<text x="{_W - _RIGHT + 30}" y="{y + 2}">{escape(label[:22])}</text>'
        )
    return out


def _svg(body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" font-family="sans-serif" font-size="12" role="img" '
        f'aria-label="{escape(title)}"><rect width="100%" height="100%" fill="white"/>'
        + "".join(body)
        + "</svg>"
    )


def line_chart(series: Sequence[Series], *, title: str, x_label: str, y_label: str) -> str:
    xs = [p[0] for s in series for p in s.points]
    ys = [p[1] for s in series for p in s.points]
    frame = _Frame(xs, ys, y_from_zero=True)
    body = frame.axes(title, x_label, y_label)
    for i, s in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        pts: list[tuple[float, float]] = []
        for j, (x, y) in enumerate(s.points):
            if s.step and j:
                pts.append((x, s.points[j - 1][1]))
            pts.append((x, y))
        if not pts:
            continue
        path = " ".join(f"{frame.x(x):.1f},{frame.y(y):.1f}" for x, y in pts)
        body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        if not s.step:
            body += [
                f'<circle cx="{frame.x(x):.1f}" cy="{frame.y(y):.1f}" r="3" fill="{color}"/>'
                for x, y in s.points
            ]
    if not xs:
        body.append(f'<text x="{_LEFT + 20}" y="{_TOP + 30}">no successful samples</text>')
    body += _legend([s.label for s in series])
    return _svg(body, title)


def cdf_points(values: Sequence[float]) -> list[tuple[float, float]]:
    """Empirical CDF: (value, fraction of samples <= value), starting at (min, 0)."""
    ordered = sorted(values)
    if not ordered:
        return []
    n = len(ordered)
    return [(ordered[0], 0.0)] + [(v, (i + 1) / n) for i, v in enumerate(ordered)]


def box_chart(groups: Sequence[tuple[str, Sequence[float]]], *, title: str, y_label: str) -> str:
    """One box per group: quartiles, median, whiskers at min/max, and a p95 tick."""
    ys = [v for _, vals in groups for v in vals]
    frame = _Frame([0.0, float(max(len(groups), 1))], ys, y_from_zero=True)
    body = frame.axes(title, "", y_label, x_ticks=False)
    slot = (_W - _LEFT - _RIGHT) / max(len(groups), 1)
    for i, (label, vals) in enumerate(groups):
        color = PALETTE[i % len(PALETTE)]
        cx = _LEFT + slot * (i + 0.5)
        half = min(slot * 0.3, 40)
        if not vals:
            body.append(f'<text x="{cx:.1f}" y="{_H / 2}" text-anchor="middle">no data</text>')
            continue
        q1, med, q3, p95 = (percentile(vals, q) for q in (25, 50, 75, 95))
        lo, hi = min(vals), max(vals)
        body.append(
            f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{frame.y(lo):.1f}" y2="{frame.y(hi):.1f}" '
            f'stroke="{color}"/>'
            f'<rect x="{cx - half:.1f}" y="{frame.y(q3):.1f}" width="{2 * half:.1f}" '
            f'height="{max(frame.y(q1) - frame.y(q3), 1):.1f}" fill="{color}" fill-opacity="0.25" '
            f'stroke="{color}"/>'
            f'<line x1="{cx - half:.1f}" x2="{cx + half:.1f}" y1="{frame.y(med):.1f}" '
            f'y2="{frame.y(med):.1f}" stroke="{color}" stroke-width="3"/>'
            f'<line x1="{cx - half / 2:.1f}" x2="{cx + half / 2:.1f}" y1="{frame.y(p95):.1f}" '
            f'y2="{frame.y(p95):.1f}" stroke="{color}" stroke-dasharray="3,2"/>'
        )
        if len(label) * 7 < slot:  # crowded charts rely on the legend's colours instead
            body.append(
                f'<text x="{cx:.1f}" y="{_H - _BOTTOM + 18}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    body += _legend([label for label, _ in groups])
    return _svg(body, title)
