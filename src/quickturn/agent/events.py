"""The session's typed event stream: small frozen dataclasses, one closed union.

Every event carries ``at_s``, the session clock at the moment it happened. Consume them either
way (both see every event, in order)::

    async for ev in session.events():
        match ev:
            case AgentSpeechFinished(text=heard, interrupted=True): ...
            case CallEnded(): break

    session.on(TurnCompleted, lambda ev: print(ev.metrics.a2a_ms))
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from quickturn.agent.metrics import TurnMetrics
from quickturn.errors import QuickturnError


@dataclass(frozen=True)
class AgentStateChanged:
    old: str
    new: str
    reason: str
    at_s: float


@dataclass(frozen=True)
class UserSpeechStarted:
    """The VAD heard the caller start (``start_s``: first speech sample)."""

    start_s: float
    at_s: float


@dataclass(frozen=True)
class UserSpeechStopped:
    """The VAD's patience ran out after the caller's speech (``end_s``: last speech sample)."""

    end_s: float
    at_s: float


@dataclass(frozen=True)
class UserTranscript:
    """The text of a confirmed caller turn (``final``) as the agent will answer it."""

    text: str
    final: bool
    at_s: float


@dataclass(frozen=True)
class AgentSpeechStarted:
    speech_id: int
    at_s: float
    """When its first sample played (the transport's report)."""


@dataclass(frozen=True)
class AgentSpeechProgress:
    """Live caption: the words of a speech heard so far, sent each time a word more has played
    (the transport's playout position, mapped to words within each sentence or clause)."""

    speech_id: int
    text: str
    """Everything heard so far; a barge-in stops it where the audio stopped."""
    played_s: float
    at_s: float


@dataclass(frozen=True)
class AgentSpeechFinished:
    speech_id: int
    text: str
    """What the caller actually heard (cut to whole words after a barge-in)."""
    interrupted: bool
    played_s: float
    at_s: float


@dataclass(frozen=True)
class ToolCalled:
    name: str
    arguments: dict[str, Any]
    call_id: str
    at_s: float


@dataclass(frozen=True)
class ToolReturned:
    name: str
    call_id: str
    ok: bool
    content: str
    """What the model sees: the result, or ``{"error": ...}``."""
    at_s: float


@dataclass(frozen=True)
class TurnCompleted:
    """One caller turn answered (or cut off), with its per-stage latency stamps."""

    metrics: TurnMetrics
    at_s: float


@dataclass(frozen=True)
class SessionError:
    """Something failed and the call went on (an STT pass, a reply cut short)."""

    error: QuickturnError
    at_s: float


@dataclass(frozen=True)
class HandOff:
    """A tool asked to transfer the caller; the transport acts on it (SIP REFER, a new agent)."""

    target: str
    reason: str
    at_s: float


@dataclass(frozen=True)
class AgentChanged:
    """A tool handed the call to another ``Agent``; its instructions and tools apply now."""

    name: str
    at_s: float


EndReason = Literal["input_ended", "agent_ended", "ended"]


@dataclass(frozen=True)
class CallEnded:
    """The last event. ``input_ended``: the caller hung up (the input stream ended);
    ``agent_ended``: a tool ended the call after its goodbye was heard; ``ended``: ``end()``."""

    reason: EndReason
    detail: str
    at_s: float


SessionEvent = (
    AgentStateChanged
    | UserSpeechStarted
    | UserSpeechStopped
    | UserTranscript
    | AgentSpeechStarted
    | AgentSpeechProgress
    | AgentSpeechFinished
    | ToolCalled
    | ToolReturned
    | TurnCompleted
    | SessionError
    | HandOff
    | AgentChanged
    | CallEnded
)

E = TypeVar("E")


@dataclass
class EventBus:
    """Fans every event out to callbacks (``on``) and to each ``events()`` iterator."""

    _callbacks: list[tuple[type[Any], Callable[[Any], None]]] = field(default_factory=list)
    _queues: list[asyncio.Queue[SessionEvent]] = field(default_factory=list)
    log: list[SessionEvent] = field(default_factory=list)

    def on(self, kind: type[E], callback: Callable[[E], None]) -> None:
        self._callbacks.append((kind, callback))

    def emit(self, event: SessionEvent) -> None:
        self.log.append(event)
        for queue in self._queues:
            queue.put_nowait(event)
        for kind, callback in self._callbacks:
            if isinstance(event, kind):
                callback(event)

    def subscribe(self) -> AsyncIterator[SessionEvent]:
        """Subscribed now (not on the first ``__anext__``), so no event is missed; the
        iterator ends after ``CallEnded``."""
        queue: asyncio.Queue[SessionEvent] = asyncio.Queue()
        self._queues.append(queue)
        return self._drain(queue)

    async def _drain(self, queue: asyncio.Queue[SessionEvent]) -> AsyncIterator[SessionEvent]:
        try:
            while True:
                event = await queue.get()
                yield event
                if isinstance(event, CallEnded):
                    return
        finally:
            self._queues.remove(queue)
