"""The one place a finished turn lands: chat history (only what was heard), metrics, events."""

from __future__ import annotations

from quickturn.agent.call_state import CallState
from quickturn.agent.events import TurnCompleted
from quickturn.agent.heard import kept_messages
from quickturn.agent.metrics import TurnMetrics
from quickturn.agent.preemptive import TurnWork
from quickturn.llm.context import ChatContext


class TurnCommitter:
    def __init__(self, call: CallState, context: ChatContext) -> None:
        self._call = call
        self.context = context

    def said(self, heard: str) -> None:
        """A fixed text (greeting, ``say``) was heard this far."""
        self._call.context_version += 1
        self.context.add({"role": "assistant", "content": heard})

    def commit(self, work: TurnWork, reused: bool) -> None:
        """Commit one reply after its playout: the history keeps what was heard and every tool
        that ran; a caller turn gets its metrics."""
        call = self._call
        handle = work.handle
        interrupted = handle.interrupted
        if work.error is not None:
            call.fail(work.error)
        if handle.first_audio_at_s is not None:
            work.stamps.stamp("first_audio_out", handle.first_audio_at_s)
        if handle.first_reply_at_s is not None:
            work.stamps.stamp("first_reply_out", handle.first_reply_at_s)
        call.context_version += 1
        if work.text:
            self.context.add(work.user_message)
        self.context.extend(
            kept_messages(work.outcome.messages, handle.heard_by_round(), interrupted=interrupted)
        )
        if not work.text:
            return  # an agent-initiated reply (generate_reply): no caller turn to measure
        spoken = handle.heard_text() if interrupted else " ".join(
            s.text for s in handle.segments if s.kind == "reply"
        )
        metrics = TurnMetrics.from_stamps(
            len(call.turns) + 1,
            work.stamps,
            user_text=work.text,
            agent_text=spoken,
            preemptive_reused=reused,
            interrupted=interrupted,
            tool_calls=tuple(work.outcome.tool_calls),
            filler=work.outcome.filler,
            rounds=work.outcome.rounds,
            reply_done_at_s=work.outcome.done_at_s,
            input_max_s=call.input_max_s,
        )
        call.turns.append(metrics)
        call.emit(TurnCompleted(metrics, call.clock.now()))
