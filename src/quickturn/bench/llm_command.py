"""``quickturn bench llm`` (also plain ``quickturn bench --embedded ...``): replay conversations
against endpoints and report TTFT/TTFS side by side.

Environment variables are read here only (the API key fallback); everything below gets options.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from quickturn.bench.interrupt import sigterm_as_interrupt
from quickturn.bench.overhead import OverheadOptions, format_overhead, gateway_overhead
from quickturn.bench.report import BenchRun, format_table, write_json, write_report
from quickturn.bench.results import Sample
from quickturn.bench.runner import RunOptions, Target, run_targets
from quickturn.bench.workload import WORKLOADS, Workload, load_workload
from quickturn.errors import ConfigError
from quickturn.llm.types import ChatClient, ChatRequest

EMBEDDED = "embedded"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "llm",
        help="TTFT / time-to-first-sentence over whole conversations (the default mode)",
        description=DESCRIPTION,
    )
    add_arguments(p)


DESCRIPTION = (
    "Replay production-shaped conversations (long system prompt, ~40 tools) against one "
    "or more OpenAI-compatible endpoints and/or the embedded engine, and write a table, "
    "results.json and an HTML report with plots."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The LLM mode's flags; ``quickturn bench`` itself carries them too (no subcommand)."""
    p.add_argument("--endpoint", action="append", default=[], metavar="NAME=URL",
                   help="an OpenAI-compatible base URL, e.g. local=http://127.0.0.1:8000/v1 "
                        "(repeatable)")
    p.add_argument("--api-key", default=None,
                   help="bearer token for the endpoints (default: $OPENAI_API_KEY)")
    p.add_argument("--model", default=None, help="model name sent to the endpoints")
    p.add_argument("--embedded", action="store_true",
                   help="also benchmark the in-process llama.cpp engine")
    p.add_argument("--lookup-draft", default="0", metavar="N[,N...]",
                   help="embedded: prompt-lookup speculative decoding, up to N draft tokens "
                        "(0: off); a list runs one engine per value side by side")
    p.add_argument("--n-threads", type=int, default=0,
                   help="embedded: llama.cpp threads (0: auto); pin it to compare engines "
                        "at the same thread count")
    p.add_argument("--workload", choices=WORKLOADS, default="hotel")
    p.add_argument("--conversations", type=int, default=5)
    p.add_argument("--turns", type=int, default=None, help="cut each conversation to N turns")
    p.add_argument("--concurrency", default="1", metavar="N[,N...]",
                   help="conversations in flight; a list compares settings side by side")
    p.add_argument("--repetitions", type=int, default=1)
    p.add_argument("--interleave", action="store_true",
                   help="warm every target, then run each conversation on every target in "
                        "turn (alternating order), so a drifting machine load hits all alike; "
                        "needs --concurrency 1")
    p.add_argument("--warmup-turns", type=int, default=1,
                   help="turns run first and excluded from the stats (they pay cold prefill)")
    p.add_argument("--max-tokens", type=int, default=128)
    p.add_argument("--timeout", type=float, default=300.0, help="per-request limit, seconds")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: runs/bench-<timestamp>/)")
    p.add_argument("--json", type=Path, default=None, help="also write results.json here")
    p.add_argument("--gateway-overhead", action="store_true",
                   help="instead of conversations, compare each engine called directly with the "
                        "same engine behind the quickturn gateway (in this process)")
    p.add_argument("--pairs", type=int, default=10,
                   help="request pairs for --gateway-overhead (plus one warmup pair)")
    p.set_defaults(func=run_command)


def parse_endpoint(spec: str) -> tuple[str, str]:
    """``NAME=URL`` (or a bare URL, named after its host:port) -> (name, url)."""
    name, sep, url = spec.partition("=")
    if not sep:
        name, url = "", spec
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"--endpoint {spec!r}: expected NAME=http(s)://host:port/v1")
    name = name.strip() or parsed.netloc
    if name == EMBEDDED or name.startswith(f"{EMBEDDED}-"):
        raise ConfigError(f"--endpoint names {EMBEDDED!r}[-...] are reserved for --embedded")
    return name, url


def parse_concurrency(spec: str) -> list[int]:
    return _int_list("--concurrency", spec, minimum=1)


def parse_lookup_draft(spec: str) -> list[int]:
    return _int_list("--lookup-draft", spec, minimum=0)


def _int_list(flag: str, spec: str, minimum: int) -> list[int]:
    """``1,4`` -> [1, 4] (first-seen order, no repeats); every value >= ``minimum``."""
    try:
        values = [int(part) for part in spec.split(",") if part.strip()]
    except ValueError as exc:
        raise ConfigError(f"{flag} {spec!r}: expected integers like 1 or 1,4") from exc
    if not values or any(n < minimum for n in values):
        raise ConfigError(f"{flag} {spec!r}: every value must be >= {minimum}")
    return list(dict.fromkeys(values))


