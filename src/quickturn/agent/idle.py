"""The idle heartbeat: "Are you still there?" after ``idle_s`` of silence on both sides."""

from __future__ import annotations

from collections.abc import Callable

from quickturn.agent.call_state import CallState
from quickturn.agent.fillers import FillerBank
from quickturn.agent.options import SessionOptions
from quickturn.agent.speaking import SpeechScheduler
from quickturn.agent.state import AgentState


class IdleTimer:
    def __init__(
        self,
        call: CallState,
        voice: SpeechScheduler,
        fillers: FillerBank | None,
        options: SessionOptions,
        deciding: Callable[[], bool],
    ) -> None:
        self._call = call
        self._voice = voice
        self._fillers = fillers
        self._options = options
        self._deciding = deciding
        self._heartbeats = 0  # since the caller last spoke

    def tick(self, now: float) -> None:
        """Called once per caller frame."""
        call = self._call
        if call.in_utterance:
            self._heartbeats = 0  # the caller is back: the next long silence may be asked about
            return
        if (
            self._options.idle_s is None
            or self._fillers is None
            or call.state is not AgentState.LISTENING
            or self._voice.busy()
            or self._deciding()
            or self._heartbeats >= self._options.max_heartbeats
            or now - call.last_activity_s < self._options.idle_s
        ):
            return
        self._heartbeats += 1
        call.counts["heartbeats"] += 1
        call.last_activity_s = now
        self._voice.play_segment(self._fillers.heartbeat())
