"""The reply loop's guards: repeated calls, parrots, elicitation without a round, the deadline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from quickturn.llm.tool_loop import ReplyDone, ToolFinished, ToolLoopOptions, run_tool_loop
from quickturn.llm.types import ChatRequest, Finished, LLMEvent, TextDelta, ToolCallEvent, Usage
from quickturn.tools.types import ToolCall, ToolRegistry, ToolSpec

Script = Callable[[ChatRequest, int], list[LLMEvent | str]]


class Scripted:
    """Each round's events come from ``script(request, round)``; "STALL" waits forever."""

    def __init__(self, script: Script) -> None:
        self._script = script
        self.requests: list[ChatRequest] = []
        self.closed = 0

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        self.requests.append(request)
        try:
            for item in self._script(request, len(self.requests)):
                if item == "STALL":
                    await asyncio.Event().wait()  # a model that never finishes
                elif isinstance(item, str):
                    yield TextDelta(item, 0.0)
                else:
                    yield item
            yield Finished("stop", Usage(10, 5), 0.0)
        finally:
            self.closed += 1

    async def aclose(self) -> None:
        return None


def calls_of(*calls: ToolCall) -> list[LLMEvent | str]:
    return [ToolCallEvent(c, 0.0) for c in calls]


RAN: list[dict[str, Any]] = []


def registry() -> ToolRegistry:
    RAN.clear()

    def lookup(args: dict[str, Any]) -> dict[str, Any]:
        RAN.append(args)
        return {"free": 3}

    def book(args: dict[str, Any]) -> dict[str, Any]:
        RAN.append(args)
        return {"code": "ABC123"}

    return ToolRegistry(
        [
            ToolSpec("lookup", "Free rooms.", {"type": "object", "properties": {}}, lookup),
            ToolSpec(
                "book",
                "Book.",
                {
                    "type": "object",
                    "properties": {
                        "guest_name": {"type": "string", "description": "guest's full name"},
                        "nights": {"type": "integer"},
                    },
                    "required": ["guest_name", "nights"],
                },
                book,
            ),
        ]
    )


async def reply(
    client: Scripted, history: list[dict[str, Any]] | None = None, **options: Any
) -> tuple[str, list[object]]:
    history = history or [{"role": "user", "content": "hi"}]
    events = [
        ev async for ev in run_tool_loop(client, history, registry(), ToolLoopOptions(**options))
    ]
    spoken = "".join(ev.text for ev in events if isinstance(ev, TextDelta))
    return spoken, events


def done(events: list[object]) -> ReplyDone:
    last = events[-1]
    assert isinstance(last, ReplyDone)
    return last


async def test_a_call_already_answered_runs_once_and_the_next_round_must_speak() -> None:
    again = ToolCall("c2", "lookup", {})

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if n <= 2:
            return calls_of(ToolCall(f"c{n}", "lookup", {}))
        return ["We have three rooms free."]

    client = Scripted(script)
    spoken, events = await reply(client)
    assert spoken == "We have three rooms free."
    assert len(RAN) == 1 and again.name == "lookup"
    assert len([e for e in events if isinstance(e, ToolFinished)]) == 1
    # The third round had its tools withheld: the model had to answer in words.
    assert client.requests[2].tool_choice == "none"


async def test_a_parrot_is_never_spoken_and_is_decoded_again() -> None:
    history = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Welcome to the hotel, how can I help you today?"},
        {"role": "user", "content": "what time is breakfast"},
    ]

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if n == 1:
            return ["Welcome to the hotel, ", "how can I help ", "you today?"]
        return ["Breakfast is from seven to ten."]

    client = Scripted(script)
    spoken, _ = await reply(client, history)
    assert spoken == "Breakfast is from seven to ten."
    assert client.requests[1].temperature > 0  # the second try samples
    assert client.requests[1].messages == client.requests[0].messages  # nothing to read back


