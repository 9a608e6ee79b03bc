"""``Agent``: what a voice agent is (instructions, tools, a greeting), apart from how it runs.

Tools are ``@tool`` functions or plain ``ToolSpec``s (or a whole ``ToolRegistry``), mixed
freely. A ``@tool`` function that returns another ``Agent`` hands the call to it: the session
switches instructions and tools from the next model round on (a flow's next task, a specialist).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from quickturn.errors import ConfigError, ToolSchemaError
from quickturn.tools.context import ToolContext
from quickturn.tools.function_tool import FunctionTool, jsonable
from quickturn.tools.types import Reads, ToolPicker, ToolRegistry, ToolSpec, handoff_note

ToolLike = FunctionTool | ToolSpec
Tools = Sequence[ToolLike] | ToolRegistry


@dataclass(frozen=True)
class Agent:
    instructions: str
    """The system prompt."""
    tools: Tools = field(default=())
    greeting: str | None = None
    """Said when the call starts (None: the agent waits for the caller)."""
    name: str = "agent"
    tool_choice: Literal["auto", "required"] = "auto"
    """``required``: the first model round of every reply must call one of the tools (a
    router, such as the main agent of ``with_tasks``: a small model left to choose between words
    and a call almost always chooses words). Later rounds of the reply are ``auto``."""
    reads: Reads = "all"
    """What its model reads of the conversation: ``all``, or ``since_entry``: from the exchange
    before the hand-over that gave it the call (a task of ``with_tasks``). A task entered late in
    a call re-read every earlier turn on top of its own prefix (~220 tokens, ~1.2 s of prefill
    with the 0.5B, and the deadline hit); what it needs is the request that started it. Tools
    still see the whole conversation (a booking code returned earlier is found)."""
    picks: ToolPicker | None = field(default=None, compare=False)
    """The caller's line -> the tool the first round of a reply must call (the model writes
    only its arguments), or None to let the model choose as ``tool_choice`` says. ``with_tasks``
    sets a ``KeywordRouter`` here from the keywords its tasks and routes declare."""

    def __post_init__(self) -> None:
        if not self.instructions.strip():
            raise ConfigError("an Agent needs instructions")
        if self.tool_choice not in ("auto", "required"):
            raise ConfigError(f"tool_choice must be 'auto' or 'required', not {self.tool_choice!r}")
        if self.tool_choice == "required" and not tool_names(self.tools):
            raise ConfigError("tool_choice 'required' needs at least one tool")
        if self.greeting is not None and not self.greeting.strip():
            raise ConfigError("greeting must be None or non-empty")
        names = tool_names(self.tools)
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ToolSchemaError(f"agent {self.name!r}: duplicate tool names {dupes}")


def tool_names(tools: Tools) -> list[str]:
    if isinstance(tools, ToolRegistry):
        return tools.names
    return [t.name for t in tools]


def tool_schemas(agent: Agent) -> list[dict[str, Any]]:
    """The OpenAI tool schemas the model will see (for warming an LLM's prefix cache)."""
    if isinstance(agent.tools, ToolRegistry):
        return agent.tools.schemas()
    return [t.schema() if isinstance(t, ToolSpec) else _schema(t) for t in agent.tools]


def _schema(fn: FunctionTool) -> dict[str, Any]:
    # ToolSpec.schema() is the one model view (it drops tool-layer ``x-`` keys); the warm
    # prefix must be byte-identical to what the session's registry renders.
    return fn.spec().schema()


def bind_tools(
    tools: Tools,
    context: ToolContext,
    on_agent: Callable[[Agent], None],
    tool_choice: Literal["auto", "required"] = "auto",
    reads: Reads = "all",
    picks: ToolPicker | None = None,
) -> ToolRegistry:
    """The registry one call runs: ``@tool`` functions bound to the call's context; a result
    that is an ``Agent`` (or ``(Agent, result)``) goes to ``on_agent``. ``tool_choice``,
    ``reads`` and ``picks`` are the agent's (the registry carries them to the tool loop)."""
    if isinstance(tools, ToolRegistry):
        return tools.with_tool_choice(tool_choice, reads, picks)
    specs: list[ToolSpec] = []
    for t in tools:
        if isinstance(t, ToolSpec):
            specs.append(t)
        elif isinstance(t, FunctionTool):
            specs.append(_bound(t, context, on_agent))
        else:
            raise ToolSchemaError(f"not a tool: {t!r:.80} (use @tool or ToolSpec)")
    return ToolRegistry(specs, tool_choice=tool_choice, reads=reads, picks=picks)


def bind_agent(
    agent: Agent, context: ToolContext, on_agent: Callable[[Agent], None]
) -> ToolRegistry:
    """``bind_tools`` of ``agent``'s tools under its own ``tool_choice``, ``reads`` and
    ``picks``."""
    return bind_tools(
        agent.tools, context, on_agent, agent.tool_choice, agent.reads, agent.picks
    )


def _bound(
    fn: FunctionTool, context: ToolContext, on_agent: Callable[[Agent], None]
) -> ToolSpec:
    async def handler(arguments: dict[str, Any]) -> Any:
        out = await fn.run(arguments, context)
        result: Any = out
        if isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], Agent):
            out, result = out
        if isinstance(out, Agent):
            on_agent(out)
            return jsonable(result) if result is not out else handoff_note(out.name)
        return jsonable(result)

    return ToolSpec(
        fn.name, fn.description, fn.parameters, handler, fn.confirm, fn.say, fn.offer
    )
