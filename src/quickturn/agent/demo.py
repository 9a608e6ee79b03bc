"""The demo call: a scripted caller phones the Harbor Light Hotel front desk.

Six caller turns: a booking with a mid-sentence pause, the details, a confirmation, a policy
question, a barge-in that changes a detail, and a goodbye. Everything runs in real time on one
``time.perf_counter`` clock; the run folder gets ``call.wav`` (caller left, agent right),
``metrics.json`` and ``report.html``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from quickturn.agent.agent import Agent, tool_schemas
from quickturn.agent.agent_session import AgentSession
from quickturn.agent.canned import CannedChatClient
from quickturn.agent.events import TurnCompleted
from quickturn.agent.flows import flow_warm_requests
from quickturn.agent.metrics import TurnMetrics
from quickturn.agent.options import SessionStats
from quickturn.agent.report import metrics_payload, write_metrics, write_report
from quickturn.agent.stack import StackOptions, load_embedded_llm, load_stt, load_tts
from quickturn.assets import ModelPaths
from quickturn.audio.frame import PCM16
from quickturn.audio.wav import load_pipeline_audio, write_wav
from quickturn.clock import RealClock
from quickturn.errors import ConfigError, MissingDependencyError
from quickturn.llm.types import ChatClient, ChatRequest, Message
from quickturn.transport.simulated import (
    CallerLine,
    CallOptions,
    PacedOutput,
    SimulatedCaller,
    SpokenLine,
    StereoRecorder,
    synthesize_line,
)

LLMChoice = Literal["auto", "embedded", "canned"]
Progress = Callable[[str], None]

SCRIPT: tuple[CallerLine, ...] = (
    CallerLine(
        (
            "Hi, I'd like to book",
            "a double room for two adults, from March twentieth to the twenty-second.",
        ),
        pause_s=0.8,
    ),
    CallerLine(("My name is Anna Miller, and my phone number is 555 0142.",)),
    CallerLine(("Yes, that's right, please book it.",)),
    CallerLine(("What time is checkout?",)),
    CallerLine(("Sorry, can I check out at one in the afternoon instead?",), barge_in_after_s=1.2),
    CallerLine(("Great, thank you. Goodbye.",)),
)

# Used when no LLM is installed (or --llm canned): the voice pipeline still runs end to end.
CANNED_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("book", "double"), "Sure. A double room from March twentieth to the twenty-second, for two "
     "adults. May I have your name and a phone number, please?"),
    (("name",), "Thank you, Anna. That is a double room for two nights, two hundred ninety-eight "
     "dollars in total. Shall I book it?"),
    (("book it",), "Done. Your confirmation code is H, X, four, K, two, P."),
    (("checkout",), "Checkout is at eleven in the morning. Late checkout until one is available "
     "for a fee of thirty dollars, and until two for fifty dollars."),
    (("one",), "Of course, I have noted a late checkout at one in the afternoon."),
    (("thank",), "You're welcome, Anna. Have a lovely day. Goodbye."),
)


@dataclass(frozen=True)
class DemoOptions:
    out_dir: Path
    stack: StackOptions = field(default_factory=StackOptions)
    llm: LLMChoice = "auto"
    lines: tuple[CallerLine, ...] = SCRIPT
    caller_wavs: tuple[Path, ...] = ()
    """Caller turns from WAV files instead of synthesised lines (any rate/channels)."""
    json_path: Path | None = None
    call: CallOptions = field(default_factory=CallOptions)
    flows: bool = False
    """The front desk organised as flows (domains/hotel/flows.py) instead of one 40-tool prompt."""

    def __post_init__(self) -> None:
        if self.llm not in ("auto", "embedded", "canned"):
            raise ConfigError(f"--llm must be auto, embedded or canned, got {self.llm!r}")
        if not self.lines and not self.caller_wavs:
            raise ConfigError("the demo needs at least one caller line")
        if self.call.sample_rate_hz != self.stack.sample_rate_hz:
            raise ConfigError("the call and the stack must share one sample rate")


@dataclass(frozen=True)
class DemoResult:
    out_dir: Path
    turns: list[TurnMetrics]
    stats: SessionStats
    history: list[Message]
    payload: dict[str, Any]
    llm: str
    bookings: list[dict[str, Any]] = field(default_factory=list)
    """Bookings the call wrote into the demo's database (empty: the agent did not book)."""


async def _load_llm(
    choice: LLMChoice,
    paths: ModelPaths,
    warm_request: ChatRequest,
    progress: Progress,
    flows: list[ChatRequest] | None = None,
) -> tuple[ChatClient, str]:
    if choice != "canned":
        try:
            client = await load_embedded_llm(paths, warm_request, progress, flows or ())
        except MissingDependencyError:
            if choice == "embedded":
                raise
        else:
            return client, getattr(client, "model_name", "embedded")
    progress("LLM: canned replies (install quickturn[llm] for the real model)")
    return CannedChatClient(CANNED_RULES), "canned"


