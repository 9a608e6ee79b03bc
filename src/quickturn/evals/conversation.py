"""Drive one text-mode call: simulated caller <-> agent (run_tool_loop) on one private world.

Voice mode replaces this function (same signature, see ``ConversationDriver``), so the runner,
the grader and the report never know which mode produced a Conversation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from quickturn.errors import ConfigError, QuickturnError
from quickturn.evals.callers.base import SimulatedCaller
from quickturn.evals.records import (
    Conversation,
    EndedBy,
    ToolCallRecord,
    TurnMetrics,
    Utterance,
    World,
)
from quickturn.evals.scenarios import Scenario
from quickturn.llm.tool_loop import (
    LiveTools,
    MessageAdded,
    ReplyDone,
    ToolFinished,
    ToolLoopOptions,
    ToolStarted,
    run_tool_loop,
)
from quickturn.llm.types import ChatClient, Message, TextDelta
from quickturn.tools.types import ToolCall, ToolRegistry


@dataclass(frozen=True)
class ConversationOptions:
    max_turns: int = 12  # agent replies per call
    tool_loop: ToolLoopOptions = ToolLoopOptions()

    def __post_init__(self) -> None:
        if self.max_turns < 1:
            raise ConfigError("max_turns must be >= 1")


class ConversationDriver(Protocol):
    """Plays one scenario to its end. ``run_text_conversation`` is the text-mode driver; the
    voice pipeline supplies ``run_voice_conversation`` with this same shape."""

    async def __call__(
        self,
        scenario: Scenario,
        caller: SimulatedCaller,
        world: World,
        client: ChatClient,
        options: ConversationOptions,
        *,
        conversation_id: str,
    ) -> Conversation: ...


def schema_valid(registry: ToolRegistry, call: ToolCall) -> bool:
    if call.name not in registry:
        return False
    return bool(registry.spec(call.name).validator.is_valid(call.arguments))


async def run_text_conversation(
    scenario: Scenario,
    caller: SimulatedCaller,
    world: World,
    client: ChatClient,
    options: ConversationOptions,
    *,
    conversation_id: str,
    clock: Callable[[], float] = time.perf_counter,
) -> Conversation:
    """A failing engine ends the call and is recorded as data (``error``), never raised: one
    broken conversation must not sink an eval of a hundred."""
    history: list[Message] = [{"role": "system", "content": world.system_prompt}]
    transcript: list[Utterance] = []
    if world.greeting:
        history.append({"role": "assistant", "content": world.greeting})
        transcript.append(Utterance("agent", world.greeting, 0))
    calls: list[ToolCallRecord] = []
    turns: list[TurnMetrics] = []
    line: str | None = caller.opening()
    ended_by: EndedBy = "max_turns"
    error: str | None = None
    for turn in range(1, options.max_turns + 1):
        assert line is not None
        transcript.append(Utterance("caller", line, turn))
        history.append({"role": "user", "content": line})
        started = clock()
        first_text: float | None = None
        parts: list[str] = []
        rounds = 0
        reason = "stop"
        try:
            # A world whose agent changes as tools hand over (flows) gives its live tools.
            live = getattr(world, "live_tools", None)
            asked_of = world.registry
            tools: ToolRegistry | LiveTools = live if callable(live) else world.registry
            async for event in run_tool_loop(
                client, history, tools, options.tool_loop, conversation_id=conversation_id
            ):
                match event:
                    case ToolStarted():
                        asked_of = world.registry  # before a hand-over swaps the tools
                    case TextDelta(text=text):
                        if first_text is None and text.strip():
                            first_text = clock()
                        parts.append(text)
                    case ToolFinished(result=result, call=call):
                        calls.append(
                            ToolCallRecord(
                                name=call.name,
                                arguments=call.arguments,
                                ok=result.ok,
                                result=result.content,
                                repaired=call.repaired,
                                schema_valid=schema_valid(asked_of, call),
                                turn=turn,
                                asked_caller=result.elicitation is not None,
                            )
                        )
                    case MessageAdded(message=message):
                        history.append(message)
                    case ReplyDone(rounds=n, finish_reason=r):
                        rounds, reason = n, r
        except QuickturnError as exc:
            error = f"{type(exc).__name__}: {exc}"
            ended_by = "error"
            break
        finished = clock()
        reply = "".join(parts).strip()
        transcript.append(Utterance("agent", reply, turn))
        turns.append(
            TurnMetrics(
                turn=turn,
                reply_s=finished - started,
                ttft_s=None if first_text is None else first_text - started,
                rounds=rounds,
                finish_reason=reason,
            )
        )
        line = await caller.respond(reply)
        if line is None:
            ended_by = "caller"
            break
    return Conversation(tuple(transcript), tuple(calls), tuple(turns), ended_by, error)
