"""Running the app under uvicorn inside the current event loop, with a ready callback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[str], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_ready(self.url())

    def url(self) -> str:
        # With port 0 the OS picked the port: read it back from the bound socket.
        for server in self.servers:
            for sock in server.sockets:
                host, port = sock.getsockname()[:2]
                host = f"[{host}]" if ":" in host else host
                return f"http://{host}:{port}"
        return f"http://{self.config.host}:{self.config.port}"


def _config(app: FastAPI, host: str, port: int) -> uvicorn.Config:
    # No access log: per-request lines on a 2-core box cost latency; /metrics has the numbers.
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=5,
    )


async def serve(app: FastAPI, host: str, port: int, on_ready: Callable[[str], None]) -> None:
    """Serve until cancelled or signalled; ``on_ready(url)`` once the socket listens."""
    server = _Server(_config(app, host, port), on_ready)
    await server.serve()


@asynccontextmanager
async def running(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve ``app`` in this event loop for the duration of the block; yields its base URL."""
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    server = _Server(_config(app, host, port), ready.set_result)
    task: asyncio.Future[None] = asyncio.ensure_future(server.serve())
    try:
        waits: list[asyncio.Future[Any]] = [ready, task]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            task.result()  # surfaces the start-up error
            raise RuntimeError("the server stopped before it was ready")
        yield ready.result()
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)
