"""Soak: N simultaneous simulated calls for a given time; p95 drift and memory growth.

Each of the N lanes places calls back to back (a fresh session per call, the next script and
persona each time) until the soak's time is up; a call in progress then finishes, so the soak
ends within one call of its deadline. This process's resident memory (RSS) is sampled every few
seconds. Drift compares A2A in the first and last fifth of the soak (by the time a turn
finished); growth compares RSS when the calls start with RSS at the end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from quickturn.bench.a2a import TurnRecord
from quickturn.bench.callers import CallSpec
from quickturn.bench.stats import Distribution
from quickturn.errors import ConfigError

RunCall = Callable[[CallSpec, Callable[[TurnRecord], None]], Awaitable[Any]]


@dataclass(frozen=True)
class SoakOptions:
    parallel: int = 2
    seconds: float = 1800.0
    sample_every_s: float = 5.0
    edge_fraction: float = 0.2
    """Share of the soak's time at each end compared for drift."""

    def __post_init__(self) -> None:
        if self.parallel < 1:
            raise ConfigError("parallel calls must be >= 1")
        if self.seconds <= 0 or self.sample_every_s <= 0:
            raise ConfigError("seconds and sample_every_s must be > 0")
        if not 0 < self.edge_fraction <= 0.5:
            raise ConfigError("edge_fraction must be in (0, 0.5]")


@dataclass(frozen=True)
class TimedTurn:
    at_s: float  # seconds since the soak started, when the turn's metrics arrived
    lane: int
    record: TurnRecord


@dataclass(frozen=True)
class SoakResult:
    options: SoakOptions
    turns: list[TimedTurn] = field(hash=False)
    rss_mb: list[tuple[float, float]] = field(hash=False)  # (seconds since start, MiB)
    calls: int
    wall_s: float

    def _window(self, early: bool) -> Distribution | None:
        edge = self.wall_s * self.options.edge_fraction
        if early:
            chosen = [t for t in self.turns if t.at_s <= edge]
        else:
            chosen = [t for t in self.turns if t.at_s >= self.wall_s - edge]
        return Distribution.of([t.record.a2a_ms for t in chosen if t.record.a2a_ms is not None])

    def drift(self) -> dict[str, Any]:
        early, late = self._window(True), self._window(False)
        out: dict[str, Any] = {
            "early": None if early is None else early.to_json(),
            "late": None if late is None else late.to_json(),
            "p95_change_ms": None, "p50_change_ms": None,
        }
        if early is not None and late is not None:
            out["p95_change_ms"] = late.p95 - early.p95
            out["p50_change_ms"] = late.p50 - early.p50
        return out

    def memory(self) -> dict[str, Any]:
        if not self.rss_mb:
            return {"start_mb": None, "warm_mb": None, "end_mb": None, "peak_mb": None,
                    "growth_pct": None, "growth_after_warm_pct": None}
        start, end = self.rss_mb[0][1], self.rss_mb[-1][1]
        # Also from the end of the early window: the first calls allocate their working set
        # (caller audio, session buffers), which is set-up, not a leak.
        edge = self.wall_s * self.options.edge_fraction
        warm = next((v for t, v in self.rss_mb if t >= edge), end)
        return {
            "start_mb": round(start, 1), "warm_mb": round(warm, 1), "end_mb": round(end, 1),
            "peak_mb": round(max(v for _, v in self.rss_mb), 1),
            "growth_pct": _pct(start, end), "growth_after_warm_pct": _pct(warm, end),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "parallel": self.options.parallel, "seconds": self.options.seconds,
            "wall_s": round(self.wall_s, 1), "calls": self.calls, "turns": len(self.turns),
            "drift_a2a_ms": self.drift(), "memory": self.memory(),
            "rss_mb": [[round(t, 1), round(v, 1)] for t, v in self.rss_mb],
            "timed_turns": [{"at_s": round(t.at_s, 2), "lane": t.lane} | t.record.to_json()
                            for t in self.turns],
        }


def _pct(start: float, end: float) -> float | None:
    return round((end - start) / start * 100.0, 2) if start else None


def rss_mb() -> float:
    """This process's resident memory in MiB (psutil: portable, and well kept)."""
    import psutil

    return float(psutil.Process().memory_info().rss) / (1024 * 1024)


async def soak(
    specs: Callable[[int], CallSpec],
    run_call: RunCall,
    options: SoakOptions,
    *,
    clock: Callable[[], float] = time.perf_counter,
    memory: Callable[[], float] = rss_mb,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    on_turn: Callable[[TimedTurn], None] = lambda _t: None,
) -> SoakResult:
    """``specs(i)`` is the i-th call to place; ``run_call(spec, on_record)`` plays one call."""
    t0 = clock()
    deadline = t0 + options.seconds
    turns: list[TimedTurn] = []
    samples: list[tuple[float, float]] = [(0.0, memory())]
    placed = 0
    stop = asyncio.Event()

    async def lane(index: int) -> None:
        nonlocal placed
        while clock() < deadline:
            spec = specs(placed)
            placed += 1

            def record(r: TurnRecord, index: int = index) -> None:
                turn = TimedTurn(clock() - t0, index, r)
                turns.append(turn)
                on_turn(turn)

            await run_call(spec, record)

    async def sampler() -> None:
        while not stop.is_set():
            await sleep(options.sample_every_s)
            samples.append((clock() - t0, memory()))

    async with asyncio.TaskGroup() as tg:
        watch = tg.create_task(sampler())
        async with asyncio.TaskGroup() as lanes:
            for i in range(options.parallel):
                lanes.create_task(lane(i))
        stop.set()
        watch.cancel()
    samples.append((clock() - t0, memory()))
    return SoakResult(options, turns, samples, placed, clock() - t0)


def format_soak(result: SoakResult) -> str:
    d, m = result.drift(), result.memory()

    def cell(window: dict[str, Any] | None, stat: str) -> str:
        return "-" if window is None else f"{window[stat]:.0f}"

    def change(v: float | None) -> str:
        return "-" if v is None else f"{v:+.0f}"

    lines = [
        f"soak: {result.options.parallel} simultaneous calls for {result.wall_s:.0f} s, "
        f"{result.calls} calls, {len(result.turns)} turns",
        f"A2A p50 early/late: {cell(d['early'], 'p50')} / {cell(d['late'], 'p50')} ms "
        f"({change(d['p50_change_ms'])} ms)",
        f"A2A p95 early/late: {cell(d['early'], 'p95')} / {cell(d['late'], 'p95')} ms "
        f"({change(d['p95_change_ms'])} ms)",
        f"RSS start/warm/end/peak: {m['start_mb']} / {m['warm_mb']} / {m['end_mb']} / "
        f"{m['peak_mb']} MiB (growth start->end {m['growth_pct']} %, "
        f"warm->end {m['growth_after_warm_pct']} %)",
    ]
    return "\n".join(lines)

