"""The soak loop on a virtual clock: lanes place calls until the deadline, drift compares the
first and last fifth after the warm-up, memory growth is start to end, from the warm-up, and as
a slope."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from quickturn.bench.a2a import WATERFALL, TurnRecord
from quickturn.bench.callers import CallSpec, build_calls
from quickturn.bench.conversations import SCRIPTS
from quickturn.bench.memory_probe import MemoryReading
from quickturn.bench.soak import SoakOptions, format_soak, soak
from quickturn.clock import VirtualClock
from quickturn.errors import ConfigError


async def test_soak_runs_lanes_until_the_deadline_and_measures_drift() -> None:
    clock = VirtualClock()
    pool = build_calls(8, 3)

    async def call(spec: CallSpec, on_record: Callable[[TurnRecord], None]) -> Any:
        for turn in range(len(spec.lines)):
            await clock.sleep(10.0)  # a turn every 10 virtual seconds
            # A2A rises with time: 1000 ms at the start, 1300 ms at 300 s.
            a2a = 1000.0 + clock.now()
            on_record(TurnRecord(spec.id, spec.persona.name, turn,
                                 dict.fromkeys(WATERFALL, None), a2a, a2a))

    warm_at: list[float] = []
    options = SoakOptions(parallel=2, seconds=300.0, sample_every_s=30.0, warmup_s=0.0)
    task = asyncio.ensure_future(soak(lambda i: pool[i % len(pool)], call, options,
                                      clock=clock.now, sleep=clock.sleep,
                                      # MiB, growing 2 per 30 s
                                      memory=lambda: MemoryReading(100 + clock.now() / 15, 4),
                                      on_warm=lambda: warm_at.append(clock.now())))
    await clock.run_until_done(task, limit_s=1000.0)
    result = task.result()
    # Each call takes 30 s; the last ones start before 300 s and finish by 300 s.
    assert result.calls == 20 and len(result.turns) == 60
    assert result.wall_s == pytest.approx(300.0)
    d = result.drift()
    # Turns finished by 60 s (1010..1060 ms) against those from 240 s on (1240..1300 ms).
    assert d["early"]["p50"] == pytest.approx(1035.0)
    assert d["late"]["p50"] == pytest.approx(1270.0)
    assert d["p95_change_ms"] == pytest.approx(240.0, abs=1.0)
    mem = result.memory()
    assert mem["start_mb"] == 100.0 and mem["growth_pct"] > 0
    assert mem["warm_mb"] >= mem["start_mb"] and mem["peak_mb"] == mem["end_mb"]
    # 2 MiB per 30 s is 240 MiB per hour, from the least-squares fit.
    assert mem["slope_mb_per_h"] == pytest.approx(240.0)
    assert mem["late_half_slope_mb_per_h"] == pytest.approx(240.0)  # a leak keeps its slope
    assert warm_at == [0.0] and mem["heap_warm_end_mb"] is None
    # A2A climbs 240 ms between the windows: far outside the noise of 12 turns each.
    assert d["p95_within_noise"] is False
    low, high = d["p95_change_ci95_ms"]
    assert 0 < low <= d["p95_change_ms"] <= high
    assert "2 simultaneous calls" in format_soak(result)
    assert len(result.to_json()["timed_turns"]) == 60


def test_a_warm_up_longer_than_stated_flattens_in_the_late_half() -> None:
    from quickturn.bench.soak import SoakResult

    # RSS climbs 1 MiB a minute for 10 minutes, then stays: the warm-up was longer than the
    # 2 minutes stated. The slope over all the time after it is positive; the late half is 0.
    samples = [(float(t), MemoryReading(400.0 + min(t, 600) / 60.0, 7))
               for t in range(0, 1801, 30)]
    result = SoakResult(SoakOptions(seconds=1800.0, warmup_s=120.0), [], samples, 10, 1800.0)
    mem = result.memory()
    assert mem["slope_mb_per_h"] > 10 and mem["late_half_slope_mb_per_h"] == pytest.approx(0.0)
    assert mem["late_half_from_s"] == 960.0
    assert "second half after the warm-up): 0.0 MiB/h" in format_soak(result)


def test_memory_growth_compares_window_medians_not_single_samples() -> None:
    from quickturn.bench.soak import SoakResult

    # Flat at 500 MiB with calls swinging it: every third sample (a call at its peak) is 80 MiB
    # higher. The warm sample falls on a low point and the end one on a peak, so sample to
    # sample it reads +16 %; the medians of the 5-minute windows stay at 500.
    samples = [(float(t), MemoryReading(500.0 + (80.0 if (t // 10) % 3 == 2 else 0.0), 7))
               for t in range(0, 1801, 10)]
    samples[-1] = (1800.0, MemoryReading(580.0, 7))
    result = SoakResult(SoakOptions(seconds=1800.0, warmup_s=600.0), [], samples, 10, 1800.0)
    mem = result.memory()
    assert mem["growth_after_warm_pct"] == 16.0
    assert [t for t, _ in mem["window_medians_mb"]] == [600.0, 900.0, 1200.0, 1500.0]
    assert {v for _, v in mem["window_medians_mb"]} == {500.0}
    assert mem["median_growth_after_warm_pct"] == 0.0
    assert mem["median_slope_mb_per_h"] == pytest.approx(0.0)
    assert "500, 500, 500, 500 MiB (first->last +0.0 %" in format_soak(result)
    # A leak moves the medians: 1 MiB a minute after the warm-up is +5 MiB per window.
    leaking = [(t, MemoryReading(r.rss_mb + max(0.0, t - 600) / 60.0, 7)) for t, r in samples]
    leak = SoakResult(SoakOptions(seconds=1800.0, warmup_s=600.0), [], leaking, 10, 1800.0)
    assert leak.memory()["median_slope_mb_per_h"] == pytest.approx(60.0, abs=1.0)
    assert leak.memory()["median_growth_after_warm_pct"] > 2.5


async def test_growth_and_drift_count_from_the_end_of_the_warm_up() -> None:
    clock = VirtualClock()
    pool = build_calls(4, 2)

    def rss() -> MemoryReading:
        # 300 MiB while warming up (to 120 s), then flat at 500: a warm-up, not a leak.
        return MemoryReading(300.0 if clock.now() < 120 else 500.0, 4, heap_mb=20.0,
                             load_1m=2.0 if clock.now() < 300 else 4.0)

    async def call(spec: CallSpec, on_record: Callable[[TurnRecord], None]) -> Any:
        for turn in range(len(spec.lines)):
            await clock.sleep(10.0)
            # Slow first turns (cold caches), then the same A2A every turn, with a little jitter.
            a2a = 3000.0 if clock.now() < 120 else 1000.0 + (clock.now() % 30)
            on_record(TurnRecord(spec.id, spec.persona.name, turn,
                                 dict.fromkeys(WATERFALL, None), a2a, a2a))

    options = SoakOptions(parallel=1, seconds=600.0, sample_every_s=10.0, warmup_s=120.0)
    task = asyncio.ensure_future(soak(lambda i: pool[i % len(pool)], call, options,
                                      clock=clock.now, sleep=clock.sleep, memory=rss))
    await clock.run_until_done(task, limit_s=2000.0)
    result = task.result()
    mem, d = result.memory(), result.drift()
    assert mem["growth_pct"] == pytest.approx(66.67, abs=0.01)  # start -> end counts the warm-up
    assert mem["warm_mb"] == 500.0 and mem["growth_after_warm_pct"] == 0.0
    assert mem["slope_mb_per_h"] == pytest.approx(0.0)
    assert mem["heap_warm_end_mb"] == [20.0, 20.0]
    assert d["from_s"] == 120.0 and d["early"]["max"] < 1100  # the cold turns are left out
    assert d["p95_within_noise"] is True
    assert d["load_1m_early_late"] == [2.0, 4.0]  # the machine's load beside each window
    text = format_soak(result)
    assert "warm-up 120 s" in text and "within noise" in text and "0.0 MiB/h" in text


def test_soak_options_are_validated() -> None:
    with pytest.raises(ConfigError):
        SoakOptions(parallel=0)
    with pytest.raises(ConfigError):
        SoakOptions(edge_fraction=0.8)
    with pytest.raises(ConfigError):
        SoakOptions(seconds=60.0, warmup_s=60.0)
    with pytest.raises(ConfigError):
        SoakOptions(memory_window_s=0.0)
    assert SoakOptions(seconds=100.0).warmup == 20.0


def test_callers_vary_and_long_calls_continue_across_scripts() -> None:
    calls = build_calls(4, 60)
    assert len({c.persona.name for c in calls}) == 4
    assert len({c.persona.voice for c in calls}) == 2
    assert all(len(c.lines) == 60 for c in calls)
    # A long call never wraps up mid-way: no script's closing line (a goodbye ends a real call).
    closers = {script.user_turns[-1] for script in SCRIPTS}
    assert not any(part in closers for c in calls for line in c.lines for part in line.parts)
    assert [line.parts for line in build_calls(1, 3)[0].lines] == [
        (t,) for t in SCRIPTS[0].user_turns[:3]
    ]
    hesitant = next(c for c in calls if c.persona.pause_s is not None)
    assert any(len(line.parts) == 2 for line in hesitant.lines)
    with pytest.raises(ConfigError):
        build_calls(0, 3)
