"""One connected caller, whatever the medium, and the supervisor that owns its tasks.

A transport turns its medium into a :class:`Call` (caller frames in, a paced ``SpeechBuffer``
out, a sink for JSON events) and hands it to a :data:`CallHandler`, the voice session. The
supervisor ties the two lifetimes together: when the peer goes (hang-up, vanished socket,
malformed frame) the handler is cancelled and awaited, so no reply, TTS or tool call outlives
the connection; when the handler ends (the agent hung up, or failed) the connection closes.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from quickturn.audio.frame import PCM16, AudioFrame
from quickturn.transport.playout import SpeechBuffer

log = logging.getLogger(__name__)

Event = dict[str, Any]


class FrameQueue:
    """The ``AudioInput`` of a network call: frames pushed by the transport's reader, stamped
    on the session clock when their last sample arrived."""

    def __init__(self, sample_rate_hz: int, now: Callable[[], float] = time.perf_counter) -> None:
        self.sample_rate_hz = sample_rate_hz
        self._now = now
        self._queue: asyncio.Queue[AudioFrame | None] = asyncio.Queue()
        self.closed = False
        self.received_s = 0.0

    def put(self, pcm: PCM16) -> None:
        if self.closed or not len(pcm):
            return
        duration = len(pcm) / self.sample_rate_hz
        self.received_s += duration
        self._queue.put_nowait(AudioFrame(pcm, self.sample_rate_hz, self._now() - duration))

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._queue.put_nowait(None)

    async def frames(self) -> AsyncIterator[AudioFrame]:
        while (frame := await self._queue.get()) is not None:
            yield frame


@dataclass
class Call:
    id: str
    transport: str
    """``webrtc``, ``websocket`` or ``twilio``."""
    input: FrameQueue
    output: SpeechBuffer
    send_event: Callable[[Event], None]
    """Queue one JSON event for the peer (never blocks; dropped once the peer is gone)."""
    params: dict[str, str] = field(default_factory=dict)
    """What the peer told us at start (query string, Twilio custom parameters)."""
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    """Set by the handler once it takes audio (its per-call set-up is done). The transport
    reads the peer only from then on, and tells it so where the protocol can (``ready``)."""


CallHandler = Callable[[Call], Awaitable[None]]
"""Runs one call to its end; MUST set ``call.ready`` once it takes audio."""


@dataclass
class CallRegistry:
    """The calls in progress, for health checks, load tests and shutdown."""

    active: dict[str, Call] = field(default_factory=dict)
    total: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_id(self, transport: str) -> str:
        return f"{transport}-{next(self._ids)}"


async def supervise(
    call: Call,
    handler: CallHandler,
    read_peer: Callable[[], Coroutine[Any, Any, None]],
    registry: CallRegistry,
    on_ready: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Run the session and the peer reader side by side until either ends; then stop the other.

    The reader starts once the handler set ``call.ready`` (after ``on_ready``). It returns when
    the peer leaves and raises on a protocol error; either way the session is cancelled and
    awaited before this returns, and the error propagates."""
    registry.active[call.id] = call
    registry.total += 1
    session = asyncio.create_task(_run_handler(call, handler), name=f"session {call.id}")
    reader: asyncio.Task[None] | None = None
    try:
        ready = asyncio.create_task(call.ready.wait())
        await asyncio.wait({session, ready}, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if not session.done():
            if on_ready is not None:
                await on_ready()
            reader = asyncio.create_task(read_peer(), name=f"reader {call.id}")
            await asyncio.wait({session, reader}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        call.input.close()
        tasks = [session] if reader is None else [session, reader]
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        registry.active.pop(call.id, None)
        call.output.clear_buffer()
    if len(results) > 1 and isinstance(results[1], Exception):
        raise results[1]


async def _run_handler(call: Call, handler: CallHandler) -> None:
    try:
        await handler(call)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the session failed: tell the peer, then hang up
        log.exception("call %s: session failed", call.id)
        call.send_event({"type": "error", "code": "session_failed", "message": str(exc)})
