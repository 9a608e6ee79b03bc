"""The simulated call on a virtual clock: real-time pacing, human turn-taking, stereo recording."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np
import pytest

from agent.fakes import RATE, Codebook, after_tool, call, last_user, run_until, words
from agent.harness import FixedHold, Harness
from quickturn.agent.agent import Agent
from quickturn.agent.agent_session import AgentSession
from quickturn.agent.fillers import FillerOptions
from quickturn.agent.options import SessionOptions
from quickturn.agent.stack import StackOptions
from quickturn.audio.frame import AudioFrame
from quickturn.audio.resample import resample
from quickturn.clock import VirtualClock
from quickturn.errors import AudioFormatError, ConfigError
from quickturn.llm.types import ChatRequest
from quickturn.transport.simulated import (
    CallerLine,
    CallOptions,
    FramesInput,
    PacedOutput,
    SimulatedCaller,
    StereoRecorder,
    synthesize_line,
)
from quickturn.tts.types import TTSChunk


@dataclass
class CodeTTS:
    """The caller's "voice": the codebook's word tones, at 22,050 Hz like Piper."""

    book: Codebook
    sample_rate_hz: int = 22_050

    async def synthesize(self, text: str) -> AsyncIterator[TTSChunk]:
        pcm = self.book.speak(text.lower().replace(",", "").replace(".", ""))
        yield TTSChunk(resample(pcm, RATE, self.sample_rate_hz), self.sample_rate_hz, text)


def desk(req: ChatRequest) -> list[object]:
    user = last_user(req)
    if after_tool(req):
        return words("Your double room is booked, code QT0001. Anything else?")
    if "double" in user:
        return [call("book_room", room_type="double")]
    if "checkout" in user:
        return words("Checkout is at eleven. Late checkout costs twenty dollars. "
                     "We also offer breakfast from seven to ten every day of the week.")
    return words("Sure, what can I do for you?")


LINES = [
    CallerLine(("hello",)),
    CallerLine(("i'd like to book", "a double room"), pause_s=0.8),
    CallerLine(("when is checkout",)),
    CallerLine(("thanks bye",), barge_in_after_s=1.0),
]


async def test_simulated_call_paces_frames_and_records_both_sides() -> None:
    h = Harness(desk, options=SessionOptions(preemptive=True, idle_s=None))
    h.tts.ms_per_char = 20.0
    caller_tts = CodeTTS(h.book)
    lines = [(line, await synthesize_line(caller_tts, line, RATE)) for line in LINES]
    recorder = StereoRecorder(RATE, start_s=0.0)
    output = PacedOutput(h.clock, RATE, on_frame=recorder.agent)  # the agent plays into it
    caller = SimulatedCaller(lines, h.clock, recorder, CallOptions(max_wait_s=20.0))
    agent = Agent("You are a hotel front desk.", tools=h.world.registry(),
                  greeting="Front desk, how can I help?")
    session = AgentSession(
        agent, stt=h.stt, tts=h.tts, llm=h.llm, vad=h.vad, turns=FixedHold(), clock=h.clock,
        options=StackOptions(session=h.options, fillers=FillerOptions(tool=("One moment.",))),
    )
    delivered: list[tuple[float, float]] = []

    async def frames() -> AsyncIterator[AudioFrame]:
        async for f in caller.frames(session):
            delivered.append((h.clock.now(), f.end_s))
            yield f

    # The fillers are synthesised before the call (instantly here, so the call starts at 0 s).
    h.tts.latency_s = 0.0
    await run_until(h.clock, session.prepare(), 10)
    h.tts.latency_s = 0.05
    await run_until(h.clock, session.run(FramesInput(frames), output), 120)

    # Real time: each frame arrives exactly when its last sample exists, 20 ms apart.
    assert all(now == pytest.approx(end) for now, end in delivered)
    assert np.allclose(np.diff([end for _, end in delivered]), 0.02)
    assert caller.timeouts == 0
    assert [t.user_text for t in session.turns] == [
        "hello", "i'd like to book a double room", "when is checkout", "thanks bye"
    ]
    assert h.world.booked == [{"room_type": "double"}]
    assert session.turns[2].interrupted and session.stats().barge_ins == 1

    stereo = recorder.stereo()
    assert stereo.shape[1] == 2 and stereo.dtype == np.int16
    left, right = stereo[:, 0] != 0, stereo[:, 1] != 0
    assert left.sum() == sum(np.count_nonzero(p) for _, p in lines)  # every caller sample, once
    # Caller lines 1-3 start after the agent fell silent (plus the gap); only the barge-in
    # line overlaps agent speech.
    for spoken in caller.spoken:
        a = int(spoken.started_at_s * RATE)
        overlap = right[a : int(spoken.ended_at_s * RATE)].any()
        assert overlap == (spoken.line.barge_in_after_s is not None), spoken.line.text
        if spoken.line.barge_in_after_s is None:
            last_agent = np.flatnonzero(right[:a])
            gap = (a - last_agent[-1]) / RATE if len(last_agent) else None
            assert gap is None or gap >= spoken.line.gap_s - 0.03
    # The mid-sentence pause is in the caller's audio: 0.8 s of silence inside line 2.
    a2 = caller.spoken[1]
    voiced = left[int(a2.started_at_s * RATE) : int(a2.ended_at_s * RATE)]
    runs = np.diff(np.flatnonzero(np.diff(voiced.astype(np.int8))))
    assert runs.max() / RATE == pytest.approx(0.8, abs=0.03)


def test_bad_caller_input_is_refused() -> None:
    with pytest.raises(ConfigError):
        CallerLine(("  ",))
    with pytest.raises(ConfigError):
        CallOptions(frame_ms=5)
    recorder = StereoRecorder(RATE, 0.0)
    with pytest.raises(AudioFormatError, match="16000 Hz"):
        recorder.caller(AudioFrame(np.zeros(160, np.int16), 8000, 0.0))
    with pytest.raises(AudioFormatError):
        SimulatedCaller([(CallerLine(("hi",)), np.zeros(0, np.int16))], None, recorder)  # type: ignore[arg-type]


class MergingAgent:
    """An agent that hears a barge-in during its filler as the rest of the same turn: two
    caller lines, one answer (what the demo's "What time is checkout? Sorry, ..." does)."""

    def __init__(self, clock: VirtualClock, caller: SimulatedCaller) -> None:
        self.state = "speaking"  # the greeting
        self.turns: list[str] = []
        self._clock, self._caller = clock, caller

    async def run(self) -> None:
        await self._clock.sleep(1.0)
        self.state = "listening"
        await self._heard(1)
        self.state = "speaking"  # the filler; the caller barges in 0.3 s into it
        await self._heard(2)
        await self._answer("checkout, late")
        await self._heard(3)
        await self._answer("goodbye")

    async def _heard(self, lines: int) -> None:
        while len(self._caller.spoken) < lines:
            await self._clock.sleep(0.02)

    async def _answer(self, text: str) -> None:
        self.state = "speaking"
        await self._clock.sleep(1.0)
        self.turns.append(text)
        self.state = "listening"


async def test_a_barge_in_that_joins_two_lines_does_not_leave_the_caller_waiting() -> None:
    clock = VirtualClock()
    tone = (np.sin(np.arange(8000) / 5) * 8000).astype(np.int16)
    script = [
        (CallerLine(("what time is checkout",)), tone),
        (CallerLine(("sorry, at one instead",), barge_in_after_s=0.3), tone),
        (CallerLine(("thanks, goodbye",)), tone),
    ]
    recorder = StereoRecorder(16_000, start_s=0.0)
    caller = SimulatedCaller(script, clock, recorder, CallOptions(max_wait_s=30.0))
    agent = MergingAgent(clock, caller)

    async def call() -> None:
        async for _ in caller.frames(agent):
            pass

    behind = asyncio.ensure_future(agent.run())
    await run_until(clock, call(), 120)
    await behind
    # Before, the caller counted lines (3) against answers (2) and waited out max_wait_s.
    assert caller.timeouts == 0
    assert agent.turns == ["checkout, late", "goodbye"]
    assert clock.now() < 15.0
