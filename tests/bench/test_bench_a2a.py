"""A2A measurement: stages stamped on a virtual clock come out exact, the waterfall charges each
stage only for what it added, and drift / by-turn views group turns by their index."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import numpy as np
import pytest

from quickturn.agent.metrics import TurnMetrics, TurnStamps
from quickturn.audio.frame import AudioFrame
from quickturn.audio.noise_gate import NoiseGate
from quickturn.bench.a2a import (
    AUDIT_BUDGET_MS,
    AUDIT_TOTAL_MS,
    WATERFALL,
    TurnRecord,
    budget_columns,
    by_turn_index,
    context_by_turn,
    drift,
    format_by_turn,
    format_waterfall,
    record_from_metrics,
    waterfall,
)
from quickturn.bench.gate_meter import GateMeter
from quickturn.clock import VirtualClock

# (stage, virtual seconds it takes) in cascade order, after the caller's last sample at t=10.
TIMELINE = (("vad_ended", 0.45), ("turn_decided", 0.05), ("transcript", 0.2),
            ("llm_first_token", 0.3), ("first_sentence", 0.15), ("first_tts_audio", 0.1),
            ("first_audio_out", 0.02))


async def stamped_turn(clock: VirtualClock) -> TurnStamps:
    stamps = TurnStamps()
    await clock.sleep_until(10.0)
    stamps.speech_end = clock.now()
    for stage, seconds in TIMELINE:
        await clock.sleep(seconds)
        stamps.stamp(stage, clock.now())
    stamps.stamp("first_reply_out", stamps.first_audio_out or 0.0)
    return stamps


async def test_stages_stamped_on_a_virtual_clock_are_exact() -> None:
    clock = VirtualClock()
    task = asyncio.ensure_future(stamped_turn(clock))
    await clock.run_until_done(task, limit_s=60.0)
    metrics = TurnMetrics.from_stamps(0, task.result(), user_text="hi", agent_text="hello")
    record = record_from_metrics(metrics, call="c", caller="brisk", turn_index=0, gate_ms=0.05)
    inc = record.increments_ms()
    assert inc["noise_gate"] == pytest.approx(0.05)
    assert inc["vad_patience"] == pytest.approx(450.0)
    assert inc["end_of_turn"] == pytest.approx(50.0)
    assert inc["stt_final"] == pytest.approx(200.0)
    assert inc["llm_ttft"] == pytest.approx(300.0)
    assert inc["first_sentence"] == pytest.approx(150.0)
    assert inc["tts_first_audio"] == pytest.approx(100.0)
    assert inc["audio_out"] == pytest.approx(20.0)
    # The increments add up to the answer's first audio, gate included.
    assert sum(inc.values()) == pytest.approx(record.reply_ms) == pytest.approx(1270.05)
    assert record.a2a_ms == pytest.approx(1270.05)


def rec(turn: int, **stamps: float | None) -> TurnRecord:
    full: dict[str, float | None] = dict.fromkeys(WATERFALL, None)
    full.update(stamps)
    reply = full["audio_out"]
    return TurnRecord("call", "brisk", turn, full, a2a_ms=reply, reply_ms=reply)


def test_a_stage_finished_early_costs_nothing() -> None:
    # Streaming STT: the transcript was final 100 ms before the turn was decided.
    r = rec(0, noise_gate=0.0, end_of_turn=500.0, stt_final=400.0, llm_ttft=800.0,
            first_sentence=900.0, tts_first_audio=1000.0, audio_out=1020.0)
    inc = r.increments_ms()
    assert inc["stt_final"] == 0.0 and inc["llm_ttft"] == pytest.approx(300.0)
    assert sum(inc.values()) == pytest.approx(1020.0)


def test_a_filler_lowers_a2a_not_the_answer() -> None:
    stamps = SimpleNamespace(vad_ended_ms=480.0, turn_decided_ms=500.0, transcript_ms=700.0,
                             llm_first_token_ms=2000.0,
                             first_sentence_ms=2100.0, first_tts_audio_ms=2200.0,
                             first_audio_out_ms=900.0, a2a_ms=900.0, first_reply_out_ms=2300.0,
                             filler="One moment.", user_text="", agent_text="", interrupted=False)
    r = record_from_metrics(stamps, call="c", caller="x", turn_index=3, gate_ms=None)
    assert r.filler and r.a2a_ms == 900.0 and r.reply_ms == 2300.0
    assert sum(r.increments_ms().values()) == pytest.approx(2300.0)
    assert "noise_gate" not in r.increments_ms()


def test_waterfall_percentiles_and_untimed_turns() -> None:
    records = [rec(i, end_of_turn=500.0 + 10 * i, audio_out=1000.0 + 100 * i) for i in range(5)]
    records.append(rec(5))  # never reached audio out: counted out, never timed
    fall = waterfall(records)
    assert fall.turns == 5
    assert fall.a2a is not None and fall.a2a.p50 == pytest.approx(1200.0)
    eot = fall.stages["end_of_turn"]
    assert eot is not None and eot.p95 == pytest.approx(538.0)
    assert fall.stages["llm_ttft"] is None
    table = format_waterfall(fall)
    assert "end_of_turn" in table and "1415" in table and "over 5 turns" in table


def test_by_turn_and_drift() -> None:
    records = [rec(t, end_of_turn=500.0, audio_out=1000.0 + 10 * t) for t in range(60)
               for _call in range(2)]
    per_turn = by_turn_index(records)
    assert list(per_turn) == list(range(60)) and per_turn[59].turns == 2
    d = drift(records, window=10)
    # Turns 0-9 vs 50-59: p50 1045 vs 1545.
    assert d.a2a_change_p50_ms() == pytest.approx(500.0)
    assert "A2A p50" in format_by_turn(per_turn)


def test_context_size_by_turn_index() -> None:
    import dataclasses

    # The prompt's conversation grows 50 tokens a turn until pruning holds it at 2000.
    records = [dataclasses.replace(rec(t, audio_out=1000.0), context_tokens=min(2000, 50 * t))
               for t in range(60)]
    records.append(rec(60, audio_out=1000.0))  # a record without a size is left out
    tokens = context_by_turn(records)
    assert tokens[2] == 100.0 and tokens[59] == 2000.0 and 60 not in tokens
    d = drift(records, window=10)
    assert d.early_context_tokens == pytest.approx(225.0)  # median of 0..450
    assert d.to_json()["late_context_tokens_p50"] == 2000.0
    table = format_by_turn(by_turn_index(records), tokens).splitlines()
    assert "ctx tok" in table[0]
    turn2 = next(line.split() for line in table if line.split()[:1] == ["2"])
    assert turn2[:3] == ["2", "1", "100"] and table[-1].split()[2] == "-"


async def test_a_run_past_its_time_bound_stops_and_keeps_what_it_measured() -> None:
    from quickturn.bench.call_cli import bounded

    done: list[int] = []

    async def run() -> str:
        for i in range(100):
            done.append(i)
            await asyncio.sleep(0.01)
        return "finished"

    result, stopped = await bounded(run(), 0.05)
    assert (result, stopped) == (None, True) and 0 < len(done) < 100
    assert await bounded(asyncio.sleep(0, "ok"), 1.0) == ("ok", False)


def test_budget_columns_share_the_audit_categories() -> None:
    fall = waterfall([rec(0, noise_gate=0.1, end_of_turn=500.0, stt_final=700.0,
                          audio_out=900.0)])
    ours, audit = budget_columns(fall)
    assert audit[1] == AUDIT_BUDGET_MS and sum(audit[1].values()) == AUDIT_TOTAL_MS
    assert set(ours[1]) <= set(AUDIT_BUDGET_MS)
    assert ours[1]["VAD"] == pytest.approx(499.9) and ours[1]["STT"] == pytest.approx(200.0)


async def test_gate_meter_times_each_frame_and_gates_noise() -> None:
    ticks = iter([0.0, 0.001, 1.0, 1.003])

    async def frames():  # type: ignore[no-untyped-def]
        yield AudioFrame(np.full(320, 3, np.int16), 16_000, 0.0)  # hum under the floor
        yield AudioFrame(np.full(320, 8000, np.int16), 16_000, 0.02)

    meter = GateMeter(NoiseGate(), cost_clock=lambda: next(ticks))
    out = [f async for f in meter.frames(frames())]
    assert not out[0].pcm.any() and meter.frames_seen == 2
    assert meter.take_mean_ms() == pytest.approx(2.0)
    assert meter.take_mean_ms() is None


def test_reply_deadline_option_moves_the_wrap_up_with_it() -> None:
    import argparse

    from quickturn.bench.call_cli import stack_options
    from quickturn.errors import ConfigError

    def args(deadline: float | None) -> argparse.Namespace:
        return argparse.Namespace(tts="piper", patience_ms=500, reply_deadline_s=deadline)

    default = stack_options(args(None)).reply.loop
    assert (default.wrap_up_after_s, default.deadline_s) == (4.0, 6.0)  # the stack's own
    longer = stack_options(args(60.0)).reply.loop
    assert (longer.wrap_up_after_s, longer.deadline_s) == (58.0, 60.0)
    with pytest.raises(ConfigError):
        stack_options(args(0.0))
