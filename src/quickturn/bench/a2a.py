"""Audio-to-audio measurement: per-turn stage stamps -> a critical-path waterfall, p50/p95, drift.

A turn's stamps are milliseconds after the caller's last speech sample (the session's
``TurnMetrics``) plus the noise gate's own cost per frame. The waterfall charges each stage only
for the time it *added* to the critical path: ``max(0, its stamp - the latest earlier stamp)``.
A stage finished early (streaming STT before the turn is decided, a preemptive reply) therefore
costs 0, and the stage increments of one turn add up to the answer's own first audio exactly:
the waterfall follows the answer. A2A (first agent audio of any kind) is reported beside it, and
is lower when a filler played first.

Stages, in cascade order (the audit's names in brackets)::

    noise_gate       gate processing per caller frame                  [buffers]
    vad_patience     the VAD's patience ran out (SpeechEnded)          [VAD 510, with the next]
    end_of_turn      the end-of-turn detector decided (its extra hold) [VAD]
    stt_final        final transcript ready                            [STT 180 + hand-off 30]
    llm_ttft         the reply's first token                           [TTFT 320]
    first_sentence   first segment handed to TTS                       [first sentence 190]
    tts_first_audio  TTS produced its first audio                      [TTS 120]
    audio_out        the answer's first sample played out              [transport 20, buffers]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from quickturn.bench.stats import Distribution
from quickturn.bench.table import text_table

WATERFALL: tuple[str, ...] = (
    "noise_gate",
    "vad_patience",
    "end_of_turn",
    "stt_final",
    "llm_ttft",
    "first_sentence",
    "tts_first_audio",
    "audio_out",
)

# The session's TurnMetrics field behind each stage (noise_gate is measured by the lab itself).
_FIELDS: Mapping[str, str] = {
    "vad_patience": "vad_ended_ms",
    "end_of_turn": "turn_decided_ms",
    "stt_final": "transcript_ms",
    "llm_ttft": "llm_first_token_ms",
    "first_sentence": "first_sentence_ms",
    "tts_first_audio": "first_tts_audio_ms",
    "audio_out": "first_reply_out_ms",
}

AUDIT_TOTAL_MS = 1415.0
AUDIT_BUDGET_MS: Mapping[str, float] = {
    "VAD": 510.0,
    "STT": 180.0,
    "hand-off": 30.0,
    "TTFT": 320.0,
    "first sentence": 190.0,
    "TTS": 120.0,
    "transport": 20.0,
    "buffers": 45.0,
}
"""The audit's best-case cloud cascade, stage by stage (p50, ms)."""

# Chart categories shared by both bars: our stage -> the audit's segment it stands beside.
CATEGORY: Mapping[str, str] = {
    "noise_gate": "buffers",
    "vad_patience": "VAD",
    "end_of_turn": "VAD",
    "stt_final": "STT",
    "llm_ttft": "TTFT",
    "first_sentence": "first sentence",
    "tts_first_audio": "TTS",
    "audio_out": "transport",
}


@dataclass(frozen=True)
class TurnRecord:
    """One measured caller turn of one simulated call."""

    call: str
    caller: str
    turn_index: int
    stamps_ms: dict[str, float | None] = field(hash=False)
    """Cumulative ms after the caller's last sample, per WATERFALL stage (None: not reached)."""
    a2a_ms: float | None
    reply_ms: float | None
    """The answer's own first audio (a filler may have played before it)."""
    filler: bool = False
    user_text: str = ""
    agent_text: str = ""
    interrupted: bool = False
    context_tokens: int | None = None
    """The conversation in the model's view after this turn, past the system prompt (approx.
    tokens): what the next turn's prompt carries (bounded by context pruning)."""

    def increments_ms(self) -> dict[str, float]:
        """Critical-path time each stage added (stages not reached are left out)."""
        out: dict[str, float] = {}
        latest = 0.0
        for stage in WATERFALL:
            at = self.stamps_ms.get(stage)
            if at is None:
                continue
            out[stage] = max(0.0, at - latest)
            latest = max(latest, at)
        return out

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"increments_ms": self.increments_ms()}


