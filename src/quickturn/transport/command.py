"""``quickturn talk``: talk to the agent from a browser (WebRTC), an app (WebSocket) or a phone
provider (Twilio Media Streams), many callers at once, each with its own session."""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import replace
from typing import Any

from quickturn.agent.reply import ReplyOptions
from quickturn.agent.stack import StackOptions
from quickturn.assets import ModelPaths, default_cache_dir
from quickturn.domains.hotel.flows import HOTEL_GUARDS
from quickturn.domains.hotel.prompt import CALLER_WORDS
from quickturn.transport.agent_stack import AgentStackOptions, voice_calls
from quickturn.transport.app import create_app
from quickturn.transport.options import TransportOptions
from quickturn.transport.server import serve


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "talk", help="serve the talk page (WebRTC), /ws (WebSocket) and /twilio (phone)"
    )
    p.add_argument("--host", default="127.0.0.1",
                   help="listen address (anything but loopback needs --token)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--token", default=None,
                   help="required of every client (default: $QUICKTURN_TALK_TOKEN)")
    p.add_argument("--llm", choices=("canned", "embedded", "url"), default="canned",
                   help="canned replies, the embedded model, or an OpenAI-compatible --llm-url")
    p.add_argument("--llm-url", default=None,
                   help="e.g. http://127.0.0.1:8000/v1 (quickturn serve); key: $OPENAI_API_KEY")
    p.add_argument("--llm-model", default=None)
    p.add_argument("--slots", type=int, default=2,
                   help="embedded model: conversations kept warm side by side")
    p.add_argument("--stt", choices=("tiny.en", "base"), default="tiny.en")
    p.add_argument("--tts", choices=("piper", "espeak"), default="piper")
    p.add_argument("--patience-ms", type=int, default=500)
    p.add_argument("--idle-timeout-s", type=float, default=30.0)
    p.add_argument("--max-calls", type=int, default=32)
    p.add_argument("--no-greeting", action="store_true")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    transport = TransportOptions(
        host=args.host, port=args.port,
        token=args.token or os.environ.get("QUICKTURN_TALK_TOKEN") or None,
        idle_timeout_s=args.idle_timeout_s, max_calls=args.max_calls,
    )
    agent = AgentStackOptions(
        stack=StackOptions(
            stt_model=args.stt,
            stt_prompt=CALLER_WORDS,
            tts=args.tts,
            patience_ms=args.patience_ms,
            reply=ReplyOptions(loop=replace(ReplyOptions().loop, guards=HOTEL_GUARDS)),
        ),
        llm=args.llm, llm_url=args.llm_url, llm_model=args.llm_model,
        llm_api_key=os.environ.get("OPENAI_API_KEY"), slots=args.slots,
        greeting=not args.no_greeting,
    )
    asyncio.run(_serve(transport, agent))
    return 0


async def _serve(transport: TransportOptions, agent: AgentStackOptions) -> None:
    paths = ModelPaths(default_cache_dir())
    async with voice_calls(agent, paths, progress=lambda m: print(f"[talk] {m}", flush=True)) as h:
        suffix = f"/?token={transport.token}" if transport.token else "/"

        def ready(url: str) -> None:
            ws = url.replace("http", "ws", 1)
            print(f"[talk] open {url}{suffix} (page), {ws}/ws (WebSocket), {ws}/twilio (phone)",
                  flush=True)

        await serve(create_app(h, transport), transport, ready)
