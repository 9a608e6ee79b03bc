"""The caller's side of the call: VAD events become turns, barge-ins and continuations.

This is where the decisions are made: an utterance that ends becomes a candidate turn (its STT +
reply may already be running from a pause: preemptive work), the end-of-turn detector may hold it
open, and once confirmed its reply is claimed and spoken. Caller speech while the agent talks is a
barge-in (after ``min_interrupt_s``), a backchannel, or ignored under turn-lock; caller speech
after a confirmation but before the agent said a word withdraws the reply and continues the turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from quickturn.agent.call_state import CallState
from quickturn.agent.commit import TurnCommitter
from quickturn.agent.events import UserSpeechStarted, UserSpeechStopped, UserTranscript
from quickturn.agent.options import SessionOptions
from quickturn.agent.preemptive import TurnWork, join_text, same_text
from quickturn.agent.reply import ReplyGenerator
from quickturn.agent.speaking import SpeechScheduler
from quickturn.agent.speech import SpeechHandle
from quickturn.agent.state import AgentState
from quickturn.agent.transcriber import UtteranceTranscriber
from quickturn.audio.frame import PCM16, AudioFrame
from quickturn.errors import QuickturnError
from quickturn.turns.types import EndOfTurnDetector
from quickturn.vad.events import SpeechEnded, SpeechPaused, SpeechResumed, SpeechStarted
from quickturn.vad.types import HearsOnsets, VADStream

# Debug lines trace each turn's fragments, holds and hand-overs (``logging.DEBUG`` on this
# module): a turn cut mid-number ("555 [pause] 0142" heard as "550-") is found from them.
_log = logging.getLogger(__name__)

# The end-of-turn model hears at most the last 8 s (Smart Turn's window); more is not kept.
_TURN_AUDIO_MAX = 8 * 16000
# Longest wait for an onset to become speech or fade: the VAD's min_speech_s (0.15 s) plus its
# candidate gap (0.1 s) and a window.
_ONSET_WAIT_S = 0.3
_ONSET_POLL_S = 0.02


class CallerTurns:
    def __init__(
        self,
        call: CallState,
        *,
        vad: VADStream,
        transcriber: UtteranceTranscriber,
        detector: EndOfTurnDetector,
        reply: ReplyGenerator,
        voice: SpeechScheduler,
        committer: TurnCommitter,
        options: SessionOptions,
        after_reply: Callable[[], None],
    ) -> None:
        self._call = call
        self._vad = vad
        self._stt = transcriber
        self._detector = detector
        self._reply = reply
        self._voice = voice
        self._committer = committer
        self.options = options
        self._after_reply = after_reply  # a tool may have ended the call: check now
        self._ignore_utterance = False
        self._barge_from_s: float | None = None
        self._pending_text = ""  # an unconfirmed turn the caller went on from
        # ... or its audio, when the caller went on before its text was known (slow STT): it is
        # transcribed again with the continuation, so no words are lost.
        self._pending_audio: PCM16 | None = None
        self._deciding_audio: PCM16 | None = None  # the deciding turn's audio until its text
        # The audio of the fragments whose text is in ``_pending_text``, and of the deciding turn
        # with them: the end-of-turn model hears the whole turn, not only its last fragment (a
        # fragment alone, "...two beds and a sea view.", sounds finished more often).
        self._heard_audio: PCM16 | None = None
        self._deciding_turn_audio: PCM16 | None = None
        self._preempt: TurnWork | None = None
        self.deciding: asyncio.Task[None] | None = None  # a turn before its confirmation
        self.replying: TurnWork | None = None  # the confirmed turn being answered
        self._committing: asyncio.Task[None] | None = None  # its reply, until in the history

    def process(self, frame: AudioFrame) -> None:
        """One caller frame (after the noise gate)."""
        self._stt.feed(frame)
        for event in self._vad.process(frame):
            self._stt.on_vad(event)
            match event:
                case SpeechStarted():
                    self._on_started(event)
                case SpeechPaused():
                    self._on_paused(event)
                case SpeechResumed():
                    self._discard_preempt()
                case SpeechEnded():
                    self._on_ended(event)
        barge = self._barge_from_s
        if barge is not None and frame.end_s - barge >= self.options.min_interrupt_s - 1e-9:
            self._barge_in()

    def deciding_now(self) -> bool:
        return self.deciding is not None and not self.deciding.done()

    async def finish(self) -> None:
        """The caller hung up: let a turn in its patience be decided, drop preemptive work."""
        if self.deciding is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.deciding
        self._discard_preempt()

    def abort(self) -> None:
        """The call ends now: nothing further is decided or said; tools in flight finish."""
        if self.deciding is not None:
            self.deciding.cancel()
        self._discard_preempt()
        if self.replying is not None:
            self.replying.handle.interrupt(self._call.clock.now())

    def keep_unfinished(self) -> None:
        """The call was torn down (the caller hung up) with a turn still open: its words, and
        what the caller heard of its reply, go into the history instead of being lost."""
        work, self.replying = self.replying, None
        if work is not None and not work.withdrawn:
            self._committer.keep(work)
        if self._pending_text:
            self._committer.keep_words(self._pending_text)
            self._pending_text = ""

    def agent_reply(self, instructions: str | None) -> SpeechHandle:
        """A reply the agent starts itself (``generate_reply``)."""
        work = self._new_work(self._call.clock.now(), "")
        work.start_instructed(instructions, self._call.spawn)
        work.may_run_tools.set()
        self._speak(work, reused=False)
        return work.handle

    # -- VAD events --------------------------------------------------------------------------------
    def _on_started(self, ev: SpeechStarted) -> None:
        call = self._call
        call.in_utterance = True
        call.last_activity_s = call.clock.now()
        call.emit(UserSpeechStarted(ev.start_s, call.clock.now()))
        if self._withdraw_unspoken_reply():
            return
        if self._voice.busy():
            active = self._voice.active
            assert active is not None
            if self.options.turn_lock or not active.allow_interruptions:
                self._ignore_utterance = True
                call.counts["ignored"] += 1
                return
            self._barge_from_s = ev.start_s
            if self.options.min_interrupt_s == 0:
                self._barge_in()
            return
        self._ignore_utterance = False
        if not self._pending_text and self.replying is None:
            call.input_max_s = 0.0  # a new caller turn begins
            self._heard_audio = None
        if self.deciding_now():
            assert self.deciding is not None
            # The caller went on before the turn was confirmed: one turn, not two.
            _log.debug("%.2f s: caller went on before the turn was decided (text so far %r, "
                       "audio pending %s)", ev.start_s, self._pending_text,
                       self._deciding_audio is not None)
            self.deciding.cancel()
            self.deciding = None
            if self._deciding_audio is not None:
                self._pending_audio = self._deciding_audio  # no text yet: transcribed again
            else:
                self._heard_audio = self._deciding_turn_audio  # its text is _pending_text
        self._discard_preempt()
        call.to(AgentState.USER_SPEAKING, "caller speech")

    def _withdraw_unspoken_reply(self) -> bool:
        """The caller went on after the turn was confirmed but before the agent's answer began
        (a long mid-sentence pause): withdraw the reply and let the turn continue, so the model
        sees the whole sentence. A filler may be playing ("Okay."): it stops, and the caller's
        words still join their turn; taken as a barge-in, "two adults," and "from March 20 to
        the 22nd." were two turns in the demo and the model answered the first half. Not once
        a tool ran: the world already changed."""
        work = self.replying
        if (
            work is None
            or not work.text
            or work.handle.answer_started
            or work.handle.done.is_set()
            or work.outcome.tools_ran
        ):
            return False
        work.withdrawn = True
        _log.debug("%.2f s: caller went on before the answer began: reply to %r withdrawn",
                   self._call.clock.now(), work.text)
        work.handle.interrupt(self._call.clock.now())
        if work.task is not None:
            work.task.cancel()  # before it can reach a tool call
        self.replying = None
        self._pending_text = work.text
        self._heard_audio = self._deciding_turn_audio
        self._ignore_utterance = False
        self._call.counts["continued"] += 1
        self._call.to(AgentState.USER_SPEAKING, "caller went on")
        return True

    def _barge_in(self) -> None:
        self._barge_from_s = None
        now = self._call.clock.now()
        if not self._voice.interrupt():
            return
        self._call.interruptions.append(now)
        self._call.counts["barge_ins"] += 1
        self._ignore_utterance = False
        self._call.to(AgentState.USER_SPEAKING, "barge-in")

    def _backchannel(self) -> None:
        self._barge_from_s = None
        self._ignore_utterance = True
        self._call.counts["ignored"] += 1

    def _on_paused(self, ev: SpeechPaused) -> None:
        barge = self._barge_from_s
        if barge is not None:
            # The caller stopped before min_interrupt_s of speech: a backchannel ("uh-huh"),
            # not an interruption. (The VAD reports the pause pause_s late, so speech shorter
            # than min_interrupt_s - pause_s is all this can tell apart.)
            if ev.end_s - barge < self.options.min_interrupt_s:
                self._backchannel()
            else:
                self._barge_in()
            return
        if self._ignore_utterance or not self.options.preemptive or self._voice.busy():
            return
        ev = replace(ev, audio=self._with_pending_audio(ev.audio))
        self._discard_preempt()
        _log.debug("%.2f s: pause: speculative STT+reply on %.2f s of audio after %r",
                   ev.end_s, len(ev.audio) / 16000, self._pending_text)
        work = self._new_work(ev.end_s, self._pending_text)
        work.start_transcribe_and_reply(ev.audio, self._call.spawn)
        self._preempt = work
        self._call.counts["started"] += 1

    def _on_ended(self, ev: SpeechEnded) -> None:
        call = self._call
        call.in_utterance = False
        call.last_activity_s = call.clock.now()
        call.emit(UserSpeechStopped(ev.end_s, call.clock.now()))
        if self._barge_from_s is not None:
            self._backchannel()  # shorter than min_interrupt_s during agent speech
        if self._ignore_utterance:
            self._ignore_utterance = False
            return
        ev = replace(ev, audio=self._with_pending_audio(ev.audio))
        self._pending_audio = None
        self._deciding_audio = ev.audio
        heard = self._heard_audio
        turn = ev.audio if heard is None else np.concatenate([heard, ev.audio])
        self._deciding_turn_audio = turn[-_TURN_AUDIO_MAX :]
        self.deciding = call.spawn(self._decide(ev, self._deciding_turn_audio))

    def _with_pending_audio(self, audio: PCM16) -> PCM16:
        pending = self._pending_audio
        return audio if pending is None else np.concatenate([pending, audio])

    def _discard_preempt(self) -> None:
        if self._preempt is not None:
            self._preempt.cancel()
            self._preempt = None
            self._call.counts["discarded"] += 1

    # -- one turn ----------------------------------------------------------------------------------
    def _new_work(self, end_s: float, prefix: str) -> TurnWork:
        return TurnWork(
            version=self._call.context_version,
            end_s=end_s,
            prefix=prefix,
            history=self._committer.context.messages(),
            stt=self._stt,
            reply=self._reply,
            clock=self._call.clock,
            allow_interruptions=not self.options.turn_lock,
        )

    async def _decide(self, ev: SpeechEnded, turn_audio: PCM16) -> None:
        """From the end of an utterance to a confirmed turn (cancelled if the caller goes on).
        ``turn_audio``: the whole turn so far (held-open fragments too), for the detector."""
        call = self._call
        pre = self._preempt
        got = await self._final_text(ev, pre)
        if got is None:
            return
        text, transcript_at = got
        # Kept until confirmation: if the caller goes on, this text starts the next turn.
        self._pending_text = text
        self._deciding_audio = None
        hold = await self._detector.hold_s(turn_audio, text) if text else 0.0
        _log.debug("%.2f s: utterance ended (%.2f s of audio, turn %.2f s): %r, %s; hold %.2f s",
                   ev.end_s, len(ev.audio) / 16000, len(turn_audio) / 16000, text,
                   "from the speculative decode" if transcript_at is None else "decoded now",
                   hold)
        if hold > 0:
            await call.clock.sleep_until(ev.at_s + hold)
        decided = call.clock.now() if await self._onset_settled() else ev.at_s + hold
        # An interrupted reply may still be finishing a tool; its result must be in the history
        # before this turn's reply is generated. (asyncio.wait: never cancels what it waits on.)
        if self._committing is not None and not self._committing.done():
            await asyncio.wait({self._committing})
        # Confirmed: from here on new caller speech is a barge-in, not a continuation.
        self.deciding = None
        self._pending_text = ""
        reused = (
            pre is not None
            and pre is self._preempt
            and pre.transcribed.is_set()
            and pre.error is None
            and pre.version == call.context_version
            and same_text(pre.text, text)
        )
        if not reused:
            self._discard_preempt()
        _log.debug("%.2f s: turn decided: %r (speculative reply %s)", decided, text,
                   "reused" if reused else "not reused" if pre is not None else "none")
        self._preempt = None
        if not text:
            call.to(AgentState.LISTENING, "empty transcript")
            return
        if pre is not None and reused:
            work = pre
            call.counts["reused"] += 1
        else:
            work = self._new_work(ev.end_s, "")
            if transcript_at is not None:
                work.stamps.stamp("transcript", transcript_at)
            work.start_reply(text, call.spawn)
        work.stamps.speech_end = ev.end_s
        work.stamps.stamp("vad_ended", ev.at_s)
        work.stamps.stamp("turn_decided", decided)
        work.may_run_tools.set()
        call.emit(UserTranscript(text, True, call.clock.now()))
        call.to(AgentState.THINKING, "turn confirmed")
        self._speak(work, reused)

    async def _onset_settled(self) -> bool:
        """Not over while the VAD hears what may be the caller going on: it reports
        ``SpeechStarted`` (which continues the turn) only ``min_speech_s`` after the caller
        resumes, and a turn ended inside that gap cuts them off (seen in the demo: a 0.8 s
        pause cut at 1.0 s). Waits until the onset becomes speech (this task is cancelled
        then) or fades, at most ``_ONSET_WAIT_S``. True when it waited."""
        vad, clock = self._vad, self._call.clock
        if not isinstance(vad, HearsOnsets) or not vad.hearing_onset:
            return False
        deadline = clock.now() + _ONSET_WAIT_S
        while vad.hearing_onset and clock.now() < deadline:
            await clock.sleep(_ONSET_POLL_S)
        return True

    async def _final_text(
        self, ev: SpeechEnded, pre: TurnWork | None
    ) -> tuple[str, float | None] | None:
        """The utterance's text (joined to a held-open fragment) and when STT had it (None
        when preemptive work had it); None when STT failed."""
        if pre is not None and abs(pre.end_s - ev.end_s) < 1e-6:
            # Same speech as at the pause: its transcript is the final one.
            await pre.transcribed.wait()
            if pre.error is None:
                return pre.text, None
        try:
            heard, at_s = await self._stt.final_text(ev.audio)
        except QuickturnError as exc:
            # This utterance is lost, the call is not: say nothing and listen again.
            self._call.fail(exc)
            self.deciding = None
            self._discard_preempt()
            self._call.to(AgentState.LISTENING, "stt failed")
            return None
        return join_text(self._pending_text, heard), at_s

    def _speak(self, work: TurnWork, reused: bool) -> None:
        self.replying = work
        task = self._call.spawn(self._respond(work, reused, self._voice.claim(work.handle)))
        self._voice.task = self._committing = task

    async def _respond(self, work: TurnWork, reused: bool, previous: SpeechHandle | None) -> None:
        handle = work.handle
        try:
            await self._voice.play(handle, previous)
            if not handle.interrupted and work.task is not None:
                with contextlib.suppress(QuickturnError):
                    await work.task
        finally:
            if handle.interrupted and work.task is not None:
                work.stop()
                with contextlib.suppress(asyncio.CancelledError, QuickturnError):
                    await work.task
        if self.replying is work:
            self.replying = None
        if work.withdrawn:
            return  # its text lives on in the continued turn
        self._committer.commit(work, reused)
        self._after_reply()
