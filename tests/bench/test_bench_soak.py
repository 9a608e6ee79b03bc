"""The soak loop on a virtual clock: lanes place calls until the deadline, drift compares the
first and last fifth, memory growth is start to end."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from quickturn.bench.a2a import WATERFALL, TurnRecord
from quickturn.bench.callers import CallSpec, build_calls
from quickturn.bench.soak import SoakOptions, format_soak, soak
from quickturn.clock import VirtualClock
from quickturn.errors import ConfigError


async def test_soak_runs_lanes_until_the_deadline_and_measures_drift() -> None:
    clock = VirtualClock()
    pool = build_calls(8, 3)
    memory = iter(range(100, 10_000, 2))  # MiB, growing 2 per sample

    async def call(spec: CallSpec, on_record: Callable[[TurnRecord], None]) -> Any:
        for turn in range(len(spec.lines)):
            await clock.sleep(10.0)  # a turn every 10 virtual seconds
            # A2A rises with time: 1000 ms at the start, 1300 ms at 300 s.
            a2a = 1000.0 + clock.now()
            on_record(TurnRecord(spec.id, spec.persona.name, turn,
                                 dict.fromkeys(WATERFALL, None), a2a, a2a))

    options = SoakOptions(parallel=2, seconds=300.0, sample_every_s=30.0)
    task = asyncio.ensure_future(soak(lambda i: pool[i % len(pool)], call, options,
                                      clock=clock.now, sleep=clock.sleep,
                                      memory=lambda: float(next(memory))))
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
    assert "2 simultaneous calls" in format_soak(result)
    assert len(result.to_json()["timed_turns"]) == 60


def test_soak_options_are_validated() -> None:
    with pytest.raises(ConfigError):
        SoakOptions(parallel=0)
    with pytest.raises(ConfigError):
        SoakOptions(edge_fraction=0.8)


def test_callers_vary_and_long_calls_continue_across_scripts() -> None:
    calls = build_calls(4, 60)
    assert len({c.persona.name for c in calls}) == 4
    assert len({c.persona.voice for c in calls}) == 2
    assert all(len(c.lines) == 60 for c in calls)
    hesitant = next(c for c in calls if c.persona.pause_s is not None)
    assert any(len(line.parts) == 2 for line in hesitant.lines)
    with pytest.raises(ConfigError):
        build_calls(0, 3)
