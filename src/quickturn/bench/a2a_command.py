"""``quickturn bench a2a``: simulated calls through the whole local voice pipeline.

Prints the per-stage waterfall (p50/p95 of the time each stage added), A2A and the answer's own
first audio, beside the audit's best-case cloud cascade; with many turns, the same by turn index
(drift). Writes ``a2a.json`` (every turn's stamps), PNG charts and ``report.html``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import UTC, datetime
from typing import Any

from quickturn.bench.a2a import AUDIT_BUDGET_MS, TurnRecord, by_turn_index, drift, waterfall
from quickturn.bench.call_cli import (
    add_pipeline_arguments,
    add_subcommand,
    bounded,
    load_avg,
    out_dir,
    report_tables,
    stack_options,
    waterfall_charts,
)
from quickturn.bench.callers import build_calls
from quickturn.bench.html_report import write_json_atomic, write_page
from quickturn.bench.interrupt import sigterm_as_interrupt
from quickturn.bench.progress import progress_bar
from quickturn.errors import ConfigError


def register(subparsers: Any) -> None:
    p = add_subcommand(subparsers, "a2a", "audio-to-audio waterfall over simulated calls (whole "
                       "local pipeline)", __doc__)
    add_pipeline_arguments(p)
    p.add_argument("--calls", type=int, default=4, help="simulated calls, one after another")
    p.add_argument("--max-minutes", type=float, default=30.0,
                   help="stop after this long (the turns measured so far are kept)")
    p.set_defaults(func=run_command)


async def _run(
    args: argparse.Namespace, records: list[TurnRecord], calls: list[dict[str, Any]]
) -> None:
    """Appends every turn to ``records`` as it is measured (an interrupted run keeps them)."""
    from quickturn.assets import ModelPaths, default_cache_dir
    from quickturn.bench.a2a_call import load_pipeline, run_call

    specs = build_calls(args.calls, args.turns)
    stack = stack_options(args)

    def say(message: str) -> None:
        print(f"[a2a] {message}", file=sys.stderr, flush=True)

    pipe = await load_pipeline(args.llm, ModelPaths(default_cache_dir()), say, args.tts,
                               args.flows)
    try:
        with progress_bar(len(specs) * args.turns, "a2a turns",
                          enabled=not args.no_progress) as advance:

            def on_record(r: TurnRecord) -> None:
                records.append(r)
                advance(f"{r.call} t{r.turn_index} A2A {r.a2a_ms or 0:.0f} ms")

            for spec in specs:
                result = await run_call(pipe, spec, stack, on_record=on_record)
                calls.append({"call": spec.id, "caller": spec.persona.name,
                              "voice": spec.persona.voice, "turns_answered": len(result.records),
                              "errors": result.errors, "caller_timeouts": result.caller_timeouts,
                              "wall_s": round(result.wall_s, 2)})
    finally:
        await pipe.aclose()


def run_command(args: argparse.Namespace) -> int:
    if args.calls < 1 or args.turns < 1:
        raise ConfigError("--calls and --turns must be >= 1")
    if args.max_minutes <= 0:
        raise ConfigError("--max-minutes must be > 0")
    stack_options(args)  # validate before any model loads
    out = out_dir(args, "a2a")
    started = datetime.now(UTC).isoformat(timespec="seconds")
    records: list[TurnRecord] = []
    calls: list[dict[str, Any]] = []
    interrupted = False
    stopped_at_limit = False
    try:
        with sigterm_as_interrupt():
            _, stopped_at_limit = asyncio.run(
                bounded(_run(args, records, calls), args.max_minutes * 60.0))
    except KeyboardInterrupt:
        interrupted = True  # the turns measured so far are written below
    payload = {
        "meta": {"started_at": started, "llm": args.llm, "flows": args.flows, "tts": args.tts,
                 "patience_ms": args.patience_ms, "calls": args.calls, "turns": args.turns,
                 "reply_deadline_s": args.reply_deadline_s,
                 "host_cpus": os.cpu_count(), "load_avg": load_avg(),
                 "interrupted": interrupted, "max_minutes": args.max_minutes,
                 "stopped_at_limit": stopped_at_limit},
        "waterfall": waterfall(records).to_json(),
        "by_turn": {str(i): f.to_json() for i, f in by_turn_index(records).items()},
        "drift": drift(records).to_json() if records else None,
        "audit_budget_ms": dict(AUDIT_BUDGET_MS),
        "calls": calls,
        "turns": [r.to_json() for r in records],
    }
    json_path = write_json_atomic(out / "a2a.json", payload)
    if args.json is not None:
        write_json_atomic(args.json, payload)
    tables = report_tables(records)
    charts = waterfall_charts(records, out, "a2a")
    html = write_page(out / "report.html", "quickturn bench a2a", payload["meta"], tables, charts)
    for heading, text in tables:
        print(f"{heading}\n{text}\n")
    if stopped_at_limit:
        print(f"stopped at --max-minutes {args.max_minutes:g}: {len(records)} of "
              f"{args.calls * args.turns} turns measured", file=sys.stderr)
    print(f"results: {json_path}\nreport:  {html}", file=sys.stderr)
    if interrupted:
        return 130
    return 0 if records else 1