def read_caller_wavs(options: DemoOptions) -> list[tuple[CallerLine, PCM16]]:
    """The caller turns from ``--caller-wav`` files; a bad file fails here, before any model
    loads. Any rate and channel count: load_pipeline_audio mixes down and resamples."""
    rate = options.call.sample_rate_hz
    return [
        (CallerLine((path.stem,)), load_pipeline_audio(path, rate))
        for path in options.caller_wavs
    ]


async def load_caller_lines(
    options: DemoOptions,
    tts: Any,
    progress: Progress,
    from_wavs: list[tuple[CallerLine, PCM16]] | None = None,
) -> list[tuple[CallerLine, PCM16]]:
    if options.caller_wavs:
        return from_wavs if from_wavs is not None else read_caller_wavs(options)
    progress(f"synthesising {len(options.lines)} caller lines")
    rate = options.call.sample_rate_hz
    return [(line, await synthesize_line(tts, line, rate)) for line in options.lines]


async def run_demo(
    options: DemoOptions,
    paths: ModelPaths,
    progress: Progress = lambda _: None,
    on_turn: Callable[[TurnMetrics], None] | None = None,
    on_line: Callable[[SpokenLine], None] | None = None,
) -> DemoResult:
    from quickturn.domains.hotel import HotelAgent

    t_start = time.perf_counter()
    wav_lines = read_caller_wavs(options)
    hotel = HotelAgent()
    seed = hotel.build_seed_database(paths.cache_dir / "hotel" / "seed.sqlite")
    conn = hotel.new_conversation_db(seed)
    seeded = {row[0] for row in conn.execute("SELECT code FROM bookings")}
    if options.flows:
        from quickturn.domains.hotel.flows import hotel_flows

        agent = hotel_flows(conn, hotel.policies)
    else:
        agent = Agent(
            instructions=hotel.system_prompt,
            tools=hotel.tools(conn),
            greeting=hotel.greeting,
            name="front-desk",
        )
    progress(f"STT: loading faster-whisper {options.stack.stt_model}")
    stt = await load_stt(options.stack, paths)
    progress(f"TTS: loading {options.stack.tts}")
    tts = await load_tts(options.stack, paths)
    warm = ChatRequest(messages=[{"role": "system", "content": agent.instructions}],
                       tools=tool_schemas(agent))
    flows = flow_warm_requests(agent) if options.flows else []
    llm, llm_name = await _load_llm(options.llm, paths, warm, progress, flows)
    clock = RealClock()
    session = AgentSession(
        agent, stt=stt, tts=tts, llm=llm, options=options.stack, paths=paths, clock=clock,
        conversation_id="demo",
    )
    if on_turn is not None:
        session.on(TurnCompleted, lambda ev: on_turn(ev.metrics))
    recorder = StereoRecorder(options.call.sample_rate_hz, start_s=clock.now())
    output = PacedOutput(clock, options.call.sample_rate_hz, on_frame=recorder.agent)
    try:
        await session.prepare(progress)
        lines = await load_caller_lines(options, tts, progress, wav_lines)
        # The first inference of each engine pays one-off set-up costs; not the caller's problem.
        await stt.transcribe(np.zeros(options.call.sample_rate_hz, np.int16))
        caller = SimulatedCaller(lines, clock, recorder, options.call, on_line=on_line)
        progress(f"ready after {time.perf_counter() - t_start:.1f} s; the call starts")
        recorder.start_s = clock.now()
        await session.run(caller.input(session), output)
    finally:
        await output.aclose()
        with contextlib.suppress(Exception):
            await llm.aclose()
        await stt.aclose()
        await tts.aclose()
        bookings = _new_bookings(conn, seeded)
        conn.close()
    out = options.out_dir
    out.mkdir(parents=True, exist_ok=True)
    write_wav(out / "call.wav", recorder.stereo(), recorder.sample_rate_hz)
    meta = {
        "llm": llm_name,
        "stt": options.stack.stt_model,
        "tts": options.stack.tts,
        "patience_ms": options.stack.patience_ms,
        "preemptive": options.stack.session.preemptive,
        "turn_lock": options.stack.session.turn_lock,
        "caller_timeouts": caller.timeouts,
        "stats": asdict(session.stats()),
        "errors": [str(e) for e in session.errors],
        "bookings": bookings,
    }
    payload = metrics_payload(session.turns, meta)
    write_metrics(out / "metrics.json", payload)
    if options.json_path is not None:
        write_metrics(options.json_path, payload)
    write_report(out / "report.html", payload, session.turns)
    return DemoResult(
        out, session.turns, session.stats(), session.history, payload, llm_name, bookings
    )


def _new_bookings(conn: Any, seeded: set[str]) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT b.code, g.name AS guest, b.room_type, b.check_in, b.check_out, b.adults, "
        "b.status FROM bookings b JOIN guests g ON g.id = b.guest_id ORDER BY b.code"
    ).fetchall()
    return [dict(r) for r in rows if r["code"] not in seeded]


def default_out_dir(root: Path = Path("runs")) -> Path:
    return root / time.strftime("demo-%Y%m%d-%H%M%S")

