"""Run any ``Agent`` on the simulated call: a scripted caller speaks synthesised lines in real
time, the agent answers through the whole voice pipeline, and the run folder gets ``call.wav``
(caller left, agent right), ``metrics.json`` and ``report.html``. The demo and ``examples/`` use it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from quickturn.agent.agent import Agent, tool_schemas
from quickturn.agent.agent_session import AgentSession
from quickturn.agent.canned import CannedChatClient, Rule
from quickturn.agent.events import TurnCompleted
from quickturn.agent.flows import flow_warm_requests
from quickturn.agent.metrics import TurnMetrics, waterfall
from quickturn.agent.report import metrics_payload, write_metrics, write_report
from quickturn.agent.stack import Progress, StackOptions, load_embedded_llm, load_stt, load_tts
from quickturn.assets import ModelPaths, default_cache_dir
from quickturn.audio.frame import PCM16
from quickturn.audio.wav import write_wav
from quickturn.clock import RealClock
from quickturn.errors import ConfigError, MissingDependencyError, QuickturnError
from quickturn.llm.types import ChatClient, ChatRequest
from quickturn.stt.types import STT
from quickturn.transport.simulated import (
    CallerLine,
    CallOptions,
    PacedOutput,
    SimulatedCaller,
    SpokenLine,
    StereoRecorder,
    synthesize_line,
)
from quickturn.tts.types import TTS

LLMChoice = Literal["auto", "embedded", "canned"]
Line = CallerLine | tuple[CallerLine, PCM16]


@dataclass(frozen=True)
class CallResult:
    session: AgentSession
    """The finished session: ``turns``, ``history``, ``event_log``, ``stats()``, ``errors``."""
    caller: SimulatedCaller
    payload: dict[str, Any]
    """What metrics.json holds: every turn, A2A p50/p95, the run's settings."""
    out_dir: Path | None


async def choose_llm(
    choice: LLMChoice | str,
    agent: Agent,
    paths: ModelPaths,
    canned: Sequence[Rule],
    progress: Progress = lambda _: None,
) -> tuple[ChatClient | str, str]:
    """``auto``: the embedded model if installed, else canned rules; a URL: that endpoint."""
    if choice.startswith(("http://", "https://")):
        return choice, choice
    if choice not in ("auto", "embedded", "canned"):
        raise ConfigError(f"--llm must be auto, embedded, canned or a URL, got {choice!r}")
    if choice != "canned":
        warm = ChatRequest(
            messages=[{"role": "system", "content": agent.instructions}],
            tools=tool_schemas(agent),
        )
        try:
            # An agent organised as flows: every flow's prefix gets a warm slot of its own.
            flows = flow_warm_requests(agent)
            client = await load_embedded_llm(
                paths, warm, progress, flows if len(flows) > 1 else ()
            )
        except MissingDependencyError:
            if choice == "embedded":
                raise
        else:
            return client, str(getattr(client, "model_name", "embedded"))
    progress("LLM: canned replies (install quickturn[llm] for the real model)")
    return CannedChatClient(canned), "canned"


async def simulate_call(
    agent: Agent,
    lines: Sequence[Line],
    *,
    llm: ChatClient | str | None = None,
    stack: StackOptions | None = None,
    call: CallOptions | None = None,
    paths: ModelPaths | None = None,
    userdata: Any = None,
    stt: STT | None = None,
    tts: TTS | None = None,
    out_dir: Path | None = None,
    meta: dict[str, Any] | None = None,
    conversation_id: str | None = None,
    progress: Progress = lambda _: None,
    on_turn: Callable[[TurnMetrics], None] | None = None,
    on_line: Callable[[SpokenLine], None] | None = None,
) -> CallResult:
    """One call of ``agent`` with a caller who says ``lines`` (synthesised with the agent's TTS
    unless given as audio). Engines not given are loaded here and closed at the end."""
    stack = stack or StackOptions()
    call = call or CallOptions(sample_rate_hz=stack.sample_rate_hz)
    if call.sample_rate_hz != stack.sample_rate_hz:
        raise ConfigError("the call and the stack must share one sample rate")
    if not lines:
        raise ConfigError("a simulated call needs at least one caller line")
    paths = paths or ModelPaths(default_cache_dir())
    t_start = time.perf_counter()
    owned: list[STT | TTS] = []
    if stt is None:
        progress(f"STT: loading faster-whisper {stack.stt_model}")
        stt = await load_stt(stack, paths)
        owned.append(stt)
    if tts is None:
        progress(f"TTS: loading {stack.tts}")
        tts = await load_tts(stack, paths)
        owned.append(tts)
    clock = RealClock()
    session = AgentSession(
        agent, stt=stt, tts=tts, llm=llm, options=stack, paths=paths, clock=clock,
        userdata=userdata, conversation_id=conversation_id,
    )
    if on_turn is not None:
        session.on(TurnCompleted, lambda ev: on_turn(ev.metrics))
    rate = call.sample_rate_hz
    recorder = StereoRecorder(rate, start_s=clock.now())
    output = PacedOutput(clock, rate, on_frame=recorder.agent)
    try:
        await session.prepare(progress)
        progress(f"synthesising {len(lines)} caller lines")
        spoken = [
            line if isinstance(line, tuple) else (line, await synthesize_line(tts, line, rate))
            for line in lines
        ]
        # The first inference of each engine pays one-off set-up costs; not the caller's problem.
        await stt.transcribe(np.zeros(rate, np.int16))
        caller = SimulatedCaller(spoken, clock, recorder, call, on_line=on_line)
        progress(f"ready after {time.perf_counter() - t_start:.1f} s; the call starts")
        recorder.start_s = clock.now()
        await session.run(caller.input(session), output)
    finally:
        await output.aclose()
        await session.aclose()
        for engine in owned:
            await engine.aclose()
    payload = metrics_payload(session.turns, {
        **(meta or {}),
        "agent": agent.name,
        "stt": stack.stt_model,
        "tts": stack.tts,
        "patience_ms": stack.patience_ms,
        "preemptive": stack.session.preemptive,
        "turn_lock": stack.session.turn_lock,
        "caller_timeouts": caller.timeouts,
        "stats": asdict(session.stats()),
        "errors": [str(e) for e in session.errors],
    })
    if out_dir is not None:
        _write_run(out_dir, recorder, payload, session.turns)
    return CallResult(session, caller, payload, out_dir)


