"""One call over a WebSocket, whatever its protocol: the writers, the supervisor, the ending.

The WebSocket and phone transports differ in their messages only; both run the event writer
and the audio pacer beside the supervised call, let the last events go out when the call ends,
and answer a protocol error with one error message (the last thing sent) and a close code.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from quickturn.audio.frame import PCM16
from quickturn.transport.call import Call, CallHandler, CallRegistry, supervise
from quickturn.transport.options import IdleTimeout, PeerProtocolError
from quickturn.transport.outbox import Outbox
from quickturn.transport.playout import SpeechBuffer, pace
from quickturn.transport.socket import PeerSocket

log = logging.getLogger(__name__)

ErrorMessage = Callable[[PeerProtocolError], dict[str, Any]]


async def receive_within(sock: PeerSocket, idle_timeout_s: float) -> bytes | str | None:
    """The next message (None: the peer is gone); IdleTimeout when none comes in time."""
    try:
        async with asyncio.timeout(idle_timeout_s):
            return await sock.receive()
    except TimeoutError:
        raise IdleTimeout(idle_timeout_s) from None


async def close_with_error(
    sock: PeerSocket, exc: PeerProtocolError, message: ErrorMessage
) -> None:
    try:
        await sock.send_text(json.dumps(message(exc)))
    finally:
        await sock.close(exc.close_code, str(exc)[:120])


async def run_socket_call(
    sock: PeerSocket,
    outbox: Outbox,
    buffer: SpeechBuffer,
    send_audio: Callable[[PCM16], Awaitable[None]],
    call: Call,
    handler: CallHandler,
    read: Callable[[], Coroutine[Any, Any, None]],
    registry: CallRegistry,
    error_message: ErrorMessage,
    on_ready: Callable[[], Awaitable[None]] | None = None,
) -> None:
    async with asyncio.TaskGroup() as tg:
        writers = [tg.create_task(outbox.run()), tg.create_task(pace(buffer, send_audio))]
        try:
            await supervise(call, handler, read, registry, on_ready)
        except PeerProtocolError as exc:
            log.info("call %s: %s", call.id, exc)
            _stop(outbox, writers)
            await close_with_error(sock, exc, error_message)
            return
        finally:
            # Let queued events (the last turn's metrics) go out, then stop the writers.
            for _ in range(20):
                if outbox.pending == 0 or outbox.closed:
                    break
                await asyncio.sleep(0.01)
            _stop(outbox, writers)
    await sock.close(1000, "call ended")


def _stop(outbox: Outbox, writers: list[asyncio.Task[None]]) -> None:
    outbox.closed = True
    for task in writers:
        task.cancel()
