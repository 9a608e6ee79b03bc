"""The public API on a virtual clock: Agent + @tool + AgentSession, its controls and events."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import numpy as np
import pytest

import quickturn
from agent.fakes import (
    FRAME_S,
    Codebook,
    CodeSTT,
    EnergyVAD,
    ScriptedLLM,
    ToneTTS,
    call,
    feed,
    last_user,
    run_until,
    words,
)
from agent.harness import FixedHold
from quickturn import (
    Agent,
    AgentChanged,
    AgentSession,
    AgentSpeechFinished,
    AgentSpeechStarted,
    CallEnded,
    HandOff,
    SessionEvent,
    ToolCalled,
    ToolContext,
    ToolReturned,
    TurnCompleted,
    UserSpeechStopped,
    UserTranscript,
    tool,
)
from quickturn.agent.fillers import FillerOptions
from quickturn.agent.options import SessionOptions
from quickturn.agent.stack import StackOptions
from quickturn.agent.transcriber import transcriber_for
from quickturn.audio.frame import AudioFrame
from quickturn.clock import VirtualClock
from quickturn.errors import AudioFormatError, ConfigError, ToolSchemaError
from quickturn.llm.types import ChatRequest
from quickturn.transport.simulated import FramesInput, PacedOutput

Script = Callable[[ChatRequest], list[Any]]


class Call:
    """One AgentSession on fakes: code-word caller audio, tone TTS, a scripted LLM."""

    def __init__(self, agent: Agent, script: Script, **session: Any) -> None:
        self.clock = VirtualClock()
        self.book = Codebook()
        self.tts = ToneTTS(self.clock, latency_s=0.0)
        self.llm = ScriptedLLM(self.clock, script)
        self.output = PacedOutput(self.clock, 16_000)
        self.frames_seen = 0
        options = StackOptions(
            session=SessionOptions(preemptive=False, idle_s=None),
            fillers=FillerOptions(tool=("One moment.",), planned=None),
        )
        self.session = AgentSession(
            agent,
            stt=CodeSTT(self.book, self.clock),
            tts=self.tts,
            llm=self.llm,
            vad=EnergyVAD(),
            turns=FixedHold(),
            clock=self.clock,
            options=options,
            **session,
        )
        self.events: list[SessionEvent] = []
        self.session.on(object, self.events.append)

    async def run(
        self,
        timeline: list[tuple[float, str]],
        end_s: float,
        at: list[tuple[float, Callable[[], object]]] = (),
    ) -> None:  # type: ignore[assignment]
        async def frames() -> AsyncIterator[AudioFrame]:
            async for frame in feed(self.clock, self.book, timeline, end_s):
                self.frames_seen += 1
                for t, action in at:
                    if abs(frame.captured_at_s - t) < FRAME_S / 2:
                        action()
                yield frame

        await run_until(self.clock, self.session.prepare(), 5)
        await run_until(self.clock, self.session.run(FramesInput(frames), self.output), end_s + 30)

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


def hello(req: ChatRequest) -> list[Any]:
    return words("Hello! How can I help you today?")


def test_the_front_door_imports() -> None:
    for name in quickturn.__all__:
        assert getattr(quickturn, name) is not None
    assert quickturn.Agent is Agent and quickturn.tool is tool


def test_agent_is_validated() -> None:
    with pytest.raises(ConfigError):
        Agent("  ")
    with pytest.raises(ToolSchemaError, match="duplicate"):
        Agent("x", tools=[_end_call, _end_call])


async def test_event_sequence_of_a_scripted_call() -> None:
    c = Call(Agent("You are a front desk.", greeting="Front desk."), hello)
    seen: list[SessionEvent] = []

    async def consume() -> None:
        async for ev in c.session.events():
            seen.append(ev)

    reader = asyncio.ensure_future(consume())
    await c.run([(1.5, "hello there")], end_s=5.0)
    await asyncio.wait_for(reader, 1)  # the iterator ended by itself, after CallEnded
    # Live captions (AgentSpeechProgress) come between a speech's start and finish; tested in
    # tests/transport/test_captions.py.
    kinds = [
        type(e).__name__
        for e in seen
        if not type(e).__name__.startswith(("AgentState", "AgentSpeechProgress"))
    ]
    assert kinds == [
        "AgentSpeechStarted",
        "AgentSpeechFinished",  # the greeting
        "UserSpeechStarted",
        "UserSpeechStopped",
        "UserTranscript",
        "AgentSpeechStarted",
        "AgentSpeechFinished",
        "TurnCompleted",
        "CallEnded",
    ]
    assert seen == c.events  # the iterator and on() see the same events, in the same order
    greeting, reply = c.of(AgentSpeechFinished)
    assert greeting.text == "Front desk." and not greeting.interrupted
    assert reply.text == "Hello! How can I help you today?"
    assert c.of(UserTranscript)[0].text == "hello there"
    [turn] = c.of(TurnCompleted)
    assert turn.metrics.a2a_ms == pytest.approx(
        (c.of(AgentSpeechStarted)[1].at_s - c.of(UserSpeechStopped)[0].end_s) * 1000
    )
    assert c.of(CallEnded)[0].reason == "input_ended"
    states = [e.new for e in seen if type(e).__name__ == "AgentStateChanged"]
    assert states == ["speaking", "listening", "user_speaking", "thinking", "speaking", "listening"]
    assert [m["role"] for m in c.session.history] == ["assistant", "user", "assistant"]


@tool
async def _end_call(ctx: ToolContext, reason: str = "") -> str:
    """End the call after saying goodbye."""
    # async: a plain function runs in a thread, which the virtual clock does not wait for (on
    # a loaded machine the tool filler's 0.3 s grace ran out first and "One moment." played)
    ctx.end_call(reason)
    return "the call ends after your goodbye"


async def test_end_call_ends_the_session_after_the_goodbye_is_heard() -> None:
    def script(req: ChatRequest) -> list[Any]:
        if req.messages[-1]["role"] == "tool":
            return words("Goodbye, have a lovely day.")
        return [call("_end_call", reason="caller said bye")]

    c = Call(Agent("Front desk.", tools=[_end_call]), script)
    await c.run([(0.5, "thanks bye")], end_s=30.0)
    [ended] = c.of(CallEnded)
    assert ended.reason == "agent_ended" and ended.detail == "caller said bye"
    goodbye = c.of(AgentSpeechFinished)[-1]
    # end_call ran at once and the goodbye followed: no filler before it.
    assert goodbye.text == "Goodbye, have a lovely day." and not goodbye.interrupted
    assert goodbye.at_s <= ended.at_s < 10.0  # the caller's line was still open until 30 s
    assert c.output.frames[-1].end_s <= ended.at_s + 1e-9  # every frame of it was played
    assert [e.name for e in c.of(ToolCalled)] == ["_end_call"]
    assert c.of(ToolReturned)[0].ok


async def test_hand_off_is_an_event_for_the_transport() -> None:
    @tool
    def transfer(ctx: ToolContext, department: str) -> str:
        """Transfer the caller to a human."""
        ctx.hand_off(f"human:{department}", "asked for a person")
        return "transferring"

    def script(req: ChatRequest) -> list[Any]:
        if req.messages[-1]["role"] == "tool":
            return words("I am putting you through now.")
        return [call("transfer", department="billing")]

    c = Call(Agent("Front desk.", tools=[transfer]), script)
    threads: list[int] = []
    c.session.on(HandOff, lambda _: threads.append(threading.get_ident()))
    await c.run([(0.5, "a person please")], end_s=6.0)
    # The sync tool ran in a worker thread; its hand-off reached listeners on the loop's thread.
    assert threads == [threading.get_ident()]
    [h] = c.of(HandOff)
    assert (h.target, h.reason) == ("human:billing", "asked for a person")


async def test_a_tool_that_returns_an_agent_hands_the_call_over() -> None:
    @tool
    def lookup_invoice(number: str) -> str:
        """Find an invoice."""
        return f"invoice {number}: 120 dollars"

    billing = Agent("You are billing. Be exact.", tools=[lookup_invoice], name="billing")

    @tool
    def to_billing() -> Agent:
        """Send the caller to billing."""
        return billing

    def script(req: ChatRequest) -> list[Any]:
        if req.messages[0]["content"].startswith("You are billing"):
            return words("Billing here, how can I help?")
        return [call("to_billing")]

    c = Call(Agent("Front desk.", tools=[to_billing]), script)
    await c.run([(0.5, "my bill please")], end_s=6.0)
    assert [e.name for e in c.of(AgentChanged)] == ["billing"]
    assert c.of(ToolReturned)[0].content == "Transferred to billing."
    # The very next round already ran as billing: its prompt and its tools.
    after = c.llm.requests[-1]
    assert after.messages[0] == {"role": "system", "content": "You are billing. Be exact."}
    assert [t["function"]["name"] for t in after.tools] == ["lookup_invoice"]
    assert c.session.agent is billing
    # Billing answers the caller's line as if asked directly: the hand-over is not shown to it.
    assert after.messages[-1] == {"role": "user", "content": "my bill please"}


async def test_say_interrupt_and_end_from_outside() -> None:
    c = Call(Agent("Front desk."), hello)
    long = "Our hotel has three kinds of rooms. The single room is the cheapest one."
    c.tts.ms_per_char = 20.0  # ~1.4 s per sentence
    await c.run(
        [],
        end_s=20.0,
        at=[
            (1.0, lambda: c.session.say(long)),
            (1.9, c.session.interrupt),
            (3.0, lambda: c.session.end("operator")),
        ],
    )
    [said] = c.of(AgentSpeechFinished)
    assert said.interrupted and long.startswith(said.text) and 0 < len(said.text) < len(long)
    assert said.played_s == pytest.approx(0.9, abs=FRAME_S + 1e-9)
    assert c.session.history == [{"role": "assistant", "content": said.text}]
    [ended] = c.of(CallEnded)
    assert (ended.reason, ended.detail) == ("ended", "operator")
    assert ended.at_s == pytest.approx(3.0 + FRAME_S, abs=FRAME_S)  # not at the input's end


async def test_generate_reply_and_update_instructions() -> None:
    def script(req: ChatRequest) -> list[Any]:
        if req.messages[-1]["role"] == "system" and len(req.messages) > 1:
            return words("Hi, this is the front desk calling back.")
        return words(f"You said {last_user(req)}.")

    c = Call(Agent("Front desk."), script)
    await c.run(
        [(3.0, "hello")],
        end_s=7.0,
        at=[
            (0.5, lambda: c.session.generate_reply(instructions="Call the guest back.")),
            (2.5, lambda: c.session.update_instructions("Front desk, night shift.")),
        ],
    )
    first, second = c.llm.requests
    assert first.messages[-1] == {"role": "system", "content": "Call the guest back."}
    assert second.messages[0] == {"role": "system", "content": "Front desk, night shift."}
    # The agent-initiated reply is in the history (no user line, no instruction), not a turn.
    assert c.session.history[0] == {
        "role": "assistant",
        "content": "Hi, this is the front desk calling back.",
    }
    assert [t.user_text for t in c.session.turns] == ["hello"]


async def test_a_tool_speaks_through_its_context_and_blocking_tools_keep_frames_flowing() -> None:
    c: Call

    @tool
    def slow_search(ctx: ToolContext, query: str) -> str:
        """Search the archive (slow)."""
        asyncio.run_coroutine_threadsafe(ctx.say("Still looking."), loop).result(5)
        start = c.frames_seen
        deadline = time.monotonic() + 5.0
        while c.frames_seen < start + 10 and time.monotonic() < deadline:
            threading.Event().wait(0.001)
        return "served" if c.frames_seen >= start + 10 else "the loop was blocked"

    def script(req: ChatRequest) -> list[Any]:
        if req.messages[-1]["role"] == "tool":
            return words(f"Result: {req.messages[-1]['content']}.")
        return [call("slow_search", query="old booking")]

    loop = asyncio.get_running_loop()
    c = Call(Agent("Archive.", tools=[slow_search]), script)
    await c.run([(0.5, "find my old booking")], end_s=12.0)
    assert c.of(ToolReturned)[0].content == "served"
    heard = c.of(AgentSpeechFinished)[-1].text
    # The tool spoke at once, so no filler came before its words.
    assert heard == "Still looking. Result: served."


class FrameFedTranscriber:
    """A streaming-style transcriber: sees every caller frame, answers from what it was fed."""

    def __init__(self, book: Codebook, clock: VirtualClock) -> None:
        self.book, self.clock = book, clock
        self.fed: list[AudioFrame] = []
        self.vad_events, self.closed = 0, False

    def feed(self, frame: AudioFrame) -> None:
        self.fed.append(frame)

    def on_vad(self, event: object) -> None:
        self.vad_events += 1

    async def aclose(self) -> None:
        self.closed = True

    async def final_text(self, audio16k: Any) -> tuple[str, float]:
        heard = np.concatenate([f.pcm for f in self.fed])
        return self.book.decode(heard), self.clock.now()


async def test_a_streaming_transcriber_slots_in_as_the_stt() -> None:
    c = Call(Agent("Front desk."), hello)
    streaming = FrameFedTranscriber(c.book, c.clock)
    c.session = AgentSession(
        Agent("Front desk."),
        stt=streaming,
        tts=c.tts,
        llm=c.llm,
        vad=EnergyVAD(),
        turns=FixedHold(),
        clock=c.clock,
        options=c.session.options,
    )
    await c.run([(0.5, "hello there")], end_s=4.0)
    assert len(streaming.fed) == c.frames_seen  # every caller frame went through it
    assert streaming.vad_events >= 2 and streaming.closed  # started + ended; closed at the end
    assert [t.user_text for t in c.session.turns] == ["hello there"]


def test_half_a_streaming_transcriber_is_refused_up_front() -> None:
    class NoHooks:
        def feed(self, frame: AudioFrame) -> None: ...

        async def final_text(self, audio16k: Any) -> tuple[str, float]:
            return "", 0.0

    with pytest.raises(ConfigError, match="lacks on_vad, aclose"):
        transcriber_for(NoHooks(), VirtualClock().now)  # type: ignore[arg-type]


async def test_an_input_that_fails_mid_call_ends_it_like_a_hang_up() -> None:
    c = Call(Agent("Front desk."), hello)

    async def vanishing() -> AsyncIterator[AudioFrame]:
        async for frame in feed(c.clock, c.book, [(0.5, "hello there")], 10.0):
            if frame.captured_at_s >= 3.0:
                raise AudioFormatError("peer vanished: websocket closed mid-frame")
            yield frame

    await run_until(c.clock, c.session.prepare(), 5)
    await run_until(c.clock, c.session.run(FramesInput(vanishing), c.output), 20)
    [ended] = c.of(CallEnded)
    assert ended.reason == "input_ended" and "peer vanished" in ended.detail
    assert [str(e) for e in c.session.errors] == ["peer vanished: websocket closed mid-frame"]
    assert [t.user_text for t in c.session.turns] == ["hello there"]  # the turn before it stays


async def test_an_output_at_another_rate_is_refused() -> None:
    c = Call(Agent("Front desk."), hello)
    with pytest.raises(ConfigError, match="8000 Hz"):
        await c.session.run(
            FramesInput(lambda: feed(c.clock, c.book, [], 1.0)), PacedOutput(c.clock, 8000)
        )


@pytest.mark.parametrize("release", [True, False])
async def test_closing_a_session_hands_freed_memory_back_unless_asked_not_to(
    release: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import quickturn.agent.agent_session as agent_session

    threads: list[str] = []
    monkeypatch.setattr(agent_session, "release_free_memory",
                        lambda: threads.append(threading.current_thread().name) or True)
    clock = VirtualClock()
    session = AgentSession(Agent("Front desk."), stt=CodeSTT(Codebook(), clock),
                           tts=ToneTTS(clock), llm=ScriptedLLM(clock, hello), vad=EnergyVAD(),
                           turns=FixedHold(), clock=clock,
                           options=StackOptions(release_memory_after_call=release))
    await session.aclose()
    # Off the event loop's thread: a trim of a busy heap takes milliseconds.
    assert len(threads) == int(release)
    assert threading.main_thread().name not in threads
