"""The voice session: caller frames in, turns, replies, barge-ins and heartbeats out.

It wires small parts together and runs the call; the decisions live in the parts:

- ``CallerTurns`` (turn_taking.py): VAD events become candidate turns (preemptive STT + reply on
  a pause), the end-of-turn detector confirms them, caller speech over the agent is a barge-in,
- ``SpeechScheduler`` (speaking.py): one agent speech at a time, claimed synchronously, played
  through the ``Speaker`` into the transport's ``AudioOutput``,
- ``TurnCommitter`` (commit.py): a finished reply's heard part into the history, its metrics,
- ``IdleTimer`` (idle.py): the heartbeat after a long silence,
- ``CallState`` (call_state.py): what they share (clock, state machine, events, counters).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from quickturn.agent.call_state import CallState
from quickturn.agent.commit import TurnCommitter
from quickturn.agent.events import CallEnded, EndReason, SessionEvent
from quickturn.agent.fillers import FillerBank
from quickturn.agent.idle import IdleTimer
from quickturn.agent.metrics import TurnMetrics
from quickturn.agent.options import SessionOptions, SessionStats
from quickturn.agent.playout import Speaker
from quickturn.agent.reply import ReplyGenerator
from quickturn.agent.speaking import SpeechScheduler
from quickturn.agent.speech import SpeechHandle
from quickturn.agent.state import AgentState, StateMachine
from quickturn.agent.transcriber import UtteranceTranscriber, transcriber_for
from quickturn.agent.turn_taking import CallerTurns
from quickturn.audio.frame import AudioFrame
from quickturn.clock import Clock
from quickturn.errors import QuickturnError
from quickturn.llm.context import ChatContext
from quickturn.stt.types import STT
from quickturn.turns.types import EndOfTurnDetector
from quickturn.vad.types import VADStream

FrameFilter = Callable[[AudioFrame], AudioFrame]

__all__ = ["FrameFilter", "SessionOptions", "SessionStats", "VoiceSession"]


class VoiceSession:
    def __init__(
        self,
        *,
        vad: VADStream,
        stt: STT | UtteranceTranscriber,
        detector: EndOfTurnDetector,
        reply: ReplyGenerator,
        speaker: Speaker,
        context: ChatContext,
        clock: Clock,
        fillers: FillerBank | None = None,
        frame_filter: FrameFilter | None = None,
        options: SessionOptions | None = None,
        emit: Callable[[SessionEvent], None] | None = None,
    ) -> None:
        self.options = options = options or SessionOptions()
        self._clock = clock
        self._filter = frame_filter
        self._call = CallState(clock, emit or (lambda _: None))
        self._committer = TurnCommitter(self._call, context)
        self._voice = SpeechScheduler(self._call, speaker, reply, self._committer.said)
        self._caller = CallerTurns(
            self._call,
            vad=vad,
            transcriber=transcriber_for(stt, clock.now),
            detector=detector,
            reply=reply,
            voice=self._voice,
            committer=self._committer,
            options=options,
            after_reply=self._check_end,
        )
        self._idle = IdleTimer(self._call, self._voice, fillers, options, self._caller.deciding_now)
        self._ended = asyncio.Event()
        self._end: tuple[EndReason, str] | None = None
        self._end_after_speech: str | None = None

    # -- what the call looks like --------------------------------------------------------------
    @property
    def state(self) -> AgentState:
        return self._call.state

    @property
    def machine(self) -> StateMachine:
        return self._call.machine

    @property
    def context(self) -> ChatContext:
        return self._committer.context

    @property
    def turns(self) -> list[TurnMetrics]:
        return self._call.turns

    @property
    def errors(self) -> list[QuickturnError]:
        return self._call.errors

    @property
    def interruptions(self) -> list[float]:
        return self._call.interruptions

    @property
    def active_speech(self) -> SpeechHandle | None:
        return self._voice.active

    def stats(self) -> SessionStats:
        c = self._call.counts
        return SessionStats(
            c["started"], c["discarded"], c["reused"], c["continued"], c["barge_ins"],
            c["ignored"], c["heartbeats"],
        )

    # -- control ---------------------------------------------------------------------------------
    def say(self, text: str, *, allow_interruptions: bool = True) -> SpeechHandle:
        """Speak ``text`` now (what is being said is cut off); its heard part enters history."""
        return self._voice.say(text, allow_interruptions=allow_interruptions)

    def generate_reply(self, instructions: str | None = None) -> SpeechHandle:
        """Let the model speak now, from the history plus an optional one-off instruction."""
        return self._caller.agent_reply(instructions)

    def say_in_reply(self, text: str) -> None:
        """Speak ``text`` inside the reply being made (a tool's "one moment"), in order with its
        sentences; with no reply in flight, as its own speech."""
        work = self._caller.replying
        if work is not None and work.outcome.speak is not None:
            work.outcome.speak(text)
        else:
            self.say(text)

    def interrupt(self) -> bool:
        """Stop the agent's speech now; False when it was not speaking."""
        return self._voice.interrupt()

    def end(self, detail: str = "") -> None:
        """End the call now: speech stops, nothing more is decided; tools in flight finish."""
        self._request_end("ended", detail)

    def end_after_speech(self, detail: str = "") -> None:
        """End the call once the reply being made (or the speech playing) has been heard."""
        self._end_after_speech = detail
        if self._caller.replying is None:
            self._call.spawn(self._end_when_quiet(detail))

    # -- running ---------------------------------------------------------------------------------
    async def run(self, frames: AsyncIterator[AudioFrame], greeting: str | None = None) -> None:
        """Consume caller audio until it ends (then let the last turn finish) or ``end``."""
        reason: EndReason = "input_ended"
        detail = ""
        try:
            async with asyncio.TaskGroup() as tg:
                self._call.tg = tg
                if greeting:
                    self._voice.say(greeting, allow_interruptions=not self.options.turn_lock)
                await self._consume(frames)
                if self._end is None:
                    await self._caller.finish()
                    if self._voice.task is not None:
                        with contextlib.suppress(asyncio.CancelledError):
                            await self._voice.task
                else:
                    reason, detail = self._end
                    self._caller.abort()
                    self._voice.interrupt()
        finally:
            self._call.tg = None
        self._call.emit(CallEnded(reason, detail, self._clock.now()))

    async def _consume(self, frames: AsyncIterator[AudioFrame]) -> None:
        """Every caller frame until the input ends or the call is ended (even mid-wait: a
        transport may send nothing while the caller is silent)."""
        it = aiter(frames)
        ended = asyncio.ensure_future(self._ended.wait())
        try:
            while not self._ended.is_set():
                nxt = asyncio.ensure_future(anext(it))
                await asyncio.wait({nxt, ended}, return_when=asyncio.FIRST_COMPLETED)
                if not nxt.done():
                    nxt.cancel()
                    with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                        await nxt
                    break
                try:
                    frame = nxt.result()
                except StopAsyncIteration:
                    break
                self._on_frame(frame)
        finally:
            ended.cancel()
            close = getattr(it, "aclose", None)
            if close is not None and self._ended.is_set():
                await close()

    def _on_frame(self, frame: AudioFrame) -> None:
        # Compute time, not session time: perf_counter even on a virtual clock.
        started = time.perf_counter()
        if self._filter is not None:
            frame = self._filter(frame)
        self._caller.process(frame)
        call = self._call
        call.input_max_s = max(call.input_max_s, time.perf_counter() - started)
        self._idle.tick(self._clock.now())

    def _request_end(self, reason: EndReason, detail: str) -> None:
        if self._end is None:
            self._end = (reason, detail)
            self._ended.set()

    def _check_end(self) -> None:
        """After a reply is committed: a tool asked to end the call once it was heard."""
        if self._end_after_speech is not None:
            self._request_end("agent_ended", self._end_after_speech)

    async def _end_when_quiet(self, detail: str) -> None:
        active = self._voice.active
        if active is not None:
            await active.done.wait()
        self._request_end("agent_ended", detail)
