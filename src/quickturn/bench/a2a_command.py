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
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from quickturn.bench.a2a import (
    AUDIT_BUDGET_MS,
    WATERFALL,
    TurnRecord,
    budget_columns,
    by_turn_index,
    drift,
    format_by_turn,
    format_waterfall,
    waterfall,
)
from quickturn.bench.callers import build_calls
from quickturn.bench.charts import Series, cdf_points, line_chart, stacked_bars
from quickturn.bench.html_report import write_json_atomic, write_page
from quickturn.bench.interrupt import sigterm_as_interrupt
from quickturn.bench.progress import progress_bar
from quickturn.errors import ConfigError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "a2a", help="audio-to-audio waterfall over simulated calls (whole local pipeline)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    add_pipeline_arguments(p)
    p.add_argument("--calls", type=int, default=4, help="simulated calls, one after another")
    p.add_argument("--turns", type=int, default=6, help="caller turns per call (60: drift)")
    p.set_defaults(func=run_command)


def add_pipeline_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--llm", default="canned", metavar="canned|embedded|URL",
                   help="canned replies (the pipeline without a model), the embedded model, or "
                        "an OpenAI-compatible base URL")
    p.add_argument("--tts", choices=("piper", "espeak"), default="piper")
    p.add_argument("--patience-ms", type=int, default=500, help="VAD patience")
    p.add_argument("--out", type=Path, default=None, help="output folder")
    p.add_argument("--json", type=Path, default=None, help="also write the JSON here")
    p.add_argument("--no-progress", action="store_true")


def out_dir(args: argparse.Namespace, kind: str) -> Path:
    if args.out is not None:
        path: Path = args.out
        return path
    return Path("runs") / datetime.now(UTC).strftime(f"{kind}-%Y%m%d-%H%M%S")


def stack_options(args: argparse.Namespace) -> Any:
    from quickturn.agent.stack import StackOptions

    return StackOptions(tts=args.tts, patience_ms=args.patience_ms)


def waterfall_charts(records: Sequence[TurnRecord], out: Path, prefix: str) -> list[Path]:
    fall = waterfall(records)
    stages = list(dict.fromkeys([*AUDIT_BUDGET_MS]))
    charts = [stacked_bars(
        budget_columns(fall), stages, out / f"{prefix}_waterfall.png",
        title="A2A waterfall: sum of stage medians vs. the audit's cloud cascade",
    )]
    a2a = [r.a2a_ms for r in records if r.a2a_ms is not None]
    reply = [r.reply_ms for r in records if r.reply_ms is not None]
    charts.append(line_chart(
        [Series("A2A (first audio)", cdf_points(a2a), step=True),
         Series("answer's own audio", cdf_points(reply), step=True)],
        out / f"{prefix}_cdf.png", title="audio-to-audio: CDF", x_label="ms",
        y_label="fraction of turns",
    ))
    per_turn = by_turn_index(records)
    if len(per_turn) > 1:
        lines = [Series("A2A p50", [(float(i), f.a2a.p50) for i, f in per_turn.items()
                                    if f.a2a is not None])]
        for stage in WATERFALL:
            pts = [(float(i), d.p50) for i, f in per_turn.items()
                   if (d := f.stages.get(stage)) is not None]
            lines.append(Series(stage, pts))
        charts.append(line_chart(lines, out / f"{prefix}_by_turn.png",
                                 title="A2A and stages by turn index (p50 over calls)",
                                 x_label="caller turn index", y_label="ms"))
    return charts


def report_tables(records: Sequence[TurnRecord]) -> list[tuple[str, str]]:
    tables = [("Waterfall", format_waterfall(waterfall(records)))]
    per_turn = by_turn_index(records)
    if len(per_turn) > 1:
        tables.append(("By turn index", format_by_turn(per_turn)))
        d = drift(records)
        change = d.a2a_change_p50_ms()
        tables.append(("Drift", (
            f"A2A p50, first {d.window} turn indices vs. last {d.window}: "
            + ("-" if change is None else f"{change:+.0f} ms")
            + f"\nearly stage p50s: { {k: round(v) for k, v in d.early_stages_p50.items()} }"
            + f"\nlate stage p50s:  { {k: round(v) for k, v in d.late_stages_p50.items()} }"
        )))
    return tables


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

    pipe = await load_pipeline(args.llm, ModelPaths(default_cache_dir()), say, args.tts)
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
    stack_options(args)  # validate before any model loads
    out = out_dir(args, "a2a")
    started = datetime.now(UTC).isoformat(timespec="seconds")
    records: list[TurnRecord] = []
    calls: list[dict[str, Any]] = []
    interrupted = False
    try:
        with sigterm_as_interrupt():
            asyncio.run(_run(args, records, calls))
    except KeyboardInterrupt:
        interrupted = True  # the turns measured so far are written below
    payload = {
        "meta": {"started_at": started, "llm": args.llm, "tts": args.tts,
                 "patience_ms": args.patience_ms, "calls": args.calls, "turns": args.turns,
                 "host_cpus": os.cpu_count(), "interrupted": interrupted},
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
    print(f"results: {json_path}\nreport:  {html}", file=sys.stderr)
    if interrupted:
        return 130
    return 0 if records else 1
