"""The browser transport: WebRTC (aiortc) audio both ways with Opus, events on a data channel.

Signalling is one HTTP exchange (``POST /offer`` with the browser's complete offer, the answer
back; no trickle ICE, no STUN: loopback and LAN peers reach each other through host candidates).
The caller's track is decoded by aiortc, mixed to mono and resampled to the session's 16 kHz.
The agent's track is :class:`AgentTrack`: aiortc pulls a frame from ``recv()`` every 20 ms, and
``recv()`` drains the call's ``SpeechBuffer`` on the wall clock (silence when nothing is queued),
so what the buffer hands out is what went on the wire. Events go to the page as JSON on the data
channel the page opens (``events``); the page's ``hangup`` and ``ping`` come back on it.
"""

from __future__ import annotations

import asyncio
import fractions
import json
import logging
import time
from typing import Any, cast

import av
import numpy as np
from aiortc import RTCDataChannel, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from quickturn.audio.frame import PCM16
from quickturn.transport.call import Call, CallHandler, CallRegistry, Event, FrameQueue, supervise
from quickturn.transport.codec import StreamResampler
from quickturn.transport.options import SESSION_RATE_HZ, IdleTimeout, TransportOptions
from quickturn.transport.playout import SpeechBuffer

log = logging.getLogger(__name__)


class AgentTrack(MediaStreamTrack):
    kind = "audio"

    def __init__(self, buffer: SpeechBuffer) -> None:
        super().__init__()
        self._buffer = buffer
        self._rate = buffer.sample_rate_hz
        self._n = buffer.frame_samples
        self._start: float | None = None
        self._pts = 0

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.perf_counter()
        else:
            self._pts += self._n
            due = self._start + self._pts / self._rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        pcm = self._buffer.next_frame()
        if pcm is None:
            pcm = np.zeros(self._n, np.int16)
        frame = av.AudioFrame(format="s16", layout="mono", samples=self._n)
        frame.planes[0].update(pcm.astype("<i2").tobytes())
        frame.pts = self._pts
        frame.sample_rate = self._rate
        frame.time_base = fractions.Fraction(1, self._rate)
        return frame


def mono_pcm(frame: av.AudioFrame) -> PCM16:
    """A decoded frame as mono int16 (aiortc's Opus decoder gives packed stereo s16)."""
    samples = frame.to_ndarray()
    channels = len(frame.layout.channels)
    if frame.format.is_planar:
        samples = samples.reshape(channels, -1).T
    else:
        samples = samples.reshape(-1, channels)
    if samples.dtype != np.int16:
        samples = np.clip(samples * 32767.0, -32768, 32767)
    mixed = samples.astype(np.int32).mean(axis=1) if channels > 1 else samples[:, 0]
    return np.asarray(mixed, dtype=np.int16)


class _Channel:
    """Events queued until the page's data channel is open, then sent as they come."""

    def __init__(self) -> None:
        self.channel: RTCDataChannel | None = None
        self._backlog: list[str] = []
        self.hangup = asyncio.Event()

    def attach(self, channel: RTCDataChannel) -> None:
        self.channel = channel

        @channel.on("open")
        def _open() -> None:
            for text in self._backlog:
                channel.send(text)
            self._backlog.clear()

        @channel.on("message")
        def _message(message: Any) -> None:
            try:
                msg = json.loads(message) if isinstance(message, str) else None
            except json.JSONDecodeError:
                msg = None
            kind = msg.get("type") if isinstance(msg, dict) else None
            if kind == "ping":
                self.send({"type": "pong"})
            elif kind == "hangup":
                self.hangup.set()
            else:
                self.send({"type": "error", "code": "protocol",
                           "message": "data channel messages are JSON: ping, hangup"})

        if channel.readyState == "open":
            _open()

    def send(self, event: Event) -> None:
        text = json.dumps(event, separators=(",", ":"))
        if self.channel is not None and self.channel.readyState == "open":
            self.channel.send(text)
        elif self.channel is None or self.channel.readyState == "connecting":
            self._backlog.append(text)


class WebRTCCalls:
    """Answers offers and owns each peer connection and its call until it ends."""

    def __init__(
        self, handler: CallHandler, registry: CallRegistry, options: TransportOptions
    ) -> None:
        self._handler = handler
        self._registry = registry
        self._options = options
        self._tasks: set[asyncio.Task[None]] = set()
        self._peers: set[RTCPeerConnection] = set()

    async def answer(self, sdp: str, kind: str) -> dict[str, str] | None:
        if kind != "offer" or "m=audio" not in sdp:
            return None
        pc = RTCPeerConnection()
        self._peers.add(pc)
        channel = _Channel()
        remote: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()
        buffer = SpeechBuffer(SESSION_RATE_HZ, self._options.frame_ms,
                              on_clear=lambda: channel.send({"type": "clear"}))

        @pc.on("datachannel")
        def _on_channel(ch: RTCDataChannel) -> None:
            channel.attach(ch)

        @pc.on("track")
        def _on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio" and not remote.done():
                remote.set_result(track)

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=kind))
            pc.addTrack(AgentTrack(buffer))
            await pc.setLocalDescription(await pc.createAnswer())
        except (ValueError, AttributeError) as exc:  # aiortc's errors on an SDP it cannot use
            log.info("bad offer: %s", exc)
            await self._close(pc)
            return None
        if not remote.done():
            await self._close(pc)
            return None
        call = Call(self._registry.new_id("webrtc"), "webrtc", FrameQueue(SESSION_RATE_HZ),
                    buffer, channel.send)
        task = asyncio.create_task(self._run(pc, call, remote.result(), channel))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        # Answer once the session is set up, so the caller's first words find it listening.
        ready = asyncio.create_task(call.ready.wait())
        await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if task.done():
            return None
        local = pc.localDescription
        return {"sdp": local.sdp, "type": local.type, "call_id": call.id}

    async def _run(
        self, pc: RTCPeerConnection, call: Call, track: MediaStreamTrack, channel: _Channel
    ) -> None:
        gone = asyncio.Event()

        @pc.on("connectionstatechange")
        def _state() -> None:
            if pc.connectionState in ("failed", "closed"):
                gone.set()

        async def read() -> None:
            up: StreamResampler | None = None
            while not gone.is_set() and not channel.hangup.is_set():
                try:
                    async with asyncio.timeout(self._options.idle_timeout_s):
                        frame = cast(av.AudioFrame, await track.recv())
                except MediaStreamError:
                    return
                except TimeoutError:
                    raise IdleTimeout(self._options.idle_timeout_s) from None
                if up is None or up.from_hz != frame.sample_rate:
                    up = StreamResampler(frame.sample_rate, SESSION_RATE_HZ)
                call.input.put(up.process(mono_pcm(frame)))

        try:
            await supervise(call, self._handler, read, self._registry)
        except IdleTimeout as exc:
            channel.send({"type": "error", "code": "idle", "message": str(exc)})
        finally:
            await self._close(pc)

    async def _close(self, pc: RTCPeerConnection) -> None:
        self._peers.discard(pc)
        await pc.close()

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for pc in list(self._peers):
            await self._close(pc)
