"""Running the talk app under uvicorn in the current event loop.

WebSocket heartbeats are uvicorn's protocol-level pings (``ws_ping_interval``): a peer that stops
answering for ``heartbeat_s`` is dropped, and its reader sees the connection end, which tears its
call down like a hang-up.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

from quickturn.transport.options import TransportOptions


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[str], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            self._on_ready(f"http://{host}:{port}")


def config(app: FastAPI, options: TransportOptions) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=options.host,
        port=options.port,
        log_level="warning",
        access_log=False,
        ws="websockets-sansio",
        ws_max_size=options.max_message_bytes * 2,
        ws_ping_interval=options.heartbeat_s,
        ws_ping_timeout=options.heartbeat_s,
        timeout_graceful_shutdown=3,
    )


async def serve(app: FastAPI, options: TransportOptions, on_ready: Callable[[str], None]) -> None:
    await _Server(config(app, options), on_ready).serve()


@asynccontextmanager
async def running(app: FastAPI, options: TransportOptions) -> AsyncIterator[str]:
    """Serve for the duration of the block; yields the base URL (port 0: the OS picks)."""
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    server = _Server(config(app, options), ready.set_result)
    task: asyncio.Future[None] = asyncio.ensure_future(server.serve())
    try:
        waits: list[asyncio.Future[Any]] = [ready, task]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            task.result()
            raise RuntimeError("the talk server stopped before it was ready")
        yield ready.result()
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)
