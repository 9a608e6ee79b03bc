"""Reply generation: LLM rounds with tools (``run_tool_loop``) → sentences → TTS → segments.

TTS starts on the first clause while the model is still writing: a sentence splitter cuts the
streamed text and a single TTS worker synthesises segments in order into the SpeechHandle. The
generator never plays anything itself; the player decides when (after turn confirmation).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import cast

from quickturn.agent.filler_policy import run_filler
from quickturn.agent.fillers import FillerBank, Resample
from quickturn.agent.metrics import TurnStamps
from quickturn.agent.speech import Segment, SegmentKind, SpeechHandle
from quickturn.clock import Clock
from quickturn.errors import ConfigError
from quickturn.llm.tool_loop import (
    LiveTools,
    MessageAdded,
    ReplyDone,
    ReplyEvent,
    ToolFinished,
    ToolLoopOptions,
    ToolStarted,
    run_tool_loop,
)
from quickturn.llm.types import ChatClient, Message, TextDelta, ToolCallEvent
from quickturn.tools.types import ToolRegistry
from quickturn.tts.types import TTS, Splitter


@dataclass(frozen=True)
class ReplyOptions:
    output_rate_hz: int = 16_000
    # Speak a short filler when the first reply audio is not ready this long after the turn was
    # confirmed (None: never); a tool call always gets one unless the model already said something.
    late_filler_s: float | None = 1.2
    tool_filler: bool = True
    tool_filler_after_s: float = 0.3
    """A tool's filler waits this long and is dropped when words were queued meanwhile: a call
    that ran on the caller's yes, with the tool's own words, answers at once (seen in the
    demo: "One moment, let me check that." held the booking's words back 1.8 s)."""
    # A caller waits in silence (after one filler) while the rounds run: the last round starts
    # by 4 s (tools withheld) and by the 6 s deadline the caller hears words, whatever is left.
    loop: ToolLoopOptions = field(
        default_factory=lambda: ToolLoopOptions(wrap_up_after_s=4.0, deadline_s=6.0)
    )

    def __post_init__(self) -> None:
        if self.output_rate_hz <= 0:
            raise ConfigError("output_rate_hz must be > 0")
        if self.late_filler_s is not None and self.late_filler_s <= 0:
            raise ConfigError("late_filler_s must be > 0 or None")
        if self.tool_filler_after_s < 0:
            raise ConfigError("tool_filler_after_s must be >= 0")


@dataclass
class ReplyOutcome:
    """What a finished (or cancelled) generation produced, in tool-loop order."""

    messages: list[Message] = field(default_factory=list)
    tool_calls: list[str] = field(default_factory=list)
    tools_ran: bool = False
    tools_in_flight: int = 0
    filler: str | None = None
    done: bool = False
    stop_requested: bool = False
    """Set by ``TurnWork.stop``: finish the tools in flight, then say nothing more."""
    rounds: int = 0
    done_at_s: float | None = None
    speak: Callable[[str], None] | None = None
    """While generating: queue a text to be spoken in order (a tool's ``ctx.say``)."""


_Item = tuple[str, int, SegmentKind] | Segment | object


@dataclass
class _RunState:
    """Per-generation bookkeeping of ``ReplyGenerator.run``."""

    queue: asyncio.Queue[_Item]
    stamps: TurnStamps
    outcome: ReplyOutcome
    splitter: Splitter
    round_no: int = 1
    said_this_round: bool = False
    queued: int = 0  # sentences queued so far (a tool filler waits to see if words come)
    waiting: list[asyncio.Task[None]] = field(default_factory=list)  # tool fillers on hold


_END = object()
ToolObserver = Callable[[ToolStarted | ToolFinished], None]


class ReplyGenerator:
    def __init__(
        self,
        client: ChatClient,
        tools: ToolRegistry | LiveTools,
        tts: TTS,
        splitter_factory: Callable[[], Splitter],
        clock: Clock,
        resample: Resample,
        fillers: FillerBank | None = None,
        options: ReplyOptions = ReplyOptions(),
        conversation_id: str | None = None,
        on_tool: ToolObserver | None = None,
    ) -> None:
        self._client = client
        self._tools = tools
        self._tts = tts
        self._splitter_factory = splitter_factory
        self._clock = clock
        self._resample = resample
        self._fillers = fillers
        self.options = options
        self._conversation_id = conversation_id
        self._on_tool = on_tool
        self._policy = fillers.policy() if fillers is not None else None

    async def run(
        self,
        history: list[Message],
        handle: SpeechHandle,
        stamps: TurnStamps,
        outcome: ReplyOutcome,
        may_run_tools: asyncio.Event,
    ) -> None:
        """Generate into ``handle`` and record into ``outcome`` (kept even when cancelled: the
        session needs the messages of tools that already ran)."""
        queue: asyncio.Queue[_Item] = asyncio.Queue()
        worker = asyncio.create_task(self._tts_worker(queue, handle, stamps))
        late = asyncio.create_task(
            self._late_filler(handle, outcome, stamps, may_run_tools, _last_user(history))
        )
        stamps.stamp("llm_started", self._clock.now())
        st = _RunState(queue, stamps, outcome, self._splitter_factory())
        outcome.speak = lambda text: self._queue_say(st, text)
        try:
            # run_tool_loop is an async generator; closing it ends the LLM stream at once.
            loop = run_tool_loop(
                self._client,
                history,
                self._tools,
                self.options.loop,
                conversation_id=self._conversation_id,
                may_run_tools=may_run_tools,
                clock=self._clock.now,
            )
            events = cast(AsyncGenerator[ReplyEvent, None], loop)
            async with contextlib.aclosing(events):
                async for event in events:
                    self._on_event(event, st)
                    if (
                        outcome.stop_requested
                        and outcome.tools_in_flight == 0
                        and not isinstance(event, ToolFinished)  # its message comes next
                    ):
                        # Stopped while tools ran: their results are in, nothing more is said.
                        return
            queue.put_nowait(_END)
            await worker
            outcome.done = True
            if self._policy is not None and stamps.turn_decided is not None:
                first = stamps.first_tts_audio
                if first is not None:  # the engine's pace, for the next turn's filler plan
                    self._policy.record_first_audio(first - stamps.turn_decided)
        finally:
            outcome.speak = None
            for task in (late, worker, *st.waiting):
                task.cancel()
            for task in (late, worker, *st.waiting):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            handle.end_input()

    def _on_event(self, event: object, st: _RunState) -> None:
        outcome = st.outcome
        match event:
            case TextDelta(text=text):
                st.stamps.stamp("llm_first_token", self._clock.now())
                for sentence in st.splitter.push(text):
                    self._queue_sentence(st, sentence)
            case ToolCallEvent():
                st.stamps.stamp("llm_first_token", self._clock.now())
            case MessageAdded(message=message):
                outcome.messages.append(message)
                if message.get("role") == "assistant":
                    # A round ends: its text must not run into the next round's segment.
                    for sentence in st.splitter.flush():
                        self._queue_sentence(st, sentence)
                    st.round_no += 1
            case ToolStarted(calls=calls):
                if self._on_tool is not None:
                    self._on_tool(event)
                outcome.tools_ran = True
                outcome.tools_in_flight += len(calls)
                outcome.tool_calls.extend(c.name for c in calls)
                if (
                    self.options.tool_filler
                    and self._fillers is not None
                    and outcome.filler is None
                    and not st.said_this_round
                ):
                    st.waiting.append(asyncio.create_task(self._tool_filler(st, st.queued)))
                st.said_this_round = False
            case ReplyDone(rounds=rounds, at_s=at_s):
                outcome.rounds = rounds
                outcome.done_at_s = at_s
            case ToolFinished():
                if self._on_tool is not None:
                    self._on_tool(event)
                outcome.tools_in_flight -= 1
            case _:
                pass

    async def speak_text(self, text: str, handle: SpeechHandle, kind: SegmentKind = "say") -> None:
        """Synthesise a fixed text (a greeting) segment by segment into ``handle``."""
        splitter = self._splitter_factory()
        try:
            for sentence in [*splitter.push(text), *splitter.flush()]:
                async for segment in self._segments(sentence, kind):
                    handle.push(segment)
        finally:
            handle.end_input()

    async def _segments(
        self, text: str, kind: SegmentKind, round_no: int = 1, stamps: TurnStamps | None = None
    ) -> AsyncGenerator[Segment, None]:
        """``text`` as segments, one per TTS chunk, each as soon as it is made: a sentence
        Piper reads in two clauses starts playing after the first. Collected whole, the demo's
        "You're booked: 2 nights, 536 dollars in total." played 0.5 s after its first clause
        was ready (0.8 s for a read-back of a booking)."""
        rate = self.options.output_rate_hz
        async for chunk in self._tts.synthesize(text):
            if stamps is not None:
                stamps.stamp("first_tts_audio", self._clock.now())
            pcm = chunk.pcm
            if chunk.sample_rate_hz != rate:
                pcm = self._resample(pcm, chunk.sample_rate_hz, rate)
            if len(pcm):
                yield Segment(chunk.text.strip() or text, pcm, kind=kind, round=round_no,
                              word_ends=chunk.word_ends)

    async def _tool_filler(self, st: _RunState, queued: int) -> None:
        """A tool's filler, unless words were queued within ``tool_filler_after_s``."""
        await self._clock.sleep(self.options.tool_filler_after_s)
        if self._fillers is None or st.queued != queued or st.outcome.filler is not None:
            return
        filler = self._fillers.next_tool()
        st.outcome.filler = filler.text
        st.queue.put_nowait(filler)

    def _queue_say(self, st: _RunState, text: str) -> None:
        st.queued += 1
        st.queue.put_nowait((text, st.round_no, "say"))

    def _queue_sentence(self, st: _RunState, sentence: str) -> None:
        if sentence.strip():
            st.queued += 1
            st.said_this_round = True
            st.stamps.stamp("first_sentence", self._clock.now())
            st.queue.put_nowait((sentence.strip(), st.round_no, "reply"))

    async def _tts_worker(
        self,
        queue: asyncio.Queue[_Item],
        handle: SpeechHandle,
        stamps: TurnStamps,
    ) -> None:
        while (item := await queue.get()) is not _END:
            if isinstance(item, Segment):
                handle.push(item)
                continue
            assert isinstance(item, tuple)
            text, round_no, kind = item
            async for segment in self._segments(text, kind, round_no,
                                                stamps if kind == "reply" else None):
                handle.push(segment)

    async def _late_filler(
        self,
        handle: SpeechHandle,
        outcome: ReplyOutcome,
        stamps: TurnStamps,
        confirmed: asyncio.Event,
        request: str,
    ) -> None:
        if self._fillers is None:
            return
        await confirmed.wait()
        # Counted from the end-of-turn decision, which may lie before the confirmation (the
        # final STT runs in between).
        decided = stamps.turn_decided if stamps.turn_decided is not None else self._clock.now()
        plan = self._policy.decide(request, decided) if self._policy is not None else None
        segment = self._fillers.phrase(plan.phrase) if plan is not None else None
        if plan is not None and segment is not None and self._policy is not None:
            # Decided now, from the request's words and this engine's recent pace: a filler
            # that fits, in the gap rather than after it.
            def play(phrase: str) -> None:
                if outcome.filler is None:  # a tool filler may have come first
                    outcome.filler = phrase
                    handle.push(segment)

            await run_filler(
                self._policy,
                plan,
                self._clock,
                # A first sentence on its way to TTS counts: its audio is a synthesis away
                # (~0.1-0.4 s), and a filler started now delays it by the filler's length
                # (seen: a booking confirmed with no model round was heard 1.8 s late).
                answer_ready=lambda: stamps.first_sentence is not None
                or bool(handle.segments)
                or handle.pending_segments > 0,
                answer_due_s=lambda: None,
                play=play,
            )
            return
        if self.options.late_filler_s is None:
            return
        await self._clock.sleep_until(decided + self.options.late_filler_s)
        # Only into an empty handle: a filler must never jump ahead of reply audio.
        if outcome.filler is None and not handle.segments and handle.pending_segments == 0:
            filler = self._fillers.next_late()
            outcome.filler = filler.text
            handle.push(filler)


def _last_user(history: list[Message]) -> str:
    for m in reversed(history):
        if m.get("role") == "user":
            return str(m.get("content") or "")
    return ""
