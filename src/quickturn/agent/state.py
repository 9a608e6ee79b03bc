"""The session's turn-taking state machine: listening → user_speaking → thinking → speaking.

Only the transitions below are legal; anything else is a bug in the session and raises. Every
transition is stamped on the session clock and kept, so tests and reports can replay the call.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass


class AgentState(enum.StrEnum):
    """A str, so transports compare it with plain strings (``state == "speaking"``)."""

    LISTENING = "listening"
    USER_SPEAKING = "user_speaking"
    THINKING = "thinking"
    SPEAKING = "speaking"


_S = AgentState
LEGAL: dict[AgentState, frozenset[AgentState]] = {
    # listening → speaking: the agent speaks first (greeting, heartbeat).
    _S.LISTENING: frozenset({_S.USER_SPEAKING, _S.SPEAKING}),
    # user_speaking → listening: the caller's noise/utterance did not become a turn.
    _S.USER_SPEAKING: frozenset({_S.THINKING, _S.LISTENING}),
    # thinking → user_speaking: the caller spoke again before the reply was heard.
    _S.THINKING: frozenset({_S.SPEAKING, _S.USER_SPEAKING, _S.LISTENING}),
    # speaking → user_speaking: barge-in.
    _S.SPEAKING: frozenset({_S.LISTENING, _S.USER_SPEAKING}),
}


@dataclass(frozen=True)
class Transition:
    source: AgentState
    target: AgentState
    at_s: float
    reason: str


class StateMachine:
    def __init__(
        self, clock: Callable[[], float], on_change: Callable[[Transition], None] | None = None
    ) -> None:
        self._clock = clock
        self._on_change = on_change
        self.state = AgentState.LISTENING
        self.log: list[Transition] = []

    def to(self, target: AgentState, reason: str) -> None:
        """Move to ``target``; staying in the same state is a no-op."""
        if target is self.state:
            return
        if target not in LEGAL[self.state]:
            raise RuntimeError(f"illegal transition {self.state.value} → {target.value} ({reason})")
        t = Transition(self.state, target, self._clock(), reason)
        self.state = target
        self.log.append(t)
        if self._on_change is not None:
            self._on_change(t)

    def path(self) -> list[str]:
        """The sequence of states visited, starting with the initial one."""
        return [AgentState.LISTENING.value, *(t.target.value for t in self.log)]
