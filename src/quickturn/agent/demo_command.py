"""``quickturn demo``: a simulated phone call with the hotel front desk, measured turn by turn."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from quickturn.agent.demo import DemoOptions, default_out_dir, run_demo
from quickturn.agent.reply import ReplyOptions
from quickturn.agent.session import SessionOptions
from quickturn.agent.simulate import print_line, print_summary, print_turn
from quickturn.agent.stack import TURN_DETECTORS, StackOptions
from quickturn.assets import ModelPaths, default_cache_dir
from quickturn.domains.hotel.flows import HOTEL_GUARDS
from quickturn.domains.hotel.prompt import CALLER_WORDS
from quickturn.stt.types import CHUNK_S


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "demo", help="simulated call with the hotel front desk; prints latency per turn"
    )
    p.add_argument("--out", type=Path, default=None, help="run folder (default runs/demo-<time>)")
    p.add_argument("--json", type=Path, default=None, help="also write metrics.json here")
    p.add_argument("--stt", choices=("tiny.en", "base"), default="tiny.en")
    p.add_argument("--tts", choices=("piper", "espeak"), default="piper")
    p.add_argument("--llm", choices=("auto", "embedded", "canned"), default="auto",
                   help="auto: the embedded model if installed, else canned replies")
    p.add_argument("--patience-ms", type=int, default=500,
                   help="VAD silence that ends a caller turn (100-3000)")
    p.add_argument("--stt-chunking", choices=list(CHUNK_S), default="utterance",
                   help="STT once per utterance (default) or streaming every 200/500 ms")
    p.add_argument("--turns", choices=TURN_DETECTORS, default="smart",
                   help="end-of-turn detector: Smart Turn model + transcript cues (default), "
                        "text rules after --patience-ms, or plain --patience-ms")
    p.add_argument("--no-preemptive", action="store_true",
                   help="do not start STT+LLM on short pauses before the turn is confirmed")
    p.add_argument("--turn-lock", action="store_true",
                   help="ignore the caller while the agent speaks (no barge-in)")
    p.add_argument("--caller-wav", type=Path, action="append", default=[],
                   help="a caller turn from an audio file: WAV, FLAC, OGG (repeatable)")
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--flows", dest="flows", action="store_true", default=None,
                       help="the front desk as flows: a router and a task of a few tools per "
                            "kind of request (the default, except with --llm canned)")
    shape.add_argument("--single-prompt", dest="flows", action="store_false",
                       help="the front desk as one prompt with all 40 tools (the benchmark "
                            "workload; canned replies are written for it)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    stack = StackOptions(
        stt_model=args.stt,
        stt_prompt=CALLER_WORDS,
        tts=args.tts,
        patience_ms=args.patience_ms,
        turn_detector=args.turns,
        stt_chunking=args.stt_chunking,
        session=SessionOptions(preemptive=not args.no_preemptive, turn_lock=args.turn_lock),
        reply=ReplyOptions(loop=replace(ReplyOptions().loop, guards=HOTEL_GUARDS)),
    )
    options = DemoOptions(
        out_dir=args.out or default_out_dir(),
        stack=stack,
        llm=args.llm,
        caller_wavs=tuple(args.caller_wav),
        json_path=args.json,
        flows=args.flows,
    )
    for wav in options.caller_wavs:
        if not wav.is_file():
            print(f"quickturn demo: no such WAV file: {wav}", file=sys.stderr)
            return 2
    paths = ModelPaths(default_cache_dir())
    result = asyncio.run(
        run_demo(options, paths, progress=_progress, on_turn=print_turn, on_line=print_line)
    )
    print_summary(result.payload, len(result.turns))
    for b in result.bookings:
        late = f", late checkout {b['late_checkout_time']}" if b.get("late_checkout_time") else ""
        print(f"booking written: {b['code']} for {b['guest']}, {b['room_type']} room, "
              f"{b['check_in']} to {b['check_out']}, {b['adults']} adult(s), {b['status']}"
              f"{late}")
    if not result.bookings:
        print("no booking was written: the agent did not complete the caller's booking")
    print(f"wrote {result.out_dir}/call.wav, metrics.json, report.html")
    return 0


def _progress(message: str) -> None:
    print(f"[demo] {message}", flush=True)
