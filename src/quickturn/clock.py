"""The session clock: one time base for every stamp, real or virtual.

Every stage stamps ``clock.now()`` and paces itself with ``clock.sleep_until``. In production that
is ``time.perf_counter`` and ``asyncio.sleep``; in tests a :class:`VirtualClock` jumps straight to
the next deadline once every task is blocked, so timelines are exact and no test really sleeps.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float: ...

    async def sleep_until(self, deadline_s: float) -> None: ...

    async def sleep(self, duration_s: float) -> None: ...


class RealClock:
    """``time.perf_counter`` plus ``asyncio.sleep``."""

    def now(self) -> float:
        return time.perf_counter()

    async def sleep_until(self, deadline_s: float) -> None:
        await asyncio.sleep(max(0.0, deadline_s - time.perf_counter()))

    async def sleep(self, duration_s: float) -> None:
        await asyncio.sleep(max(0.0, duration_s))


class VirtualClock:
    """A clock that only moves when every task is waiting on it.

    ``run()`` is the driver: it lets the event loop settle (a bounded number of zero-length
    yields), then jumps to the earliest pending deadline and wakes its sleeper. Work that a fake
    "takes" 200 ms to do is simply ``await clock.sleep(0.2)``, so latencies come out exact.
    Only for code whose waits are all on this clock or on asyncio primitives (no threads).
    """

    def __init__(self, start_s: float = 0.0, settle_yields: int = 50) -> None:
        self._now = start_s
        self._settle_yields = settle_yields
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    async def sleep_until(self, deadline_s: float) -> None:
        if deadline_s <= self._now:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (deadline_s, next(self._seq), fut))
        await fut

    async def sleep(self, duration_s: float) -> None:
        await self.sleep_until(self._now + max(0.0, duration_s))

    async def _settle(self) -> None:
        for _ in range(self._settle_yields):
            await asyncio.sleep(0)

    async def run(self, until_s: float) -> None:
        """Advance time to ``until_s``, waking every sleeper on the way in deadline order."""
        while True:
            await self._settle()
            # Drop sleepers whose task was cancelled while waiting.
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)
            if not self._sleepers or self._sleepers[0][0] > until_s:
                break
            deadline, _, fut = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            fut.set_result(None)
        self._now = max(self._now, until_s)
        await self._settle()

    async def run_until_done(self, task: asyncio.Future[object], limit_s: float) -> None:
        """Advance until ``task`` finishes; a task still running at ``limit_s`` is a hang."""
        while not task.done():
            await self._settle()
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)
            if task.done():
                break
            if not self._sleepers:
                raise RuntimeError("virtual clock: task is blocked with no sleeper to wake")
            deadline, _, fut = heapq.heappop(self._sleepers)
            if deadline > limit_s:
                raise TimeoutError(f"virtual clock passed {limit_s} s with the task still running")
            self._now = max(self._now, deadline)
            fut.set_result(None)
