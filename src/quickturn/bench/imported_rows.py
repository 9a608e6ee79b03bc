"""Trade-off rows from other benchmarks' JSON files, recomputed from their raw per-turn items.

- ``quickturn bench turns`` (``"benchmark": "turn_taking"``): each end-of-turn detector against
  ``patience-500``: the delay after the caller's last sample, at the cost of false turn ends.
- ``quickturn bench stt`` (``"benchmark": "stt_chunking"``): each chunking strategy against the
  whole ``utterance``: the final transcript after the last sample, at the cost of decodes per
  turn (CPU) and word error rate.
- A file with a ``tradeoffs`` list holds rows in ``TradeoffRow.to_json()`` form already.
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
