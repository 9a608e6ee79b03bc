"""A WebRTC caller (aiortc), for tests and benchmarks: a microphone track fed 20 ms frames in
real time, the agent's track decoded into an :class:`Ear`, events from the data channel.

``rewrite`` lets a benchmark route the media through a relay of its own (it rewrites the
candidates in both descriptions, see ``quickturn.transport.netem``)."""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

import av
import httpx
import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from quickturn.audio.frame import PCM16
from quickturn.transport.clients import RATE, Ear, HeardTurn, converse
from quickturn.transport.codec import StreamResampler
from quickturn.transport.webrtc import mono_pcm

Rewrite = Callable[[str, str], Awaitable[str]]
"""``(sdp, "offer" | "answer") -> sdp``."""


class MicTrack(MediaStreamTrack):
    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._queue: asyncio.Queue[PCM16] = asyncio.Queue()
        self._pts = 0

    async def push(self, pcm: PCM16) -> None:
        self._queue.put_nowait(pcm)

    async def recv(self) -> av.AudioFrame:
        pcm = await self._queue.get()
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(pcm))
        frame.planes[0].update(pcm.astype("<i2").tobytes())
        frame.pts = self._pts
        frame.sample_rate = RATE
        frame.time_base = fractions.Fraction(1, RATE)
        self._pts += len(pcm)
        return frame


async def webrtc_call(
    base_url: str,
    utterances: Sequence[PCM16],
    *,
    token: str | None = None,
    rewrite: Rewrite | None = None,
    **kw: Any,
) -> tuple[list[HeardTurn], Ear]:
    """``base_url``: ``http://host:port``."""
    ear = Ear()
    pc = RTCPeerConnection()
    mic = MicTrack()
    pc.addTrack(mic)
    channel = pc.createDataChannel("events")
    readers: list[asyncio.Task[None]] = []

    @channel.on("message")
    def _message(message: Any) -> None:
        if isinstance(message, str):
            ear.events.append(json.loads(message))

    async def listen(track: MediaStreamTrack) -> None:
        up: StreamResampler | None = None
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = cast(av.AudioFrame, await track.recv())
                if up is None:
                    up = StreamResampler(frame.sample_rate, RATE)
                ear.hear(up.process(mono_pcm(frame)))

    @pc.on("track")
    def _track(track: MediaStreamTrack) -> None:
        readers.append(asyncio.create_task(listen(track), name="webrtc_call reader"))

    try:
        await pc.setLocalDescription(await pc.createOffer())
        offer = pc.localDescription.sdp
        if rewrite is not None:
            offer = await rewrite(offer, "offer")
        params = {"token": token} if token else {}
        async with httpx.AsyncClient(timeout=20) as http:
            reply = await http.post(f"{base_url}/offer", json={"sdp": offer, "type": "offer"},
                                    params=params)
            reply.raise_for_status()
        answer = reply.json()["sdp"]
        if rewrite is not None:
            answer = await rewrite(answer, "answer")
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        turns = await converse(mic.push, ear, utterances, **kw)
        with contextlib.suppress(Exception):
            channel.send(json.dumps({"type": "hangup"}))
    finally:
        for task in readers:
            task.cancel()
        if readers:
            await asyncio.wait(readers)  # asyncio.wait: their CancelledError is not ours
        await pc.close()
    for task in readers:
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error  # a reader that failed before the call ended: its error is the call's
    return turns, ear


def silence(seconds: float) -> PCM16:
    return np.zeros(int(seconds * RATE), np.int16)
