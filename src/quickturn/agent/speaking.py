"""The agent's voice: one speech at a time, claimed synchronously, interrupted as an object.

``claim`` makes a speech the active one at once (caller speech from that instant on is a
barge-in, even before its first audio); ``play`` waits for the previous speech to stop, hands
this one to the Speaker and reports it (``AgentSpeechStarted``, ``AgentSpeechProgress`` as its
words play, ``AgentSpeechFinished`` with the heard text); ``say`` speaks a fixed text and
commits what was heard of it to the history.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from quickturn.agent.call_state import CallState
from quickturn.agent.captions import CaptionTracker
from quickturn.agent.events import AgentSpeechFinished, AgentSpeechProgress, AgentSpeechStarted
from quickturn.agent.playout import Speaker
from quickturn.agent.reply import ReplyGenerator
from quickturn.agent.speech import Segment, SegmentKind, SpeechHandle
from quickturn.agent.state import AgentState

_ALL_KINDS: tuple[SegmentKind, ...] = ("reply", "say", "filler", "heartbeat")


class SpeechScheduler:
    def __init__(
        self,
        call: CallState,
        speaker: Speaker,
        reply: ReplyGenerator,
        on_heard: Callable[[str], None],
    ) -> None:
        self._call = call
        self._speaker = speaker
        self._reply = reply
        self._on_heard = on_heard  # commits a said text's heard part to the history
        self.active: SpeechHandle | None = None
        self.task: asyncio.Task[None] | None = None
        """The latest speaking task (the session waits for it at the end of the call)."""

    def busy(self) -> bool:
        return self.active is not None and not self.active.done.is_set()

    def claim(self, handle: SpeechHandle) -> SpeechHandle | None:
        """Make ``handle`` the active speech now; returns the previous one (interrupted) if it
        was still playing."""
        previous = self.active
        self.active = handle
        if previous is None or previous.done.is_set():
            return None
        previous.interrupt(self._call.clock.now())
        return previous

    def interrupt(self) -> bool:
        """Stop the active speech now (it stops within one output frame)."""
        if not self.busy():
            return False
        assert self.active is not None
        self.active.interrupt(self._call.clock.now())
        return True

    def start(self, coro: Coroutine[Any, Any, None]) -> None:
        self.task = self._call.spawn(coro)

    async def play(self, handle: SpeechHandle, previous: SpeechHandle | None) -> None:
        call = self._call
        if previous is not None:
            await previous.done.wait()  # never two voices at once
        output = self._speaker.output
        captions = CaptionTracker(
            handle, output.sample_rate_hz, _ALL_KINDS,
            lambda text, played_s: call.emit(
                AgentSpeechProgress(handle.id, text, played_s, call.clock.now())
            ),
        )
        output.watch_progress(captions.update)
        try:
            await self._speaker.play(handle, self._first_audio)
        finally:
            output.watch_progress(None)
            call.last_activity_s = call.clock.now()
            if call.state is AgentState.SPEAKING or (
                call.state is AgentState.THINKING and not call.in_utterance
            ):
                call.to(AgentState.LISTENING, "agent done")
        if handle.first_audio_at_s is not None:
            played_s = handle.played_s_samples / self._speaker.sample_rate_hz
            call.emit(
                AgentSpeechFinished(
                    handle.id,
                    handle.heard_text(_ALL_KINDS),
                    handle.interrupted,
                    played_s,
                    call.clock.now(),
                )
            )

    def say(self, text: str, *, allow_interruptions: bool = True) -> SpeechHandle:
        """Speak a fixed text after (or instead of: it interrupts) the active speech."""
        handle = SpeechHandle(allow_interruptions=allow_interruptions)
        self.start(self._say(text, handle, self.claim(handle)))
        return handle

    def play_segment(self, segment: Segment) -> SpeechHandle:
        """Play pre-synthesised audio (the heartbeat) as its own speech."""
        handle = SpeechHandle(allow_interruptions=True)
        handle.push(segment)
        handle.end_input()
        self.claim(handle)
        self.start(self.play(handle, None))
        return handle

    async def _say(self, text: str, handle: SpeechHandle, previous: SpeechHandle | None) -> None:
        synth = self._call.spawn(self._reply.speak_text(text, handle))
        await self.play(handle, previous)
        synth.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await synth
        heard = handle.heard_text()
        if heard:
            self._on_heard(heard)

    def _first_audio(self, handle: SpeechHandle, at_s: float) -> None:
        call = self._call
        if call.state is AgentState.THINKING or call.state is AgentState.LISTENING:
            call.to(AgentState.SPEAKING, "first audio out")
        call.emit(AgentSpeechStarted(handle.id, at_s))