def record_from_metrics(
    metrics: Any, *, call: str, caller: str, turn_index: int, gate_ms: float | None,
    context_tokens: int | None = None,
) -> TurnRecord:
    """A TurnRecord from the session's ``TurnMetrics`` (duck-typed: only its fields are read).

    The gate's cost sits first on the critical path, so every later stamp is shifted by it:
    the session measures from the VAD's view of the last sample, which the gate delayed."""
    gate = gate_ms or 0.0
    stamps: dict[str, float | None] = {"noise_gate": gate_ms}
    for stage, name in _FIELDS.items():
        value = getattr(metrics, name, None)  # vad_ended_ms: sessions from api-v2 on
        stamps[stage] = None if value is None else float(value) + gate
    a2a = getattr(metrics, "a2a_ms", None)
    reply = getattr(metrics, "first_reply_out_ms", None)
    return TurnRecord(
        call=call,
        caller=caller,
        turn_index=turn_index,
        stamps_ms=stamps,
        a2a_ms=None if a2a is None else float(a2a) + gate,
        reply_ms=None if reply is None else float(reply) + gate,
        filler=getattr(metrics, "filler", None) is not None,
        user_text=str(getattr(metrics, "user_text", "")),
        agent_text=str(getattr(metrics, "agent_text", "")),
        interrupted=bool(getattr(metrics, "interrupted", False)),
        context_tokens=context_tokens,
    )


@dataclass(frozen=True)
class Waterfall:
    """p50/p95 of each stage's increment, of A2A and of the answer's own first audio (ms)."""

    turns: int
    stages: dict[str, Distribution | None] = field(hash=False)
    a2a: Distribution | None
    reply: Distribution | None
    fillers: int

    def p50_by_stage(self) -> dict[str, float]:
        return {s: d.p50 for s, d in self.stages.items() if d is not None}

    def to_json(self) -> dict[str, Any]:
        return {
            "turns": self.turns,
            "stages_ms": {s: None if d is None else d.to_json() for s, d in self.stages.items()},
            "a2a_ms": None if self.a2a is None else self.a2a.to_json(),
            "reply_ms": None if self.reply is None else self.reply.to_json(),
            "fillers": self.fillers,
        }


def waterfall(records: Sequence[TurnRecord]) -> Waterfall:
    """Aggregate turns that reached audio out; a turn with no A2A (the caller hung up, the
    session failed) is counted in ``turns`` of the run, never timed."""
    timed = [r for r in records if r.a2a_ms is not None]
    columns: dict[str, list[float]] = {s: [] for s in WATERFALL}
    for r in timed:
        for stage, ms in r.increments_ms().items():
            columns[stage].append(ms)
    return Waterfall(
        turns=len(timed),
        stages={s: Distribution.of(columns[s]) for s in WATERFALL},
        a2a=Distribution.of([r.a2a_ms for r in timed if r.a2a_ms is not None]),
        reply=Distribution.of([r.reply_ms for r in timed if r.reply_ms is not None]),
        fillers=sum(1 for r in timed if r.filler),
    )


def by_turn_index(records: Sequence[TurnRecord]) -> dict[int, Waterfall]:
    """One waterfall per turn index over every call: does turn 50 cost more than turn 5?"""
    indices = sorted({r.turn_index for r in records})
    return {i: waterfall([r for r in records if r.turn_index == i]) for i in indices}


def _median_tokens(records: Sequence[TurnRecord]) -> float | None:
    d = Distribution.of([float(r.context_tokens) for r in records
                         if r.context_tokens is not None])
    return None if d is None else d.p50


def context_by_turn(records: Sequence[TurnRecord]) -> dict[int, float]:
    """Median conversation size in the prompt (approx. tokens) per turn index, where known."""
    out: dict[int, float] = {}
    for i in sorted({r.turn_index for r in records}):
        tokens = _median_tokens([r for r in records if r.turn_index == i])
        if tokens is not None:
            out[i] = tokens
    return out


