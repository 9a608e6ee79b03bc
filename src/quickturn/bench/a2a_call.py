"""One simulated call through the whole local voice pipeline, turned into ``TurnRecord``s.

The parts (STT, the agent's TTS, the Smart Turn end-of-turn model, the callers' voices, the LLM)
load once and are shared by every call of a run, as ``quickturn talk`` shares them; each call
gets its own hotel database, session, recorder and noise gate. Caller
audio is synthesised before the call starts (never on the timed path) and then played in real
time: every latency is what a caller on the line would see, on this machine's CPU.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quickturn.bench.a2a import TurnRecord, record_from_metrics
from quickturn.bench.callers import CANNED_FALLBACK, CANNED_RULES, CallSpec
from quickturn.bench.gate_meter import GateMeter
from quickturn.errors import ConfigError
from quickturn.llm.types import ChatClient, ChatRequest

Progress = Callable[[str], None]


@dataclass
class Pipeline:
    """The loaded parts; close with ``aclose``."""

    stt: Any
    tts: Any
    voices: dict[str, Any]
    llm: ChatClient
    llm_name: str
    hotel: Any
    seed: Any
    owned: list[Any] = field(default_factory=list)
    turns: Any = None
    """The Smart Turn detector every call with ``turn_detector="smart"`` shares (stateless; one
    ONNX session and thread per process, not a model load per call)."""
    flows: bool = False
    """Each call's front desk is the hotel's flows agent (domains/hotel/flows.py), not the
    single 40-tool prompt."""

    def agent(self, conn: Any) -> Any:
        """This call's front desk, bound to its database."""
        return front_desk(self.hotel, conn, self.flows)

    async def aclose(self) -> None:
        await _close_all(self.owned)


async def _close_all(parts: list[Any]) -> None:
    for part in reversed(parts):
        with contextlib.suppress(Exception):
            await part.aclose()


def front_desk(hotel: Any, conn: Any, flows: bool) -> Any:
    """The hotel's agent on ``conn``: its flows, or the single 40-tool prompt."""
    if flows:
        from quickturn.domains.hotel.flows import hotel_flows

        return hotel_flows(conn, hotel.policies)
    from quickturn.agent.agent import Agent

    return Agent(instructions=hotel.system_prompt, tools=hotel.tools(conn),
                 greeting=hotel.greeting, name="front-desk")


async def load_llm(spec: str, agent: Any, paths: Any, progress: Progress) -> ChatClient:
    """The LLM for ``agent`` (an ``Agent``; flows get one warm slot per flow prefix)."""
    if spec == "canned":
        from quickturn.agent.canned import CannedChatClient

        return CannedChatClient(CANNED_RULES, CANNED_FALLBACK)
    if spec == "embedded":
        from quickturn.agent.agent import tool_schemas
        from quickturn.agent.flows import flow_warm_requests
        from quickturn.agent.stack import load_embedded_llm

        warm = ChatRequest(messages=[{"role": "system", "content": agent.instructions}],
                           tools=tool_schemas(agent))
        flows = flow_warm_requests(agent)
        return await load_embedded_llm(paths, warm, progress, flows if len(flows) > 1 else ())
    if spec.startswith(("http://", "https://")):
        from quickturn.llm.openai_compat import OpenAICompatClient

        return OpenAICompatClient(spec, None, None, timeout_s=30.0)
    raise ConfigError(f"--llm {spec!r}: use canned, embedded or an http(s) URL")


