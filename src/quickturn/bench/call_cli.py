"""What ``bench a2a`` and ``bench soak`` share: the pipeline's command-line options, the output
folder, the stack options they build, their charts and tables, and the run's time bound."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from quickturn.bench.a2a import (
    AUDIT_BUDGET_MS,
    WATERFALL,
    TurnRecord,
    budget_columns,
    by_turn_index,
    context_by_turn,
    drift,
    format_by_turn,
    format_waterfall,
    waterfall,
)
from quickturn.bench.charts import Series, cdf_points, line_chart, stacked_bars

T = TypeVar("T")


def add_subcommand(subparsers: Any, name: str, help: str, doc: str | None) -> Any:
    return subparsers.add_parser(name, help=help,
                                 description=doc.splitlines()[0] if doc else None)


def add_pipeline_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--llm", default="canned", metavar="canned|embedded|URL",
                   help="canned replies (the pipeline without a model), the embedded model, or "
                        "an OpenAI-compatible base URL")
    p.add_argument("--flows", action="store_true",
                   help="the front desk as flows (a router and small tasks, as the demo runs it "
                        "on a model) instead of the single 40-tool prompt")
    p.add_argument("--tts", choices=("piper", "espeak"), default="piper")
    p.add_argument("--patience-ms", type=int, default=500, help="VAD patience")
    p.add_argument("--turns", type=int, default=6, help="caller turns per call")
    p.add_argument("--reply-deadline-s", type=float, default=None,
                   help="the reply's hard deadline (default: the stack's 6 s, after which the "
                        "caller hears 'taking too long'); longer measures a slow model itself")
    p.add_argument("--out", type=Path, default=None, help="output folder")
    p.add_argument("--json", type=Path, default=None, help="also write the JSON here")
    p.add_argument("--no-progress", action="store_true")


def out_dir(args: argparse.Namespace, kind: str) -> Path:
    if args.out is not None:
        path: Path = args.out
        return path
    return Path("runs") / datetime.now(UTC).strftime(f"{kind}-%Y%m%d-%H%M%S")


def stack_options(args: argparse.Namespace) -> Any:
    from dataclasses import replace

    from quickturn.agent.stack import StackOptions
    from quickturn.errors import ConfigError

    if getattr(args, "flows", False) and args.llm == "canned":
        raise ConfigError("--flows needs a model (--llm embedded or a URL): the canned replies "
                          "call the single prompt's tools")
    stack = StackOptions(tts=args.tts, patience_ms=args.patience_ms)
    deadline = getattr(args, "reply_deadline_s", None)
    if deadline is None:
        return stack
    if deadline <= 0:
        raise ConfigError("--reply-deadline-s must be > 0")
    # The last round (tools withheld) starts 2 s before the deadline, as in the stack's 4/6 s.
    loop = replace(stack.reply.loop, deadline_s=deadline,
                   wrap_up_after_s=max(deadline - 2.0, deadline / 2))
    return replace(stack, reply=replace(stack.reply, loop=loop))


async def bounded(work: Awaitable[T], limit_s: float) -> tuple[T | None, bool]:
    """``work``'s result, or (None, True) when it was cancelled at ``limit_s``: a long run stops
    by itself, and whatever it appended to its result lists so far is kept."""
    try:
        async with asyncio.timeout(limit_s):
            return await work, False
    except TimeoutError:
        return None, True


def load_avg() -> list[float]:
    """The 1/5/15-minute load average: on a shared machine it says what a number is worth."""
    return [round(v, 2) for v in os.getloadavg()]


def waterfall_charts(records: Sequence[TurnRecord], out: Path, prefix: str) -> list[Path]:
    fall = waterfall(records)
    charts = [stacked_bars(
        budget_columns(fall), list(AUDIT_BUDGET_MS), out / f"{prefix}_waterfall.png",
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
        tables.append(("By turn index", format_by_turn(per_turn, context_by_turn(records))))
        d = drift(records)
        change = d.a2a_change_p50_ms()
        tables.append(("Drift", (
            f"A2A p50, first {d.window} turn indices vs. last {d.window}: "
            + ("-" if change is None else f"{change:+.0f} ms")
            + f"\nearly stage p50s: { {k: round(v) for k, v in d.early_stages_p50.items()} }"
            + f"\nlate stage p50s:  { {k: round(v) for k, v in d.late_stages_p50.items()} }"
            + f"\nconversation in the prompt (approx. tokens, median): "
            f"{_tokens(d.early_context_tokens)} early, {_tokens(d.late_context_tokens)} late"
        )))
    return tables


def _tokens(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}"
