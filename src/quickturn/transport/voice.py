"""The voice agent behind every connection: one ``AgentSession`` per call over shared engines.

``VoiceCalls`` holds STT, TTS and the LLM client, loaded once; each call gets its own
``AgentSession`` (its own conversation database, history and fillers) running on the call's
``FrameQueue`` and ``SpeechBuffer``. Every session event goes to the peer as JSON
(:func:`event_json`); when the session ends the call (a tool's ``end_call``), the handler
returns and the transport hangs up.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from quickturn.agent.agent import Agent
from quickturn.agent.agent_session import AgentSession
from quickturn.agent.events import SessionEvent, TurnCompleted
from quickturn.agent.fillers import FillerBank
from quickturn.agent.metrics import TurnMetrics
from quickturn.agent.stack import StackOptions
from quickturn.llm.types import ChatClient, Message
from quickturn.stt.types import STT
from quickturn.transport.call import Call, Event
from quickturn.tts.types import TTS
from quickturn.turns import EndOfTurnDetector

log = logging.getLogger(__name__)
RECENT_CALLS = 100


@dataclass(frozen=True)
class CallRecord:
    """What one call left behind: every committed turn, even when the peer vanished."""

    call_id: str
    transport: str
    turns: list[TurnMetrics]
    history: list[Message]


def event_json(event: SessionEvent) -> Event:
    """A session event as the JSON the WebSocket and the page receive: ``type`` is the event
    class in snake case (``agent_state_changed``, ``user_transcript``, ``turn_completed``...),
    the other keys are its fields."""
    kind = re.sub(r"(?<!^)(?=[A-Z])", "_", type(event).__name__).lower()
    out: Event = {"type": kind}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        if isinstance(value, TurnMetrics):
            value = value.to_json()
        elif isinstance(value, Exception):
            value = str(value)
        out[f.name] = _rounded(value)
    return out


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


@dataclass
class VoiceCalls:
    """A ``CallHandler``: ``await voice_calls(call)`` runs one call to its end."""

    stack: StackOptions
    stt: STT
    tts: TTS
    llm: ChatClient
    new_agent: Callable[[], tuple[Agent, Callable[[], None]]]
    """The agent for one conversation (its tools bound to its own state), and what closes it."""
    fillers: FillerBank | None = None
    """Synthesised once for every call (else each call synthesises its own)."""
    on_record: Callable[[CallRecord], None] | None = None
    turns: EndOfTurnDetector | None = None
    """One end-of-turn detector for every call (else each call loads its own model)."""
    records: deque[CallRecord] = field(default_factory=lambda: deque(maxlen=RECENT_CALLS))
    """The most recent calls only: a server that kept every call would grow without end."""

    async def __call__(self, call: Call) -> None:
        agent, close_agent = self.new_agent()
        session = AgentSession(agent, stt=self.stt, tts=self.tts, llm=self.llm,
                               options=self.stack, conversation_id=call.id,
                               fillers=self.fillers, turns=self.turns)
        session.on(object, lambda ev: call.send_event(event_json(cast(SessionEvent, ev))))
        session.on(TurnCompleted, lambda ev: log.info("call %s: A2A %s ms", call.id,
                                                      ev.metrics.a2a_ms))
        try:
            await session.prepare()  # instant with shared fillers; else before the caller speaks
            call.ready.set()
            await session.run(call.input, call.output)
        finally:
            # Runs on hang-up and on cancellation alike: what was committed is kept.
            record = CallRecord(call.id, call.transport, list(session.turns),
                                list(session.history))
            self.records.append(record)
            if self.on_record is not None:
                self.on_record(record)
            await session.aclose()  # closes only engines it loaded itself: none here
            close_agent()
