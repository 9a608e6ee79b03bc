"""Fillers on and off, through whole simulated calls: time to any audio vs. to the answer.

A filler ("One moment, let me check that.") plays when a tool runs or the answer is late; it
lowers the time to the first agent audio (A2A) and does nothing for the answer itself, which
may even start later (the filler has to finish playing first). Both are measured on the same
calls, with the same LLM, once with fillers and once without.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from quickturn.bench.a2a import TurnRecord
from quickturn.bench.stats import Distribution
from quickturn.bench.tradeoff import TradeoffRow


def without_fillers(stack: Any) -> Any:
    """The same stack options with both kinds of filler switched off."""
    return replace(stack, reply=replace(stack.reply, late_filler_s=None, tool_filler=False))


def tradeoff_rows(on: Sequence[TurnRecord], off: Sequence[TurnRecord]) -> list[TradeoffRow]:
    def dist(records: Sequence[TurnRecord], field: str) -> Distribution | None:
        return Distribution.of([v for r in records if (v := getattr(r, field)) is not None])

    used = sum(1 for r in on if r.filler)
    on_reply, off_reply = dist(on, "reply_ms"), dist(off, "reply_ms")
    reply_note = ("-" if on_reply is None or off_reply is None else
                  f"{on_reply.p50 - off_reply.p50:+.0f} ms")
    return [
        TradeoffRow(
            "fillers", "on", "off", "time to any audio", dist(on, "a2a_ms"), dist(off, "a2a_ms"),
            f"fillers in {used}/{len(on)} turns; the answer's own audio p50 {reply_note}",
            n=len(on),
        ),
        TradeoffRow(
            "fillers", "on", "off", "answer's own audio", on_reply, off_reply,
            "a filler buys time, never the answer", n=len(on),
        ),
    ]
