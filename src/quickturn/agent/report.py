"""The demo's run folder: metrics.json and a self-contained report.html (inline SVG waterfall)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from quickturn.agent.metrics import STAGES, TurnMetrics, summary

_COLOURS = ("#bde0fe", "#8ecae6", "#219ebc", "#126782", "#ffb703", "#fb8500", "#d62828", "#6a4c93")


def metrics_payload(turns: list[TurnMetrics], meta: dict[str, Any]) -> dict[str, Any]:
    return {**summary(turns), "meta": meta}


def write_metrics(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def waterfall_svg(turns: list[TurnMetrics], width: int = 760) -> str:
    """One row per turn; each stage a bar from the caller's last sample (0 ms) to its stamp."""
    label_w, row_h, top = 70, 16, 30
    values = [v for t in turns for v in t.stage_ms().values() if v is not None]
    scale_ms = max([500.0, *values])
    plot_w = width - label_w - 20
    rows: list[str] = []
    y = top
    for t in turns:
        rows.append(
            f'<text x="0" y="{y + 11}" font-size="11">turn {t.turn}</text>'
        )
        for i, stage in enumerate(STAGES):
            value = t.stage_ms()[stage]
            if value is None:
                continue
            x0 = label_w + plot_w * min(0.0, value) / scale_ms
            w = max(1.0, plot_w * abs(value) / scale_ms)
            rows.append(
                f'<rect x="{x0:.1f}" y="{y + i * 2}" width="{w:.1f}" height="{row_h - 2 * i}" '
                f'fill="{_COLOURS[i]}" opacity="0.85"><title>{stage}: {value:.0f} ms</title></rect>'
            )
        if t.a2a_ms is not None:
            rows.append(
                f'<text x="{label_w + plot_w * max(0.0, t.a2a_ms) / scale_ms + 4:.1f}" '
                f'y="{y + 11}" font-size="10">{t.a2a_ms:.0f} ms</text>'
            )
        y += row_h + 8
    legend = "".join(
        f'<rect x="{label_w + i * 115}" y="4" width="10" height="10" fill="{c}"/>'
        f'<text x="{label_w + i * 115 + 14}" y="13" font-size="10">{s}</text>'
        for i, (s, c) in enumerate(zip(STAGES, _COLOURS, strict=True))
    )
    height = y + 10
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif">{legend}{"".join(rows)}</svg>'
    )


def render_html(payload: dict[str, Any], turns: list[TurnMetrics]) -> str:
    esc = html.escape
    rows = "".join(
        "<tr>"
        f"<td>{t.turn}</td><td>{esc(t.user_text)}</td><td>{esc(t.agent_text)}</td>"
        f"<td>{'' if t.a2a_ms is None else f'{t.a2a_ms:.0f}'}</td>"
        f"<td>{'' if t.first_reply_out_ms is None else f'{t.first_reply_out_ms:.0f}'}</td>"
        f"<td>{'yes' if t.interrupted else ''}</td><td>{esc(', '.join(t.tool_calls))}</td>"
        f"<td>{esc(t.filler or '')}</td><td>{'yes' if t.preemptive_reused else ''}</td>"
        "</tr>"
        for t in turns
    )

    def ms(v: Any) -> str:
        return "-" if v is None else f"{v:.0f} ms"

    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>quickturn demo</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1000px}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}
</style></head><body>
<h1>quickturn demo call</h1>
<p>A2A (caller's last speech sample to the agent's first audio sample, one clock):
p50 {ms(payload.get("a2a_p50_ms"))}, p95 {ms(payload.get("a2a_p95_ms"))}. The answer itself
(a filler may play before it): p50 {ms(payload.get("reply_p50_ms"))},
p95 {ms(payload.get("reply_p95_ms"))}.</p>
<h2>Latency waterfall (ms after the caller's last speech sample)</h2>
{waterfall_svg(turns)}
<h2>Transcript</h2>
<table><tr><th>#</th><th>caller</th><th>agent (heard)</th><th>A2A ms</th><th>answer ms</th>
<th>interrupted</th>
<th>tools</th><th>filler</th><th>preemptive</th></tr>{rows}</table>
<h2>Run</h2><pre>{esc(json.dumps(payload.get("meta", {}), indent=2))}</pre>
</body></html>
"""


def write_report(path: Path, payload: dict[str, Any], turns: list[TurnMetrics]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(payload, turns), encoding="utf-8")