def _out_dir(args: argparse.Namespace) -> Path:
    if args.out is not None:
        out: Path = args.out
        if (out / "results.json").exists():
            # Never overwrite an earlier run's raw samples.
            raise ConfigError(f"{out / 'results.json'} exists; pass a new --out folder")
        return out
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"bench-{stamp}"


def _progress(sample: Sample) -> None:
    where = f"[{sample.endpoint} {sample.setting}] {sample.conversation_id} r{sample.repetition}"
    step = f"turn {sample.turn_index}.{sample.round_index}" + (" (warmup)" if sample.warmup else "")
    if sample.ok:
        ttft = "-" if sample.ttft_s is None else f"{sample.ttft_s * 1000:.0f}"
        ttfs = "-" if sample.ttfs_s is None else f"{sample.ttfs_s * 1000:.0f}"
        what = f"ttft {ttft} ms, ttfs {ttfs} ms, {sample.tool_calls} tool call(s)"
    else:
        what = f"FAILED {sample.error_type}: {(sample.error_message or '')[:160]}"
    print(f"{where} {step}: {what}", file=sys.stderr, flush=True)


async def embedded_engine(
    slots: int, workload: Workload, lookup_draft: int, n_threads: int = 0
) -> ChatClient:
    # Imported here: the embedded engine pulls in llama.cpp, which only --embedded needs.
    module = importlib.import_module("quickturn.llm.embedded_client")
    from quickturn.assets import ModelPaths, default_cache_dir

    def progress(stage: str, fraction: float) -> None:
        print(f"[embedded] {stage} {fraction:.0%}", file=sys.stderr, flush=True)

    options = module.EmbeddedOptions(
        slots=slots, lookup_draft_tokens=lookup_draft, n_threads=n_threads
    )
    engine = await module.EmbeddedChatClient.create(
        options, ModelPaths(default_cache_dir()), progress
    )
    try:
        # Production start-up: the shared prefix (system prompt + tools) is loaded from disk or
        # computed once and saved, before any caller waits on it. The warmup turns then measure
        # nothing but the first turn's own suffix.
        probe = ChatRequest(
            messages=[*workload.first_messages(), {"role": "user", "content": "Hello."}],
            tools=workload.tools,
        )
        report = await engine.warm(probe, progress)
        print(
            f"[embedded] prefix of {report.prefix_tokens} tokens ready from {report.source} "
            f"in {report.seconds:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    except BaseException:
        await engine.aclose()
        raise
    client: ChatClient = engine
    return client


async def _clients(
    args: argparse.Namespace,
    endpoints: list[tuple[str, str]],
    slots: int,
    workload: Workload,
    drafts: list[int],
) -> list[tuple[str, ChatClient]]:
    from quickturn.llm.openai_compat import OpenAICompatClient

    api_key = args.api_key or os.environ.get("OPENAI_API_KEY")
    clients: list[tuple[str, ChatClient]] = [
        (name, OpenAICompatClient(url, api_key, args.model, timeout_s=args.timeout))
        for name, url in endpoints
    ]
    if args.embedded:
        try:
            for draft in drafts:
                # One engine per draft size (they share the page cache of the weights).
                name = EMBEDDED if drafts == [0] else f"{EMBEDDED}-draft{draft}"
                engine = await embedded_engine(slots, workload, draft, args.n_threads)
                clients.append((name, engine))
        except BaseException:
            await _close(clients)
            raise
    return clients


async def _close(clients: list[tuple[str, ChatClient]]) -> None:
    for _, client in clients:
        await client.aclose()


async def _run(
    args: argparse.Namespace,
    endpoints: list[tuple[str, str]],
    levels: list[int],
    drafts: list[int],
    progress: Callable[[Sample], None],
) -> BenchRun:
    workload = load_workload(args.workload)
    clients = await _clients(args, endpoints, max(levels), workload, drafts)
    try:
        targets = [
            Target(
                name,
                f"c={level}",
                client,
                RunOptions(
                    conversations=args.conversations,
                    turns=args.turns,
                    concurrency=level,
                    repetitions=args.repetitions,
                    warmup_turns=args.warmup_turns,
                    max_tokens=args.max_tokens,
                    request_timeout_s=args.timeout,
                    model=args.model,
                ),
            )
            for name, client in clients
            for level in levels
        ]
        started = datetime.now(UTC).isoformat(timespec="seconds")
        load_start = _load_average()
        samples = await run_targets(
            targets, workload, progress=progress, interleave=args.interleave
        )
    finally:
        await _close(clients)
    meta: dict[str, Any] = {
        "started_at": started,
        "workload": workload.name,
        "approx_prefix_tokens": workload.approx_prefix_tokens(),
        "tools": len(workload.tools),
        "endpoints": {name: url for name, url in endpoints}
        | ({EMBEDDED: "in-process"} if args.embedded else {}),
        "options": asdict(targets[0].options) | {"concurrency": levels},
        "host": {"machine": platform.machine(), "cpus": os.cpu_count(),
                 "python": platform.python_version()},
        # A shared machine's load weighs on every number: kept beside them.
        "load_average": {"start": load_start, "end": _load_average()},
        "interleaved": args.interleave,
    }
    return BenchRun(meta, samples)


def _load_average() -> list[float] | None:
    """1-, 5- and 15-minute load averages, or None where the platform has none."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


async def _overhead(
    args: argparse.Namespace, endpoints: list[tuple[str, str]], drafts: list[int]
) -> dict[str, Any]:
    workload = load_workload(args.workload)
    options = OverheadOptions(
        pairs=args.pairs, max_tokens=args.max_tokens, request_timeout_s=args.timeout
    )
    clients = await _clients(args, endpoints, 1, workload, drafts)
    results: dict[str, Any] = {}
    try:
        for name, client in clients:
            print(f"[{name}] gateway overhead: {options.pairs} pairs ...", file=sys.stderr)
            label = EMBEDDED if name.startswith(EMBEDDED) else "openai"
            result = await gateway_overhead(client, workload, options, engine_label=label)
            print(f"{name}:\n{format_overhead(result)}")
            results[name] = result.to_json()
    finally:
        await _close(clients)
    return {"workload": workload.name, "options": asdict(options), "engines": results}


def run_command(args: argparse.Namespace) -> int:
    endpoints = [parse_endpoint(spec) for spec in args.endpoint]
    names = [name for name, _ in endpoints]
    if len(set(names)) != len(names):
        raise ConfigError(f"--endpoint names must be unique: {', '.join(names)}")
    if not endpoints and not args.embedded:
        raise ConfigError(
            "nothing to benchmark: pass --endpoint NAME=URL and/or --embedded, or pick a "
            "benchmark (quickturn bench --help lists them)"
        )
    levels = parse_concurrency(args.concurrency)
    drafts = parse_lookup_draft(args.lookup_draft)
    if args.interleave and levels != [1]:
        raise ConfigError("--interleave needs --concurrency 1")
    # Validate the numeric options before any engine loads (a bad flag must not cost minutes).
    RunOptions(
        conversations=args.conversations, turns=args.turns, concurrency=max(levels),
        repetitions=args.repetitions, warmup_turns=args.warmup_turns,
        max_tokens=args.max_tokens, request_timeout_s=args.timeout,
    )
    OverheadOptions(pairs=args.pairs, max_tokens=args.max_tokens)
    out = _out_dir(args)
    out.mkdir(parents=True, exist_ok=True)
    if args.gateway_overhead:
        return _overhead_command(args, endpoints, drafts, out)
    collected: list[Sample] = []

    def progress(sample: Sample) -> None:
        collected.append(sample)
        _progress(sample)

    try:
        with sigterm_as_interrupt():
            run = asyncio.run(_run(args, endpoints, levels, drafts, progress))
    except KeyboardInterrupt:
        # An interrupted run keeps what it measured: a long CPU run is too costly to lose.
        if collected:
            meta = {"workload": args.workload, "interrupted": True, "concurrency": levels}
            files = write_report(BenchRun(meta, collected), out)
            print(f"interrupted: partial results in {files.json_path}", file=sys.stderr)
        return 130
    files = write_report(run, out)
    if args.json is not None:
        write_json(run, args.json)
    print(format_table(run.summaries()))
    print(f"results: {files.json_path}\nreport:  {files.html_path}", file=sys.stderr)
    measured = [s for s in run.samples if not s.warmup]
    return 0 if any(s.ok for s in measured) else 1


def _overhead_command(
    args: argparse.Namespace, endpoints: list[tuple[str, str]], drafts: list[int], out: Path
) -> int:
    report = asyncio.run(_overhead(args, endpoints, drafts))
    path: Path = args.json or out / "overhead.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, allow_nan=False), encoding="utf-8")
    print(f"results: {path}", file=sys.stderr)
    engines = report["engines"].values()
    return 0 if all(e["overhead_p50_s"]["ttft_s"] is not None for e in engines) else 1
