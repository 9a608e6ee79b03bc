"""Builds a VoiceSession from the fakes, runs a caller timeline on a virtual clock."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from agent.fakes import (
    BookingTools,
    Codebook,
    CodeSTT,
    EnergyVAD,
    Script,
    ScriptedLLM,
    ToneTTS,
    feed,
    run_until,
)
from quickturn.agent.events import AgentStateChanged, SessionEvent
from quickturn.agent.filler_policy import FillerPolicyOptions
from quickturn.agent.fillers import FillerBank, FillerOptions
from quickturn.agent.metrics import TurnMetrics
from quickturn.agent.playout import Speaker
from quickturn.agent.reply import ReplyGenerator, ReplyOptions
from quickturn.agent.session import SessionOptions, VoiceSession
from quickturn.audio.resample import resample
from quickturn.clock import VirtualClock
from quickturn.llm.context import ChatContext
from quickturn.transport.simulated import PacedOutput
from quickturn.tts.splitter import SentenceSplitter


async def cancelled_at(clock: VirtualClock, coro: Coroutine[Any, Any, None], at_s: float) -> None:
    """Run ``coro`` and cancel it at ``at_s`` on the clock (if still running)."""
    task = asyncio.ensure_future(coro)
    timer = asyncio.ensure_future(clock.sleep_until(at_s))
    await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
    for t in (task, timer):
        t.cancel()
    await asyncio.wait({task, timer})  # asyncio.wait: their CancelledError is not ours
    if not task.cancelled() and task.exception() is not None:
        raise task.exception()  # type: ignore[misc]


class FixedHold:
    """Holds the turn open ``hold_s`` after transcripts ending in one of ``words``."""

    min_silence_s = 0.5

    def __init__(self, hold_s: float = 0.8, words: tuple[str, ...] = ("book", "to")) -> None:
        self.hold = hold_s
        self.words = words

    async def hold_s(self, audio16k: object, transcript: str) -> float:
        last = transcript.split()[-1:]
        return self.hold if last and last[0] in self.words else 0.0


@dataclass
class Harness:
    script: Script
    options: SessionOptions = field(default_factory=SessionOptions)
    reply_options: ReplyOptions = field(default_factory=lambda: ReplyOptions(late_filler_s=None))
    tool_work_s: float = 0.0
    stt_latency_s: float = 0.1
    ttft_s: float = 0.2
    with_fillers: bool = True
    planned_fillers: FillerPolicyOptions | None = None
    """The end-of-turn filler plan; off here so other tests see only the tool filler."""
    detector: Any = field(default_factory=FixedHold)

    def __post_init__(self) -> None:
        self.clock = VirtualClock()
        self.book = Codebook()
        self.vad = EnergyVAD()
        self.stt = CodeSTT(self.book, self.clock, self.stt_latency_s)
        self.tts = ToneTTS(self.clock)
        self.llm = ScriptedLLM(self.clock, self.script, ttft_s=self.ttft_s)
        self.world = BookingTools(self.clock, self.tool_work_s)
        self.output = PacedOutput(self.clock, 16_000)
        self.speaker = Speaker(self.output, self.clock)
        self.context = ChatContext("You are a hotel front desk.")
        self.events: list[SessionEvent] = []

    async def run(
        self,
        timeline: list[tuple[float, str]],
        end_s: float,
        greeting: str | None = None,
        hang_up_s: float | None = None,
    ) -> VoiceSession:
        """The call until its input ends at ``end_s``; with ``hang_up_s`` the session is
        cancelled then, as a transport cancels it when the peer vanishes."""
        fillers = None
        if self.with_fillers:
            # Zero latency: synthesised up front, as the real bank is before the call starts.
            instant = ToneTTS(VirtualClock(), latency_s=0.0)
            fillers = await FillerBank.create(
                instant,
                16_000,
                resample,
                FillerOptions(tool=("One moment.",), planned=self.planned_fillers),
            )
        reply = ReplyGenerator(
            self.llm,
            self.world.registry(),
            self.tts,
            lambda: SentenceSplitter(min_first_words=4),
            self.clock,
            resample,
            fillers,
            self.reply_options,
        )
        session = VoiceSession(
            vad=self.vad,
            stt=self.stt,  # type: ignore[arg-type]
            detector=self.detector,
            reply=reply,
            speaker=self.speaker,
            context=self.context,
            clock=self.clock,
            fillers=fillers,
            options=self.options,
            emit=self.events.append,
        )
        frames = feed(self.clock, self.book, timeline, end_s)
        self.session = session
        main = session.run(frames, greeting=greeting)
        if hang_up_s is not None:
            main = cancelled_at(self.clock, main, hang_up_s)
        await run_until(self.clock, main, end_s + 30)
        return session

    def transitions(self) -> list[AgentStateChanged]:
        return [e for e in self.events if isinstance(e, AgentStateChanged)]

    def sessions_turns(self) -> list[TurnMetrics]:
        return self.session.turns
