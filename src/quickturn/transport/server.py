"""Running the talk app under uvicorn in the current event loop.

The listening socket is bound here, before uvicorn starts, so the URL (the OS's port when
``port`` is 0) is known at once and a client that connects early waits in the backlog.
WebSocket heartbeats are uvicorn's protocol-level pings (``ws_ping_interval``): a peer that stops
answering for ``heartbeat_s`` is dropped, and its reader sees the connection end, which tears its
call down like a hang-up.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from quickturn.transport.options import TransportOptions


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


def bind(options: TransportOptions) -> tuple[socket.socket, str]:
    family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((options.host, options.port))
    sock.listen(128)
    port = sock.getsockname()[1]
    host = f"[{options.host}]" if family == socket.AF_INET6 else options.host
    return sock, f"http://{host}:{port}"


@asynccontextmanager
async def running(app: FastAPI, options: TransportOptions) -> AsyncIterator[str]:
    """Serve for the duration of the block; yields the base URL."""
    sock, url = bind(options)
    server = uvicorn.Server(config(app, options))
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    try:
        yield url
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)
        sock.close()


async def serve(app: FastAPI, options: TransportOptions, on_ready: Callable[[str], None]) -> None:
    """Serve until signalled; ``on_ready(url)`` once the socket listens."""
    sock, url = bind(options)
    with sock:
        on_ready(url)
        await uvicorn.Server(config(app, options)).serve(sockets=[sock])