@dataclass(frozen=True)
class Drift:
    """Early turns against late ones (first vs. last ``window`` turn indices), p50 and p95."""

    window: int
    early_a2a_ms: Distribution | None
    late_a2a_ms: Distribution | None
    early_stages_p50: dict[str, float] = field(hash=False)
    late_stages_p50: dict[str, float] = field(hash=False)
    early_context_tokens: float | None = None
    late_context_tokens: float | None = None

    def a2a_change_p50_ms(self) -> float | None:
        if self.early_a2a_ms is None or self.late_a2a_ms is None:
            return None
        return self.late_a2a_ms.p50 - self.early_a2a_ms.p50

    def to_json(self) -> dict[str, Any]:
        return {
            "window": self.window,
            "early_a2a_ms": None if self.early_a2a_ms is None else self.early_a2a_ms.to_json(),
            "late_a2a_ms": None if self.late_a2a_ms is None else self.late_a2a_ms.to_json(),
            "a2a_change_p50_ms": self.a2a_change_p50_ms(),
            "early_stages_p50_ms": self.early_stages_p50,
            "late_stages_p50_ms": self.late_stages_p50,
            "early_context_tokens_p50": self.early_context_tokens,
            "late_context_tokens_p50": self.late_context_tokens,
        }


def drift(records: Sequence[TurnRecord], window: int = 10) -> Drift:
    indices = sorted({r.turn_index for r in records})
    window = max(1, min(window, len(indices) // 2 or 1))
    early_idx, late_idx = set(indices[:window]), set(indices[-window:])
    early_r = [r for r in records if r.turn_index in early_idx]
    late_r = [r for r in records if r.turn_index in late_idx]
    early, late = waterfall(early_r), waterfall(late_r)
    return Drift(window, early.a2a, late.a2a, early.p50_by_stage(), late.p50_by_stage(),
                 _median_tokens(early_r), _median_tokens(late_r))


def budget_columns(fall: Waterfall) -> list[tuple[str, dict[str, float]]]:
    """The two stacked bars of the chart: ours (stage p50s) and the audit's budget, on shared
    categories so equal colours mean the same stage."""
    ours: dict[str, float] = {}
    for stage, ms in fall.p50_by_stage().items():
        cat = CATEGORY[stage]
        ours[cat] = ours.get(cat, 0.0) + ms
    return [
        ("quickturn (this machine, p50s)", ours),
        ("audit: cloud cascade", dict(AUDIT_BUDGET_MS)),
    ]


def _ms(d: Distribution | None, stat: str) -> str:
    if d is None:
        return "-"
    value: float = getattr(d, stat)
    # Sub-10 ms stages (the noise gate, a cached hand-off) keep a decimal: 0 would hide them.
    return f"{value:.1f}" if abs(value) < 10 else f"{value:.0f}"


def format_waterfall(fall: Waterfall) -> str:
    audit_by_stage = {
        "noise_gate": "-", "vad_patience": "510 (VAD)", "end_of_turn": "-",
        "stt_final": "180+30", "llm_ttft": "320",
        "first_sentence": "190", "tts_first_audio": "120", "audio_out": "20+45",
    }
    rows = [["stage", "p50", "p95", "audit p50"]]
    for stage in WATERFALL:
        d = fall.stages.get(stage)
        rows.append([stage, _ms(d, "p50"), _ms(d, "p95"), audit_by_stage[stage]])
    rows.append(["A2A (first audio)", _ms(fall.a2a, "p50"), _ms(fall.a2a, "p95"),
                 f"{AUDIT_TOTAL_MS:.0f}"])
    rows.append(["answer's own audio", _ms(fall.reply, "p50"), _ms(fall.reply, "p95"), "-"])
    lines = text_table(rows)
    lines.append(f"(ms over {fall.turns} turns; each stage = time it added to the critical path; "
                 f"{fall.fillers} turns opened with a filler)")
    return "\n".join(lines)


def format_by_turn(
    per_turn: Mapping[int, Waterfall], context_tokens: Mapping[int, float] | None = None
) -> str:
    """Stage p50s by turn index; with ``context_tokens``, the prompt's conversation size too."""
    tokens = context_tokens or {}
    head = ["turn", "n", "ctx tok", "A2A p50", *[s for s in WATERFALL]]
    rows = [head]
    for index, fall in per_turn.items():
        p50 = fall.p50_by_stage()
        ctx = f"{tokens[index]:.0f}" if index in tokens else "-"
        rows.append([str(index), str(fall.turns), ctx, _ms(fall.a2a, "p50"),
                     *[f"{p50[s]:.0f}" if s in p50 else "-" for s in WATERFALL]])
    return "\n".join(text_table(rows, left=()))
