"""Soak: N simultaneous simulated calls for a given time; p95 drift and memory growth.

Each of the N lanes places calls back to back (a fresh session per call, the next script and
persona each time) until the soak's time is up; a call in progress then finishes, so the soak
ends within one call of its deadline. This process's memory is read every few seconds.

The first calls allocate a working set that then stays (allocator pools, engine buffers sized
by the longest input seen so far), so growth is reported from the end of a stated warm-up as
well as from the start, and as a slope (MiB per hour, least squares over the samples after the
warm-up): a leak keeps its slope, a warm-up flattens. Drift compares A2A in the first and last
``edge_fraction`` of the time after the warm-up, with a bootstrap interval of the p95 change:
an interval that holds 0 is within the noise of that many turns.

One memory sample lands between calls or with two calls at their peak (it swings by +-70 MiB
on the voice pipeline), so the headline growth compares medians of fixed windows
(``memory_window_s``): the first window after the warm-up against the last, and a slope fitted
to the window medians.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from quickturn.bench.a2a import TurnRecord
from quickturn.bench.callers import CallSpec
from quickturn.bench.memory_probe import MemoryReading
from quickturn.bench.stats import Distribution, change_interval, slope_per_hour
from quickturn.errors import ConfigError

RunCall = Callable[[CallSpec, Callable[[TurnRecord], None]], Awaitable[Any]]


@dataclass(frozen=True)
class SoakOptions:
    parallel: int = 2
    seconds: float = 1800.0
    sample_every_s: float = 5.0
    edge_fraction: float = 0.2
    """Share of the time after the warm-up, at each end, compared for drift."""
    warmup_s: float | None = None
    """Growth and drift are measured from here on; None: the first ``edge_fraction`` of the
    soak."""
    memory_window_s: float = 300.0
    """Memory is summarized as the median RSS of windows this long."""

    def __post_init__(self) -> None:
        if self.parallel < 1:
            raise ConfigError("parallel calls must be >= 1")
        if self.seconds <= 0 or self.sample_every_s <= 0 or self.memory_window_s <= 0:
            raise ConfigError("seconds, sample_every_s and memory_window_s must be > 0")
        if not 0 < self.edge_fraction <= 0.5:
            raise ConfigError("edge_fraction must be in (0, 0.5]")
        if self.warmup_s is not None and not 0 <= self.warmup_s < self.seconds:
            raise ConfigError("the warm-up must be >= 0 and shorter than the soak")

    @property
    def warmup(self) -> float:
        return self.seconds * self.edge_fraction if self.warmup_s is None else self.warmup_s


@dataclass(frozen=True)
class TimedTurn:
    at_s: float  # seconds since the soak started, when the turn's metrics arrived
    lane: int
    record: TurnRecord


@dataclass(frozen=True)
class SoakResult:
    options: SoakOptions
    turns: list[TimedTurn] = field(hash=False)
    samples: list[tuple[float, MemoryReading]] = field(hash=False)  # (seconds since start, …)
    calls: int
    wall_s: float
    end_trimmed_mb: float | None = None
    """RSS at the end after the allocator returned its free pages (None: not measured)."""
    heap_growth: list[dict[str, Any]] = field(default_factory=list, hash=False)
    """With heap tracing: the allocation sites that grew most after the warm-up."""

    @property
    def rss_mb(self) -> list[tuple[float, float]]:
        return [(t, r.rss_mb) for t, r in self.samples]

    def _a2a(self, low: float, high: float) -> list[float]:
        return [t.record.a2a_ms for t in self.turns
                if low <= t.at_s <= high and t.record.a2a_ms is not None]

    def drift(self) -> dict[str, Any]:
        warm = min(self.options.warmup, self.wall_s)
        edge = (self.wall_s - warm) * self.options.edge_fraction
        early_v, late_v = self._a2a(warm, warm + edge), self._a2a(self.wall_s - edge, self.wall_s)
        early, late = Distribution.of(early_v), Distribution.of(late_v)
        interval = change_interval(early_v, late_v)
        loads = {name: [r.load_1m for t, r in self.samples if lo <= t <= hi
                        and r.load_1m is not None]
                 for name, lo, hi in (("early", warm, warm + edge),
                                      ("late", self.wall_s - edge, self.wall_s))}
        out: dict[str, Any] = {
            "from_s": round(warm, 1), "window_s": round(edge, 1),
            "early": None if early is None else early.to_json(),
            "late": None if late is None else late.to_json(),
            "p95_change_ms": None, "p50_change_ms": None,
            "p95_change_ci95_ms": None if interval is None else [round(v, 1) for v in interval],
            "p95_within_noise": None if interval is None else interval[0] <= 0 <= interval[1],
            "load_1m_early_late": [round(sum(v) / len(v), 2) if v else None
                                   for v in loads.values()],
        }
        if early is not None and late is not None:
            out["p95_change_ms"] = late.p95 - early.p95
            out["p50_change_ms"] = late.p50 - early.p50
        return out

    def memory(self) -> dict[str, Any]:
        keys = ("start_mb", "warm_mb", "end_mb", "peak_mb", "growth_pct",
                "growth_after_warm_pct", "slope_mb_per_h", "slope_pct_per_h",
                "late_half_slope_mb_per_h", "window_medians_mb", "median_growth_after_warm_pct",
                "median_slope_mb_per_h")
        if not self.samples:
            return dict.fromkeys(keys)
        start, end = self.samples[0][1], self.samples[-1][1]
        warm_at = self.options.warmup
        after = [(t, r) for t, r in self.samples if t >= warm_at] or [self.samples[-1]]
        warm = after[0][1]
        slope = slope_per_hour([(t, r.rss_mb) for t, r in after])
        # The second half of the time after the warm-up alone: a warm-up that ran longer than
        # stated shows as a slope that flattens here; a leak keeps it.
        half = (after[0][0] + after[-1][0]) / 2
        late_slope = slope_per_hour([(t, r.rss_mb) for t, r in after if t >= half])
        heap = [(t, r.heap_mb) for t, r in after if r.heap_mb is not None]
        out: dict[str, Any] = {
            "warmup_s": round(warm_at, 1),
            "start_mb": round(start.rss_mb, 1), "warm_mb": round(warm.rss_mb, 1),
            "end_mb": round(end.rss_mb, 1),
            "peak_mb": round(max(r.rss_mb for _, r in self.samples), 1),
            "growth_pct": _pct(start.rss_mb, end.rss_mb),
            "growth_after_warm_pct": _pct(warm.rss_mb, end.rss_mb),
            "slope_mb_per_h": None if slope is None else round(slope, 1),
            "slope_pct_per_h": None if slope is None else round(slope / warm.rss_mb * 100, 2),
            "late_half_from_s": round(half, 1),
            "late_half_slope_mb_per_h": None if late_slope is None else round(late_slope, 1),
            "end_trimmed_mb": None if self.end_trimmed_mb is None
            else round(self.end_trimmed_mb, 1),
            "threads_start_end": [start.threads, end.threads],
            "heap_warm_end_mb": [round(heap[0][1], 2), round(heap[-1][1], 2)] if heap else None,
        }
        heap_slope = slope_per_hour(heap)
        out["heap_slope_mb_per_h"] = None if heap_slope is None else round(heap_slope, 2)
        return out | self._window_medians(warm_at)

    def _window_medians(self, warm_at: float) -> dict[str, Any]:
        """Median RSS per ``memory_window_s`` window counted from the end of the warm-up (a
        last window shorter than half of one is left out), their growth first to last, and a
        slope fitted to them at each window's middle."""
        width = self.options.memory_window_s
        end = self.samples[-1][0]
        windows: list[tuple[float, float]] = []
        start = warm_at
        while start < end and (end - start) >= width / 2:
            values = [r.rss_mb for t, r in self.samples if start <= t < start + width]
            if values:
                windows.append((start, statistics.median(values)))
            start += width
        slope = slope_per_hour([(t + width / 2, v) for t, v in windows])
        return {
            "window_s": width,
            "window_medians_mb": [[round(t, 1), round(v, 1)] for t, v in windows],
            "median_growth_after_warm_pct": _pct(windows[0][1], windows[-1][1])
            if len(windows) >= 2 else None,
            "median_slope_mb_per_h": None if slope is None else round(slope, 1),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "parallel": self.options.parallel, "seconds": self.options.seconds,
            "wall_s": round(self.wall_s, 1), "calls": self.calls, "turns": len(self.turns),
            "drift_a2a_ms": self.drift(), "memory": self.memory(),
            "rss_mb": [[round(t, 1), round(r.rss_mb, 1)] for t, r in self.samples],
            "heap_mb": [[round(t, 1), round(r.heap_mb, 2)] for t, r in self.samples
                        if r.heap_mb is not None],
            "load_1m": [[round(t, 1), round(r.load_1m, 2)] for t, r in self.samples
                        if r.load_1m is not None],
            "heap_growth_after_warmup": self.heap_growth,
            "timed_turns": [{"at_s": round(t.at_s, 2), "lane": t.lane} | t.record.to_json()
                            for t in self.turns],
        }


