"""``quickturn bench load``: concurrent sessions at rising concurrency, admission on and off.

Targets: ``--engine embedded`` (the in-process llama.cpp engine behind the real gateway, served
on a loopback port of this process), ``--engine scripted`` (the gateway's test double, to check
the harness in seconds), or ``--engine URL`` (any OpenAI-compatible server: vLLM, SGLang, a
running ``quickturn serve``). For the in-process engines each admission mode gets a fresh gateway
over the same engine: ``on`` refuses (429) a request that would wait longer than
``--queue-budget-ms`` for a slot, which keeps the admitted calls' TTFT inside a budget; ``off``
queues every request for as long as it takes. A URL is measured as it is (``direct``), or behind
an in-process gateway when ``--admission on,off`` is passed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from quickturn.bench.html_report import write_json_atomic, write_page
from quickturn.bench.interrupt import sigterm_as_interrupt
from quickturn.bench.load import LevelResult, LoadOptions, LoadSample, QueueReader, run_level
from quickturn.bench.load_report import (
    capacity,
    format_load_table,
    summarize_level,
    write_load_charts,
)
from quickturn.bench.progress import progress_bar
from quickturn.bench.workload import WORKLOADS, Workload, load_workload
from quickturn.errors import ConfigError, MissingDependencyError
from quickturn.llm.types import ChatClient

MODES = ("on", "off", "direct")
_UNBOUNDED_QUEUE_S = 3600.0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "load",
        help="concurrent sessions vs. TTFT, queue wait and 429s; capacity inside a budget",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    p.add_argument("--engine", default="embedded", metavar="embedded|scripted|URL",
                   help="what to load (default: the embedded engine behind the gateway)")
    p.add_argument("--concurrency", default="1,2,4", metavar="N[,N...]",
                   help="concurrent sessions per level, rising")
    p.add_argument("--admission", default=None, metavar="on,off",
                   help="admission modes to compare (default: on,off in-process; direct for a URL)")
    p.add_argument("--budget-ms", type=float, default=1000.0,
                   help="p95 TTFT budget for the capacity figure")
    p.add_argument("--requests", type=int, default=24, help="requests per level (a bound)")
    p.add_argument("--seconds", type=float, default=120.0, help="wall time per level (a bound)")
    p.add_argument("--max-tokens", type=int, default=32)
    p.add_argument("--timeout", type=float, default=120.0, help="per-request limit, seconds")
    p.add_argument("--workload", choices=WORKLOADS, default="hotel")
    p.add_argument("--slots", type=int, default=1,
                   help="embedded: llama.cpp contexts (= gateway concurrency)")
    p.add_argument("--max-concurrency", type=int, default=None,
                   help="gateway generation slots (default: the engine's natural concurrency)")
    p.add_argument("--queue-budget-ms", type=float, default=2000.0,
                   help="admission on: longest wait for a slot before a 429")
    p.add_argument("--scripted-delay-ms", type=float, default=20.0,
                   help="scripted engine: pause between streamed words")
    p.add_argument("--api-key", default=None, help="bearer token for a URL ($OPENAI_API_KEY)")
    p.add_argument("--model", default=None, help="model name sent to a URL")
    p.add_argument("--out", type=Path, default=None, help="output folder")
    p.add_argument("--json", type=Path, default=None, help="also write load.json here")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_command)


def _modes(args: argparse.Namespace, is_url: bool) -> list[str]:
    spec = args.admission or ("direct" if is_url else "on,off")
    modes = list(dict.fromkeys(m.strip() for m in spec.split(",") if m.strip()))
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise ConfigError(f"--admission {spec!r}: use on, off (or direct for a URL)")
    if "direct" in modes and not is_url:
        raise ConfigError("--admission direct needs --engine URL (the in-process engines are "
                          "only reachable through the gateway)")
    return modes


def _levels(spec: str) -> tuple[int, ...]:
    try:
        levels = tuple(int(x) for x in spec.split(",") if x.strip())
    except ValueError as exc:
        raise ConfigError(f"--concurrency {spec!r}: expected integers like 1,2,4") from exc
    if list(levels) != sorted(levels):
        raise ConfigError("--concurrency levels must rise")
    return levels


async def _engine(args: argparse.Namespace, workload: Workload) -> tuple[ChatClient, int]:
    """The in-process engine (or a client of the URL, for a gateway in front of it)."""
    if args.engine == "scripted":
        from quickturn.gateway.testing import ScriptedChatClient, ScriptedOptions

        return ScriptedChatClient(ScriptedOptions(token_delay_s=args.scripted_delay_ms / 1000)), 1
    if args.engine == "embedded":
        from quickturn.bench.llm_command import embedded_engine

        return await embedded_engine(args.slots, workload, 0), args.slots
    from quickturn.gateway.routing import ReplicaRouter
    from quickturn.llm.openai_compat import OpenAICompatClient

    upstream = OpenAICompatClient(args.engine, _key(args), args.model, timeout_s=args.timeout)
    return ReplicaRouter([(args.engine, upstream)]), 4


def _key(args: argparse.Namespace) -> str | None:
    key: str | None = args.api_key or os.environ.get("OPENAI_API_KEY")
    return key


@asynccontextmanager
async def _gateway(
    engine: ChatClient, label: str, mode: str, slots: int, args: argparse.Namespace
) -> AsyncIterator[str]:
    """A fresh gateway (own admission, own metrics) over ``engine``; yields its root URL."""
    try:
        from quickturn.gateway.admission import AdmissionOptions
        from quickturn.gateway.app import create_app
        from quickturn.gateway.options import Engine, GatewayOptions
        from quickturn.gateway.server import running
    except ImportError as exc:
        raise MissingDependencyError("the gateway", "pip install 'quickturn[server]'") from exc
    budget = args.queue_budget_ms / 1000 if mode == "on" else _UNBOUNDED_QUEUE_S
    admission = AdmissionOptions(
        max_concurrency=slots, queue_budget_s=budget, max_queue=64 if mode == "on" else 100_000
    )
    app = create_app(Engine(label, engine), GatewayOptions(admission=admission))
    async with running(app) as url:
        yield url


async def _run(args: argparse.Namespace, options: LoadOptions, modes: list[str],
               progress_enabled: bool, results: list[LevelResult],
               seen: list[LoadSample]) -> None:
    """Appends each finished level to ``results`` and every sample to ``seen`` as it comes,
    so an interrupted run still has both."""
    import httpx

    from quickturn.bench.scrape import scrape_queue_wait
    from quickturn.llm.openai_compat import OpenAICompatClient

    is_url = args.engine not in ("embedded", "scripted")
    workload = load_workload(args.workload)
    total = len(modes) * len(options.levels) * options.max_requests
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=10.0))
        engine: ChatClient | None = None
        slots = 1
        if any(m != "direct" for m in modes):
            engine, natural = await _engine(args, workload)
            stack.push_async_callback(engine.aclose)
            slots = args.max_concurrency or natural
        bar = stack.enter_context(progress_bar(total, "load", enabled=progress_enabled))
        for mode in modes:
            async with AsyncExitStack() as per_mode:
                reader: QueueReader | None = None
                if mode == "direct":
                    base, model = args.engine.rstrip("/"), args.model
                else:
                    assert engine is not None
                    label = "embedded" if args.engine == "embedded" else (
                        "scripted" if args.engine == "scripted" else "openai")
                    root = await per_mode.enter_async_context(
                        _gateway(engine, label, mode, slots, args))
                    base, model = f"{root}/v1", "quickturn"

                    async def read(root: str = root) -> Any:
                        return await scrape_queue_wait(http, f"{root}/metrics")

                    reader = read
                client = OpenAICompatClient(
                    base, _key(args) if is_url and mode == "direct" else None, model,
                    timeout_s=options.request_timeout_s)
                per_mode.push_async_callback(client.aclose)
                for level in options.levels:
                    def on_sample(s: LoadSample, mode: str = mode) -> None:
                        seen.append(s)
                        ttft = "-" if s.ttft_s is None else f"{s.ttft_s * 1000:.0f} ms"
                        bar(f"{mode} c={s.level} {s.status} ttft {ttft}")

                    results.append(await run_level(
                        client, workload, mode, level, options,
                        queue_reader=reader, on_sample=on_sample))


def run_command(args: argparse.Namespace) -> int:
    is_url = args.engine not in ("embedded", "scripted")
    if is_url and not args.engine.startswith(("http://", "https://")):
        raise ConfigError(f"--engine {args.engine!r}: use embedded, scripted or an http(s) URL")
    modes = _modes(args, is_url)
    options = LoadOptions(
        levels=_levels(args.concurrency), max_requests=args.requests, max_seconds=args.seconds,
        max_tokens=args.max_tokens, request_timeout_s=args.timeout, model=args.model,
    )
    if args.budget_ms <= 0:
        raise ConfigError("--budget-ms must be > 0")
    out: Path = args.out or Path("runs") / datetime.now(UTC).strftime("load-%Y%m%d-%H%M%S")
    started = datetime.now(UTC).isoformat(timespec="seconds")
    results: list[LevelResult] = []
    seen: list[LoadSample] = []
    interrupted = False
    try:
        with sigterm_as_interrupt():
            asyncio.run(_run(args, options, modes, not args.no_progress, results, seen))
    except KeyboardInterrupt:
        # Keep what was measured: finished levels as they are, the cut one from its samples.
        interrupted = True
        done = {(r.admission, r.level) for r in results}
        results += partial_levels([s for s in seen if (s.admission, s.level) not in done])
    summaries = [summarize_level(r) for r in results]
    budget_s = args.budget_ms / 1000
    table = format_load_table(summaries, budget_s)
    charts = write_load_charts(summaries, budget_s, out)
    meta = {
        "started_at": started, "engine": args.engine, "workload": args.workload,
        "admission": modes, "queue_budget_ms": args.queue_budget_ms, "budget_ms": args.budget_ms,
        "options": asdict(options), "host_cpus": os.cpu_count(), "interrupted": interrupted,
    }
    payload = {
        "meta": meta,
        "capacity": capacity(summaries, budget_s),
        "summary": [s.to_json() for s in summaries],
        "samples": [s.to_json() for r in results for s in r.samples],
    }
    json_path = write_json_atomic(out / "load.json", payload)
    if args.json is not None:
        write_json_atomic(args.json, payload)
    html = write_page(out / "report.html", "quickturn bench load", meta,
                      [("Load", table)], charts)
    print(table)
    print(f"results: {json_path}\nreport:  {html}", file=sys.stderr)
    if interrupted:
        return 130
    return 0 if any(s.ok for s in summaries) else 1


def partial_levels(samples: list[LoadSample]) -> list[LevelResult]:
    """Levels cut short: their samples so far, wall time from first send to last finish."""
    out = []
    for mode, level in dict.fromkeys((s.admission, s.level) for s in samples):
        mine = [s for s in samples if (s.admission, s.level) == (mode, level)]
        end = max(s.started_s + (s.total_s or 0.0) for s in mine)
        out.append(LevelResult(mode, level, mine, end - min(s.started_s for s in mine), None))
    return out
