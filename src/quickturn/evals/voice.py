"""Voice mode: the simulated caller talks to the agent's whole voice pipeline.

The caller's lines are synthesised (Piper or espeak-ng) and spoken into the session in real time;
the agent hears them through noise gate, VAD, turn detection and STT, answers through the LLM,
tools and TTS, and the caller reacts to the text the agent actually got to say. The result is the
same ``Conversation`` record as text mode, so grading and reports are unchanged; per-turn latency
comes from the voice turn's stamps (LLM rounds, time to first token, reply done) and the A2A
of each turn is in the session's metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from quickturn.agent.agent import Agent
from quickturn.agent.agent_session import AgentSession
from quickturn.agent.metrics import TurnMetrics as VoiceTurn
from quickturn.agent.stack import StackOptions, load_stt, load_tts
from quickturn.assets import ModelPaths
from quickturn.clock import RealClock
from quickturn.evals.callers.base import SimulatedCaller
from quickturn.evals.conversation import ConversationOptions, schema_valid
from quickturn.evals.records import (
    Conversation,
    EndedBy,
    ToolCallRecord,
    TurnMetrics,
    Utterance,
    World,
)
from quickturn.evals.scenarios import Scenario
from quickturn.llm.types import ChatClient
from quickturn.stt import WhisperSTT
from quickturn.tools.types import ToolCall, ToolRegistry, ToolResult
from quickturn.transport.simulated import (
    LISTENING,
    SPEAKING,
    CallerLine,
    CallOptions,
    FramesInput,
    Mouth,
    PacedOutput,
    StereoRecorder,
    answered,
    synthesize_line,
    wait_until,
)
from quickturn.tts.types import TTS


class _RecordingRegistry(ToolRegistry):
    """The world's tools, remembering every call with its turn (for the grader)."""

    def __init__(self, inner: ToolRegistry, turn: list[int]) -> None:
        super().__init__(inner.spec(name) for name in inner.names)
        self._turn = turn
        self.records: list[tuple[ToolCall, ToolResult, int]] = []

    async def execute(self, call: ToolCall) -> ToolResult:
        result = await super().execute(call)
        self.records.append((call, result, self._turn[0]))
        return result


@dataclass(frozen=True)
class VoiceEvalOptions:
    stack: StackOptions = field(default_factory=StackOptions)
    call: CallOptions = field(default_factory=lambda: CallOptions(max_wait_s=120.0))
    gap_s: float = 0.6  # the caller's pause before answering, as a person would


class VoiceDriver:
    """A ``ConversationDriver`` for voice mode. STT and TTS load once and serve every call;
    calls run one at a time (each is real time and the two cores are shared)."""

    def __init__(self, stt: WhisperSTT, tts: TTS, options: VoiceEvalOptions) -> None:
        self._stt = stt
        self._tts = tts
        self._options = options
        self._one_at_a_time = asyncio.Lock()

    @classmethod
    async def create(cls, paths: ModelPaths, options: VoiceEvalOptions) -> VoiceDriver:
        stt = await load_stt(options.stack, paths)
        tts = await load_tts(options.stack, paths)
        return cls(stt, tts, options)

    async def aclose(self) -> None:
        await self._stt.aclose()
        await self._tts.aclose()

    async def __call__(
        self,
        scenario: Scenario,
        caller: SimulatedCaller,
        world: World,
        client: ChatClient,
        options: ConversationOptions,
        *,
        conversation_id: str,
    ) -> Conversation:
        async with self._one_at_a_time:
            return await self._run(caller, world, client, options, conversation_id)

    async def _run(
        self,
        caller: SimulatedCaller,
        world: World,
        client: ChatClient,
        options: ConversationOptions,
        conversation_id: str,
    ) -> Conversation:
        clock = RealClock()
        call_opts = self._options.call
        recorder = StereoRecorder(call_opts.sample_rate_hz, start_s=clock.now())
        turn = [0]
        registry = _RecordingRegistry(world.registry, turn)
        agent = Agent(instructions=world.system_prompt, tools=registry, greeting=world.greeting)
        session = AgentSession(
            agent,
            stt=self._stt,
            tts=self._tts,
            llm=client,
            options=self._options.stack,
            clock=clock,
            conversation_id=conversation_id,
        )
        await session.prepare()
        output = PacedOutput(clock, call_opts.sample_rate_hz, on_frame=recorder.agent)
        mouth = Mouth(clock, recorder, call_opts)
        said: list[str] = []
        ended: list[EndedBy] = ["max_turns"]

        async def speak(text: str) -> None:
            pcm = await synthesize_line(self._tts, CallerLine((text,)), call_opts.sample_rate_hz)
            said.append(text)
            await mouth.say(pcm)

        async def script() -> None:
            poll = call_opts.frame_ms / 1000
            wait = call_opts.max_wait_s
            try:
                await clock.sleep(call_opts.lead_in_s)
                if world.greeting:
                    await wait_until(clock, lambda: session.state == SPEAKING, wait, poll)
                await wait_until(clock, lambda: session.state == LISTENING, wait, poll)
                line: str | None = caller.opening()
                for n in range(options.max_turns):
                    assert line is not None
                    turn[0] = n + 1
                    await speak(line)
                    if not await wait_until(clock, answered(session, n + 1), wait, poll):
                        break  # the agent never answered: the caller gives up
                    await clock.sleep(self._options.gap_s)
                    line = await caller.respond(session.turns[-1].agent_text)
                    if line is None:
                        ended[0] = "caller"
                        break
                await clock.sleep(call_opts.tail_s)
            finally:
                mouth.done = True

        task = asyncio.create_task(script())
        try:
            await session.run(FramesInput(mouth.frames), output)
            await task
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await output.aclose()
        return _conversation(session, registry, said, world, ended[0])


def _conversation(
    session: AgentSession,
    registry: _RecordingRegistry,
    said: list[str],
    world: World,
    ended_by: EndedBy,
) -> Conversation:
    transcript: list[Utterance] = []
    if world.greeting:
        transcript.append(Utterance("agent", world.greeting, 0))
    turns: list[TurnMetrics] = []
    for i, metrics in enumerate(session.turns, 1):
        # What the caller said (the grader's view), then what the agent got to say.
        transcript.append(Utterance("caller", said[i - 1] if i <= len(said) else "", i))
        transcript.append(Utterance("agent", metrics.agent_text, i))
        turns.append(_turn_metrics(i, metrics))
    calls = tuple(
        ToolCallRecord(
            name=call.name,
            arguments=call.arguments,
            ok=result.ok,
            result=result.content,
            repaired=call.repaired,
            schema_valid=schema_valid(registry, call),
            turn=turn,
            asked_caller=result.elicitation is not None,
        )
        for call, result, turn in registry.records
    )
    error = "; ".join(str(e) for e in session.errors) or None
    return Conversation(
        tuple(transcript), calls, tuple(turns), "error" if error else ended_by, error
    )


def _turn_metrics(turn: int, m: VoiceTurn) -> TurnMetrics:
    """The text-mode record from the voice turn's stamps, counted like text mode from the moment
    the model got the line (the reply's first LLM request; before the end-of-turn decision when
    the work started preemptively): the reply complete, the first token (None when the model
    wrote nothing), and the LLM rounds the tool loop really ran."""
    start, done, first = m.llm_started_ms, m.reply_done_ms, m.llm_first_token_ms
    reply_s = 0.0 if start is None or done is None else max(0.0, (done - start) / 1000)
    ttft_s = None if start is None or first is None else (first - start) / 1000
    return TurnMetrics(turn=turn, reply_s=reply_s, ttft_s=ttft_s, rounds=m.rounds)
