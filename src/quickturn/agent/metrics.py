"""Per-turn latency metrics: every stage stamps the session clock, A2A is measured end to end.

The stamps follow one turn down the cascade::

    speech_end      the caller's last speech sample (VAD ``end_s``)
    vad_ended       the VAD's patience ran out (``SpeechEnded``): the end-of-turn question is asked
    turn_decided    the end-of-turn decision (VAD patience + turn-detector hold)
    transcript      the final transcript is ready
    llm_first_token the first text (or tool call) token of the reply
    first_sentence  the first segment handed to TTS
    first_tts_audio TTS produced its first audio
    first_audio_out the first agent sample played out
    first_reply_out the first sample of the answer itself (not a filler) played out

A2A = ``first_audio_out - speech_end``: caller's last sample to agent's first sample, one clock.
That first sample may be a filler ("One moment, let me check that."): it is what the caller hears,
so it counts; ``TurnMetrics.filler`` says when it was one. A filler only buys time, so the answer's
own latency is reported beside it (``first_reply_out_ms``, ``reply_p50_ms``): a slow model can
hide behind a filler in A2A, never there.
A preemptive generation can finish stages *before* the turn is decided; their deltas then come
out small or negative against ``turn_decided``, which is the point of preempting.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

STAGES: tuple[str, ...] = (
    "vad_ended",
    "turn_decided",
    "transcript",
    "llm_first_token",
    "first_sentence",
    "first_tts_audio",
    "first_audio_out",
    "first_reply_out",
)


@dataclass
class TurnStamps:
    """Mutable clock stamps collected while a turn is in flight (seconds on the session clock)."""

    speech_end: float | None = None
    llm_started: float | None = None
    """The reply's first LLM request went out (TTFT = llm_first_token - llm_started)."""
    vad_ended: float | None = None
    turn_decided: float | None = None
    transcript: float | None = None
    llm_first_token: float | None = None
    first_sentence: float | None = None
    first_tts_audio: float | None = None
    first_audio_out: float | None = None
    first_reply_out: float | None = None

    def stamp(self, stage: str, at_s: float) -> None:
        """Record ``stage`` once; later stamps of the same stage are ignored (the first counts)."""
        if stage not in STAGES and stage not in ("speech_end", "llm_started"):
            raise ValueError(f"unknown stage {stage!r}")
        if getattr(self, stage) is None:
            setattr(self, stage, at_s)


@dataclass(frozen=True)
class TurnMetrics:
    """One turn's latencies in ms, each relative to the caller's last speech sample."""

    turn: int
    user_text: str
    agent_text: str
    preemptive_reused: bool
    interrupted: bool
    tool_calls: tuple[str, ...]
    filler: str | None
    vad_ended_ms: float | None
    turn_decided_ms: float | None
    transcript_ms: float | None
    llm_first_token_ms: float | None
    first_sentence_ms: float | None
    first_tts_audio_ms: float | None
    first_audio_out_ms: float | None
    a2a_ms: float | None = field(default=None)
    first_reply_out_ms: float | None = field(default=None)
    """When the answer itself began (a filler may have played before it)."""
    reply_done_ms: float | None = field(default=None)
    """When the model finished the reply (every round, tools included)."""
    rounds: int = 0
    """LLM rounds of the reply (1 + one per round of tool calls)."""
    llm_started_ms: float | None = field(default=None)
    """The first LLM request of the reply (before the decision when preemptive)."""
    input_max_ms: float | None = field(default=None)
    """The slowest caller frame through noise gate + VAD during the turn (compute, not delay)."""

    @classmethod
    def from_stamps(
        cls,
        turn: int,
        stamps: TurnStamps,
        *,
        user_text: str,
        agent_text: str,
        preemptive_reused: bool = False,
        interrupted: bool = False,
        tool_calls: tuple[str, ...] = (),
        filler: str | None = None,
        rounds: int = 0,
        reply_done_at_s: float | None = None,
        input_max_s: float | None = None,
    ) -> TurnMetrics:
        def ms(stage: str) -> float | None:
            at: float | None = getattr(stamps, stage)
            if at is None or stamps.speech_end is None:
                return None
            return round((at - stamps.speech_end) * 1000.0, 3)

        return cls(
            turn=turn,
            user_text=user_text,
            agent_text=agent_text,
            preemptive_reused=preemptive_reused,
            interrupted=interrupted,
            tool_calls=tool_calls,
            filler=filler,
            vad_ended_ms=ms("vad_ended"),
            turn_decided_ms=ms("turn_decided"),
            transcript_ms=ms("transcript"),
            llm_first_token_ms=ms("llm_first_token"),
            first_sentence_ms=ms("first_sentence"),
            first_tts_audio_ms=ms("first_tts_audio"),
            first_audio_out_ms=ms("first_audio_out"),
            a2a_ms=ms("first_audio_out"),
            first_reply_out_ms=ms("first_reply_out"),
            reply_done_ms=(
                None
                if reply_done_at_s is None or stamps.speech_end is None
                else round((reply_done_at_s - stamps.speech_end) * 1000.0, 3)
            ),
            rounds=rounds,
            llm_started_ms=ms("llm_started"),
            input_max_ms=None if input_max_s is None else round(input_max_s * 1000.0, 3),
        )

    def stage_ms(self) -> dict[str, float | None]:
        return {s: getattr(self, f"{s}_ms") for s in STAGES}

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["tool_calls"] = list(self.tool_calls)
        return out


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (``q`` in [0, 100]) of a non-empty list."""
    if not values:
        raise ValueError("percentile of no values")
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def summary(turns: list[TurnMetrics]) -> dict[str, Any]:
    """The metrics.json payload: every turn, A2A p50/p95 over the turns that had one, and the
    same for the answer itself (``reply_*``: fillers do not count)."""
    a2a = [t.a2a_ms for t in turns if t.a2a_ms is not None]
    reply = [t.first_reply_out_ms for t in turns if t.first_reply_out_ms is not None]
    return {
        "turns": [t.to_json() for t in turns],
        "a2a_p50_ms": round(percentile(a2a, 50), 3) if a2a else None,
        "a2a_p95_ms": round(percentile(a2a, 95), 3) if a2a else None,
        "reply_p50_ms": round(percentile(reply, 50), 3) if reply else None,
        "reply_p95_ms": round(percentile(reply, 95), 3) if reply else None,
    }


def waterfall(m: TurnMetrics, width: int = 50) -> str:
    """A text waterfall: one bar per stage from the caller's last sample (0 ms)."""
    stages = m.stage_ms()
    known = [v for v in stages.values() if v is not None]
    scale = max([1.0, *known])
    head = f"turn {m.turn}: A2A {_fmt(m.a2a_ms)}"
    lines = [head + ("  (preemptive reused)" if m.preemptive_reused else "")]
    for name, value in stages.items():
        if value is None:
            lines.append(f"  {name:<16} {'-':>9}")
            continue
        bar = "#" * max(1, int(round(max(0.0, value) / scale * width)))
        lines.append(f"  {name:<16} {_fmt(value):>9} {bar}")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"
