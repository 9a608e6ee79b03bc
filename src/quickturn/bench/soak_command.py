"""``quickturn bench soak``: N simultaneous simulated calls for a given time (30 min default).

Reports A2A p50/p95 early and late after a warm-up (drift, with a bootstrap interval), and this
process's memory from start, and from the end of the warm-up, to the end (growth and slope);
``--trace-heap`` also traces the Python heap, to tell kept objects from native memory. Writes
``soak.json``, PNG charts and ``report.html``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from quickturn.bench.a2a import TurnRecord
from quickturn.bench.call_cli import (
    add_pipeline_arguments,
    add_subcommand,
    load_avg,
    out_dir,
    report_tables,
    stack_options,
    waterfall_charts,
)
from quickturn.bench.callers import CallSpec, build_calls
from quickturn.bench.charts import Series, line_chart
from quickturn.bench.html_report import write_json_atomic, write_page
from quickturn.bench.memory_probe import MemoryProbe, trimmed_rss_mb
from quickturn.bench.progress import progress_bar
from quickturn.bench.soak import SoakOptions, SoakResult, format_soak, soak
from quickturn.errors import ConfigError


def register(subparsers: Any) -> None:
    p = add_subcommand(subparsers, "soak", "simultaneous simulated calls for a while: p95 drift "
                       "and memory growth", __doc__)
    add_pipeline_arguments(p)
    p.add_argument("--parallel", type=int, default=2, help="simultaneous calls")
    p.add_argument("--minutes", type=float, default=30.0, help="how long to keep calling")
    p.add_argument("--warmup-minutes", type=float, default=None,
                   help="growth and drift count from here (default: a third of the soak, at most "
                   "10 minutes: the voice pipeline's memory levels off after ~10)")
    p.add_argument("--memory-window-minutes", type=float, default=5.0,
                   help="memory is reported as the median RSS of windows this long")
    p.add_argument("--trace-heap", action="store_true",
                   help="also trace the Python heap (tracemalloc; slows Python code)")
    p.set_defaults(func=run_command)


async def _run(args: argparse.Namespace, options: SoakOptions) -> SoakResult:
    from quickturn.assets import ModelPaths, default_cache_dir
    from quickturn.bench.a2a_call import load_pipeline, run_call

    def say(message: str) -> None:
        print(f"[soak] {message}", file=sys.stderr, flush=True)

    with MemoryProbe(trace_heap=args.trace_heap) as probe:
        pipe = await load_pipeline(args.llm, ModelPaths(default_cache_dir()), say, args.tts,
                               args.flows)
        stack = stack_options(args)
        pool = build_calls(64, args.turns)

        def spec(i: int) -> CallSpec:
            return pool[i % len(pool)]

        async def one(spec: CallSpec, on_record: Callable[[TurnRecord], None]) -> Any:
            return await run_call(pipe, spec, stack, on_record=on_record)

        try:
            # The number of turns is not known up front: the bar counts them and shows the time.
            with progress_bar(None, "soak turns", enabled=not args.no_progress) as advance:
                result = await soak(spec, one, options, memory=probe.read,
                                    on_warm=probe.mark_warm, on_turn=lambda t: advance(
                        f"{t.at_s:.0f} s lane {t.lane} A2A {t.record.a2a_ms or 0:.0f} ms"))
        finally:
            await pipe.aclose()
        return dataclasses.replace(result, heap_growth=probe.top_growth(),
                                   end_trimmed_mb=trimmed_rss_mb(probe))


def run_command(args: argparse.Namespace) -> int:
    if args.turns < 1:
        raise ConfigError("--turns must be >= 1")
    warmup_minutes = (min(10.0, args.minutes / 3) if args.warmup_minutes is None
                      else args.warmup_minutes)
    options = SoakOptions(parallel=args.parallel, seconds=args.minutes * 60.0,
                          warmup_s=warmup_minutes * 60.0,
                          memory_window_s=args.memory_window_minutes * 60.0)
    stack_options(args)
    out = out_dir(args, "soak")
    started = datetime.now(UTC).isoformat(timespec="seconds")
    load_before = load_avg()
    result = asyncio.run(_run(args, options))
    load_after = load_avg()
    records = [t.record for t in result.turns]
    meta = {"started_at": started, "llm": args.llm, "flows": args.flows, "tts": args.tts,
            "parallel": args.parallel,
            "minutes": args.minutes, "warmup_s": options.warmup, "turns_per_call": args.turns,
            "trace_heap": args.trace_heap, "host_cpus": os.cpu_count(),
            "load_avg_start_end": [load_before, load_after]}
    payload = {"meta": meta, "soak": result.to_json()}
    json_path = write_json_atomic(out / "soak.json", payload)
    if args.json is not None:
        write_json_atomic(args.json, payload)
    summary = format_soak(result)
    charts = waterfall_charts(records, out, "soak")
    memory = [Series("RSS", result.rss_mb)]
    heap = [(t, r.heap_mb) for t, r in result.samples if r.heap_mb is not None]
    if heap:
        memory.append(Series("Python heap (tracemalloc)", heap))
    charts.append(line_chart(
        memory, out / "soak_memory.png", title="process memory during the soak",
        x_label="seconds", y_label="MiB",
    ))
    charts.append(line_chart(
        [Series(f"lane {lane}", [(t.at_s, t.record.a2a_ms) for t in result.turns
                                 if t.lane == lane and t.record.a2a_ms is not None])
         for lane in range(args.parallel)],
        out / "soak_a2a_over_time.png", title="A2A over the soak", x_label="seconds",
        y_label="ms",
    ))
    tables = [("Soak", summary), *report_tables(records)[:1]]
    html = write_page(out / "report.html", "quickturn bench soak", meta, tables, charts)
    print(summary)
    print(f"load average (1/5/15 min): {load_before} at the start, {load_after} at the end")
    print(f"results: {json_path}\nreport:  {html}", file=sys.stderr)
    return 0 if result.turns else 1
