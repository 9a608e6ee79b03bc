"""Small helpers for async iterators and tasks shared by the gateway's modules."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

T = TypeVar("T")


async def aclose_iter(it: AsyncIterator[Any]) -> None:
    """Close an event stream early; ChatClient streams cancel their generation on ``aclose``."""
    close = getattr(it, "aclose", None)
    if close is not None:
        await close()


async def race_cancel(work: Awaitable[T], stop: Awaitable[object]) -> tuple[bool, T | None]:
    """Run ``work`` until it finishes or ``stop`` does, whichever is first; the loser is
    cancelled and awaited. Returns (finished, result)."""
    work_task = asyncio.ensure_future(work)
    stop_task = asyncio.ensure_future(stop)
    try:
        await asyncio.wait({work_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        # Also reached when we ourselves are cancelled: nothing is left running.
        for task in (work_task, stop_task):
            if not task.done():
                task.cancel()
        await asyncio.gather(work_task, stop_task, return_exceptions=True)
    if work_task.cancelled():
        return False, None
    return True, work_task.result()  # re-raises the work's own error
