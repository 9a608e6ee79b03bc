"""Admission control: a cap on concurrent generations, interactive before batch, and a queue
budget so an overloaded engine says "retry later" (429) instead of silently queueing.

Why a budget rather than an unbounded queue: for a voice agent an answer that starts 5 s late is
as bad as no answer, and a caller that is told to retry can go to another replica. Headroom:
``interactive_reserve`` slots are never given to batch work, so an eval run cannot starve calls.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType

from quickturn.errors import ConfigError, OverloadedError
from quickturn.llm.types import Priority


@dataclass(frozen=True)
class AdmissionOptions:
    max_concurrency: int = 1
    queue_budget_s: float = 2.0
    max_queue: int = 64
    interactive_reserve: int = 0

    def __post_init__(self) -> None:
        if self.max_concurrency < 1:
            raise ConfigError("max_concurrency must be >= 1")
        if self.queue_budget_s < 0:
            raise ConfigError("queue_budget_s must be >= 0")
        if self.max_queue < 0:
            raise ConfigError("max_queue must be >= 0")
        if not 0 <= self.interactive_reserve < self.max_concurrency:
            raise ConfigError("interactive_reserve must be >= 0 and < max_concurrency")


class Ticket:
    """One admitted generation; release it exactly once (``async with`` does)."""

    def __init__(self, owner: AdmissionController, priority: Priority, queue_wait_s: float) -> None:
        self._owner = owner
        self.priority = priority
        self.queue_wait_s = queue_wait_s
        self._started_s = owner.now()
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._owner._release(self.priority, self._owner.now() - self._started_s)

    async def __aenter__(self) -> Ticket:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class AdmissionController:
    """Grants at most ``max_concurrency`` tickets; waiters are served interactive first, FIFO
    within a priority. ``now``/``sleep`` are injectable so tests run on a virtual clock."""

    def __init__(
        self,
        options: AdmissionOptions,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.options = options
        self.now = now
        self._sleep = sleep
        self._running = {"interactive": 0, "batch": 0}
        self._waiting: dict[Priority, deque[asyncio.Future[None]]] = {
            "interactive": deque(),
            "batch": deque(),
        }
        # Smoothed generation time, only used to suggest a Retry-After.
        self._service_s: float | None = None

    @property
    def running(self) -> int:
        return self._running["interactive"] + self._running["batch"]

    @property
    def queued(self) -> int:
        return sum(1 for q in self._waiting.values() for f in q if not f.done())

    def _can_start(self, priority: Priority) -> bool:
        free = self.options.max_concurrency - self.running
        if priority == "interactive":
            return free > 0
        return free > self.options.interactive_reserve

    def retry_after_s(self) -> float:
        """A hint for a refused caller: about one generation, never less than the budget."""
        return max(self.options.queue_budget_s, self._service_s or 0.0, 1.0)

    async def acquire(self, priority: Priority) -> Ticket:
        """A ticket, or OverloadedError when none frees up within the queue budget."""
        ahead = self._waiting["interactive"] if priority == "batch" else deque()
        if (
            self._can_start(priority)
            and not self._live(self._waiting[priority])
            and not self._live(ahead)
        ):
            self._running[priority] += 1
            return Ticket(self, priority, 0.0)
        if self.queued >= self.options.max_queue or self.options.queue_budget_s == 0:
            raise OverloadedError(
                f"engine busy: {self.running} running, {self.queued} queued", self.retry_after_s()
            )
        start = self.now()
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[priority].append(fut)
        timer = asyncio.ensure_future(self._sleep(self.options.queue_budget_s))
        try:
            await asyncio.wait({fut, timer}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            # The caller left while queued; a slot granted in the same instant goes back.
            if fut.done() and not fut.cancelled():
                self._release(priority, 0.0)
            fut.cancel()
            raise
        finally:
            timer.cancel()
            self._forget(priority, fut)
        if fut.done() and not fut.cancelled():
            return Ticket(self, priority, self.now() - start)
        fut.cancel()
        raise OverloadedError(
            f"no {priority} slot freed within the {self.options.queue_budget_s:.3g} s queue budget",
            self.retry_after_s(),
        )

    @staticmethod
    def _live(queue: deque[asyncio.Future[None]]) -> bool:
        return any(not f.done() for f in queue)

    def _forget(self, priority: Priority, fut: asyncio.Future[None]) -> None:
        try:
            self._waiting[priority].remove(fut)
        except ValueError:
            pass

    def _release(self, priority: Priority, service_s: float) -> None:
        self._running[priority] -= 1
        if service_s > 0:
            prev = self._service_s
            self._service_s = service_s if prev is None else 0.8 * prev + 0.2 * service_s
        self._dispatch()

    def _dispatch(self) -> None:
        """Hand free slots to waiters: every interactive waiter before any batch one."""
        for priority in ("interactive", "batch"):
            queue = self._waiting[priority]
            while queue and self._can_start(priority):
                fut = queue.popleft()
                if fut.done():
                    continue
                self._running[priority] += 1
                fut.set_result(None)
            if self._live(queue):
                return  # an interactive waiter still blocked: batch must not jump it