def _write_run(
    out_dir: Path, recorder: StereoRecorder, payload: dict[str, Any], turns: list[TurnMetrics]
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    write_wav(out_dir / "call.wav", recorder.stereo(), recorder.sample_rate_hz)
    write_metrics(out_dir / "metrics.json", payload)
    write_report(out_dir / "report.html", payload, turns)


# -- running an example from the command line -------------------------------------------------
def run_example(
    agent: Agent,
    lines: Sequence[CallerLine],
    canned: Sequence[Rule],
    userdata: Callable[[], Any] = lambda: None,
    argv: Sequence[str] | None = None,
) -> int:
    """``python examples/<name>/agent.py [--llm auto|embedded|canned|URL] [--out DIR]``."""
    parser = argparse.ArgumentParser(description=f"{agent.name} on a simulated phone call")
    parser.add_argument("--llm", default="auto",
                        help="auto (embedded if installed, else canned), embedded, canned, or URL")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"run folder (default runs/{agent.name}-<time>)")
    args = parser.parse_args(argv)
    out = args.out or Path("runs") / time.strftime(f"{agent.name}-%Y%m%d-%H%M%S")

    async def main() -> CallResult:
        paths = ModelPaths(default_cache_dir())
        llm, name = await choose_llm(args.llm, agent, paths, canned, print_progress)
        return await simulate_call(
            agent, lines, llm=llm, paths=paths, userdata=userdata(), out_dir=out,
            meta={"llm": name}, progress=print_progress, on_turn=print_turn,
            on_line=print_line,
        )

    try:
        result = asyncio.run(main())
    except QuickturnError as exc:
        print(f"{agent.name}: {exc}")
        return 2
    print_summary(result.payload, len(result.session.turns))
    print(f"wrote {out}/call.wav, metrics.json, report.html")
    return 0


def print_progress(message: str) -> None:
    print(f"[call] {message}", flush=True)


def print_line(line: SpokenLine) -> None:
    extra = " (barge-in)" if line.line.barge_in_after_s is not None else ""
    print(f"\ncaller says{extra}: {line.line.text}", flush=True)


def print_turn(m: TurnMetrics) -> None:
    print(f"  heard:  {m.user_text!r}")
    flags = [f for f, on in (("interrupted", m.interrupted), ("filler", bool(m.filler))) if on]
    tools = f" [tools: {', '.join(m.tool_calls)}]" if m.tool_calls else ""
    print(f"  agent:  {m.agent_text!r}{tools} {' '.join(flags)}")
    print("  " + waterfall(m).replace("\n", "\n  "), flush=True)


def print_summary(payload: dict[str, Any], turns: int) -> None:
    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v:.0f} ms"

    llm = payload.get("meta", {}).get("llm", "?")
    print()
    print(f"{turns} turns, LLM {llm}; A2A p50 {ms(payload['a2a_p50_ms'])}, "
          f"p95 {ms(payload['a2a_p95_ms'])}; the answer itself (after any filler) "
          f"p50 {ms(payload['reply_p50_ms'])}, p95 {ms(payload['reply_p95_ms'])}")
    with contextlib.suppress(KeyError):
        print(f"stats: {payload['meta']['stats']}")
