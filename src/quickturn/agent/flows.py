"""Flows: an agent organised as tasks, each with short instructions and a handful of tools.

A small model does far better with five tools and three lines of instructions in view than with
forty tools and a handbook (LiveKit's AgentTask and Pipecat Flows work this way). ``with_tasks``
turns a main agent plus a list of ``Task`` s into agents that hand the call to each other:

- the main agent gets one ``start_<task>`` tool per task (its description says when), and
  a routing table at the end of its instructions (which tool for which request);
- a caller's line that names a request beyond doubt by its keywords (``Task.keywords``)
  starts it without the model choosing: a small model routes on surface words ("room" in
  "towels for room 501" went to the booking task);
- each task's agent has the task's tools plus ``finish_task()``, which hands the call back to
  the main agent; the main agent answers the caller's line as if asked directly (the hand-over
  is hidden from it, like every hand-over). It takes no arguments: asked for a one-sentence
  result, the 0.5B copied its whole last reply into it (66 tokens, 5 s);
- inside a task, a line whose keywords name another task (or an ``exits`` tool: goodbye) is
  handed back and routed without a model round, as the first line of a call would be.

Hand-over uses the Agent API's rule that a tool returning an ``Agent`` switches to it. Every
agent's prompt prefix (instructions + tools) is fixed, so the embedded engine keeps each warm in
its own slot and on disk (``flow_warm_requests`` + ``EmbeddedChatClient.warm_each``): entering a
task costs no prefill. Nothing here knows any domain.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from quickturn.agent.agent import Agent, ToolLike, tool_names, tool_schemas
from quickturn.agent.keyword_router import KeywordRouter
from quickturn.errors import ConfigError
from quickturn.llm.types import ChatRequest
from quickturn.tools.function_tool import FunctionTool, function_tool
from quickturn.tools.types import Reads, ToolPicker, ToolRegistry

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


@dataclass(frozen=True)
class Task:
    name: str
    """Short snake_case name: the main agent's tool is ``start_<name>``."""
    when: str
    """When to start it, for the main agent ("The caller wants to book a room.")."""
    instructions: str
    tools: Sequence[ToolLike] = field(default=())
    finishes_with: tuple[str, ...] = ()
    """Tools whose success completes the task: the call goes back to the main agent with their
    result at once. The 0.5B never called ``finish_task`` after a booking; it answered the
    caller's next question ("what time is checkout?") from the booking task, without the tools
    that know ("The checkout time is 2026-03-22.")."""
    tool_choice: Literal["auto", "required"] = "auto"
    """The task agent's first round of each reply (and right after the hand-over to it):
    ``required`` makes it act before it speaks (see ``with_tasks``)."""
    reads: Reads = "since_entry"
    """What the task's model reads of the call (``Agent.reads``): by default only from the
    exchange before the hand-over to it, so entering a task late in a call costs no re-reading
    of every earlier turn."""
    requests: str = ""
    """The requests that start it, as callers name them ("book a new room, room prices"): its
    line in the main agent's routing table (empty: ``when``). Measured with the 0.5B on the
    hotel: ``when`` as a sentence in the tool description and ``requests`` as keywords in the
    table routed 43 % right; keywords in both places 39 %."""
    keywords: tuple[str, ...] = ()
    """Phrases a caller uses for it ("towels", "wake-up call"): a line that names them beyond
    doubt starts it without the model choosing (``quickturn.agent.keyword_router``)."""
    tool_keywords: Mapping[str, Sequence[str]] = field(default_factory=dict, compare=False)
    """The same for the task's own tools: the first round of each of its replies calls the tool
    the caller's words name beyond doubt ("broken" -> the repair request, not the wake-up call
    the 0.5B picked among ten tools), else the model chooses as ``tool_choice`` says."""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ConfigError(f"task name {self.name!r} must be snake_case, at most 41 chars")
        if not self.when.strip() or not self.instructions.strip():
            raise ConfigError(f"task {self.name!r} needs 'when' and 'instructions'")
        names = {getattr(t, "name", None) for t in self.tools}
        unknown = [n for n in self.finishes_with if n not in names]
        if unknown:
            raise ConfigError(f"task {self.name!r}: finishes_with names no tool of it: {unknown}")
        stray = [n for n in self.tool_keywords if n not in names]
        if stray:
            raise ConfigError(f"task {self.name!r}: tool_keywords name no tool of it: {stray}")


ROUTES_HEADER = "Which tool for which request:"


FINISH_TOOL = "finish_task"
FINISH_NOTE = f"When the task is done, or the caller wants something else, call {FINISH_TOOL}."


