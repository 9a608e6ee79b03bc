"""The soak's memory probe on this process: RSS and threads, the Python heap when traced, and
the allocation sites that grew after the warm-up mark."""

from __future__ import annotations

from quickturn.bench.memory_probe import MemoryProbe, trimmed_rss_mb


def test_untraced_probe_reads_rss_and_threads_only() -> None:
    with MemoryProbe() as probe:
        reading = probe.read()
    assert reading.rss_mb > 10 and reading.threads >= 1 and reading.heap_mb is None
    assert probe.top_growth() == []


def test_traced_probe_names_what_grew_after_the_warm_up() -> None:
    kept: list[bytes] = []
    with MemoryProbe(trace_heap=True) as probe:
        before = probe.read()
        probe.mark_warm()
        kept.extend(bytes(64 * 1024) for _ in range(64))  # 4 MiB kept alive: a "leak"
        after = probe.read()
        growth = probe.top_growth(3)
    assert before.heap_mb is not None and after.heap_mb is not None
    assert after.heap_mb - before.heap_mb > 3.5
    top = growth[0]
    assert top["kib"] > 3500 and any(__file__ in where for where in top["where"])
    assert len(kept) == 64


def test_trim_returns_rss_on_glibc() -> None:
    with MemoryProbe() as probe:
        trimmed = trimmed_rss_mb(probe)
        assert trimmed is None or 0 < trimmed <= probe.read().rss_mb + 1.0
