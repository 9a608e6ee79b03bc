"""Preemptive generation: start STT and the reply on a short pause, before the turn is confirmed.

The job runs with ``may_run_tools`` unset, so ``run_tool_loop`` stops before any tool call, and
its audio only collects in a SpeechHandle that nobody plays. On confirmation the session either
adopts the job (same transcript: all that work is already done) or cancels it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from quickturn.agent.metrics import TurnStamps
from quickturn.agent.reply import ReplyGenerator, ReplyOutcome
from quickturn.agent.speech import SpeechHandle
from quickturn.agent.transcriber import UtteranceTranscriber
from quickturn.audio.frame import PCM16
from quickturn.clock import Clock
from quickturn.errors import QuickturnError
from quickturn.llm.types import Message
from quickturn.stt.overlap import drop_overlap

_log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"]


def join_text(prefix: str, text: str) -> str:
    """Join a held-open fragment and its continuation; STT's full stop after the fragment was
    wrong (the caller went on), so it goes."""
    head = prefix.strip().rstrip(".")
    tail = drop_overlap(head, text.strip()) if head else text.strip()
    return " ".join(p for p in (head, tail) if p)


def same_text(a: str, b: str) -> bool:
    """Transcripts equal up to case, spacing and punctuation."""

    def norm(s: str) -> str:
        return " ".join("".join(c for c in s.lower() if c.isalnum() or c.isspace()).split())

    return norm(a) == norm(b)


class TurnWork:
    """STT + reply for one candidate turn; the session adopts it or cancels it."""

    def __init__(
        self,
        *,
        version: int,
        end_s: float,
        prefix: str,
        history: list[Message],
        stt: UtteranceTranscriber,
        reply: ReplyGenerator,
        clock: Clock,
        allow_interruptions: bool = True,
    ) -> None:
        self.version = version  # of the chat context its history was taken from
        self.end_s = end_s
        self.prefix = prefix
        self.stamps = TurnStamps(speech_end=end_s)
        self.handle = SpeechHandle(allow_interruptions=allow_interruptions)
        self.outcome = ReplyOutcome()
        self.may_run_tools = asyncio.Event()
        self.transcribed = asyncio.Event()
        self.text: str = ""
        self.instructions: str | None = None
        self._agent_initiated = False
        """A one-off instruction for this reply (``generate_reply``), not kept in history."""
        self._history = history
        self._stt = stt
        self._reply = reply
        self._clock = clock
        self.task: asyncio.Task[None] | None = None
        self.cancelled = False
        self.withdrawn = False  # confirmed, then withdrawn because the caller went on
        self.error: QuickturnError | None = None

    def start_transcribe_and_reply(self, audio: PCM16, spawn: Spawn) -> None:
        self.task = spawn(self._run(audio))

    def start_reply(self, text: str, spawn: Spawn) -> None:
        """Start from a known transcript (the final STT already ran)."""
        self.text = text
        self.transcribed.set()
        self.task = spawn(self._generate())

    def start_instructed(self, instructions: str | None, spawn: Spawn) -> None:
        """An agent-initiated reply: no caller text, maybe a one-off instruction."""
        self.instructions = instructions
        self._agent_initiated = True
        self.transcribed.set()
        self.task = spawn(self._generate())

    @property
    def user_message(self) -> Message:
        return {"role": "user", "content": self.text}

    async def _run(self, audio: PCM16) -> None:
        try:
            text, at_s = await self._stt.final_text(audio)
        except QuickturnError as exc:
            # A failed preemptive STT is not fatal: the final STT on confirmation runs again.
            self.error = exc
            self.handle.end_input()
            self.transcribed.set()
            return
        self.stamps.stamp("transcript", at_s)
        self.text = join_text(self.prefix, text)
        _log.debug("speculative decode of %.2f s of audio: %r (turn so far %r)",
                   len(audio) / 16000, text, self.text)
        self.transcribed.set()
        await self._generate()

    async def _generate(self) -> None:
        if not self.text and self.instructions is None and not self._agent_initiated:
            self.handle.end_input()
            return
        messages = list(self._history)
        if self.text:
            messages.append(self.user_message)
        if self.instructions:
            messages.append({"role": "system", "content": self.instructions})
        try:
            await self._reply.run(
                messages,
                self.handle,
                self.stamps,
                self.outcome,
                self.may_run_tools,
            )
        except QuickturnError as exc:
            # The reply ends where it failed; what was already said stays, the call goes on.
            self.error = exc

    def stop(self) -> None:
        """Stop after an interruption: the LLM stops at once, but tools already running finish
        (a booking half-made by a cancelled task is worse than one the caller did not hear
        about; its result stays in the history)."""
        self.outcome.stop_requested = True
        if self.task is not None and self.outcome.tools_in_flight == 0:
            self.task.cancel()

    def cancel(self) -> None:
        """Throw the work away. Safe only before ``may_run_tools`` is set: no tool has run."""
        self.cancelled = True
        if not self.transcribed.is_set():
            # Whoever waits for this transcript must not wait forever: it transcribes itself.
            self.error = QuickturnError("preemptive work cancelled before its transcript")
            self.transcribed.set()
        self.handle.interrupt()
        if self.task is not None:
            self.task.cancel()
