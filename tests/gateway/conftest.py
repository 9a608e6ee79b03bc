"""Shared helpers for the gateway tests: a virtual timer, in-process servers, subprocess
gateways (real `quickturn serve` processes playing upstream replicas)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from quickturn.gateway.app import create_app
from quickturn.gateway.options import Engine, GatewayOptions
from quickturn.gateway.server import running
from quickturn.llm.types import ChatClient


class FakeTimer:
    """``now``/``sleep`` on virtual time: sleepers wake only when a test calls ``advance``."""

    def __init__(self) -> None:
        self.t = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.t + seconds, fut))
        await fut

    async def advance(self, seconds: float) -> None:
        await settle()  # sleepers that are about to register do so at the current time
        self.t += seconds
        for deadline, fut in list(self._sleepers):
            if deadline <= self.t and not fut.done():
                fut.set_result(None)
        self._sleepers = [(d, f) for d, f in self._sleepers if not f.done()]
        await settle()


async def settle(rounds: int = 20) -> None:
    """Let every ready task run (zero-length yields, no real sleeping)."""
    for _ in range(rounds):
        await asyncio.sleep(0)


@asynccontextmanager
async def serve_client(
    client: ChatClient, options: GatewayOptions | None = None, label: str = "scripted"
) -> AsyncIterator[str]:
    """The real gateway app on a real socket in this event loop; yields the /v1 base URL."""
    app = create_app(Engine(label, client), options or GatewayOptions())
    async with running(app) as url:
        yield url + "/v1"


@asynccontextmanager
async def serve_embedded() -> AsyncIterator[tuple[Any, str]]:
    """The real embedded engine (0.5B) behind the gateway, as `quickturn serve` runs it (raw
    text out, the gateway's stage repairs calls); yields (engine, /v1 URL). Skips the test
    when the model or llama.cpp is not installed."""
    import pytest

    from quickturn.assets import ModelPaths, default_cache_dir
    from quickturn.errors import MissingDependencyError

    try:
        from quickturn.llm.embedded_client import EmbeddedChatClient, EmbeddedOptions

        engine = await EmbeddedChatClient.create(
            EmbeddedOptions(n_ctx=4096, persist_prefixes=False, repair_calls=False),
            ModelPaths(default_cache_dir()),
        )
    except (ImportError, MissingDependencyError) as exc:
        pytest.skip(f"embedded engine unavailable: {exc}")
    try:
        async with serve_client(engine, label="embedded") as url:
            yield engine, url
    finally:
        await engine.aclose()


@dataclass
class Subprocess:
    proc: asyncio.subprocess.Process
    url: str  # the /v1 base URL

    def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)


@asynccontextmanager
async def spawn_gateway(*args: str, start_timeout_s: float = 60.0) -> AsyncIterator[Subprocess]:
    """`python -m quickturn serve --port 0 ARGS` in a subprocess; waits for its ready line."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "quickturn",
        "serve",
        "--port",
        "0",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    assert proc.stdout is not None
    try:
        url = ""
        async with asyncio.timeout(start_timeout_s):
            while not url:
                line = (await proc.stdout.readline()).decode()
                if not line:
                    raise RuntimeError(f"gateway exited before ready (rc={await proc.wait()})")
                if "ready at " in line:
                    url = line.split("ready at ", 1)[1].split()[0]
        yield Subprocess(proc, url)
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                async with asyncio.timeout(10):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()