async def load_pipeline(
    llm: str, paths: Any, progress: Progress, tts: str = "piper", flows: bool = False
) -> Pipeline:
    """Load STT, the agent's TTS, the callers' voices and the LLM; all closed again if any
    of them fails to load."""
    import numpy as np

    from quickturn.agent.stack import StackOptions, load_stt, load_tts, load_turns
    from quickturn.domains.hotel import HotelAgent
    from quickturn.tts import EspeakTTS

    hotel = HotelAgent()
    seed = hotel.build_seed_database(paths.cache_dir / "hotel" / "seed.sqlite")
    stack = StackOptions(tts="piper" if tts == "piper" else "espeak")
    owned: list[Any] = []
    try:
        progress("STT: loading faster-whisper tiny.en")
        stt = await load_stt(stack, paths)
        owned.append(stt)
        progress(f"TTS: loading {stack.tts}")
        agent_tts = await load_tts(stack, paths)
        owned.append(agent_tts)
        progress("turns: loading Smart Turn")
        turns = await load_turns(StackOptions(turn_detector="smart"), paths)
        owned.append(turns)
        espeak = EspeakTTS()
        # With --tts espeak no Piper is loaded: the "piper" callers speak with espeak too.
        voices = {"piper": agent_tts if stack.tts == "piper" else espeak, "espeak": espeak}
        conn = hotel.new_conversation_db(seed)
        try:
            client = await load_llm(llm, front_desk(hotel, conn, flows), paths, progress)
        finally:
            conn.close()
        owned.append(client)
        # One-off set-up cost of the first inference; not a caller's problem.
        await stt.transcribe(np.zeros(16_000, np.int16))
    except BaseException:
        await _close_all(owned)
        raise
    name = "url" if llm.startswith("http") else llm
    return Pipeline(stt, agent_tts, voices, client, name, hotel, seed, owned, turns, flows)


@dataclass(frozen=True)
class CallResult:
    call: str
    records: list[TurnRecord]
    errors: list[str]
    caller_timeouts: int
    wall_s: float


async def run_call(
    pipe: Pipeline,
    spec: CallSpec,
    stack: Any,
    *,
    on_record: Callable[[TurnRecord], None] = lambda _r: None,
    max_wait_s: float = 30.0,
) -> CallResult:
    """Play ``spec`` against a fresh ``AgentSession`` built from ``stack`` (``StackOptions``).

    The session's own noise gate is switched off and the same gate runs in the lab's
    ``GateMeter`` on the way in instead: the pipeline is unchanged, and the gate's cost is
    measured."""
    from dataclasses import replace

    from quickturn.agent.agent_session import AgentSession
    from quickturn.agent.events import TurnCompleted
    from quickturn.audio.noise_gate import NoiseGate, NoiseGateOptions
    from quickturn.clock import RealClock
    from quickturn.transport.simulated import (
        CallOptions,
        FramesInput,
        PacedOutput,
        SimulatedCaller,
        StereoRecorder,
        synthesize_line,
    )

    rate = stack.sample_rate_hz
    voice = pipe.voices[spec.persona.voice]
    lines = [(line, await synthesize_line(voice, line, rate)) for line in spec.lines]
    conn = pipe.hotel.new_conversation_db(pipe.seed)
    records: list[TurnRecord] = []
    meter = GateMeter(NoiseGate(stack.noise_gate or NoiseGateOptions()))
    started = time.perf_counter()
    clock = RealClock()
    agent = pipe.agent(conn)
    shared_turns = pipe.turns if stack.turn_detector == "smart" else None
    session = AgentSession(agent, stt=pipe.stt, tts=pipe.tts, llm=pipe.llm, turns=shared_turns,
                           options=replace(stack, noise_gate=None), clock=clock,
                           conversation_id=spec.id)

    def on_turn(ev: TurnCompleted) -> None:
        record = record_from_metrics(ev.metrics, call=spec.id, caller=spec.persona.name,
                                     turn_index=len(records), gate_ms=meter.take_mean_ms(),
                                     context_tokens=_context_tokens(agent, stack, session))
        records.append(record)
        on_record(record)

    session.on(TurnCompleted, on_turn)
    recorder = StereoRecorder(rate, start_s=clock.now())
    output = PacedOutput(clock, rate, on_frame=recorder.agent)
    try:
        await session.prepare()
        caller = SimulatedCaller(lines, clock, recorder, CallOptions(max_wait_s=max_wait_s))
        recorder.start_s = clock.now()
        meter.take_mean_ms()
        gated = FramesInput(lambda: meter.frames(caller.frames(session)))
        await session.run(gated, output)
    finally:
        await output.aclose()
        await session.aclose()  # closes only what the session loaded itself: nothing here
        conn.close()
    return CallResult(spec.id, records, [str(e) for e in session.errors], caller.timeouts,
                      time.perf_counter() - started)


def _context_tokens(agent: Any, stack: Any, session: Any) -> int:
    """The conversation part of the model's view after this turn (approx. tokens), rebuilt from
    the session's public history under the same pruning options the session uses."""
    from quickturn.llm.context import ChatContext

    view = ChatContext(agent.instructions, stack.context)
    view.extend(list(session.history))
    return view.token_count()
