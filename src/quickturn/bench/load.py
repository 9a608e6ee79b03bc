"""Load: concurrent conversations at rising concurrency against one OpenAI-compatible URL.

At each concurrency level ``c``, ``c`` callers each replay the workload's conversations (system
prompt + tools + a growing history, one caller turn per request) until the level has sent
``max_requests`` or run for ``max_seconds``; then the next level starts. Every request is a
sample: TTFT and total time when it worked, its HTTP status (429: refused by admission control)
or error type when it did not. A refused or failed turn is dropped from that caller's history
and the caller moves on, as a real one would retry later.

Queue wait is read from the gateway's own ``/metrics`` (``queue_wait_seconds``, scraped before
and after each level); for a server that does not export it, it is None, never guessed.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from quickturn.bench.conversations import SCRIPTS, Conversation
from quickturn.bench.timing import timed_stream
from quickturn.bench.workload import Workload
from quickturn.errors import ConfigError
from quickturn.llm.types import ChatClient, ChatRequest, Message

QueueReader = Callable[[], Awaitable["QueueSnapshot | None"]]


@dataclass(frozen=True)
class LoadOptions:
    levels: tuple[int, ...] = (1, 2, 4, 8)
    max_requests: int = 40
    """Requests per level (all callers together); the level stops once this many were sent."""
    max_seconds: float = 120.0
    """Wall time per level; requests in flight at the limit still finish and count."""
    max_tokens: int = 32
    request_timeout_s: float = 60.0
    model: str | None = None

    def __post_init__(self) -> None:
        if not self.levels or any(c < 1 for c in self.levels):
            raise ConfigError("concurrency levels must be >= 1")
        if len(set(self.levels)) != len(self.levels):
            raise ConfigError("concurrency levels must not repeat")
        if self.max_requests < 1:
            raise ConfigError("max_requests must be >= 1")
        if self.max_seconds <= 0 or self.request_timeout_s <= 0:
            raise ConfigError("max_seconds and request_timeout_s must be > 0")
        if self.max_tokens < 1:
            raise ConfigError("max_tokens must be >= 1")


@dataclass(frozen=True)
class LoadSample:
    admission: str
    level: int
    caller: int
    conversation_id: str
    turn_index: int
    started_s: float
    ttft_s: float | None
    total_s: float | None
    status: str
    """``ok``, ``429`` (refused by admission), another HTTP status, or the error type."""
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class QueueSnapshot:
    """Cumulative counters of the gateway's queue-wait histogram at one instant."""

    sum_s: float
    count: int
    buckets: tuple[tuple[float, int], ...]  # (upper bound "le", cumulative count)

    def minus(self, before: QueueSnapshot) -> QueueSnapshot:
        earlier = dict(before.buckets)
        return QueueSnapshot(
            self.sum_s - before.sum_s,
            self.count - before.count,
            tuple((le, n - earlier.get(le, 0)) for le, n in self.buckets),
        )

    def mean_s(self) -> float | None:
        return self.sum_s / self.count if self.count else None

    def quantile_bound_s(self, q: float) -> float | None:
        """The smallest bucket bound holding a ``q`` share of the waits (an upper bound on the
        true quantile; the histogram keeps nothing finer)."""
        if not self.count:
            return None
        for le, n in sorted(self.buckets):
            if n >= q * self.count:
                return le
        return None


def _status(error_type: str | None, status_code: int | None) -> str:
    if error_type is None:
        return "ok"
    return str(status_code) if status_code is not None else error_type


class _Level:
    """One concurrency level: shared request budget and deadline, and its samples."""

    def __init__(
        self, admission: str, level: int, options: LoadOptions, workload: Workload,
        clock: Callable[[], float], t0: float,
    ) -> None:
        self.admission = admission
        self.level = level
        self.options = options
        self.workload = workload
        self.clock = clock
        self.t0 = t0
        self.deadline = clock() + options.max_seconds
        self.sent = 0
        self.samples: list[LoadSample] = []

    def take(self) -> bool:
        """Claim one request of the budget; False once the level is spent."""
        if self.sent >= self.options.max_requests or self.clock() >= self.deadline:
            return False
        self.sent += 1
        return True

    async def caller(
        self, index: int, client: ChatClient, scripts: list[Conversation],
        on_sample: Callable[[LoadSample], None],
    ) -> None:
        # Callers start at different scripts so concurrent ones never share a history.
        for round_no in itertools.count():
            conv = scripts[(index + round_no * self.level) % len(scripts)]
            history: list[Message] = self.workload.first_messages()
            conv_id = f"load-{self.admission}-c{self.level}-{index}-{round_no}-{conv.id}"
            for turn_index, line in enumerate(conv.user_turns):
                if not self.take():
                    return
                working: list[Message] = [*history, {"role": "user", "content": line}]
                request = ChatRequest(
                    messages=working, tools=self.workload.tools, tool_choice="auto",
                    max_tokens=self.options.max_tokens, temperature=0.0,
                    model=self.options.model, conversation_id=conv_id,
                )
                reply = await timed_stream(
                    client, request, clock=self.clock, timeout_s=self.options.request_timeout_s
                )
                sample = LoadSample(
                    admission=self.admission, level=self.level, caller=index,
                    conversation_id=conv.id, turn_index=turn_index,
                    started_s=reply.sent_at_s - self.t0, ttft_s=reply.ttft_s,
                    total_s=reply.total_s, status=_status(reply.error_type, reply.status_code),
                    error_message=reply.error_message,
                )
                self.samples.append(sample)
                on_sample(sample)
                if reply.ok:
                    history = [*working, {"role": "assistant", "content": reply.text or ""}]


@dataclass(frozen=True)
class LevelResult:
    admission: str
    level: int
    samples: list[LoadSample]
    wall_s: float
    queue: QueueSnapshot | None


async def run_level(
    client: ChatClient,
    workload: Workload,
    admission: str,
    level: int,
    options: LoadOptions,
    *,
    queue_reader: QueueReader | None = None,
    on_sample: Callable[[LoadSample], None] = lambda _s: None,
    clock: Callable[[], float] = time.perf_counter,
    t0: float | None = None,
) -> LevelResult:
    scripts = list(SCRIPTS)
    state = _Level(admission, level, options, workload, clock, clock() if t0 is None else t0)
    before = await queue_reader() if queue_reader is not None else None
    start = clock()
    async with asyncio.TaskGroup() as tg:
        for i in range(level):
            tg.create_task(state.caller(i, client, scripts, on_sample))
    wall = clock() - start
    after = await queue_reader() if queue_reader is not None else None
    # No series before the first request is the same as all zeros (histograms render lazily).
    queue = after if before is None or after is None else after.minus(before)
    return LevelResult(admission, level, state.samples, wall, queue)
