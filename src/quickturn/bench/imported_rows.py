"""Trade-off rows from other benchmarks' JSON files, recomputed from their raw per-turn items.

- ``quickturn bench turns`` (``"benchmark": "turn_taking"``): each end-of-turn detector against
  ``patience-500``: the delay after the caller's last sample, at the cost of false turn ends.
- ``quickturn bench stt`` (``"benchmark": "stt_chunking"``): each chunking strategy against the
  whole ``utterance``: the final transcript after the last sample, at the cost of decodes per
  turn (CPU) and word error rate.
- A file with a ``tradeoffs`` list holds rows in ``TradeoffRow.to_json()`` form already.
- ``python -m quickturn.transport.bench --out PATH`` (the transports' own benchmark, A2A at the
  caller): WebRTC against WebSocket at the impairment that run was given (``--impair``, which
  its JSON does not record, so the caller states it). With a clean run as well, the cost says
  what the loss itself added to each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from quickturn.bench.stats import Distribution
from quickturn.bench.tradeoff import TradeoffRow
from quickturn.errors import ConfigError


def _ms(items: Sequence[dict[str, Any]], key: str) -> Distribution | None:
    return Distribution.of([float(i[key]) * 1000.0 for i in items if i.get(key) is not None])


def _pick(rows: Sequence[dict[str, Any]], key: str, name: str) -> dict[str, Any]:
    for row in rows:
        if row.get(key) == name:
            return row
    raise ConfigError(f"no {key} {name!r} to compare against (found "
                      f"{[r.get(key) for r in rows]})")


def turn_taking_rows(data: dict[str, Any], baseline: str = "patience-500") -> list[TradeoffRow]:
    detectors = data["detectors"]
    base = _pick(detectors, "detector", baseline)
    base_dist = _ms(base["items"], "delay_s")
    return [
        TradeoffRow(
            "end of turn", d["detector"], baseline, "end-of-turn delay",
            _ms(d["items"], "delay_s"), base_dist,
            f"{d['false_end_rate']:.0%} false turn ends vs {base['false_end_rate']:.0%} "
            f"({d['false_end_turns']}/{d['turns']} vs {base['false_end_turns']}/{base['turns']})",
            n=int(d["turns"]),
        )
        for d in detectors if d is not base
    ]


def stt_chunking_rows(data: dict[str, Any], baseline: str = "utterance") -> list[TradeoffRow]:
    strategies = data["strategies"]
    base = _pick(strategies, "strategy", baseline)
    base_dist = _ms(base["items"], "after_last_sample_s")
    return [
        TradeoffRow(
            "STT chunking", s["strategy"], baseline, "final text after last sample",
            _ms(s["items"], "after_last_sample_s"), base_dist,
            f"{s['decodes_per_turn']:.1f} decodes/turn vs {base['decodes_per_turn']:.1f}; "
            f"WER vs script {s['wer_vs_script']:.1%} vs {base['wer_vs_script']:.1%}",
            n=int(s["turns"]),
        )
        for s in strategies if s is not base
    ]


TRANSPORT_HOWTO = (
    "not measured in this run: python -m quickturn.transport.bench --transports webrtc "
    "websocket --impair 0.02 --out t.json, then --transport 0.02=t.json (and 0=clean.json)"
)


def _a2a(run: dict[str, Any], kind: str) -> tuple[Distribution | None, int, int]:
    """A transport's A2A distribution, answered turns and turns in one transport-bench run."""
    summary = run.get(kind)
    if not isinstance(summary, dict):
        raise ConfigError(f"no {kind!r} results in it (run it with --transports webrtc websocket)")
    values = [float(v) for v in summary["a2a_ms"] if v is not None]
    return Distribution.of(values), len(values), len(summary["a2a_ms"])


def transport_rows(runs: dict[float, dict[str, Any]]) -> list[TradeoffRow]:
    """WebRTC vs. WebSocket at each impairment given (``{loss: transport-bench JSON}``); none:
    one row that says how to measure it."""
    if not runs:
        return [TradeoffRow("transport", "webrtc", "websocket", "A2A at the caller under loss",
                            None, None, TRANSPORT_HOWTO)]
    rows = []
    clean = runs.get(0.0)
    for loss in sorted(runs):
        try:
            rtc, rtc_n, rtc_turns = _a2a(runs[loss], "webrtc")
            ws, ws_n, ws_turns = _a2a(runs[loss], "websocket")
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"malformed transport results at loss {loss:g}: {exc}") from exc
        cost = (f"UDP + ICE (aiortc) instead of TCP; answered {rtc_n}/{rtc_turns} vs "
                f"{ws_n}/{ws_turns}")
        if loss > 0:
            cost += (f"; impaired: WebRTC drops {loss:.0%} of media packets, WebSocket holds "
                     f"{loss:.0%} of TCP chunks 200 ms")
            if clean is not None:
                rtc0, _, _ = _a2a(clean, "webrtc")
                ws0, _, _ = _a2a(clean, "websocket")
                cost += (f"; the loss added p50 {_added(rtc, rtc0)} ms to WebRTC, "
                         f"{_added(ws, ws0)} ms to WebSocket")
        metric = f"A2A at the caller, {loss:.0%} loss" if loss > 0 else "A2A at the caller, clean"
        rows.append(TradeoffRow("transport", "webrtc", "websocket", metric, rtc, ws, cost,
                                n=rtc_n))
    return rows


def _added(lossy: Distribution | None, clean: Distribution | None) -> str:
    return "-" if lossy is None or clean is None else f"{lossy.p50 - clean.p50:+.0f}"


def rows_from(data: Any) -> list[TradeoffRow]:
    """Rows from one benchmark JSON document of any of the three kinds above."""
    from quickturn.bench.ablate_command import row_from_json

    if not isinstance(data, dict):
        raise ConfigError("not a benchmark JSON object")
    try:
        if isinstance(data.get("tradeoffs"), list):
            return [row_from_json(r) for r in data["tradeoffs"]]
        if data.get("benchmark") == "turn_taking":
            return turn_taking_rows(data)
        if data.get("benchmark") == "stt_chunking":
            return stt_chunking_rows(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"malformed {data.get('benchmark', 'benchmark')} results: {exc}") from exc
    raise ConfigError("no 'tradeoffs' list in it, and not a turn_taking or stt_chunking result")
