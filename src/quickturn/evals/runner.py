"""Run scenarios x trials with bounded concurrency; grade each call on its own database copy."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from quickturn.errors import ConfigError, QuickturnError
from quickturn.evals.callers.base import SimulatedCaller
from quickturn.evals.conversation import (
    ConversationDriver,
    ConversationOptions,
    run_text_conversation,
)
from quickturn.evals.grader import grade
from quickturn.evals.judge import LLMJudge
from quickturn.evals.records import Domain, EvalResult, JudgeVerdict, ToolCallRecord, TrialResult
from quickturn.evals.scenarios import Scenario
from quickturn.llm.types import ChatClient
from quickturn.tools.types import ToolCall

CallerFactory = Callable[[Scenario], SimulatedCaller]
ProgressFn = Callable[[int, int, TrialResult], None]


@dataclass(frozen=True)
class RunOptions:
    trials: int = 1
    concurrency: int = 1
    conversation: ConversationOptions = field(default_factory=ConversationOptions)

    def __post_init__(self) -> None:
        if self.trials < 1:
            raise ConfigError("trials must be >= 1")
        if self.concurrency < 1:
            raise ConfigError("concurrency must be >= 1")


async def run_trial(
    scenario: Scenario,
    trial: int,
    domain: Domain,
    client: ChatClient,
    make_caller: CallerFactory,
    options: RunOptions,
    *,
    driver: ConversationDriver = run_text_conversation,
    judge: LLMJudge | None = None,
) -> TrialResult:
    world = domain.new_world()
    try:
        conversation = await driver(
            scenario,
            make_caller(scenario),
            world,
            client,
            options.conversation,
            conversation_id=f"{scenario.id}#{trial}",
        )
        final = world.snapshot()
    finally:
        world.close()
    calls = [_as_call(c) for c in conversation.tool_calls]
    # The scripted greeting (turn 0) is the domain's words, not the agent's answer.
    said = "\n".join(u.text for u in conversation.transcript if u.speaker == "agent" and u.turn > 0)
    result_grade = grade(
        scenario.expect,
        domain.seed_snapshot(),
        final,
        calls,
        domain.grade_options,
        agent_text=said,
    )
    verdicts: tuple[JudgeVerdict, ...] = ()
    judged = False
    if judge is not None and scenario.expect.judge:
        try:
            verdicts = await judge.judge(scenario.expect.judge, conversation)
        except QuickturnError as exc:
            # A judge outage fails the judged items of this call, not the whole run.
            verdicts = tuple(
                JudgeVerdict(e, False, f"judge failed: {exc}") for e in scenario.expect.judge
            )
        judged = True
    return TrialResult(scenario.id, trial, conversation, result_grade, verdicts, judged)


def _as_call(record: ToolCallRecord) -> ToolCall:
    return ToolCall(
        id="", name=record.name, arguments=dict(record.arguments), repaired=record.repaired
    )


async def run_eval(
    scenarios: Sequence[Scenario],
    domain: Domain,
    client: ChatClient,
    make_caller: CallerFactory,
    options: RunOptions = RunOptions(),
    *,
    driver: ConversationDriver = run_text_conversation,
    judge: LLMJudge | None = None,
    progress: ProgressFn | None = None,
) -> EvalResult:
    """Every scenario ``options.trials`` times, at most ``options.concurrency`` calls at once.
    Results come back in scenario order, then trial order, whatever order they finished in."""
    if not scenarios:
        raise ConfigError("no scenarios to run")
    gate = asyncio.Semaphore(options.concurrency)
    jobs = [(s, t) for s in scenarios for t in range(1, options.trials + 1)]
    done = 0

    async def one(scenario: Scenario, trial: int) -> TrialResult:
        nonlocal done
        async with gate:
            result = await run_trial(
                scenario, trial, domain, client, make_caller, options, driver=driver, judge=judge
            )
        done += 1
        if progress is not None:
            progress(done, len(jobs), result)
        return result

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(one(s, t)) for s, t in jobs]
    return EvalResult(options.trials, [t.result() for t in tasks])
