"""`quickturn eval`: run hotel scenarios against an agent and write a run folder.

Environment variables are read here only: QUICKTURN_API_KEY (agent endpoint key, when
--api-key is not given) and QUICKTURN_SIM_API_KEY (simulated caller / judge endpoint key).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from quickturn.domains.hotel.flows import HOTEL_GUARDS
from quickturn.errors import ConfigError, MissingDependencyError
from quickturn.evals.callers.base import SimulatedCaller
from quickturn.evals.callers.llm import EndpointConfig, LLMCaller
from quickturn.evals.callers.offline import OfflineCaller, OfflineCallerOptions
from quickturn.evals.conversation import (
    ConversationDriver,
    ConversationOptions,
    run_text_conversation,
)
from quickturn.evals.judge import LLMJudge
from quickturn.evals.metrics import summarize
from quickturn.evals.records import TrialResult
from quickturn.evals.report import to_json, trial_json, write_run
from quickturn.evals.runner import RunOptions, run_eval
from quickturn.evals.scenarios import Scenario, load_scenarios, select
from quickturn.llm.tool_loop import ToolLoopOptions
from quickturn.llm.types import ChatClient, ChatRequest

if TYPE_CHECKING:
    from quickturn.evals.voice import VoiceDriver


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "eval",
        help="run simulated hotel calls against an agent and grade them",
        description=__doc__.splitlines()[0],
    )
    p.add_argument(
        "--agent-endpoint",
        metavar="URL",
        help="OpenAI-compatible base URL (…/v1); default: the embedded model",
    )
    p.add_argument("--api-key", metavar="KEY", help="agent endpoint key (or QUICKTURN_API_KEY)")
    p.add_argument("--model", metavar="NAME", help="model name sent to the agent endpoint")
    p.add_argument(
        "--gguf", metavar="NAME|PATH",
        help="the embedded engine's model: a bundled one (qwen2.5-coder-0.5b, the default; "
             "qwen2.5-coder-1.5b with the model-1-5b extra) or a GGUF file",
    )
    p.add_argument(
        "--sim",
        default="offline",
        metavar="offline|URL",
        help="simulated caller: offline rules (default) or an OpenAI-compatible URL",
    )
    p.add_argument("--sim-model", metavar="NAME", help="model of the --sim endpoint")
    p.add_argument(
        "--judge",
        metavar="URL",
        help="LLM judge endpoint for free-text expectations (default: --sim URL, if any)",
    )
    p.add_argument("--judge-model", metavar="NAME", help="judge model (default: --sim-model)")
    p.add_argument(
        "--scenarios",
        default="all",
        metavar="TAG|ID|all",
        help="comma-separated tags, ids or 'all' (default all)",
    )
    p.add_argument(
        "--scenario-dir",
        type=Path,
        metavar="DIR",
        help="load scenarios from here instead of the bundled hotel scenarios",
    )
    p.add_argument(
        "--trials", type=int, default=1, metavar="K", help="trials per scenario (pass^k)"
    )
    p.add_argument("--concurrency", type=int, default=1, metavar="N", help="calls at once")
    p.add_argument("--mode", choices=("text", "voice"), default="text")
    p.add_argument("--flows", action="store_true",
                   help="the front desk as flows (a router and small tasks, as the demo runs "
                        "it) instead of the single 40-tool prompt (text mode)")
    p.add_argument(
        "--stt", choices=("tiny.en", "base"), default="tiny.en", help="voice mode's STT model"
    )
    p.add_argument("--max-turns", type=int, default=12, metavar="N", help="agent replies per call")
    p.add_argument(
        "--deadline-s", type=float, default=6.0, metavar="S",
        help="hard deadline per reply, as a voice call has it (0: none)",
    )
    p.add_argument("--json", type=Path, metavar="PATH", help="also write results.json here")
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="run folder (default runs/eval-<UTC timestamp>)"
    )
    p.set_defaults(func=main)


def _journal(path: Path) -> Callable[[TrialResult], None]:
    """Append each finished call to ``trials.jsonl`` as it ends: a run that is killed (time
    limit, Ctrl-C) still leaves every call it finished on disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")

    def append(result: TrialResult) -> None:
        line = {"scenario": result.scenario_id, **trial_json(result)}
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")

    return append


def _progress_line(stream: TextIO) -> Callable[[int, int, TrialResult], None]:
    start = time.perf_counter()
    passed = 0

    def show(done: int, total: int, result: TrialResult) -> None:
        nonlocal passed
        passed += result.passed
        width = 30
        filled = int(width * done / total)
        bar = "#" * filled + "." * (width - filled)
        elapsed = time.perf_counter() - start
        stream.write(
            f"\r[{bar}] {done}/{total} pass {passed} fail {done - passed} "
            f"{elapsed:5.0f}s {result.scenario_id[:30]:<30}"
        )
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


async def _voice_driver(stt_model: str) -> VoiceDriver:
    from quickturn.agent.stack import StackOptions
    from quickturn.assets import ModelPaths, default_cache_dir
    from quickturn.evals.voice import VoiceDriver, VoiceEvalOptions

    print(f"voice mode: loading STT ({stt_model}) and TTS", file=sys.stderr)
    options = VoiceEvalOptions(stack=StackOptions(stt_model=stt_model))
    return await VoiceDriver.create(ModelPaths(default_cache_dir()), options)


def _caller_factory(
    args: argparse.Namespace, max_turns: int
) -> Callable[[Scenario], SimulatedCaller]:
    if args.sim == "offline":
        options = OfflineCallerOptions(max_turns=max_turns + 1)
        return lambda s: OfflineCaller(s, options)
    if not args.sim_model:
        raise ConfigError("--sim URL needs --sim-model NAME")
    endpoint = EndpointConfig(
        args.sim, args.sim_model, os.environ.get("QUICKTURN_SIM_API_KEY") or "none"
    )
    client = endpoint.client()  # one pool for every simulated caller
    return lambda s: LLMCaller(s, client, endpoint.model, max_turns=max_turns + 1)


