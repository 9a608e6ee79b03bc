"""The voice session: turns VAD events into turns, replies, barge-ins and heartbeats.

It coordinates small parts and owns their tasks; it does no signal processing, no inference and
no prompt building itself:

- ``VADStream`` turns caller frames into SpeechStarted/Paused/Resumed/Ended,
- ``TurnWork`` runs STT + reply for one candidate turn (preemptively on a pause, or on the end),
- ``TurnDetector`` holds the turn open after an unfinished-sounding transcript,
- ``Player`` plays a SpeechHandle in real time; barge-in is ``handle.interrupt()``,
- ``ChatContext`` keeps the bounded history; ``kept_messages`` decides what an interrupted reply
  leaves in it (only what was heard),
- ``StateMachine`` records listening → user_speaking → thinking → speaking.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from quickturn.agent.clock import Clock
from quickturn.agent.fillers import FillerBank
from quickturn.agent.heard import kept_messages
from quickturn.agent.metrics import TurnMetrics
from quickturn.agent.playout import Player
from quickturn.agent.ports import SpeechToText, TurnDetector, VADStream
from quickturn.agent.preemptive import TurnWork, join_text, same_text
from quickturn.agent.reply import ReplyGenerator
from quickturn.agent.speech import SpeechHandle
from quickturn.agent.state import AgentState, StateMachine, Transition
from quickturn.audio.frame import AudioFrame
from quickturn.errors import ConfigError, QuickturnError
from quickturn.llm.context import ChatContext
from quickturn.vad.events import SpeechEnded, SpeechPaused, SpeechResumed, SpeechStarted

FrameFilter = Callable[[AudioFrame], AudioFrame]


@dataclass(frozen=True)
class SessionOptions:
    preemptive: bool = True
    """Start STT + LLM on SpeechPaused, before the turn is confirmed."""
    turn_lock: bool = False
    """Ignore the caller while the agent speaks (no barge-in)."""
    min_interrupt_s: float = 0.0
    """Caller speech needed during agent speech before it interrupts (0: at once)."""
    idle_s: float | None = 10.0
    """Speak the heartbeat after this much silence on both sides (None: never)."""
    max_heartbeats: int = 2

    def __post_init__(self) -> None:
        if self.min_interrupt_s < 0:
            raise ConfigError("min_interrupt_s must be >= 0")
        if self.idle_s is not None and self.idle_s <= 0:
            raise ConfigError("idle_s must be > 0 or None")
        if self.max_heartbeats < 0:
            raise ConfigError("max_heartbeats must be >= 0")


@dataclass(frozen=True)
class SessionStats:
    preemptive_started: int
    preemptive_discarded: int
    preemptive_reused: int
    continued_turns: int
    """Confirmed turns the caller went on with before the agent spoke (reply withdrawn)."""
    barge_ins: int
    ignored_utterances: int
    heartbeats: int


class VoiceSession:
    def __init__(
        self,
        *,
        vad: VADStream,
        stt: SpeechToText,
        detector: TurnDetector,
        reply: ReplyGenerator,
        player: Player,
        context: ChatContext,
        clock: Clock,
        fillers: FillerBank | None = None,
        frame_filter: FrameFilter | None = None,
        options: SessionOptions = SessionOptions(),
        on_transition: Callable[[Transition], None] | None = None,
        on_turn: Callable[[TurnMetrics], None] | None = None,
    ) -> None:
        self._vad = vad
        self._stt = stt
        self._detector = detector
        self._reply = reply
        self._player = player
        self.context = context
        self._clock = clock
        self._fillers = fillers
        self._filter = frame_filter
        self.options = options
        self._on_turn = on_turn
        self.machine = StateMachine(clock.now, on_transition)
        self.turns: list[TurnMetrics] = []
        self.errors: list[QuickturnError] = []
        self.interruptions: list[float] = []  # clock times of barge-in decisions
        self._tg: asyncio.TaskGroup | None = None
        # Utterance bookkeeping (the caller's side).
        self._in_utterance = False
        self._ignore_utterance = False
        self._barge_from_s: float | None = None
        self._pending_text = ""  # an unconfirmed turn the caller went on from
        self._preempt: TurnWork | None = None
        self._deciding: asyncio.Task[None] | None = None  # a turn before its confirmation
        self._replying: TurnWork | None = None  # the confirmed turn being answered
        self._committing: asyncio.Task[None] | None = None  # its reply, until in the history
        self._context_version = 0  # bumps on every commit; stale preemptive work is not reused
        # The agent's side.
        self._active: SpeechHandle | None = None
        self._speaking_task: asyncio.Task[None] | None = None
        self._last_activity_s = clock.now()
        self._heartbeats = 0
        self._counts = dict.fromkeys(
            ("started", "discarded", "reused", "continued", "barge_ins", "ignored", "heartbeats"), 0
        )

    # -- public ------------------------------------------------------------------------------------
    @property
    def state(self) -> AgentState:
        return self.machine.state

    @property
    def active_speech(self) -> SpeechHandle | None:
        return self._active

    def stats(self) -> SessionStats:
        c = self._counts
        return SessionStats(
            c["started"],
            c["discarded"],
            c["reused"],
            c["continued"],
            c["barge_ins"],
            c["ignored"],
            c["heartbeats"],
        )

    async def run(self, frames: AsyncIterator[AudioFrame], greeting: str | None = None) -> None:
        """Consume caller audio until it ends, then let the last turn finish."""
        async with asyncio.TaskGroup() as tg:
            self._tg = tg
            if greeting:
                handle = SpeechHandle(allow_interruptions=not self.options.turn_lock)
                self._start_speaking(self._say(greeting, handle, self._claim(handle)))
            async for frame in frames:
                self._on_frame(frame)
            if self._deciding is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._deciding
            if self._speaking_task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._speaking_task
            if self._preempt is not None:
                self._discard_preempt()
        self._tg = None

    # -- caller audio ----------------------------------------------------------------------------
    def _on_frame(self, frame: AudioFrame) -> None:
        if self._filter is not None:
            frame = self._filter(frame)
        for event in self._vad.process(frame):
            match event:
                case SpeechStarted():
                    self._on_started(event)
                case SpeechPaused():
                    self._on_paused(event)
                case SpeechResumed():
                    self._on_resumed()
                case SpeechEnded():
                    self._on_ended(event)
        now = self._clock.now()
        barge = self._barge_from_s
        if barge is not None and frame.end_s - barge >= self.options.min_interrupt_s - 1e-9:
            self._barge_in(now)
        self._maybe_heartbeat(now)

    def _agent_busy(self) -> bool:
        return self._active is not None and not self._active.done.is_set()

    def _on_started(self, ev: SpeechStarted) -> None:
        self._in_utterance = True
        self._last_activity_s = self._clock.now()
        self._heartbeats = 0  # the caller is back: the next long silence may be asked about
        if self._withdraw_unspoken_reply():
            return
        if self._agent_busy():
            assert self._active is not None
            if self.options.turn_lock or not self._active.allow_interruptions:
                self._ignore_utterance = True
                self._counts["ignored"] += 1
                return
            self._barge_from_s = ev.start_s
            if self.options.min_interrupt_s == 0:
                self._barge_in(self._clock.now())
            return
        self._ignore_utterance = False
        if self._deciding is not None and not self._deciding.done():
            # The caller went on before the turn was confirmed: one turn, not two.
            self._deciding.cancel()
            self._deciding = None
        self._discard_preempt()
        self._to(AgentState.USER_SPEAKING, "caller speech")

    def _withdraw_unspoken_reply(self) -> bool:
        """The caller went on after the turn was confirmed but before the agent said a word
        (a long mid-sentence pause): withdraw the reply and let the turn continue, so the model
        sees the whole sentence. Not once a tool ran: the world already changed."""
        work = self._replying
        if (
            work is None
            or work.handle.first_audio_at_s is not None
            or work.handle.done.is_set()
            or work.outcome.tools_ran
        ):
            return False
        work.withdrawn = True
        work.handle.interrupt(self._clock.now())
        if work.task is not None:
            work.task.cancel()  # before it can reach a tool call
        self._replying = None
        self._pending_text = work.text
        self._ignore_utterance = False
        self._counts["continued"] += 1
        self._to(AgentState.USER_SPEAKING, "caller went on")
        return True

    def _barge_in(self, now: float) -> None:
        self._barge_from_s = None
        if self._active is None or self._active.done.is_set():
            return
        self._active.interrupt(now)
        self.interruptions.append(now)
        self._counts["barge_ins"] += 1
        self._ignore_utterance = False
        self._to(AgentState.USER_SPEAKING, "barge-in")

    def _on_paused(self, ev: SpeechPaused) -> None:
        barge = self._barge_from_s
        if barge is not None:
            # The caller stopped before min_interrupt_s of speech: a backchannel ("uh-huh"),
            # not an interruption. (The VAD reports the pause pause_s late, so speech shorter
            # than min_interrupt_s - pause_s is all this can tell apart.)
            if ev.end_s - barge < self.options.min_interrupt_s:
                self._barge_from_s = None
                self._ignore_utterance = True
                self._counts["ignored"] += 1
            else:
                self._barge_in(self._clock.now())
            return
        if self._ignore_utterance or self._barge_from_s is not None or not self.options.preemptive:
            return
        if self._agent_busy():
            return
        self._discard_preempt()
        work = self._new_work(ev.end_s, self._pending_text)
        work.start_transcribe_and_reply(ev.audio, self._spawn)
        self._preempt = work
        self._counts["started"] += 1

    def _on_resumed(self) -> None:
        self._discard_preempt()

    def _on_ended(self, ev: SpeechEnded) -> None:
        self._in_utterance = False
        self._last_activity_s = self._clock.now()
        if self._barge_from_s is not None:
            # Caller speech shorter than min_interrupt_s during agent speech: a backchannel.
            self._barge_from_s = None
            self._ignore_utterance = True
            self._counts["ignored"] += 1
        if self._ignore_utterance:
            self._ignore_utterance = False
            return
        self._deciding = self._spawn(self._decide(ev))

    def _discard_preempt(self) -> None:
        if self._preempt is not None:
            self._preempt.cancel()
            self._preempt = None
            self._counts["discarded"] += 1

    # -- one turn ----------------------------------------------------------------------------------
    def _new_work(self, end_s: float, prefix: str) -> TurnWork:
        return TurnWork(
            version=self._context_version,
            end_s=end_s,
            prefix=prefix,
            history=self.context.messages(),
            stt=self._stt,
            reply=self._reply,
            clock=self._clock,
            allow_interruptions=not self.options.turn_lock,
        )

    async def _decide(self, ev: SpeechEnded) -> None:
        """From the end of an utterance to a confirmed turn (cancelled if the caller goes on)."""
        pre = self._preempt
        same_speech = pre is not None and abs(pre.end_s - ev.end_s) < 1e-6
        if pre is not None and same_speech:
            # Same speech as at the pause: its transcript is the final one.
            await pre.transcribed.wait()
        transcript_at: float | None = None
        if pre is not None and same_speech and pre.error is None:
            text = pre.text
        else:
            try:
                transcript = await self._stt.transcribe(ev.audio)
            except QuickturnError as exc:
                # This utterance is lost, the call is not: say nothing and listen again.
                self.errors.append(exc)
                self._deciding = None
                self._discard_preempt()
                self._to(AgentState.LISTENING, "stt failed")
                return
            transcript_at = self._clock.now()
            text = join_text(self._pending_text, transcript.text)
        # Kept until confirmation: if the caller goes on, this text starts the next turn.
        self._pending_text = text
        hold = self._detector.hold_s(text) if text else 0.0
        if hold > 0:
            await self._clock.sleep_until(ev.at_s + hold)
        decided = ev.at_s + hold
        # An interrupted reply may still be finishing a tool; its result must be in the history
        # before this turn's reply is generated. (asyncio.wait: never cancels what it waits on.)
        if self._committing is not None and not self._committing.done():
            await asyncio.wait({self._committing})
        # Confirmed: from here on new caller speech is a barge-in, not a continuation.
        self._deciding = None
        self._pending_text = ""
        reused = (
            pre is not None
            and pre is self._preempt
            and pre.transcribed.is_set()
            and pre.error is None
            and pre.version == self._context_version
            and same_text(pre.text, text)
        )
        if not reused:
            self._discard_preempt()
        self._preempt = None
        if not text:
            self._to(AgentState.LISTENING, "empty transcript")
            return
        if pre is not None and reused:
            work = pre
            self._counts["reused"] += 1
        else:
            work = self._new_work(ev.end_s, "")
            if transcript_at is not None:
                work.stamps.stamp("transcript", transcript_at)
            work.start_reply(text, self._spawn)
        work.stamps.speech_end = ev.end_s
        work.stamps.stamp("turn_decided", decided)
        work.may_run_tools.set()
        self._replying = work
        self._to(AgentState.THINKING, "turn confirmed")
        task = self._spawn(self._respond(work, reused, self._claim(work.handle)))
        self._speaking_task = self._committing = task

    async def _respond(self, work: TurnWork, reused: bool, previous: SpeechHandle | None) -> None:
        handle = work.handle
        try:
            await self._play(handle, previous)
            if not handle.interrupted and work.task is not None:
                with contextlib.suppress(QuickturnError):
                    await work.task
        finally:
            if handle.interrupted and work.task is not None:
                work.stop()
                with contextlib.suppress(asyncio.CancelledError, QuickturnError):
                    await work.task
        if self._replying is work:
            self._replying = None
        if work.withdrawn:
            return  # its text lives on in the continued turn
        interrupted = handle.interrupted
        if work.error is not None:
            self.errors.append(work.error)
        if handle.first_audio_at_s is not None:
            work.stamps.stamp("first_audio_out", handle.first_audio_at_s)
        if handle.first_reply_at_s is not None:
            work.stamps.stamp("first_reply_out", handle.first_reply_at_s)
        self._context_version += 1
        self.context.add(work.user_message)
        self.context.extend(
            kept_messages(work.outcome.messages, handle.heard_by_round(), interrupted=interrupted)
        )
        spoken = handle.heard_text() if interrupted else " ".join(
            s.text for s in handle.segments if s.kind == "reply"
        )
        metrics = TurnMetrics.from_stamps(
            len(self.turns) + 1,
            work.stamps,
            user_text=work.text,
            agent_text=spoken,
            preemptive_reused=reused,
            interrupted=interrupted,
            tool_calls=tuple(work.outcome.tool_calls),
            filler=work.outcome.filler,
        )
        self.turns.append(metrics)
        if self._on_turn is not None:
            self._on_turn(metrics)

    # -- the agent's voice -------------------------------------------------------------------------
    def _start_speaking(self, coro: Coroutine[Any, Any, None]) -> None:
        self._speaking_task = self._spawn(coro)

    def _claim(self, handle: SpeechHandle) -> SpeechHandle | None:
        """Make ``handle`` the active speech now, synchronously, so caller speech from this
        instant on counts as a barge-in even before its first audio. Returns the previous
        speech (interrupted) if it was still playing."""
        previous = self._active
        self._active = handle
        if previous is None or previous.done.is_set():
            return None
        previous.interrupt(self._clock.now())
        return previous

    async def _play(self, handle: SpeechHandle, previous: SpeechHandle | None) -> None:
        if previous is not None:
            await previous.done.wait()  # never two voices at once
        try:
            await self._player.play(handle, self._mark_speaking)
        finally:
            self._last_activity_s = self._clock.now()
            if self.state is AgentState.SPEAKING or (
                self.state is AgentState.THINKING and not self._in_utterance
            ):
                self._to(AgentState.LISTENING, "agent done")

    async def _say(self, text: str, handle: SpeechHandle, previous: SpeechHandle | None) -> None:
        """Speak a fixed text (the greeting); what was heard of it goes into the history."""
        synth = self._spawn(self._reply.speak_text(text, handle))
        await self._play(handle, previous)
        synth.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await synth
        heard = handle.heard_text()
        if heard:
            self._context_version += 1
            self.context.add({"role": "assistant", "content": heard})

    def _maybe_heartbeat(self, now: float) -> None:
        if (
            self.options.idle_s is None
            or self._fillers is None
            or self.state is not AgentState.LISTENING
            or self._in_utterance
            or self._agent_busy()
            or (self._deciding is not None and not self._deciding.done())
            or self._heartbeats >= self.options.max_heartbeats
            or now - self._last_activity_s < self.options.idle_s
        ):
            return
        self._heartbeats += 1
        self._counts["heartbeats"] += 1
        self._last_activity_s = now
        handle = SpeechHandle(allow_interruptions=True)
        handle.push(self._fillers.heartbeat())
        handle.end_input()
        self._claim(handle)
        self._start_speaking(self._play(handle, None))

    # -- plumbing ----------------------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        if self._tg is None:
            coro.close()
            raise RuntimeError("the session is not running")
        return self._tg.create_task(coro)

    def _to(self, target: AgentState, reason: str) -> None:
        self.machine.to(target, reason)

    def _mark_speaking(self, handle: SpeechHandle, at_s: float) -> None:
        # Player callback: the first sample of ``handle`` goes out now.
        if self.state is AgentState.THINKING or self.state is AgentState.LISTENING:
            self._to(AgentState.SPEAKING, "first audio out")
