"""This process's memory, read during a soak: resident memory (RSS), OS threads, and optionally
the Python heap (``tracemalloc``), so growth can be told apart: Python objects kept alive (the
heap grows with RSS), native memory (RSS grows, the heap does not), or freed memory the C
allocator keeps for reuse (it comes back when ``malloc_trim`` returns it to the OS).
"""

from __future__ import annotations

import os
import tracemalloc
from dataclasses import dataclass
from typing import Any

from quickturn.allocator import release_free_memory

_MIB = 1024 * 1024


@dataclass(frozen=True)
class MemoryReading:
    rss_mb: float
    threads: int
    heap_mb: float | None = None
    """Python heap traced by tracemalloc (None: not tracing)."""
    load_1m: float | None = None
    """The machine's 1-minute load average at the time: what the latency beside it is worth."""


class MemoryProbe:
    """Reads this process (psutil); with ``trace_heap`` it also traces the Python heap, snapshots
    it once warm (``mark_warm``) and says which allocation sites grew since (``top_growth``).
    Tracing costs CPU on every allocation, so it is off unless asked for."""

    def __init__(self, trace_heap: bool = False, frames: int = 6) -> None:
        import psutil

        self._process = psutil.Process()
        self._trace = trace_heap
        self._frames = frames
        self._warm: tracemalloc.Snapshot | None = None

    def __enter__(self) -> MemoryProbe:
        if self._trace and not tracemalloc.is_tracing():
            tracemalloc.start(self._frames)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._trace:
            tracemalloc.stop()

    def read(self) -> MemoryReading:
        heap = tracemalloc.get_traced_memory()[0] / _MIB if tracemalloc.is_tracing() else None
        return MemoryReading(self._process.memory_info().rss / _MIB,
                             self._process.num_threads(), heap, os.getloadavg()[0])

    def mark_warm(self) -> None:
        if tracemalloc.is_tracing():
            self._warm = _snapshot()

    def top_growth(self, n: int = 8) -> list[dict[str, Any]]:
        """The ``n`` allocation sites whose live Python memory grew most since ``mark_warm``."""
        if self._warm is None or not tracemalloc.is_tracing():
            return []
        stats = _snapshot().compare_to(self._warm, "traceback")
        return [{"kib": round(s.size_diff / 1024, 1), "blocks": s.count_diff,
                 "where": [str(f) for f in s.traceback][-3:]} for s in stats[:n]]


def _snapshot() -> tracemalloc.Snapshot:
    return tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__)])


def trimmed_rss_mb(probe: MemoryProbe) -> float | None:
    """RSS after glibc's ``malloc_trim(0)`` hands freed heap pages back to the OS; None where
    there is no glibc. RSS minus this is memory that was freed but kept by the allocator."""
    if not release_free_memory():
        return None
    return probe.read().rss_mb
