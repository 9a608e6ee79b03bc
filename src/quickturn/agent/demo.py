"""The demo call: a scripted caller phones the Harbor Light Hotel front desk.

Six caller turns: a booking with a mid-sentence pause, the details, a confirmation, a policy
question, a barge-in that changes a detail, and a goodbye. Everything runs in real time on one
``time.perf_counter`` clock; the run folder gets ``call.wav`` (caller left, agent right),
``metrics.json`` and ``report.html``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from quickturn.agent.metrics import TurnMetrics
from quickturn.agent.options import SessionStats
from quickturn.agent.report import write_metrics
from quickturn.agent.simulate import Line, choose_llm, simulate_call
from quickturn.agent.stack import StackOptions
from quickturn.assets import ModelPaths
from quickturn.audio.frame import PCM16
from quickturn.audio.wav import load_pipeline_audio
from quickturn.errors import ConfigError
from quickturn.llm.types import Message
from quickturn.transport.simulated import (
    CallerLine,
    CallOptions,
    SpokenLine,
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
    flows: bool | None = None
    """The front desk organised as flows (domains/hotel/flows.py) instead of one 40-tool prompt.
    None: flows for a model, the single prompt for canned replies (their rules call its tools).
    Measured with the 0.5B: the single prompt booked nothing (it echoed the caller); flows with
    a router booked."""

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


def read_caller_wavs(options: DemoOptions) -> list[tuple[CallerLine, PCM16]]:
    """The caller turns from ``--caller-wav`` files; a bad file fails here, before any model
    loads. Any rate and channel count: load_pipeline_audio mixes down and resamples."""
    rate = options.call.sample_rate_hz
    return [
        (CallerLine((path.stem,)), load_pipeline_audio(path, rate))
        for path in options.caller_wavs
    ]


async def run_demo(
    options: DemoOptions,
    paths: ModelPaths,
    progress: Progress = lambda _: None,
    on_turn: Callable[[TurnMetrics], None] | None = None,
    on_line: Callable[[SpokenLine], None] | None = None,
) -> DemoResult:
    from quickturn.domains.hotel import HotelAgent

    wav_lines = read_caller_wavs(options)  # a bad file fails here, before any model loads
    hotel = HotelAgent()
    seed = hotel.build_seed_database(paths.cache_dir / "hotel" / "seed.sqlite")
    conn = hotel.new_conversation_db(seed)
    seeded = {row[0] for row in conn.execute("SELECT code FROM bookings")}
    flows = options.flows if options.flows is not None else options.llm != "canned"
    if flows:
        from quickturn.domains.hotel.flows import hotel_flows

        agent = hotel_flows(conn, hotel.policies)
    else:
        agent = hotel.agent(conn)  # the front desk's @tool functions, bound to this call's DB
    try:
        llm, llm_name = await choose_llm(options.llm, agent, paths, CANNED_RULES, progress)
        result = await simulate_call(
            agent,
            wav_lines or list[Line](options.lines),
            llm=llm,
            stack=options.stack,
            call=options.call,
            paths=paths,
            out_dir=options.out_dir,
            meta={"llm": llm_name},
            conversation_id="demo",
            progress=progress,
            on_turn=on_turn,
            on_line=on_line,
        )
        bookings = _new_bookings(conn, seeded)
    finally:
        conn.close()
    result.payload.setdefault("meta", {})["bookings"] = bookings
    write_metrics(options.out_dir / "metrics.json", result.payload)
    if options.json_path is not None:
        write_metrics(options.json_path, result.payload)
    s = result.session
    return DemoResult(
        options.out_dir, s.turns, s.stats(), s.history, result.payload, llm_name, bookings
    )


def _new_bookings(conn: Any, seeded: set[str]) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT b.code, g.name AS guest, b.room_type, b.check_in, b.check_out, b.adults, "
        "b.status, b.late_checkout_time FROM bookings b JOIN guests g ON g.id = b.guest_id "
        "ORDER BY b.code"
    ).fetchall()
    return [dict(r) for r in rows if r["code"] not in seeded]


def default_out_dir(root: Path = Path("runs")) -> Path:
    return root / time.strftime("demo-%Y%m%d-%H%M%S")

