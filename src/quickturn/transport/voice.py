"""The voice agent behind every connection: one session per call over shared models.

``VoiceCalls`` loads STT, TTS and the LLM client once; each call gets its own session, its own
conversation database and its own history, and speaks through the call's ``SpeechBuffer``. The
session's turn-taking events go to the peer as JSON (``state``, ``user_transcript``,
``agent_transcript``, ``turn``); a barge-in clears the transport's queued audio at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quickturn.agent.clock import RealClock
from quickturn.agent.metrics import TurnMetrics
from quickturn.agent.ports import TextToSpeech
from quickturn.agent.stack import StackOptions, build_session
from quickturn.agent.state import AgentState, Transition
from quickturn.audio.frame import AudioFrame
from quickturn.llm.types import ChatClient, Message
from quickturn.stt import WhisperSTT
from quickturn.tools.types import ToolRegistry
from quickturn.transport.call import Call

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallRecord:
    """What one call left behind: every committed turn, even when the peer vanished."""

    call_id: str
    transport: str
    turns: list[TurnMetrics]
    history: list[Message]


@dataclass
class VoiceCalls:
    """A ``CallHandler``: ``await voice_calls(call)`` runs one call to its end."""

    stack: StackOptions
    stt: WhisperSTT
    tts: TextToSpeech
    llm: ChatClient
    system_prompt: str
    new_tools: Callable[[], tuple[ToolRegistry, Callable[[], None]]]
    """A fresh tool registry for one conversation, and what closes it."""
    greeting: str | None = None
    on_record: Callable[[CallRecord], None] | None = None
    records: list[CallRecord] = field(default_factory=list)

    async def __call__(self, call: Call) -> None:
        tools, close_tools = self.new_tools()
        out = call.output

        class _Played:
            """The session plays each frame at its play time; the transport queues it."""

            async def write(self, frame: AudioFrame) -> None:
                await out.capture_frame(frame)

        def on_transition(t: Transition) -> None:
            call.send_event({"type": "state", "state": t.target.value, "reason": t.reason})
            if t.source is AgentState.SPEAKING and t.target is AgentState.USER_SPEAKING:
                out.clear_buffer()  # barge-in: the caller must not hear what is still queued
            elif t.source is AgentState.SPEAKING:
                out.flush()

        def on_turn(m: TurnMetrics) -> None:
            call.send_event({"type": "user_transcript", "text": m.user_text, "final": True})
            call.send_event(
                {"type": "agent_transcript", "text": m.agent_text, "interrupted": m.interrupted}
            )
            call.send_event({"type": "turn", "metrics": _jsonable(m.to_json())})

        session = await build_session(
            self.stack, stt=self.stt, tts=self.tts, llm=self.llm, tools=tools,
            system_prompt=self.system_prompt, output=_Played(), clock=RealClock(),
            conversation_id=call.id, on_turn=on_turn, on_transition=on_transition,
        )
        try:
            await session.run(call.input.frames(), greeting=self.greeting)
        finally:
            # Runs on hang-up and on cancellation alike: committed turns are kept.
            record = CallRecord(call.id, call.transport, list(session.turns),
                                list(session.context.history))
            self.records.append(record)
            if self.on_record is not None:
                self.on_record(record)
            close_tools()


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 1)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