def _judge(args: argparse.Namespace) -> LLMJudge | None:
    url = args.judge or (args.sim if args.sim != "offline" else None)
    if url is None:
        return None
    model = args.judge_model or args.sim_model
    if not model:
        raise ConfigError("--judge needs --judge-model (or --sim-model)")
    endpoint = EndpointConfig(url, model, os.environ.get("QUICKTURN_SIM_API_KEY") or "none")
    return LLMJudge(endpoint.client(), endpoint.model)


async def _agent_client(
    args: argparse.Namespace, warm: ChatRequest, flows: list[ChatRequest]
) -> ChatClient:
    if args.agent_endpoint:
        from quickturn.llm.openai_compat import OpenAICompatClient

        key = args.api_key or os.environ.get("QUICKTURN_API_KEY")
        return OpenAICompatClient(args.agent_endpoint, key, args.model)
    try:
        from quickturn.assets import ModelPaths, default_cache_dir
        from quickturn.llm.embedded_client import EmbeddedChatClient, EmbeddedOptions
    except ImportError as exc:
        raise MissingDependencyError("embedded engine", "install quickturn[llm]") from exc

    def report(stage: str, fraction: float) -> None:
        print(f"\rembedded model: {stage} {fraction:4.0%}", end="", file=sys.stderr, flush=True)

    paths = ModelPaths(default_cache_dir())
    # Joining a bundled model's parts is a one-time file copy: off the event loop.
    model_path = await asyncio.to_thread(paths.gguf, args.gguf) if args.gguf else None
    if flows:
        # One slot per flow agent, each with its prefix warm (as the demo does).
        client = await EmbeddedChatClient.create(
            EmbeddedOptions(slots=len(flows), n_ctx=4096, model_path=model_path), paths, report
        )
        await client.warm_each(flows, report)
        print(file=sys.stderr)
        return client
    client = await EmbeddedChatClient.create(
        EmbeddedOptions(slots=args.concurrency, model_path=model_path), paths, report
    )
    # The system prompt + tools prefix is prefilled (or loaded from disk) once, before the clock
    # of the first call starts; otherwise call one's first turn would measure a cold prefill.
    await client.warm(warm, report)
    print(file=sys.stderr)
    return client


async def run(args: argparse.Namespace) -> int:
    from quickturn.evals.hotel import HotelDomain, scenarios_dir

    if args.trials < 1 or args.concurrency < 1 or args.max_turns < 1:
        raise ConfigError("--trials, --concurrency and --max-turns must be >= 1")
    scenarios = select(load_scenarios([args.scenario_dir or scenarios_dir()]), args.scenarios)
    make_caller = _caller_factory(args, args.max_turns)
    judge = _judge(args)
    if args.flows and args.mode == "voice":
        raise ConfigError("--flows runs in text mode only")
    if args.flows and args.concurrency > 1 and not args.agent_endpoint:
        raise ConfigError("--flows with the embedded model runs one call at a time")
    domain = HotelDomain(flows=args.flows)
    world = domain.new_world()
    warm = ChatRequest(
        messages=[{"role": "system", "content": world.system_prompt}],
        tools=world.registry.schemas(),
    )
    world.close()
    out = args.out or Path("runs") / f"eval-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    flows = domain.flow_warm_requests()
    client = await _agent_client(args, warm, flows)
    voice = await _voice_driver(args.stt) if args.mode == "voice" else None
    driver: ConversationDriver = voice if voice is not None else run_text_conversation
    options = RunOptions(
        trials=args.trials,
        concurrency=args.concurrency,
        conversation=ConversationOptions(
            max_turns=args.max_turns,
            tool_loop=ToolLoopOptions(deadline_s=args.deadline_s or None, guards=HOTEL_GUARDS),
        ),
    )
    started = datetime.now(UTC)
    show, journal = _progress_line(sys.stderr), _journal(out / "trials.jsonl")

    def progress(done: int, total: int, result: TrialResult) -> None:
        journal(result)
        show(done, total, result)

    try:
        print(f"running {len(scenarios)} scenario(s) x {args.trials} trial(s)", file=sys.stderr)
        result = await run_eval(
            scenarios,
            domain,
            client,
            make_caller,
            options,
            driver=driver,
            judge=judge,
            progress=progress,
        )
    finally:
        await client.aclose()
        if voice is not None:
            await voice.aclose()
        domain.close()
    summary = summarize(result, {s.id: s.tags for s in scenarios})
    report = to_json(result, scenarios, summary)
    report["meta"] = {
        "started": started.isoformat(),
        "agent": args.agent_endpoint or "embedded",
        "model": args.model if args.agent_endpoint else (args.gguf or "qwen2.5-coder-0.5b"),
        "sim": args.sim,
        "mode": args.mode,
        "scenarios": args.scenarios,
        "max_turns": args.max_turns,
        "judge": bool(judge),
    }
    write_run(out, report, args.json)
    print(
        f"task completion {summary.task_completion:.3f}  pass^{summary.trials} "
        f"{summary.pass_hat_k:.3f}  schema-valid {summary.schema_valid_rate} "
        f"({summary.schema_valid_run_rate} of the calls not stopped to ask the caller)  "
        f"turns/call {summary.turns_per_call_mean:.1f}  deadline {summary.deadline_turns} "
        f"elicitation {summary.elicitation_turns} (turns)\nreport: {out / 'report.html'}",
        file=sys.stderr,
    )
    return 0


def main(args: argparse.Namespace) -> int:
    return asyncio.run(run(args))
