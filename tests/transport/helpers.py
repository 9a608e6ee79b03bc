"""Shared by the transport tests: a served talk app on loopback, and caller audio."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import numpy as np
from tests.transport.beep_agent import RATE, tone

from quickturn.transport.app import create_app
from quickturn.transport.call import CallHandler, CallRegistry
from quickturn.transport.options import TransportOptions
from quickturn.transport.server import running


@asynccontextmanager
async def talk_server(
    handler: CallHandler, **options: object
) -> AsyncIterator[tuple[str, CallRegistry]]:
    opts = TransportOptions(port=0, **options)  # type: ignore[arg-type]
    app = create_app(handler, opts)
    async with running(app, opts) as url:
        yield url.replace("http://", "ws://"), app.state.registry


def utterance(rate: int = RATE, speech_s: float = 0.5) -> np.ndarray:
    """Silence, a loud burst the BeepAgent hears as speech, then enough silence to end it."""
    quiet = np.zeros(int(0.2 * rate), np.int16)
    return np.concatenate([quiet, tone(speech_s, 300, 6000, rate), np.zeros(int(0.5 * rate),
                                                                           np.int16)])


def frames(pcm: np.ndarray, rate: int = RATE, frame_ms: int = 20) -> list[np.ndarray]:
    n = rate * frame_ms // 1000
    return [pcm[i : i + n] for i in range(0, len(pcm), n)]


async def eventually(predicate: Callable[[], object], timeout_s: float = 10.0) -> None:
    """Wait until ``predicate()`` holds (state the server under test owns; nothing to await)."""
    async with asyncio.timeout(timeout_s):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
