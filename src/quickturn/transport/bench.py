"""A2A over the real transports, measured at the caller: ``python -m quickturn.transport.bench``.

Starts ``quickturn talk`` in its own process (so the server's loop is not the clients'), then
calls it with real clients: WebSocket, the phone protocol, WebRTC (aiortc), optionally through
a lossy UDP relay (WebRTC) or a stalling TCP proxy (WebSocket), and optionally many callers at
once. Each call says every line after the agent finished its previous answer; A2A is from the
last sample of a line sent to the first loud sample of the answer received. Prints p50/p95 and
writes every number to ``--out`` (JSON).

``--capacity N`` finds how many simultaneous calls the machine holds: after one warm-up call
(not counted), 1, 2, ... N calls at once; ``held`` is the last step before the first whose A2A
p95 passes ``--limit-ms`` or that leaves a turn unanswered. The steps go on past that while the
p95 stays under twice the limit (the shape of the curve), and the load average is recorded beside
every step, since a shared machine moves it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from quickturn.agent.metrics import percentile
from quickturn.audio.frame import PCM16

LINES = (
    "What time is checkout?",
    "Is there parking at the hotel?",
    "Do you have a gym?",
    "Can I bring my dog?",
)


async def caller_audio(lines: Sequence[str]) -> list[PCM16]:
    from quickturn.assets import ModelPaths, default_cache_dir
    from quickturn.audio.resample import resample
    from quickturn.transport.simulated import trim_silence
    from quickturn.tts import PiperTTS

    tts = await PiperTTS.create(ModelPaths(default_cache_dir()))
    try:
        out = []
        for line in lines:
            parts = [resample(c.pcm, c.sample_rate_hz, 16000) async for c in tts.synthesize(line)]
            out.append(trim_silence(np.concatenate(parts), 16000))
        return out
    finally:
        await tts.aclose()


async def start_server(extra: Sequence[str]) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "quickturn", "talk", "--port", "0", "--no-greeting", *extra,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdout is not None
    while line := (await proc.stdout.readline()).decode():
        print(line.rstrip(), flush=True)
        if m := re.search(r"open (http://\S+?)/", line):
            return proc, m.group(1)
    raise RuntimeError("quickturn talk exited before it listened")


Turns = tuple[list[float | None], list[dict[str, Any]]]
"""A2A per turn at the caller, and the server's own metrics of each turn (where it sends them)."""


async def one_call(kind: str, base: str, audio: list[PCM16], impair: float) -> Turns:
    from quickturn.transport.clients import phone_call, websocket_call

    ws = base.replace("http://", "ws://")
    if kind == "websocket":
        if impair > 0:
            from quickturn.transport.netem import StallingProxy

            host, port = base.rsplit(":", 1)
            proxy = StallingProxy(host.split("//")[1], int(port), stall_p=impair)
            local = await proxy.start()
            try:
                turns, ear = await websocket_call(f"ws://127.0.0.1:{local}/ws", audio,
                                                greeting=False)
            finally:
                await proxy.aclose()
            print(f"  stalled {proxy.stalls} of {proxy.chunks} TCP chunks", flush=True)
        else:
            turns, ear = await websocket_call(f"{ws}/ws", audio, greeting=False)
    elif kind == "phone":
        turns, ear = await phone_call(f"{ws}/twilio", audio, greeting=False)
    else:
        from quickturn.transport.netem import UdpRelay
        from quickturn.transport.webrtc_client import webrtc_call

        relay = UdpRelay(loss=impair) if impair > 0 else None
        try:
            turns, ear = await webrtc_call(base, audio, greeting=False,
                                         rewrite=relay.rewrite if relay else None)
        finally:
            if relay is not None:
                print(f"  relay dropped {relay.dropped} of {relay.media} media packets",
                      flush=True)
                relay.close()
    metrics = [e["metrics"] for e in ear.events if e.get("type") == "turn_completed"]
    return [t.a2a_ms for t in turns], metrics


