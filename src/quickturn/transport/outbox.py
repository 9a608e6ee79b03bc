"""One writer per socket: events and audio from several tasks, sent one at a time.

Events never block the session (they queue); audio frames await the socket, so a stalled TCP
connection slows the pacer and the backlog stays in the ``SpeechBuffer``, where a barge-in can
still drop it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from quickturn.transport.call import Event

SendText = Callable[[str], Awaitable[None]]
SendBytes = Callable[[bytes], Awaitable[None]]


class Outbox:
    def __init__(self, send_text: SendText, send_bytes: SendBytes | None = None) -> None:
        self._send_text = send_text
        self._send_bytes = send_bytes
        self._lock = asyncio.Lock()
        self._events: asyncio.Queue[str] = asyncio.Queue()
        self.closed = False

    def event(self, event: Event) -> None:
        if not self.closed:
            self._events.put_nowait(json.dumps(event, separators=(",", ":")))

    @property
    def pending(self) -> int:
        return self._events.qsize()

    async def text(self, message: str) -> None:
        async with self._lock:
            await self._send_text(message)

    async def binary(self, data: bytes) -> None:
        if self._send_bytes is None:
            raise TypeError("this socket carries no binary messages")
        async with self._lock:
            await self._send_bytes(data)

    async def run(self) -> None:
        """Send queued events until cancelled."""
        while True:
            message = await self._events.get()
            await self.text(message)