async def test_echoing_the_callers_line_is_a_parrot_too() -> None:
    history = [{"role": "user", "content": "We need a room with two beds for four of us."}]

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if n == 1:
            return ["We need a room with two beds for four of us."]
        return ["Which dates would you like?"]

    spoken, _ = await reply(Scripted(script), history)
    assert spoken == "Which dates would you like?"


async def test_a_reply_that_only_starts_like_an_earlier_one_streams_once_it_diverges() -> None:
    from quickturn.llm.guards import GuardOptions

    history = [{"role": "assistant", "content": "Sure, let me check the dates for you."}]

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        return ["Sure, ", "breakfast ", "is at seven. ", "It is in the lobby."]

    # By default the first sentence is held until whole (TTS waits for it anyway)...
    spoken, events = await reply(Scripted(script), history)
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert spoken == "Sure, breakfast is at seven. It is in the lobby."
    assert deltas == ["Sure, breakfast is at seven. ", "It is in the lobby."]
    # ...without that, it streams from the first word that differs.
    guards = GuardOptions(hold_first_sentence=False)
    spoken, events = await reply(Scripted(script), history, guards=guards)
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert deltas[:2] == ["Sure, breakfast ", "is at seven. "]


async def test_a_repeat_with_a_new_opening_is_caught_at_its_sentence_end() -> None:
    history = [
        {"role": "assistant", "content": "Harbor Hotel, this is the front desk, how can I help?"},
        {"role": "user", "content": "Book it please."},
    ]

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if n == 1:
            return ["Anna Miller, ", "this is the front desk, ", "how can I help? ", "More."]
        return ["It is booked."]

    spoken, _ = await reply(Scripted(script), history)
    assert spoken == "It is booked."


async def test_a_call_missing_the_callers_fields_is_asked_at_once_without_a_round() -> None:
    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        return calls_of(ToolCall("c1", "book", {"nights": 2}))

    client = Scripted(script)
    spoken, events = await reply(client)
    assert len(client.requests) == 1  # no LLM round spent on the error
    assert "name" in spoken.lower() and spoken.endswith("?")
    assert done(events).finish_reason == "elicitation"
    assert RAN == []


async def test_the_callers_answer_completes_the_same_call_with_what_was_given_before() -> None:
    history = [
        {"role": "user", "content": "book two nights"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [ToolCall("c1", "book", {"nights": 2}).to_openai()],
        },
        {"role": "tool", "tool_call_id": "c1", "content": '{"error": "guest_name missing"}'},
        {"role": "assistant", "content": "May I have your full name?"},
        {"role": "user", "content": "Ann Lee"},
    ]

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if n == 1:  # the small model forgets the nights it was told before
            return calls_of(ToolCall("c2", "book", {"guest_name": "Ann Lee"}))
        return ["Booked, your code is ABC123."]

    spoken, _ = await reply(Scripted(script), history)
    assert RAN == [{"guest_name": "Ann Lee", "nights": 2}]
    assert spoken == "Booked, your code is ABC123."


async def test_a_stalled_model_still_gives_the_caller_words_by_the_deadline() -> None:
    client = Scripted(lambda request, n: ["STALL"])
    spoken, events = await reply(client, deadline_s=0.05, deadline_reply="One moment please.")
    assert spoken == "One moment please."
    assert done(events).finish_reason == "deadline"
    assert client.closed == 1  # the generation was cancelled, not left running


async def test_a_call_is_asked_to_close_before_the_deadline() -> None:
    import time

    client = Scripted(lambda request, n: ["Fine."])
    before = time.monotonic()
    await reply(client, deadline_s=5.0, close_calls_before_deadline_s=1.0)
    close_by = client.requests[0].close_call_by
    assert close_by is not None and before + 3.9 <= close_by <= time.monotonic() + 4.0
    await reply(client)  # no deadline: nothing to close by
    assert client.requests[-1].close_call_by is None


async def test_at_the_deadline_what_was_already_said_stands() -> None:
    client = Scripted(lambda request, n: ["We have rooms. ", "STALL"])
    spoken, events = await reply(client, deadline_s=0.05)
    assert spoken == "We have rooms. "
    assert done(events).finish_reason == "deadline"