def summary(values: list[float | None], server: list[dict[str, Any]] | None = None,
            ) -> dict[str, Any]:
    got = [v for v in values if v is not None]
    out: dict[str, Any] = {
        "turns": len(values), "answered": len(got),
        "a2a_p50_ms": round(percentile(got, 50)) if got else None,
        "a2a_p95_ms": round(percentile(got, 95)) if got else None,
        "a2a_ms": [None if v is None else round(v) for v in values],
    }
    if server:
        # The answer's own first audio (a filler may have come first) as the server saw it.
        reply = [m["first_reply_out_ms"] for m in server if m.get("first_reply_out_ms")]
        out["server_reply_p50_ms"] = round(percentile(reply, 50)) if reply else None
        out["server_reply_p95_ms"] = round(percentile(reply, 95)) if reply else None
        out["fillers"] = sum(1 for m in server if m.get("filler"))
    return out


def held(steps: list[dict[str, Any]], limit_ms: float) -> int:
    """The most calls at once whose every turn was answered with A2A p95 within ``limit_ms``
    (the steps are 1, 2, ... calls at once, in order; the first to fail ends the count)."""
    count = 0
    for step in steps:
        p95 = step["a2a_p95_ms"]
        if p95 is None or step["answered"] < step["turns"] or p95 > limit_ms:
            break
        count = step["calls_at_once"]
    return count


async def at_once(args: argparse.Namespace, base: str, audio: list[PCM16], n: int,
                  ) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    calls = await asyncio.gather(*(one_call(args.concurrent_transport, base, audio, 0)
                                   for _ in range(n)))
    flat = [v for call, _ in calls for v in call]
    server = [m for _, metrics in calls for m in metrics]
    step = {"calls_at_once": n, **summary(flat, server),
            "wall_s": round(time.perf_counter() - t0, 1),
            "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
    print(f"{n} at once: {step}", flush=True)
    return step


async def run(args: argparse.Namespace) -> dict[str, Any]:
    audio = await caller_audio(LINES[: args.lines])
    proc, base = await start_server(args.server_args)
    results: dict[str, Any] = {"server_args": args.server_args, "lines": args.lines,
                               "started": time.time()}
    try:
        for kind in args.transports:
            values: list[float | None] = []
            server: list[dict[str, Any]] = []
            for _ in range(args.calls):
                a2a, metrics = await one_call(kind, base, audio, args.impair)
                values += a2a
                server += metrics
            results[kind] = summary(values, server)
            print(f"{kind}: {results[kind]}", flush=True)
        for n in args.concurrent:
            results[f"concurrent_{n}"] = await at_once(args, base, audio, n)
        if args.capacity:
            await one_call(args.concurrent_transport, base, audio[:1], 0)  # warm-up
            steps: list[dict[str, Any]] = []
            for n in range(1, args.capacity + 1):
                steps.append(await at_once(args, base, audio, n))
                if held(steps, 2 * args.limit_ms) < n:
                    break  # far past the limit, or a turn went unanswered
            results["capacity"] = {"limit_ms": args.limit_ms, "steps": steps,
                                   "load_avg_1m_5m_15m": [round(x, 2) for x in os.getloadavg()],
                                   "held": held(steps, args.limit_ms),
                                   "cpus": os.cpu_count()}
            print(f"held {results['capacity']['held']} calls at once with A2A p95 <= "
                  f"{args.limit_ms:.0f} ms", flush=True)
    finally:
        proc.terminate()
        await proc.wait()
    return results


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m quickturn.transport.bench", description=__doc__)
    p.add_argument("--transports", nargs="*", default=["websocket", "phone", "webrtc"],
                   choices=("websocket", "phone", "webrtc"))
    p.add_argument("--calls", type=int, default=1, help="calls one after another per transport")
    p.add_argument("--lines", type=int, default=len(LINES), help="caller lines per call")
    p.add_argument("--impair", type=float, default=0.0,
                   help="WebRTC: media packet loss; WebSocket: TCP chunk stall probability")
    p.add_argument("--concurrent", type=int, nargs="*", default=[],
                   help="also run this many calls at once (e.g. 1 2 4)")
    p.add_argument("--capacity", type=int, default=0, metavar="N",
                   help="1, 2, ... N calls at once until A2A p95 passes --limit-ms")
    p.add_argument("--limit-ms", type=float, default=1500.0)
    p.add_argument("--concurrent-transport", default="websocket",
                   choices=("websocket", "phone", "webrtc"))
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("server_args", nargs="*", help="after --: arguments for quickturn talk")
    args = p.parse_args(argv)
    results = asyncio.run(run(args))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
