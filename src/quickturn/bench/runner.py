"""Replay whole conversations against one chat endpoint and time every request.

Each caller turn appends the user line, streams the reply through ``timed_stream``, answers tool
calls with canned results and streams again (up to ``max_rounds`` requests per turn), then keeps
the real assistant reply in the history, so the prefix grows as in production. A failed request
is recorded and its turn is dropped from the history (as if the caller repeated themselves
later); the conversation carries on with the next line.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from quickturn.bench.conversations import Conversation
from quickturn.bench.results import Sample
from quickturn.bench.timing import TimedReply, timed_stream
from quickturn.bench.workload import Workload, canned_tool_result, conversations
from quickturn.errors import ConfigError
from quickturn.llm.types import ChatClient, ChatRequest, Message

ProgressFn = Callable[[Sample], None]
OUTPUT_HEAD_CHARS = 80


@dataclass(frozen=True)
class RunOptions:
    conversations: int = 5
    turns: int | None = None  # None: each script to its end
    concurrency: int = 1
    repetitions: int = 1
    # Turns replayed first, one at a time, and excluded from the summary: they pay the cold
    # prefill of the shared prefix (minutes on a CPU engine), which no steady-state call sees.
    warmup_turns: int = 1
    max_rounds: int = 2  # LLM requests per caller turn; the last one may not call tools
    max_tokens: int = 128
    temperature: float = 0.0
    request_timeout_s: float | None = 300.0
    model: str | None = None

    def __post_init__(self) -> None:
        if self.conversations < 1:
            raise ConfigError("conversations must be >= 1")
        if self.turns is not None and self.turns < 1:
            raise ConfigError("turns must be >= 1")
        if self.concurrency < 1:
            raise ConfigError("concurrency must be >= 1")
        if self.repetitions < 1:
            raise ConfigError("repetitions must be >= 1")
        if self.warmup_turns < 0:
            raise ConfigError("warmup_turns must be >= 0")
        if self.max_rounds < 1:
            raise ConfigError("max_rounds must be >= 1")
        if self.max_tokens < 1:
            raise ConfigError("max_tokens must be >= 1")
        if self.request_timeout_s is not None and self.request_timeout_s <= 0:
            raise ConfigError("request_timeout_s must be > 0")


@dataclass(frozen=True)
class Target:
    """One column of the comparison: an endpoint under one setting."""

    endpoint: str
    setting: str
    client: ChatClient = field(compare=False)
    options: RunOptions = RunOptions()

    def __post_init__(self) -> None:
        if not self.endpoint or not self.setting:
            raise ConfigError("a benchmark target needs an endpoint name and a setting label")


@dataclass(frozen=True)
class _Job:
    conversation: Conversation
    repetition: int
    warmup: bool


class _Replayer:
    """Replays conversations of one target; owns nothing but the shared sample list."""

    def __init__(
        self,
        target: Target,
        workload: Workload,
        clock: Callable[[], float],
        t0: float,
        progress: ProgressFn | None,
    ) -> None:
        self._target = target
        self._workload = workload
        self._clock = clock
        self._t0 = t0
        self._progress = progress
        self.samples: list[Sample] = []

    async def replay(self, job: _Job) -> None:
        history = self._workload.first_messages()
        for turn_index, line in enumerate(job.conversation.user_turns):
            working: list[Message] = [*history, {"role": "user", "content": line}]
            if await self._turn(job, turn_index, working):
                history = working

    async def _turn(self, job: _Job, turn_index: int, working: list[Message]) -> bool:
        """Run one caller turn, appending to ``working``; false when a request failed."""
        opts = self._target.options
        conv = job.conversation
        for round_index in range(opts.max_rounds):
            last = round_index == opts.max_rounds - 1
            # Tools stay in every request even when withheld by tool_choice: dropping them would
            # change the prefix and force a cold prefill on engines that cache it.
            request = ChatRequest(
                messages=list(working),
                tools=self._workload.tools,
                tool_choice="none" if last else "auto",
                max_tokens=opts.max_tokens,
                temperature=opts.temperature,
                model=opts.model,
                conversation_id=f"bench-{conv.id}-r{job.repetition}",
            )
            reply = await timed_stream(
                self._target.client, request, clock=self._clock, timeout_s=opts.request_timeout_s
            )
            self._record(job, turn_index, round_index, reply)
            if not reply.ok:
                return False
            # content null only beside calls: servers such as llama_cpp.server reject an
            # assistant message with neither (a reply whose only call was dropped is empty).
            assistant: Message = {
                "role": "assistant",
                "content": reply.text or (None if reply.tool_calls else ""),
            }
            if reply.tool_calls:
                assistant["tool_calls"] = [c.to_openai() for c in reply.tool_calls]
            working.append(assistant)
            if not reply.tool_calls:
                break
            for call in reply.tool_calls:
                working.append(
                    {"role": "tool", "tool_call_id": call.id, "content": canned_tool_result(call)}
                )
        return True

    def _record(self, job: _Job, turn_index: int, round_index: int, reply: TimedReply) -> None:
        usage = reply.usage
        sample = Sample(
            endpoint=self._target.endpoint,
            setting=self._target.setting,
            conversation_id=job.conversation.id,
            repetition=job.repetition,
            turn_index=turn_index,
            round_index=round_index,
            warmup=job.warmup,
            started_s=reply.sent_at_s - self._t0,
            ttft_s=reply.ttft_s,
            ttfs_s=reply.ttfs_s,
            total_s=reply.total_s,
            output_chars=len(reply.text),
            output_head=reply.text[:OUTPUT_HEAD_CHARS],
            tool_calls=len(reply.tool_calls),
            finish_reason=reply.finish_reason,
            prompt_tokens=None if usage is None else usage.prompt_tokens,
            completion_tokens=None if usage is None else usage.completion_tokens,
            cached_tokens=None if usage is None else usage.cached_tokens,
            error_type=reply.error_type,
            error_message=reply.error_message,
        )
        self.samples.append(sample)
        if self._progress is not None:
            self._progress(sample)


def _warmup_conversation(turns: int) -> Conversation:
    lines = [line for conv in conversations(5) for line in conv.user_turns]
    return Conversation("warmup", tuple(lines[i % len(lines)] for i in range(turns)))


async def run_target(
    target: Target,
    workload: Workload,
    *,
    clock: Callable[[], float] = time.perf_counter,
    progress: ProgressFn | None = None,
) -> list[Sample]:
    """Warm up, then replay ``conversations x repetitions`` with ``concurrency`` in flight."""
    opts = target.options
    replayer = _Replayer(target, workload, clock, clock(), progress)
    if opts.warmup_turns:
        await replayer.replay(_Job(_warmup_conversation(opts.warmup_turns), 0, warmup=True))
    queue: asyncio.Queue[_Job] = asyncio.Queue()
    for rep in range(opts.repetitions):
        for conv in conversations(opts.conversations, opts.turns):
            queue.put_nowait(_Job(conv, rep, warmup=False))

    async def worker() -> None:
        while not queue.empty():
            await replayer.replay(queue.get_nowait())

    async with asyncio.TaskGroup() as tg:
        for _ in range(min(opts.concurrency, queue.qsize())):
            tg.create_task(worker())
    return replayer.samples


async def run_targets(
    targets: Sequence[Target],
    workload: Workload,
    *,
    clock: Callable[[], float] = time.perf_counter,
    progress: ProgressFn | None = None,
    interleave: bool = False,
) -> list[Sample]:
    """Run targets one after another (never together: they would steal each other's CPU).

    ``interleave``: warm every target first, then replay each conversation on every target in
    turn, reversing the order from one conversation to the next, so a machine whose load drifts
    (other work on a shared host) weighs on every target alike. Conversations, not turns, take
    turns: each conversation then runs unbroken on its target, so an engine that keeps one
    sequence (llama_cpp.server) holds it in its cache as it would in a sequential run.
    """
    if not interleave:
        samples: list[Sample] = []
        for target in targets:
            samples += await run_target(target, workload, clock=clock, progress=progress)
        return samples
    return await _run_interleaved(targets, workload, clock, progress)


async def _run_interleaved(
    targets: Sequence[Target],
    workload: Workload,
    clock: Callable[[], float],
    progress: ProgressFn | None,
) -> list[Sample]:
    if not targets:
        return []
    opts = targets[0].options
    if any(t.options != opts for t in targets) or opts.concurrency != 1:
        raise ConfigError("interleaving needs one setting for every target and concurrency 1")
    t0 = clock()
    replayers = [_Replayer(t, workload, clock, t0, progress) for t in targets]
    if opts.warmup_turns:
        warmup = _Job(_warmup_conversation(opts.warmup_turns), 0, warmup=True)
        for replayer in replayers:
            await replayer.replay(warmup)
    jobs = [
        _Job(conv, rep, warmup=False)
        for rep in range(opts.repetitions)
        for conv in conversations(opts.conversations, opts.turns)
    ]
    for i, job in enumerate(jobs):
        for replayer in replayers if i % 2 == 0 else replayers[::-1]:
            await replayer.replay(job)
    return [sample for replayer in replayers for sample in replayer.samples]