async def test_no_round_starts_after_the_deadline() -> None:
    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        return calls_of(ToolCall("c1", "lookup", {}))

    class SlowTools(ToolRegistry):
        async def execute(self, call: ToolCall) -> Any:
            await asyncio.sleep(0.06)  # a slow backend; the deadline passes meanwhile
            return await super().execute(call)

    client = Scripted(script)
    events = [
        ev
        async for ev in run_tool_loop(
            client,
            [{"role": "user", "content": "hi"}],
            SlowTools(list(registry()._specs.values())),
            ToolLoopOptions(deadline_s=0.05, deadline_reply="Still checking."),
        )
    ]
    assert len(client.requests) == 1
    assert done(events).finish_reason == "deadline"
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Still checking."]


async def test_the_deadline_reply_does_not_wait_for_a_slow_engine_to_stop() -> None:
    stopped = asyncio.Event()

    class SlowToStop(Scripted):
        async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
            try:
                await asyncio.Event().wait()  # stalled
                yield TextDelta("never", 0.0)
            finally:
                # An engine finishing a step it cannot interrupt; shielded as the real one is.
                await asyncio.shield(asyncio.sleep(0.2))
                stopped.set()

    events = run_tool_loop(
        SlowToStop(lambda r, n: []),
        [{"role": "user", "content": "hi"}],
        registry(),
        ToolLoopOptions(deadline_s=0.05, deadline_reply="One moment."),
    )
    first = await anext(events)
    assert isinstance(first, TextDelta) and first.text == "One moment."
    assert not stopped.is_set()  # the caller was answered before the engine stopped
    rest = [ev async for ev in events]
    assert stopped.is_set() and done(rest).finish_reason == "deadline"


async def test_a_reply_cancelled_while_waiting_under_a_deadline_closes_its_stream() -> None:
    client = Scripted(lambda request, n: ["STALL"])

    async def consume() -> None:
        async for _ in run_tool_loop(
            client, [{"role": "user", "content": "hi"}], registry(), ToolLoopOptions(deadline_s=5)
        ):
            pass

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.02)  # the stream is now stalled inside the deadline wait
    assert client.requests
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert client.closed == 1


async def test_a_reply_cancelled_twice_while_its_engine_is_stuck_still_closes_its_stream() -> None:
    # Seen in the demo: discarded preemptive work is cancelled again while the engine finishes a
    # step it cannot interrupt; closing the stream then raised "generator is already running".
    stopped = asyncio.Event()

    class Stuck(Scripted):
        async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
            try:
                await asyncio.Event().wait()
                yield TextDelta("never", 0.0)
            finally:
                await asyncio.shield(asyncio.sleep(0.1))  # an uninterruptible engine step
                stopped.set()

    async def consume() -> None:
        async for _ in run_tool_loop(
            Stuck(lambda r, n: []),
            [{"role": "user", "content": "hi"}],
            registry(),
            ToolLoopOptions(deadline_s=5),
        ):
            pass

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.02)
    task.cancel()
    await asyncio.sleep(0.01)
    task.cancel()  # the second cancellation lands while the first one unwinds
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.wait_for(stopped.wait(), 2.0)  # the engine was stopped, in the background


async def test_an_invented_name_is_asked_for_and_the_tool_does_not_run() -> None:
    history = [{"role": "user", "content": "Book me a room for two nights."}]

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        return calls_of(ToolCall("c1", "book", {"guest_name": "John Doe", "nights": 2}))

    client = Scripted(script)
    spoken, events = await reply(client, history)
    assert RAN == []  # the world was not touched with a made-up name
    assert spoken == "May I have your full name?"
    assert done(events).finish_reason == "elicitation" and len(client.requests) == 1


