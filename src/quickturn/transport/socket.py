"""The four things a transport needs of a WebSocket, and the adapter from Starlette's.

Transports speak to :class:`PeerSocket` only, so the protocol code does not depend on the web
framework, and every way a peer can vanish (close frame, reset, half-open socket) maps here to
one thing: ``receive()`` returns None, and sends to a gone peer are dropped.
"""

from __future__ import annotations

import contextlib
from typing import Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState


class PeerSocket(Protocol):
    async def receive(self) -> bytes | str | None:
        """The next message; None once the peer is gone."""
        ...

    async def send_text(self, text: str) -> None: ...

    async def send_bytes(self, data: bytes) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...


class StarletteSocket:
    def __init__(self, ws: WebSocket) -> None:
        self._ws = ws
        self.gone = False

    async def receive(self) -> bytes | str | None:
        if self.gone:
            return None
        try:
            message = await self._ws.receive()
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.gone = True
            return None
        if message["type"] == "websocket.disconnect":
            self.gone = True
            return None
        data: bytes | None = message.get("bytes")
        if data is not None:
            return data
        text: str | None = message.get("text")
        return text if text is not None else b""

    async def send_text(self, text: str) -> None:
        await self._send(text=text)

    async def send_bytes(self, data: bytes) -> None:
        await self._send(data=data)

    async def _send(self, *, text: str | None = None, data: bytes | None = None) -> None:
        if self.gone or self._ws.application_state is not WebSocketState.CONNECTED:
            return
        try:
            if text is not None:
                await self._ws.send_text(text)
            elif data is not None:
                await self._ws.send_bytes(data)
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.gone = True

    async def close(self, code: int, reason: str) -> None:
        if self.gone or self._ws.application_state is not WebSocketState.CONNECTED:
            return
        self.gone = True
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await self._ws.close(code, reason)
