"""What the parts of one voice session share: the clock, the state machine, the event sink,
counters, errors, the turns so far and the task group every task of the call runs in."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from quickturn.agent.events import AgentStateChanged, SessionError, SessionEvent
from quickturn.agent.metrics import TurnMetrics
from quickturn.agent.state import AgentState, StateMachine, Transition
from quickturn.clock import Clock
from quickturn.errors import QuickturnError


@dataclass
class CallState:
    clock: Clock
    emit: Callable[[SessionEvent], None]
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[QuickturnError] = field(default_factory=list)
    turns: list[TurnMetrics] = field(default_factory=list)
    interruptions: list[float] = field(default_factory=list)
    """Clock times of barge-in decisions."""
    in_utterance: bool = False
    """The caller is speaking (between the VAD's start and end of an utterance)."""
    last_activity_s: float = 0.0
    input_max_s: float = 0.0
    """The slowest caller frame through noise gate + VAD since the current turn began."""
    context_version: int = 0
    """Bumps on every history commit; preemptive work from an older history is not reused."""
    tg: asyncio.TaskGroup | None = None

    def __post_init__(self) -> None:
        self.machine = StateMachine(self.clock.now, self._transition)
        self.last_activity_s = self.clock.now()

    @property
    def state(self) -> AgentState:
        return self.machine.state

    def to(self, target: AgentState, reason: str) -> None:
        self.machine.to(target, reason)

    def fail(self, error: QuickturnError) -> None:
        """Record an error the call survives."""
        self.errors.append(error)
        self.emit(SessionError(error, self.clock.now()))

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        if self.tg is None:
            coro.close()
            raise RuntimeError("the session is not running")
        return self.tg.create_task(coro)

    def _transition(self, t: Transition) -> None:
        self.emit(AgentStateChanged(t.source.value, t.target.value, t.reason, t.at_s))