async def test_a_call_cut_at_an_invented_name_asks_for_the_callers_other_facts_too() -> None:
    # What the embedded engine hands over when it cut a call at its first invented value
    # (ChatRequest.stop_at_unheard): the details before it, the name, nothing after.
    params = {
        "type": "object",
        "properties": {
            "nights": {"type": "integer"},
            "guest_name": {"type": "string", "description": "guest's full name"},
            "phone": {"type": "string", "description": "phone number"},
        },
        "required": ["nights", "guest_name", "phone"],
    }
    tools = ToolRegistry([ToolSpec("book", "Book.", params, lambda args: {"code": "X"})])

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        return calls_of(ToolCall("c1", "book", {"nights": 2, "guest_name": "John Doe"}))

    client = Scripted(script)
    history = [{"role": "user", "content": "Two nights, please."}]
    events = [ev async for ev in run_tool_loop(client, history, tools, ToolLoopOptions())]
    spoken = "".join(ev.text for ev in events if isinstance(ev, TextDelta))
    assert spoken == "May I have your full name and your phone number?"
    assert client.requests[0].stop_at_unheard  # the engine is told to cut such calls


async def test_grounding_can_be_switched_off() -> None:
    from quickturn.llm.guards import GuardOptions

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if n == 1:
            return calls_of(ToolCall("c1", "book", {"guest_name": "John Doe", "nights": 2}))
        return ["Booked."]

    spoken, _ = await reply(Scripted(script), guards=GuardOptions(ground_caller_facts=False))
    assert RAN == [{"guest_name": "John Doe", "nights": 2}] and spoken == "Booked."


async def test_a_reply_never_ends_in_silence() -> None:
    from quickturn.errors import ToolExecutionError

    def cancel(args: dict[str, Any]) -> dict[str, Any]:
        raise ToolExecutionError("room 204 has no wake-up call today")

    tools = ToolRegistry(
        [ToolSpec("cancel", "Cancel.", {"type": "object", "properties": {}}, cancel)]
    )

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        # The words-only round after the refusal writes nothing (as the 0.5B did).
        return [] if request.tool_choice == "none" else calls_of(ToolCall("c1", "cancel", {}))

    history: list[dict[str, Any]] = [{"role": "user", "content": "Cancel my wake-up call."}]
    events = [ev async for ev in run_tool_loop(Scripted(script), history, tools)]
    spoken = "".join(ev.text for ev in events if isinstance(ev, TextDelta))
    assert spoken == "Sorry, room 204 has no wake-up call today."
    # No tool, no words: the fallback.
    events = [ev async for ev in run_tool_loop(Scripted(lambda r, n: []), history, tools)]
    spoken = "".join(ev.text for ev in events if isinstance(ev, TextDelta))
    assert spoken == ToolLoopOptions().fallback_reply


async def test_a_tool_that_refused_is_not_called_again_and_the_refusal_is_said() -> None:
    from quickturn.errors import ToolExecutionError

    tries: list[dict[str, Any]] = []

    def book(args: dict[str, Any]) -> dict[str, Any]:
        tries.append(args)
        raise ToolExecutionError("no suite free on those dates")

    tools = ToolRegistry([ToolSpec("book", "Book.", {"type": "object", "properties": {}}, book)])

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if request.tool_choice == "none":
            return ["Sorry, no suite is free on those dates."]
        return calls_of(ToolCall(f"c{n}", "book", {"n": n}))  # a different call each time

    client = Scripted(script)
    history: list[dict[str, Any]] = [{"role": "user", "content": "A suite please."}]
    events = [ev async for ev in run_tool_loop(client, history, tools)]
    spoken = "".join(ev.text for ev in events if isinstance(ev, TextDelta))
    assert spoken == "Sorry, no suite is free on those dates." and len(tries) == 1
    assert [r.tool_choice for r in client.requests] == ["auto", "none"]
    # A loop that lets the model chain calls may correct the call instead.
    chained = Scripted(script)
    events = [
        ev
        async for ev in run_tool_loop(
            chained, history, tools, ToolLoopOptions(speak_after_result=False, max_rounds=3)
        )
    ]
    assert len(tries) == 3
