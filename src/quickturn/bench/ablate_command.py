"""``quickturn bench ablate``: the usual latency optimisations, each measured, none asserted.

- ``patience``: VAD patience values vs. false turn ends, on real caller speech with hesitations.
- ``tts``: TTS start granularity (clause, sentence, whole reply) vs. withdrawn audio.
- ``context``: context pruning on a long call: TTFT of a late turn vs. early facts surviving.
- ``fillers``: fillers on/off through whole simulated calls: time to any audio vs. the answer.

Rows measured elsewhere join the matrix with ``--include PATH``: the JSON of ``quickturn bench
turns`` (end-of-turn detectors incl. Smart Turn vs. patience) or ``bench stt`` (STT chunking),
recomputed from their raw per-turn items (``bench/imported_rows.py``); transports under loss with
``--transport LOSS=PATH``, the JSON of ``python -m quickturn.transport.bench --impair LOSS`` (and
``0=PATH`` for its clean run); without one, the matrix says it was not measured. Prints the
trade-off matrix and writes ``ablate.json``, a chart and ``report.html``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from quickturn.bench.charts import saved_bars
from quickturn.bench.html_report import write_json_atomic, write_page
from quickturn.bench.imported_rows import rows_from, transport_rows
from quickturn.bench.interrupt import sigterm_as_interrupt
from quickturn.bench.stats import Distribution
from quickturn.bench.tradeoff import TradeoffRow, format_tradeoffs
from quickturn.errors import ConfigError

ABLATIONS = ("patience", "tts", "context", "fillers")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "ablate", help="trade-off matrix: patience, TTS start, context pruning, fillers",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    p.add_argument("--only", default=",".join(ABLATIONS), metavar="A[,A...]",
                   help=f"which ablations ({', '.join(ABLATIONS)})")
    p.add_argument("--llm", default="canned", metavar="canned|embedded|URL",
                   help="the chat client for tts, context and fillers")
    p.add_argument("--patience", default="200,300,500,800", metavar="MS[,MS...]")
    p.add_argument("--baseline-patience", type=int, default=500)
    p.add_argument("--lines", type=int, default=16, help="patience: caller lines")
    p.add_argument("--replies", type=int, default=8, help="tts: LLM replies")
    p.add_argument("--context-turns", type=int, default=24, help="context: length of the call")
    p.add_argument("--repetitions", type=int, default=2, help="context: requests per setting")
    p.add_argument("--calls", type=int, default=1, help="fillers: calls per setting")
    p.add_argument("--turns", type=int, default=4, help="fillers: turns per call")
    p.add_argument("--include", type=Path, action="append", default=[],
                   help="a JSON file with a 'tradeoffs' list to add (bench turns / bench stt)")
    p.add_argument("--transport", action="append", default=[], metavar="LOSS=PATH",
                   help="transport-bench JSON run at --impair LOSS (e.g. 0.02=t.json; 0=clean)")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--json", type=Path, default=None)
    p.set_defaults(func=run_command)


def _only(spec: str) -> list[str]:
    chosen = [a.strip() for a in spec.split(",") if a.strip()]
    bad = [a for a in chosen if a not in ABLATIONS]
    if bad or not chosen:
        raise ConfigError(f"--only {spec!r}: choose from {', '.join(ABLATIONS)}")
    return chosen


def _ints(flag: str, spec: str) -> list[int]:
    try:
        return [int(x) for x in spec.split(",") if x.strip()]
    except ValueError as exc:
        raise ConfigError(f"{flag} {spec!r}: expected integers") from exc


def row_from_json(data: dict[str, Any]) -> TradeoffRow:
    def dist(d: Any) -> Distribution | None:
        return None if d is None else Distribution(**d)

    try:
        return TradeoffRow(
            data["ablation"], data["setting"], data["baseline"], data["metric"],
            dist(data.get("setting_ms")), dist(data.get("baseline_ms")), data["cost"],
            int(data.get("n", 0)),
        )
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"not a trade-off row: {exc}") from exc


def included_rows(paths: list[Path]) -> list[TradeoffRow]:
    rows = []
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"--include {path}: {exc}") from exc
        try:
            rows += rows_from(data)
        except ConfigError as exc:
            raise ConfigError(f"--include {path}: {exc}") from exc
    return rows


def transport_runs(specs: list[str]) -> dict[float, dict[str, Any]]:
    """``LOSS=PATH`` arguments, read: {loss: that run's JSON}."""
    runs: dict[float, dict[str, Any]] = {}
    for spec in specs:
        loss_s, sep, path = spec.partition("=")
        try:
            loss = float(loss_s)
        except ValueError:
            loss = -1.0
        if not sep or not path or not 0.0 <= loss < 1.0:
            raise ConfigError(f"--transport {spec!r}: expected LOSS=PATH with LOSS in [0, 1)")
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"--transport {spec}: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"--transport {spec}: not a transport-bench JSON object")
        runs[loss] = data
    return runs


def say(message: str) -> None:
    print(f"[ablate] {message}", file=sys.stderr, flush=True)


async def _run(
    args: argparse.Namespace, chosen: list[str], rows: list[TradeoffRow], details: dict[str, Any]
) -> None:
    """Fills ``rows`` and ``details`` ablation by ablation (an interrupted run keeps the done
    ones)."""
    from quickturn.assets import ModelPaths, default_cache_dir
    from quickturn.bench import ablate_context, ablate_fillers, ablate_patience, ablate_tts
    from quickturn.bench.a2a_call import load_pipeline

    paths = ModelPaths(default_cache_dir())
    pipe = await load_pipeline(args.llm, paths, say)
    try:
        if "patience" in chosen:
            say(f"patience: synthesising {args.lines} caller lines with hesitations")
            utts = await ablate_patience.synthesize_utterances(
                [pipe.voices["piper"], pipe.voices["espeak"]], args.lines, 16_000)
            values = sorted(set(_ints("--patience", args.patience) + [args.baseline_patience]))
            results = [ablate_patience.measure(utts, v, 16_000) for v in values]
            rows += ablate_patience.tradeoff_rows(results, args.baseline_patience)
            details["patience"] = [
                {"patience_ms": r.patience_ms, "lines": r.lines, "false_ends": r.false_ends,
                 "missed": r.missed,
                 "end_delay_ms": None if r.end_delay_ms is None else r.end_delay_ms.to_json()}
                for r in results]
        tools = _tools(pipe)
        if "tts" in chosen:
            rows += await _tts(args, pipe, tools, details, ablate_tts)
        if "context" in chosen:
            say(f"context: a {args.context_turns}-turn call under {len(ablate_context.SETTINGS)} "
                "settings")
            results_c = await ablate_context.measure(
                pipe.llm, pipe.hotel.system_prompt, tools, args.context_turns, args.repetitions,
                judge_answers=args.llm != "canned")
            rows += ablate_context.tradeoff_rows(results_c)
            details["context"] = [
                {"setting": r.setting, "view_tokens": r.view_tokens,
                 "facts_in_view": r.facts_in_view, "facts_answered": r.facts_answered,
                 "failures": r.failures,
                 "ttft_ms": None if r.ttft_ms is None else r.ttft_ms.to_json()}
                for r in results_c]
        if "fillers" in chosen:
            rows += await _fillers(args, pipe, details, ablate_fillers)
    finally:
        await pipe.aclose()


def _tools(pipe: Any) -> list[dict[str, Any]]:
    conn = pipe.hotel.new_conversation_db(pipe.seed)
    try:
        schemas: list[dict[str, Any]] = list(pipe.hotel.tools(conn).schemas())
    finally:
        conn.close()
    return schemas


async def _tts(args: argparse.Namespace, pipe: Any, tools: list[dict[str, Any]],
               details: dict[str, Any], mod: Any) -> list[TradeoffRow]:
    from quickturn.bench.ablate_patience import caller_lines
    from quickturn.llm.types import ChatRequest

    say(f"tts: streaming {args.replies} replies from the {args.llm} LLM")
    replies = []
    for i, line in enumerate(caller_lines(args.replies)):
        request = ChatRequest(
            messages=[{"role": "system", "content": pipe.hotel.system_prompt},
                      {"role": "user", "content": line}],
            tools=tools, max_tokens=64, temperature=0.0, conversation_id=f"ablate-tts-{i}")
        replies.append(await mod.stream_reply(pipe.llm, request))
    results = await mod.measure(replies, pipe.tts)
    details["tts"] = [
        {"granularity": r.granularity, "withdrawn": r.withdrawn, "replies": r.replies,
         "mean_first_words": r.mean_first_words,
         "first_audio_ms": None if r.first_audio_ms is None else r.first_audio_ms.to_json()}
        for r in results]
    rows: list[TradeoffRow] = mod.tradeoff_rows(results)
    return rows


async def _fillers(args: argparse.Namespace, pipe: Any, details: dict[str, Any],
                   mod: Any) -> list[TradeoffRow]:
    from quickturn.agent.stack import StackOptions
    from quickturn.bench.a2a_call import run_call
    from quickturn.bench.callers import build_calls

    specs = build_calls(args.calls, args.turns)
    runs: dict[str, list[Any]] = {}
    for label, stack in (("on", StackOptions()), ("off", mod.without_fillers(StackOptions()))):
        say(f"fillers {label}: {len(specs)} call(s) of {args.turns} turns")
        runs[label] = []
        for spec in specs:
            runs[label] += (await run_call(pipe, spec, stack)).records
    details["fillers"] = {k: [r.to_json() for r in v] for k, v in runs.items()}
    rows: list[TradeoffRow] = mod.tradeoff_rows(runs["on"], runs["off"])
    return rows


def run_command(args: argparse.Namespace) -> int:
    chosen = _only(args.only)
    extra = included_rows(args.include) + transport_rows(transport_runs(args.transport))
    out: Path = args.out or Path("runs") / datetime.now(UTC).strftime("ablate-%Y%m%d-%H%M%S")
    started = datetime.now(UTC).isoformat(timespec="seconds")
    rows: list[TradeoffRow] = []
    details: dict[str, Any] = {}
    interrupted = False
    try:
        with sigterm_as_interrupt():
            asyncio.run(_run(args, chosen, rows, details))
    except KeyboardInterrupt:
        interrupted = True  # the ablations finished so far are written below
    rows += extra
    table = format_tradeoffs(rows)
    meta = {"started_at": started, "llm": args.llm, "ablations": chosen,
            "included": [str(p) for p in args.include], "transport": args.transport,
            "host_cpus": os.cpu_count(), "load_avg": [round(v, 2) for v in os.getloadavg()],
            "interrupted": interrupted}
    payload = {"meta": meta, "tradeoffs": [r.to_json() for r in rows], "details": details}
    json_path = write_json_atomic(out / "ablate.json", payload)
    if args.json is not None:
        write_json_atomic(args.json, payload)
    chart = saved_bars(
        [(f"{r.ablation}: {r.setting} vs {r.baseline}", r.saved_ms("p50"), r.saved_ms("p95"))
         for r in rows], out / "ablate_saved.png", title="milliseconds saved per setting")
    html = write_page(out / "report.html", "quickturn bench ablate", meta,
                      [("Trade-off matrix", table)], [chart])
    print(table)
    print(f"results: {json_path}\nreport:  {html}", file=sys.stderr)
    if interrupted:
        return 130
    return 0 if rows else 1
