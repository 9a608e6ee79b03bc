"""The reply loop's handling of JSON the repair parser left as text (an invented tool name)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from quickturn.llm.tool_loop import MessageAdded, ToolFinished, ToolLoopOptions, run_tool_loop
from quickturn.llm.types import ChatRequest, Finished, LLMEvent, TextDelta, ToolCallEvent, Usage
from quickturn.tools.types import ToolCall, ToolRegistry, ToolSpec


class TwoRounds:
    """Round 1 writes ``first`` as text; every later round says ``later``."""

    def __init__(self, first: list[str], later: str = "Booked, anything else?") -> None:
        self._first = first
        self._later = later
        self.requests: list[ChatRequest] = []

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        self.requests.append(request)
        parts = self._first if len(self.requests) == 1 else [self._later]
        for part in parts:
            yield TextDelta(part, 0.0)
        yield Finished("stop", Usage(10, 5), 0.0)

    async def aclose(self) -> None:
        return None


TOOLS = ToolRegistry(
    [
        ToolSpec(
            "check_availability",
            "Free rooms.",
            {"type": "object", "properties": {"room_type": {"type": "string"}}},
            lambda args: {"free": 3},
        )
    ]
)


async def run(client: TwoRounds) -> tuple[str, list[object]]:
    events = [ev async for ev in run_tool_loop(client, [{"role": "user", "content": "hi"}], TOOLS)]
    spoken = "".join(ev.text for ev in events if isinstance(ev, TextDelta))
    return spoken, events


async def test_call_shaped_json_with_an_unknown_name_is_never_spoken() -> None:
    client = TwoRounds(['{"name": "vote_double_room", ', '"arguments": {"adults": 2}}'])
    spoken, events = await run(client)
    assert "{" not in spoken and spoken == "Booked, anything else?"
    [finished] = [ev for ev in events if isinstance(ev, ToolFinished)]
    assert finished.call.name == "vote_double_room" and not finished.result.ok
    assert "unknown tool" in finished.result.content
    # The model saw its mistake in the history of the next round.
    assert client.requests[1].messages[-1]["role"] == "tool"


async def test_prose_streams_at_once_and_json_that_is_not_a_call_is_released() -> None:
    spoken, _ = await run(TwoRounds(["Sure, ", "one moment."]))
    assert spoken == "Sure, one moment."
    spoken, events = await run(TwoRounds(['{"rooms": 3}']))
    assert spoken == '{"rooms": 3}'
    assert not [ev for ev in events if isinstance(ev, ToolFinished)]
    assert [ev for ev in events if isinstance(ev, MessageAdded)]


async def test_a_call_cut_off_before_its_last_brace_still_runs() -> None:
    client = TwoRounds(['{"name": "check_availability", "arguments": {"room_type": "double"}'])
    spoken, events = await run(client)
    assert spoken == "Booked, anything else?"
    [finished] = [ev for ev in events if isinstance(ev, ToolFinished)]
    assert finished.call.arguments == {"room_type": "double"} and finished.result.ok


async def test_a_call_cut_inside_a_string_is_a_failed_call_not_speech() -> None:
    client = TwoRounds(['{"name": "book_room", "arguments": {"guest_name": "Anna Mil'])
    spoken, events = await run(client)
    assert "{" not in spoken and spoken == "Booked, anything else?"
    [finished] = [ev for ev in events if isinstance(ev, ToolFinished)]
    assert finished.call.name == "book_room" and not finished.result.ok


class AlwaysCalls(TwoRounds):
    """Writes the same call-shaped JSON on every round, tools offered or not."""

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        self.requests.append(request)
        yield TextDelta('{"name": "check_availability", "arguments": {}}', 0.0)
        yield Finished("stop", Usage(10, 5), 0.0)


async def test_the_last_round_never_runs_a_call_and_says_the_fallback() -> None:
    client = AlwaysCalls([])
    options = ToolLoopOptions(max_rounds=2)
    events = [
        ev
        async for ev in run_tool_loop(client, [{"role": "user", "content": "hi"}], TOOLS, options)
    ]
    spoken = "".join(ev.text for ev in events if isinstance(ev, TextDelta))
    assert spoken == options.fallback_reply
    # One call ran (round 1); round 2 had no tools, so its call did not run.
    assert len([ev for ev in events if isinstance(ev, ToolFinished)]) == 1
    assert client.requests[1].tool_choice == "none"


class CallsThenDebris(TwoRounds):
    """Round 1: one structured call three times over, then a second call cut off mid-string."""

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        self.requests.append(request)
        if len(self.requests) > 1:
            yield TextDelta("Two rooms are free.", 0.0)
        else:
            call = ToolCall("call_1", "check_availability", {"room_type": "double"})
            for _ in range(3):
                yield ToolCallEvent(call, 0.0)
            yield TextDelta('{"name": "check_availability", "arguments": {"room_type": "dou', 0.0)
        yield Finished("stop", Usage(10, 5), 0.0)


async def test_repeated_calls_run_once_and_json_debris_beside_a_call_is_dropped() -> None:
    spoken, events = await run(CallsThenDebris([]))
    assert spoken == "Two rooms are free."
    assert len([ev for ev in events if isinstance(ev, ToolFinished)]) == 1
    first = next(ev.message for ev in events if isinstance(ev, MessageAdded))
    assert first["content"] is None and len(first["tool_calls"]) == 1


class SlowCaller(AlwaysCalls):
    """Every round calls the tool again; each round takes 5 s on ``clock``."""

    def __init__(self) -> None:
        super().__init__([])
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        self.now += 5.0
        if request.tool_choice == "none":
            self.requests.append(request)
            yield TextDelta("Two rooms are free.", 0.0)
            yield Finished("stop", Usage(10, 5), 0.0)
            return
        async for event in super().stream(request):
            yield event


async def test_a_slow_reply_wraps_up_in_words_after_its_time_budget() -> None:
    client = SlowCaller()
    # A model that chains calls: each round may call again.
    options = ToolLoopOptions(max_rounds=6, wrap_up_after_s=8.0, speak_after_result=False)
    history = [{"role": "user", "content": "hi"}]
    events = [ev async for ev in run_tool_loop(client, history, TOOLS, options, clock=client.clock)]
    # Rounds start at 0 s and 5 s with tools; at 10 s the budget is spent: no tools, words.
    assert [r.tool_choice for r in client.requests] == ["auto", "auto", "none"]
    assert "".join(ev.text for ev in events if isinstance(ev, TextDelta)) == "Two rooms are free."
    # Without a budget the same model retries until max_rounds.
    client = SlowCaller()
    events = [
        ev
        async for ev in run_tool_loop(
            client,
            history,
            TOOLS,
            ToolLoopOptions(max_rounds=6, speak_after_result=False),
            clock=client.clock,
        )
    ]
    assert len(client.requests) == 6