def _pct(start: float, end: float) -> float | None:
    return round((end - start) / start * 100.0, 2) if start else None


async def soak(
    specs: Callable[[int], CallSpec],
    run_call: RunCall,
    options: SoakOptions,
    *,
    memory: Callable[[], MemoryReading],
    clock: Callable[[], float] = time.perf_counter,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    on_turn: Callable[[TimedTurn], None] = lambda _t: None,
    on_warm: Callable[[], None] = lambda: None,
) -> SoakResult:
    """``specs(i)`` is the i-th call to place; ``run_call(spec, on_record)`` plays one call;
    ``on_warm`` runs once, at the first memory sample after the warm-up."""
    t0 = clock()
    deadline = t0 + options.seconds
    turns: list[TimedTurn] = []
    samples: list[tuple[float, MemoryReading]] = [(0.0, memory())]
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
        warm = options.warmup <= 0
        if warm:
            on_warm()
        while not stop.is_set():
            await sleep(options.sample_every_s)
            at = clock() - t0
            if not warm and at >= options.warmup:
                warm = True
                on_warm()
            samples.append((at, memory()))

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

    ci = d["p95_change_ci95_ms"]
    noise = "-" if ci is None else (
        f"95 % interval {ci[0]:+.0f}..{ci[1]:+.0f} ms: "
        + ("within noise" if d["p95_within_noise"] else "beyond noise"))
    lines = [
        f"soak: {result.options.parallel} simultaneous calls for {result.wall_s:.0f} s, "
        f"{result.calls} calls, {len(result.turns)} turns; warm-up {d['from_s']:.0f} s, "
        f"drift windows {d['window_s']:.0f} s at each end after it",
        f"A2A p50 early/late: {cell(d['early'], 'p50')} / {cell(d['late'], 'p50')} ms "
        f"({change(d['p50_change_ms'])} ms)",
        f"A2A p95 early/late: {cell(d['early'], 'p95')} / {cell(d['late'], 'p95')} ms "
        f"({change(d['p95_change_ms'])} ms; {noise}); load average in the windows "
        f"{d['load_1m_early_late'][0]} / {d['load_1m_early_late'][1]}",
        f"RSS start/warm/end/peak: {m['start_mb']} / {m['warm_mb']} / {m['end_mb']} / "
        f"{m['peak_mb']} MiB (start->end {m['growth_pct']} %, warm->end "
        f"{m['growth_after_warm_pct']} %, slope after warm-up {m['slope_mb_per_h']} MiB/h = "
        f"{m['slope_pct_per_h']} %/h)",
    ]
    if m.get("median_growth_after_warm_pct") is not None:
        medians = ", ".join(f"{v:.0f}" for _, v in m["window_medians_mb"])
        lines.append(f"RSS median per {m['window_s']:.0f} s window from the warm-up on: "
                     f"{medians} MiB (first->last {m['median_growth_after_warm_pct']:+} %, "
                     f"slope over the medians {m['median_slope_mb_per_h']} MiB/h)")
    if m.get("late_half_slope_mb_per_h") is not None:
        lines.append(f"RSS slope from {m['late_half_from_s']:.0f} s to the end (the second half "
                     f"after the warm-up): {m['late_half_slope_mb_per_h']} MiB/h")
    if m.get("end_trimmed_mb") is not None:
        lines.append(f"RSS at the end after malloc_trim: {m['end_trimmed_mb']} MiB (the rest "
                     "was freed memory the allocator kept)")
    if m.get("heap_warm_end_mb") is not None:
        lines.append(f"Python heap warm/end: {m['heap_warm_end_mb'][0]} / "
                     f"{m['heap_warm_end_mb'][1]} MiB (slope {m['heap_slope_mb_per_h']} MiB/h)")
    return "\n".join(lines)