def with_tasks(
    main: Agent,
    tasks: Sequence[Task],
    tool_choice: Literal["auto", "required"] = "required",
    routes: Sequence[tuple[str, str]] = (),
    shared: Sequence[str] = (),
    keywords: Mapping[str, Sequence[str]] | None = None,
    exits: Sequence[str] = (),
) -> Agent:
    """``main`` with a ``start_<task>`` tool per task; see the module docstring.

    ``tool_choice``: the main agent's. ``required`` (the default) makes it a router: the first
    round of each of its replies calls a tool (a task, or one of its own tools such as a policy
    lookup). Measured with the 0.5B: left to choose, it answered in words on every request, so
    no task was ever entered; made to call, it entered the right one on most.

    The main agent's instructions end with a routing table, one line per task (its
    ``requests``: its tool) and then per ``routes`` entry (requests, one of the main agent's own
    tools). With the tool descriptions alone the 0.5B routed 27 % of the hotel eval's openings
    right; with the table, 43 % (``scripts/router_accuracy.py``).

    ``shared``: main-agent tools every task has too (ending the call, a transfer): a caller who
    says goodbye inside a task was handed back first (``finish_task``, then the main agent's
    ``end_call``: two model rounds, 11 s with the 0.5B in the demo).

    ``keywords``: phrases callers use for the main agent's own tools, as ``Task.keywords`` are
    for tasks. With any keywords, the main agent's first round calls the tool a
    ``KeywordRouter`` picks from the caller's line, when the line leaves no doubt; otherwise the
    model chooses. ``Task.tool_keywords`` do the same inside a task.

    Inside a task, a line whose keywords name another task, or one of the ``exits`` (main-agent
    tools with keywords, such as ending the call), hands the call back to the main agent
    without a model round; the main agent's router then starts that task or calls that tool,
    again without one. Unlike ``shared`` tools, exits are never in a task model's view: given a
    shared ``end_call``, the 0.5B's booking task hung up on "Hello, I have a reservation and I
    need to change the dates"."""
    if isinstance(main.tools, ToolRegistry):
        raise ConfigError("with_tasks needs the main agent's tools as a list, not a registry")
    own = set(tool_names(main.tools))
    own_keywords = dict(keywords or {})
    stray = [tool for _, tool in routes if tool not in own] + [n for n in shared if n not in own]
    stray += [n for n in own_keywords if n not in own]
    stray += [n for n in exits if n not in own_keywords]
    if stray:
        raise ConfigError(
            f"routes, shared, keywords or exits name tools the main agent does not have "
            f"(an exit needs keywords): {stray}"
        )
    common = [t for t in main.tools if getattr(t, "name", None) in shared]
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):
        raise ConfigError(f"duplicate task names in {names}")
    home: list[Agent] = []  # filled below: the task agents hand back to the finished main agent

    def finish_tool(task: Task) -> ToolLike:
        def finish_task() -> Agent:
            """Hand the call back to the front: the task is done, or the caller wants
            something else."""
            return home[0]

        return function_tool(finish_task)

    def finishing(tool: ToolLike, task: Task) -> ToolLike:
        """``tool``, handing the call back to the main agent with its result once it worked."""
        if not isinstance(tool, FunctionTool) or tool.name not in task.finishes_with:
            return tool
        inner = tool.fn

        async def fn(**kwargs: Any) -> tuple[Agent, Any]:
            if inspect.iscoroutinefunction(inner):
                out = await inner(**kwargs)
            else:
                out = await asyncio.to_thread(inner, **kwargs)
            return home[0], out  # a failure raised above: the task goes on

        return replace(tool, fn=fn)

    # A shared tool's keywords pick it inside every task too: a goodbye inside a task was
    # left to the model (a round, ~1 s with the 0.5B) although "goodbye" names end_call.
    shared_keywords = {n: own_keywords[n] for n in shared if n in own_keywords}

    phrases = {f"start_{t.name}": t.keywords for t in tasks if t.keywords} | own_keywords
    router = KeywordRouter(phrases) if phrases else None

    def task_picks(task: Task) -> ToolPicker | None:
        own_phrases = {**shared_keywords, **task.tool_keywords}
        inside = KeywordRouter(own_phrases).pick if own_phrases else None
        leaves = {f"start_{t.name}" for t in tasks if t is not task} | set(exits)
        if router is None or not leaves & set(router.phrases):
            return inside

        def pick(line: str) -> str | None:
            # Another task named beyond doubt goes first: "I need to change my booking" names
            # the booking task's own create_booking by "book" too.
            if router.pick(line) in leaves:
                # Handed back, the main agent's router picks the same from this line.
                return FINISH_TOOL
            return inside(line) if inside is not None else None

        return pick

    task_agents = {
        t.name: Agent(
            instructions=f"{t.instructions}\n{FINISH_NOTE}",
            tools=(*(finishing(x, t) for x in t.tools), *common, finish_tool(t)),
            name=t.name,
            tool_choice=t.tool_choice,
            reads=t.reads,
            picks=task_picks(t),
        )
        for t in tasks
    }

    def start_tool(task: Task) -> ToolLike:
        def start() -> Agent:
            return task_agents[task.name]

        return function_tool(start, name=f"start_{task.name}", description=task.when)

    table = [f"- {(t.requests or t.when).strip().rstrip('.')}: start_{t.name}" for t in tasks]
    table += [f"- {when.strip().rstrip('.')}: {tool}" for when, tool in routes]
    full = replace(
        main,
        instructions=f"{main.instructions}\n{ROUTES_HEADER}\n" + "\n".join(table),
        tools=(*main.tools, *(start_tool(t) for t in tasks)),
        tool_choice=tool_choice,
        picks=router.pick if router is not None else main.picks,
    )
    home.append(full)
    return full


def flow_agents(main: Agent) -> list[Agent]:
    """``main`` and every agent reachable from it through ``start_*`` tools (for warming)."""
    found: list[Agent] = [main]
    for spec in () if isinstance(main.tools, ToolRegistry) else main.tools:
        fn = getattr(spec, "fn", None)
        if getattr(spec, "name", "").startswith("start_") and fn is not None:
            try:
                agent = fn()
            except TypeError:
                continue  # a user's own start_* tool that takes arguments: not a task
            if isinstance(agent, Agent) and agent not in found:
                found.append(agent)
    return found


def flow_warm_requests(main: Agent) -> list[ChatRequest]:
    """One request per flow agent whose prefix (system prompt + tools) an engine should keep
    warm: ``await client.warm_each(flow_warm_requests(agent))``."""
    return [
        ChatRequest(
            messages=[{"role": "system", "content": a.instructions}],
            tools=tool_schemas(a),
        )
        for a in flow_agents(main)
    ]
