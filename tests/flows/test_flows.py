"""Flows: tasks with their own instructions and tools, handing the call back with a result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from quickturn.agent.agent import Agent, bind_agent, bind_tools, tool_schemas
from quickturn.agent.flows import Task, flow_agents, flow_warm_requests, with_tasks
from quickturn.errors import ConfigError
from quickturn.tools.context import DetachedContext
from quickturn.tools.function_tool import tool
from quickturn.tools.types import ToolCall, is_handoff_note


@tool
def lookup(day: str) -> dict[str, int]:
    """Free slots on a day.

    Args:
        day: YYYY-MM-DD
    """
    return {"free": 2}


@tool
def hours() -> str:
    """Opening hours."""
    return "9 to 5"


def build() -> Agent:
    main = Agent(instructions="You are the front desk.", tools=[hours], name="desk")
    return with_tasks(
        main,
        [Task("reserve", "The caller wants to reserve a slot.", "Reserve a slot.", [lookup])],
    )


async def test_starting_a_task_switches_to_its_agent_and_finishing_hands_back() -> None:
    main = build()
    switched: list[Agent] = []
    registry = bind_tools(main.tools, DetachedContext(), switched.append)
    assert set(registry.names) == {"hours", "start_reserve"}
    result = await registry.execute(ToolCall("c1", "start_reserve", {}))
    assert result.ok and switched[-1].name == "reserve"
    task = switched[-1]
    assert "finish_task" in task.instructions and "Reserve a slot." in task.instructions
    task_registry = bind_tools(task.tools, DetachedContext(), switched.append)
    assert set(task_registry.names) == {"lookup", "finish_task"}
    done = await task_registry.execute(ToolCall("c2", "finish_task", {}))
    assert switched[-1] is main
    # A plain hand-over: hidden from the main agent, which answers the caller's line itself.
    assert is_handoff_note(done.content)


async def test_a_task_that_finishes_with_a_tool_hands_back_once_it_worked() -> None:
    @tool
    def reserve(day: str) -> dict[str, str]:
        """Reserve a slot.

        Args:
            day: YYYY-MM-DD
        """
        if day < "2026":
            raise ValueError("that day is past")
        return {"code": "R1"}

    main = Agent(instructions="You are the front desk.", tools=[hours], name="desk")
    task = Task("reserve", "The caller wants a slot.", "Reserve.", [lookup, reserve], ("reserve",))
    switched: list[Agent] = []
    home = bind_tools(with_tasks(main, [task]).tools, DetachedContext(), switched.append)
    await home.execute(ToolCall("c1", "start_reserve", {}))
    desk = bind_tools(switched[-1].tools, DetachedContext(), switched.append)
    failed = await desk.execute(ToolCall("c2", "reserve", {"day": "2020-01-01"}))
    assert not failed.ok and switched[-1].name == "reserve"  # a failure: the task goes on
    assert (await desk.execute(ToolCall("c3", "lookup", {"day": "2026-05-01"}))).ok
    assert switched[-1].name == "reserve"  # not a finishing tool
    done = await desk.execute(ToolCall("c4", "reserve", {"day": "2026-05-01"}))
    assert json.loads(done.content) == {"code": "R1"}  # the result, for the main agent
    assert switched[-1].name == "desk"
    with pytest.raises(ConfigError):
        Task("reserve", "w", "i", [lookup], ("reserve",))  # not a tool of the task


def test_every_flow_agent_has_a_fixed_prefix_to_keep_warm() -> None:
    main = build()
    agents = flow_agents(main)
    assert [a.name for a in agents] == ["desk", "reserve"]
    requests = flow_warm_requests(main)
    assert [r.messages[0]["content"] for r in requests] == [a.instructions for a in agents]
    assert requests[1].tools == tool_schemas(agents[1])


def test_the_router_reads_a_table_of_which_tool_for_which_request() -> None:
    main = Agent(instructions="You are the front desk.", tools=[hours], name="desk")
    task = Task("reserve", "reserving a slot.", "Reserve a slot.", [lookup])
    routed = with_tasks(main, [task], routes=[("opening times", "hours")])
    assert routed.instructions == (
        "You are the front desk.\nWhich tool for which request:\n"
        "- reserving a slot: start_reserve\n- opening times: hours"
    )
    with pytest.raises(ConfigError, match="name tools the main agent does not have"):
        with_tasks(main, [task], routes=[("the weather", "weather")])


def test_bad_tasks_are_refused() -> None:
    with pytest.raises(ConfigError):
        Task("Book Room", "when", "do it")
    with pytest.raises(ConfigError):
        Task("book", " ", "do it")
    main = Agent(instructions="x")
    with pytest.raises(ConfigError):
        with_tasks(main, [Task("a", "w", "i"), Task("a", "w", "i")])


@pytest.mark.slow
async def test_entering_a_flow_costs_no_prefill(qwen_path: Path, tmp_path: Path) -> None:
    from quickturn.assets import ModelPaths
    from quickturn.llm.embedded_client import EmbeddedChatClient, EmbeddedOptions
    from quickturn.llm.types import ChatRequest, Finished

    main = build()
    requests = flow_warm_requests(main)
    client = await EmbeddedChatClient.create(
        EmbeddedOptions(model_path=qwen_path, n_ctx=1024, slots=len(requests)),
        ModelPaths(tmp_path),
    )
    try:
        reports = await client.warm_each(requests)
        assert [r.source for r in reports] == ["computed", "computed"]
        # A conversation in the main flow, then the same conversation entering the task.
        turns = [{"role": "user", "content": "Can I reserve a slot tomorrow?"}]
        for request, report in zip(requests, reports, strict=True):
            entered = ChatRequest(
                messages=request.messages + turns, tools=request.tools, max_tokens=4
            )
            events = [ev async for ev in client.stream(entered)]
            usage = next(ev for ev in events if isinstance(ev, Finished)).usage
            # Prompt tokens evaluated = prompt - cached: only the new turn, never the prefix.
            assert usage.cached_tokens >= report.prefix_tokens
            assert usage.prompt_tokens - usage.cached_tokens < 40
        # And each prefix was stored on disk: a new engine loads them instead of prefilling.
        again = await EmbeddedChatClient.create(
            EmbeddedOptions(model_path=qwen_path, n_ctx=1024, slots=1), ModelPaths(tmp_path)
        )
        try:
            assert [r.source for r in await again.warm_each(requests)] == ["disk", "disk"]
            # One slot for two flows: a call the other flow must make (tool_choice required,
            # the router's and an acting task's first round) loads that prefix from disk too,
            # instead of prefilling it (forced calls used to skip the store).
            for request, report in zip(requests, reports, strict=True):
                forced = ChatRequest(
                    messages=request.messages + turns,
                    tools=request.tools,
                    tool_choice="required",
                    max_tokens=24,
                )
                events = [ev async for ev in again.stream(forced)]
                usage = next(ev for ev in events if isinstance(ev, Finished)).usage
                assert usage.cached_tokens >= report.prefix_tokens
        finally:
            await again.aclose()
    finally:
        await client.aclose()


async def test_shared_tools_of_the_main_agent_are_in_every_task() -> None:
    @tool
    def end_call(reason: str) -> str:
        """End the call."""
        return "ending"

    main = Agent("Front desk.", tools=[end_call], name="desk")
    tasks = [Task("reserve", "A slot.", "Reserve a slot."), Task("cancel", "Cancel.", "Cancel.")]
    full = with_tasks(main, tasks, shared=("end_call",))
    for agent in flow_agents(full)[1:]:
        assert "end_call" in [t.name for t in agent.tools], agent.name
    with pytest.raises(ConfigError, match="hang_up"):
        with_tasks(main, tasks, shared=("hang_up",))
    # A shared tool's keywords pick it inside a task too, beside the task's own.
    keyed = with_tasks(main, [Task("reserve", "A slot.", "Reserve a slot.", [lookup],
                                   tool_keywords={"lookup": ("free slot",)})],
                       shared=("end_call",), keywords={"end_call": ("goodbye",)})
    task = flow_agents(keyed)[1]
    assert task.picks is not None
    assert task.picks("Thanks, goodbye.") == "end_call"
    assert task.picks("Any free slot on Monday?") == "lookup"


async def test_a_task_reads_only_its_part_of_the_call() -> None:
    from llm.test_tool_loop_guards import Scripted, calls_of
    from quickturn.llm.tool_loop import MessageAdded, run_tool_loop
    from quickturn.llm.types import ChatRequest, LLMEvent

    main = build()
    assert main.reads == "all"
    live: dict[str, Any] = {}

    def on_agent(agent: Agent) -> None:
        live["agent"], live["tools"] = agent, bind_agent(agent, DetachedContext(), on_agent)

    on_agent(main)

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if n == 1:
            return calls_of(ToolCall("c1", "start_reserve", {}))
        return ["Which day?"]

    client = Scripted(script)
    history: list[dict[str, object]] = [
        {"role": "system", "content": main.instructions},
        {"role": "user", "content": "What are your hours?"},
        {"role": "assistant", "content": "Nine to five."},
        {"role": "user", "content": "Thanks, good."},
        {"role": "assistant", "content": "Anything else?"},
        {"role": "user", "content": "Can I reserve a slot?"},
    ]
    tools = lambda: (live["agent"].instructions, live["tools"])  # noqa: E731
    async for ev in run_tool_loop(client, history, tools):
        if isinstance(ev, MessageAdded):
            history.append(ev.message)
    task_view = client.requests[-1].messages
    assert live["agent"].name == "reserve" and live["agent"].reads == "since_entry"
    assert [m.get("content") for m in task_view] == [
        live["agent"].instructions, "Thanks, good.", "Anything else?", "Can I reserve a slot?"
    ]
    assert len(client.requests[0].messages) == 6  # the main agent read it all


def keyword_desk() -> Agent:
    main = Agent(instructions="You are the front desk.", tools=[hours], name="desk")
    reserve = Task(
        "reserve", "The caller wants to reserve a slot.", "Reserve a slot.", [lookup],
        keywords=("reserve a slot", "appointment"),
    )
    return with_tasks(main, [reserve], keywords={"hours": ("opening hours", "open")})


def test_keywords_of_tasks_and_own_tools_make_the_main_agent_pick() -> None:
    desk = keyword_desk()
    assert desk.picks is not None
    assert desk.picks("Can I get an appointment on Monday?") == "start_reserve"
    assert desk.picks("When are you open?") == "hours"
    assert desk.picks("Hello there.") is None
    with pytest.raises(ConfigError, match="keywords"):
        with_tasks(Agent("Desk.", tools=[hours]), [], keywords={"nope": ("x",)})


async def test_the_picked_hand_over_is_made_without_a_round_and_never_re_picked() -> None:
    from llm.test_tool_loop_guards import Scripted, calls_of
    from quickturn.llm.tool_loop import MessageAdded, ReplyDone, run_tool_loop
    from quickturn.llm.types import ChatRequest, LLMEvent

    desk = keyword_desk()
    live: dict[str, Any] = {}

    def on_agent(agent: Agent) -> None:
        live["agent"], live["tools"] = agent, bind_agent(agent, DetachedContext(), on_agent)

    on_agent(desk)

    def offered(request: ChatRequest) -> set[str]:
        return {t["function"]["name"] for t in request.tools or ()}

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if n == 1:
            return calls_of(ToolCall("c2", "finish_task", {}))
        return ["Anything else?"]

    client = Scripted(script)
    history: list[dict[str, object]] = [
        {"role": "system", "content": desk.instructions},
        {"role": "user", "content": "I need an appointment."},
    ]
    tools = lambda: (live["agent"].instructions, live["tools"])  # noqa: E731
    done = None
    async for ev in run_tool_loop(client, history, tools):
        if isinstance(ev, MessageAdded):
            history.append(ev.message)
        if isinstance(ev, ReplyDone):
            done = ev
    # start_reserve() takes no arguments: picked from the words, it is called with no round,
    # so the engine's first request is already the task's.
    made = [c["function"]["name"] for m in history for c in m.get("tool_calls") or ()]  # type: ignore[attr-defined]
    assert made == ["start_reserve", "finish_task"]
    assert "finish_task" in offered(client.requests[0])
    # Handed back for the same line: the model chooses (the task was already started).
    assert "start_reserve" in offered(client.requests[1])
    assert client.requests[1].tool_choice == "required"
    assert len(client.requests) == 2 and done is not None and done.rounds == 2


def test_a_tasks_tool_keywords_pick_its_tool_and_must_name_its_tools() -> None:
    task = Task(
        "reserve", "A slot.", "Reserve a slot.", [lookup, hours],
        tool_keywords={"lookup": ("free slot",), "hours": ("opening hours",)},
    )
    desk = with_tasks(Agent("Desk.", tools=[]), [task], tool_choice="auto")
    agent = next(a for a in flow_agents(desk) if a.name == "reserve")
    assert agent.picks is not None and agent.picks("Any free slot on Monday?") == "lookup"
    with pytest.raises(ConfigError, match="tool_keywords"):
        Task("reserve", "A slot.", "Reserve a slot.", [lookup], tool_keywords={"nope": ("x",)})


async def test_an_auto_agents_first_round_calls_its_picked_tool() -> None:
    from llm.test_tool_loop_guards import Scripted, calls_of
    from quickturn.llm.tool_loop import run_tool_loop
    from quickturn.llm.types import ChatRequest, LLMEvent

    agent = Agent("Desk.", tools=[lookup, hours], picks=lambda line: "lookup" if "free" in line
                  else None)
    registry = bind_agent(agent, DetachedContext(), lambda _: None)

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        return (calls_of(ToolCall("c1", "lookup", {"day": "2026-03-02"})) if n == 1
                else ["Two are free."])

    for line, first in (("Any slot free on Monday?", "lookup"), ("Hello.", "auto")):
        client = Scripted(script)
        history: list[dict[str, object]] = [{"role": "user", "content": line}]
        async for _ in run_tool_loop(client, history, lambda: ("Desk.", registry)):
            pass
        want = first if first == "auto" else {"type": "function", "function": {"name": first}}
        assert client.requests[0].tool_choice == want


async def test_a_picked_tool_without_arguments_runs_without_a_model_round() -> None:
    from llm.test_tool_loop_guards import Scripted, calls_of
    from quickturn.llm.tool_loop import ReplyDone, ToolLoopOptions, ToolStarted, run_tool_loop
    from quickturn.llm.types import ChatRequest, LLMEvent, TextDelta

    agent = Agent("Desk.", tools=[lookup, hours], picks=lambda line: "hours")
    registry = bind_agent(agent, DetachedContext(), lambda _: None)

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if isinstance(request.tool_choice, dict):
            return calls_of(ToolCall("c1", "hours", {}))
        return ["Nine to five."]

    for without_round in (True, False):
        client = Scripted(script)
        history: list[dict[str, object]] = [{"role": "user", "content": "When are you open?"}]
        events = [ev async for ev in run_tool_loop(
            client, history, lambda: ("Desk.", registry),
            ToolLoopOptions(call_without_round=without_round))]
        ran = [c.name for ev in events if isinstance(ev, ToolStarted) for c in ev.calls]
        done = next(ev for ev in events if isinstance(ev, ReplyDone))
        said = "".join(ev.text for ev in events if isinstance(ev, TextDelta))
        # The call and the words are the same either way; only the model round goes.
        assert ran == ["hours"] and "Nine to five." in said
        if without_round:
            assert len(client.requests) == 1 and client.requests[0].tool_choice == "none"
            assert done.rounds == 1
        else:
            assert client.requests[0].tool_choice == {"type": "function",
                                                      "function": {"name": "hours"}}


async def test_a_line_naming_another_task_or_an_exit_is_handed_back_and_routed_without_rounds(
) -> None:
    @tool
    def end_call() -> str:
        """End the call."""
        return "ending"

    main = Agent("Front desk.", tools=[hours, end_call], name="desk")
    reserve = Task("reserve", "Reserve.", "Reserve a slot.", [lookup],
                   keywords=("reserve a slot",))
    cancel = Task("cancel", "Cancel.", "Cancel a slot.", [lookup], keywords=("cancel my slot",))
    desk = with_tasks(main, [reserve, cancel], exits=("end_call",),
                      keywords={"end_call": ("goodbye",), "hours": ("opening hours",)})
    in_reserve = next(a for a in flow_agents(desk) if a.name == "reserve")
    # An exit is never in a task model's view; a main-agent tool that is no exit (a question)
    # and the task's own start keep the line in the task.
    assert "end_call" not in [getattr(t, "name", None) for t in in_reserve.tools]
    assert in_reserve.picks is not None
    assert in_reserve.picks("Actually, cancel my slot.") == "finish_task"
    assert in_reserve.picks("Okay, goodbye.") == "finish_task"
    assert in_reserve.picks("What are your opening hours?") is None
    assert in_reserve.picks("I want to reserve a slot.") is None
    with pytest.raises(ConfigError, match="exits"):
        with_tasks(main, [reserve], exits=("end_call",))  # an exit needs keywords

    for line, made, model_asked in (
        # Handed back, started, and the task's model writes its call: one round, and the two
        # hand-overs do not spend the reply's rounds (max_rounds=2 leaves one for the words).
        ("Actually, cancel my slot.", ["finish_task", "start_cancel", "lookup"], 2),
        ("Okay, goodbye.", ["finish_task", "end_call"], 1),
    ):
        calls, asked, rounds = await _reply_in(in_reserve, line)
        assert calls == made, line
        assert asked == rounds == model_asked, line


async def _reply_in(agent: Agent, line: str) -> tuple[list[str], int, int]:
    """One reply of ``agent`` to ``line`` (a scripted model that calls ``lookup`` whenever it
    may): the calls made, the engine requests, and the rounds the reply counted."""
    from llm.test_tool_loop_guards import Scripted, calls_of
    from quickturn.llm.tool_loop import MessageAdded, ReplyDone, ToolLoopOptions, run_tool_loop
    from quickturn.llm.types import ChatRequest, LLMEvent

    live: dict[str, Any] = {}

    def on_agent(agent: Agent) -> None:
        live["agent"], live["tools"] = agent, bind_agent(agent, DetachedContext(), on_agent)

    on_agent(agent)

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if request.tool_choice != "none":
            return calls_of(ToolCall(f"c{n}", "lookup", {"day": "2026-03-02"}))
        return ["Done."]

    client = Scripted(script)
    history: list[dict[str, object]] = [
        {"role": "system", "content": agent.instructions},
        {"role": "user", "content": line},
    ]
    tools = lambda: (live["agent"].instructions, live["tools"])  # noqa: E731
    rounds = -1
    async for ev in run_tool_loop(client, history, tools, ToolLoopOptions(max_rounds=2)):
        if isinstance(ev, MessageAdded):
            history.append(ev.message)
        if isinstance(ev, ReplyDone):
            rounds = ev.rounds
    calls = [c["function"]["name"] for m in history for c in m.get("tool_calls") or ()]  # type: ignore[attr-defined]
    return calls, len(client.requests), rounds
