"""``quickturn serve``: the OpenAI-compatible gateway.

The only gateway module that reads the environment (QUICKTURN_API_KEY, QUICKTURN_UPSTREAM_KEY;
both may hold several comma-separated keys / one key).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import Any

from quickturn.errors import ConfigError, UpstreamError
from quickturn.gateway.admission import AdmissionOptions
from quickturn.gateway.options import Engine, GatewayOptions
from quickturn.gateway.reply import ReplyOptions

ENGINES = ("embedded", "openai")
TEST_ENGINES = ("scripted",)  # a test double (gateway/testing.py), hidden from --help
UPSTREAM_SLOTS = 4  # default concurrent generations per upstream replica


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run the OpenAI-compatible gateway",
        description="Serve /v1/chat/completions, /v1/models, /health and /metrics.",
    )
    p.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    p.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    p.add_argument(
        "--engine",
        default="embedded",
        choices=ENGINES + TEST_ENGINES,
        metavar="{embedded,openai}",
        help="embedded llama.cpp (default) or OpenAI-compatible upstream replicas",
    )
    p.add_argument(
        "--upstream",
        action="append",
        default=[],
        metavar="URL",
        help="an upstream base URL such as http://host:8001/v1 (repeat for replicas)",
    )
    p.add_argument("--upstream-key", help="API key for the upstreams (or QUICKTURN_UPSTREAM_KEY)")
    p.add_argument("--upstream-model", help="model name sent upstream (default: the one asked)")
    p.add_argument(
        "--upstream-timeout-s", type=float, default=30.0, help="max silence from an upstream"
    )
    p.add_argument(
        "--api-key",
        action="append",
        default=[],
        help="require this Bearer key (repeatable; or QUICKTURN_API_KEY, comma-separated)",
    )
    p.add_argument(
        "--max-concurrency",
        type=int,
        help=f"concurrent generations (default: embedded slots, {UPSTREAM_SLOTS} per upstream)",
    )
    p.add_argument(
        "--queue-budget-ms",
        type=int,
        default=2000,
        help="longest wait for a free slot before answering 429 (default 2000)",
    )
    p.add_argument("--max-queue", type=int, default=64, help="waiting requests before 429")
    p.add_argument(
        "--interactive-reserve",
        type=int,
        default=0,
        help="slots batch requests may never take (headroom for live calls)",
    )
    p.add_argument("--model-name", default="quickturn", help="the model id clients ask for")
    p.add_argument(
        "--model-alias",
        action="append",
        default=[],
        metavar="NAME=MODEL",
        help="also accept NAME and send MODEL to the engine (repeatable); an upstream's own "
        "model names (from its /v1/models) are accepted without this",
    )
    p.add_argument(
        "--no-loop-guard",
        dest="loop_guard",
        action="store_false",
        help="send a tool call again even when the same call was already answered this turn",
    )
    p.add_argument(
        "--no-repair",
        dest="repair",
        action="store_false",
        help="pass the engine's output through as it is (no tool-call repair, no loop guard)",
    )
    p.add_argument("--max-tokens-cap", type=int, default=1024, help="largest max_tokens accepted")
    p.add_argument("--max-body-bytes", type=int, default=4 * 1024 * 1024)
    p.add_argument("--slots", type=int, default=1, help="embedded: llama.cpp contexts")
    p.add_argument(
        "--gguf", metavar="NAME|PATH",
        help="embedded: a bundled model (qwen2.5-coder-0.5b, the default; qwen2.5-coder-1.5b "
             "with the model-1-5b extra) or a GGUF file",
    )
    p.add_argument("--n-ctx", type=int, default=12288, help="embedded: context length")
    p.add_argument("--n-threads", type=int, default=0,
                   help="embedded: llama.cpp threads (0: auto, 1 when the machine is "
                        "already oversubscribed, else 2)")
    p.add_argument("--lookup-draft", type=int, default=0, metavar="N",
                   help="embedded: prompt-lookup speculative decoding with up to N draft tokens "
                        "for greedy requests (0: off)")
    # Test-double knobs for --engine scripted.
    p.add_argument("--scripted-delay-ms", type=float, default=0.0, help=argparse.SUPPRESS)
    p.add_argument("--scripted-stall-after", type=int, help=argparse.SUPPRESS)
    p.add_argument("--scripted-fail-after", type=int, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_serve(args))


def _env_list(name: str) -> list[str]:
    return [k.strip() for k in os.environ.get(name, "").split(",") if k.strip()]


async def build_engine(args: argparse.Namespace) -> tuple[Engine, int]:
    """The engine and its natural concurrency."""
    if args.engine != "openai" and args.upstream:
        raise ConfigError("--upstream needs --engine openai")
    if args.engine == "openai":
        from quickturn.gateway.routing import ReplicaRouter
        from quickturn.llm.openai_compat import OpenAICompatClient

        if not args.upstream:
            raise ConfigError("--engine openai needs at least one --upstream URL")
        key = args.upstream_key or os.environ.get("QUICKTURN_UPSTREAM_KEY") or None
        # No fixed model on the clients: the gateway maps every accepted name to the name sent.
        replicas = [
            (url, OpenAICompatClient(url, key, None, args.upstream_timeout_s))
            for url in dict.fromkeys(args.upstream)
        ]
        return Engine("openai", ReplicaRouter(replicas)), UPSTREAM_SLOTS * len(replicas)
    if args.engine == "scripted":
        from quickturn.gateway.testing import ScriptedChatClient, ScriptedOptions

        client = ScriptedChatClient(
            ScriptedOptions(
                token_delay_s=args.scripted_delay_ms / 1000.0,
                stall_after_tokens=args.scripted_stall_after,
                fail_after_tokens=args.scripted_fail_after,
            )
        )
        return Engine("scripted", client), 4
    from quickturn.assets import ModelPaths, default_cache_dir
    from quickturn.llm.embedded_client import EmbeddedChatClient, EmbeddedOptions

    def progress(what: str, fraction: float) -> None:
        print(f"quickturn serve: {what} ({fraction:.0%})", file=sys.stderr, flush=True)

    paths = ModelPaths(default_cache_dir())
    # Joining a bundled model's parts is a one-time file copy: off the event loop.
    model_path = await asyncio.to_thread(paths.gguf, args.gguf) if args.gguf else None
    embedded = await EmbeddedChatClient.create(
        EmbeddedOptions(
            model_path=model_path,
            slots=args.slots,
            n_ctx=args.n_ctx,
            n_threads=args.n_threads,
            lookup_draft_tokens=args.lookup_draft,
            repair_calls=False,  # the gateway's repair stage does it, as for every engine
        ),
        paths,
        progress,
    )
    return Engine("embedded", embedded), embedded.slots


def parse_aliases(raw: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for item in raw:
        name, sep, target = item.partition("=")
        if not sep or not name.strip() or not target.strip():
            raise ConfigError(f"--model-alias must be NAME=MODEL, got {item!r}")
        pairs.append((name.strip(), target.strip()))
    return pairs


async def upstream_models(engine: Engine) -> list[str]:
    """The model names the upstream replicas serve; a replica that cannot say is skipped (it
    may be down now and come back), with a warning."""
    from quickturn.gateway.routing import ReplicaRouter
    from quickturn.llm.openai_compat import OpenAICompatClient

    if not isinstance(engine.client, ReplicaRouter):
        return []
    names: list[str] = []
    for replica in engine.client.replicas:
        if not isinstance(replica.client, OpenAICompatClient):
            continue
        try:
            names.extend(await replica.client.list_models())
        except UpstreamError as exc:
            print(f"quickturn serve: warning: {exc}", file=sys.stderr, flush=True)
    return list(dict.fromkeys(names))


def gateway_options(
    args: argparse.Namespace,
    natural_concurrency: int,
    upstream_names: Sequence[str] = (),
) -> GatewayOptions:
    keys = tuple(dict.fromkeys([*args.api_key, *_env_list("QUICKTURN_API_KEY")]))
    aliases = parse_aliases(args.model_alias)
    # The gateway's own name means the configured upstream model, else the upstream's first.
    own_target = args.upstream_model or (upstream_names[0] if upstream_names else None)
    if own_target and own_target != args.model_name:
        aliases.append((args.model_name, own_target))
    return GatewayOptions(
        model_names=tuple(dict.fromkeys([args.model_name, *upstream_names])),
        model_aliases=tuple(aliases),
        reply=ReplyOptions(repair=args.repair, loop_guard=args.loop_guard),
        api_keys=keys,
        max_body_bytes=args.max_body_bytes,
        max_tokens_cap=args.max_tokens_cap,
        default_max_tokens=min(256, args.max_tokens_cap),
        admission=AdmissionOptions(
            max_concurrency=args.max_concurrency or natural_concurrency,
            queue_budget_s=args.queue_budget_ms / 1000.0,
            max_queue=args.max_queue,
            interactive_reserve=args.interactive_reserve,
        ),
    )


async def _serve(args: argparse.Namespace) -> int:
    from quickturn.gateway.app import create_app
    from quickturn.gateway.server import serve

    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be within 0..65535, got {args.port}")
    if args.queue_budget_ms < 0:
        raise ConfigError("--queue-budget-ms must be >= 0")
    engine, natural = await build_engine(args)
    try:
        options = gateway_options(args, natural, await upstream_models(engine))
        app = create_app(engine, options)

        def ready(url: str) -> None:
            auth = "Bearer key required" if options.api_keys else "no API key"
            print(
                f"quickturn serve: ready at {url}/v1 (engine={engine.label}, "
                f"models={options.served_names()}, {auth})",
                flush=True,
            )

        await serve(app, args.host, args.port, ready)
    finally:
        await engine.client.aclose()
    return 0
