"""Callers for the three transports, as real clients over the network: tests and benchmarks.

Each client speaks its protocol for real (``websockets`` for the WebSocket and phone
endpoints, aiortc for WebRTC), plays the caller's utterances in real time with silence between
them (the server's VAD needs the silence to hear a turn end), and listens: A2A is measured here,
at the caller, from the last sample of an utterance sent to the first loud sample of the agent's
answer received, so every buffer and codec on the way is inside the number.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from quickturn.audio.frame import PCM16
from quickturn.transport.codec import StreamResampler, ulaw_decode, ulaw_encode
from quickturn.transport.options import SESSION_RATE_HZ

RATE = SESSION_RATE_HZ
FRAME = RATE // 50  # 20 ms
LOUD = 1000  # peak of a frame that counts as agent speech (TTS peaks near 10k; silence is ~0)


@dataclass
class Ear:
    """Agent audio as it arrives (16 kHz), stamped with the wall clock."""

    chunks: list[tuple[float, PCM16]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    last_loud_s: float | None = None

    def hear(self, pcm: PCM16) -> None:
        now = time.perf_counter()
        self.chunks.append((now, pcm))
        if len(pcm) and int(np.abs(pcm.astype(np.int32)).max()) >= LOUD:
            self.last_loud_s = now

    def first_loud_after(self, t: float) -> float | None:
        for at, pcm in self.chunks:
            if at > t and len(pcm) and int(np.abs(pcm.astype(np.int32)).max()) >= LOUD:
                return at
        return None

    def audio_after(self, t: float) -> PCM16:
        parts = [pcm for at, pcm in self.chunks if at > t]
        return np.concatenate(parts) if parts else np.zeros(0, np.int16)


@dataclass(frozen=True)
class HeardTurn:
    a2a_ms: float | None
    """None: no answer within the wait."""
    answer: PCM16


SendFrame = Callable[[PCM16], Awaitable[None]]


async def converse(
    send: SendFrame,
    ear: Ear,
    utterances: Sequence[PCM16],
    *,
    greeting: bool = True,
    quiet_s: float = 2.0,
    max_wait_s: float = 15.0,
) -> list[HeardTurn]:
    """Say each utterance once the agent has finished its previous answer."""
    clock = _Pacer(send)
    if greeting:
        await clock.silence_until(lambda: _answered(ear, 0.0, quiet_s), 6.0)
    turns: list[HeardTurn] = []
    for pcm in utterances:
        for start in range(0, len(pcm), FRAME):
            chunk = pcm[start : start + FRAME]
            await clock.frame(np.pad(chunk, (0, FRAME - len(chunk))))
        end = time.perf_counter()
        await clock.silence_until(functools.partial(_answered, ear, end, quiet_s), max_wait_s)
        first = ear.first_loud_after(end)
        turns.append(HeardTurn(None if first is None else (first - end) * 1000,
                               ear.audio_after(end)))
    return turns


def _answered(ear: Ear, since: float, quiet_s: float) -> bool:
    last = ear.last_loud_s
    return last is not None and last > since and time.perf_counter() - last >= quiet_s


class _Pacer:
    """Sends 20 ms frames on the wall clock, like a microphone."""

    def __init__(self, send: SendFrame) -> None:
        self._send = send
        self._due = time.perf_counter()

    async def frame(self, pcm: PCM16) -> None:
        self._due = max(self._due, time.perf_counter() - 0.1)
        await asyncio.sleep(max(0.0, self._due - time.perf_counter()))
        await self._send(pcm)
        self._due += FRAME / RATE

    async def silence_until(self, done: Callable[[], bool], limit_s: float) -> None:
        deadline = time.perf_counter() + limit_s
        silence = np.zeros(FRAME, np.int16)
        while not done() and time.perf_counter() < deadline:
            await self.frame(silence)


async def websocket_call(url: str, utterances: Sequence[PCM16], **kw: Any) -> tuple[
        list[HeardTurn], Ear]:
    """``url``: ``ws://host:port/ws`` (plus ``?token=``)."""
    from websockets.asyncio.client import connect

    ear = Ear()
    async with connect(url) as ws:
        json.loads(await ws.recv())

        async def listen() -> None:
            async for msg in ws:
                if isinstance(msg, bytes):
                    ear.hear(np.frombuffer(msg, "<i2").astype(np.int16))
                else:
                    ear.events.append(json.loads(msg))

        listener = asyncio.create_task(listen())
        try:
            turns = await converse(lambda pcm: ws.send(pcm.astype("<i2").tobytes()), ear,
                                   utterances, **kw)
        finally:
            listener.cancel()
    return turns, ear


async def phone_call(url: str, utterances: Sequence[PCM16], **kw: Any) -> tuple[
        list[HeardTurn], Ear]:
    """``url``: ``ws://host:port/twilio``; speaks Twilio Media Streams, echoes marks."""
    from websockets.asyncio.client import connect

    ear = Ear()
    sid = "MZ" + "0" * 32
    down = StreamResampler(RATE, 8000)
    up = StreamResampler(8000, RATE)
    async with connect(url) as ws:
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await ws.send(json.dumps({"event": "start", "streamSid": sid, "start": {
            "streamSid": sid, "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                                              "channels": 1}, "customParameters": {}}}))

        marked = asyncio.Event()  # every speech so far has ended with its mark

        async def listen() -> None:
            async for raw in ws:
                msg = json.loads(raw)
                ear.events.append({k: v for k, v in msg.items() if k != "media"})
                if msg["event"] == "media":
                    marked.clear()
                    ear.hear(up.process(ulaw_decode(base64.b64decode(msg["media"]["payload"]))))
                elif msg["event"] == "mark":
                    marked.set()
                    await ws.send(json.dumps({"event": "mark", "streamSid": sid,
                                              "mark": msg["mark"]}))

        async def send(pcm: PCM16) -> None:
            payload = base64.b64encode(ulaw_encode(down.process(pcm))).decode()
            await ws.send(json.dumps({"event": "media", "streamSid": sid,
                                      "media": {"track": "inbound", "payload": payload}}))

        listener = asyncio.create_task(listen())
        try:
            turns = await converse(send, ear, utterances, **kw)
            with contextlib.suppress(TimeoutError):  # the last answer's mark, as a phone would
                await asyncio.wait_for(marked.wait(), 10)
            await ws.send(json.dumps({"event": "stop", "streamSid": sid}))
        finally:
            listener.cancel()
    return turns, ear
