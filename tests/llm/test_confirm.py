"""Calls read back before they run, and run on the caller's yes without a model round."""

from __future__ import annotations

from typing import Any

import pytest

from quickturn.llm.confirm import said_yes
from quickturn.llm.tool_loop import (
    MessageAdded,
    ReplyDone,
    ToolFinished,
    ToolLoopOptions,
    run_tool_loop,
)
from quickturn.llm.types import ChatRequest, LLMEvent, Message, TextDelta
from quickturn.tools.types import ToolCall, ToolRegistry, ToolSpec

from .test_tool_loop_guards import Scripted, calls_of

PARAMS = {
    "type": "object",
    "properties": {"nights": {"type": "integer"}, "guest_name": {"type": "string"}},
    "required": ["nights", "guest_name"],
}


def desk(ran: list[dict[str, Any]], say: bool = True, confirm: Any = None) -> ToolRegistry:
    def book(args: dict[str, Any]) -> dict[str, Any]:
        ran.append(args)
        return {"code": "AB1"}

    return ToolRegistry(
        [
            ToolSpec(
                "book",
                "Book a stay.",
                PARAMS,
                book,
                confirm=confirm or (lambda a: f"{a['nights']} nights for {a['guest_name']}, ok?"),
                say=(lambda r: f"Booked, code {r['code']}.") if say else None,
            )
        ]
    )


async def turn(
    client: Scripted, history: list[Message], tools: ToolRegistry, **options: Any
) -> tuple[str, ReplyDone, list[ToolFinished]]:
    spoken: list[str] = []
    finished: list[ToolFinished] = []
    done: ReplyDone | None = None
    async for ev in run_tool_loop(client, history, tools, ToolLoopOptions(**options)):
        if isinstance(ev, TextDelta):
            spoken.append(ev.text)
        elif isinstance(ev, MessageAdded):
            history.append(ev.message)
        elif isinstance(ev, ToolFinished):
            finished.append(ev)
        elif isinstance(ev, ReplyDone):
            done = ev
    assert done is not None
    return "".join(spoken), done, finished


def booking_model(request: ChatRequest, n: int) -> list[LLMEvent | str]:
    last = request.messages[-1]
    if last["role"] == "user" and "Anna" in str(last["content"]):
        return calls_of(ToolCall(f"c{n}", "book", {"nights": 2, "guest_name": "Anna Lee"}))
    return ["All right, what would you like to change?"]


@pytest.mark.parametrize(
    ("line", "yes"),
    [
        ("Yes, that's right, please book it.", True),
        ("Yeah go ahead", True),
        ("Correct.", True),
        ("No, three nights.", False),
        ("Yes, but make it a suite.", False),
        ("Actually, wait.", False),
        ("Is breakfast included?", False),
        ("Hmm.", False),
    ],
)
def test_only_a_plain_yes_is_taken_as_yes(line: str, yes: bool) -> None:
    assert said_yes(line) is yes


@pytest.mark.parametrize(
    ("line", "yes"),
    [
        ("Yes, cancel it.", True),  # the question's own word takes nothing back
        ("Please cancel it.", True),  # its "<verb> it" is a yes
        ("No, don't cancel it.", False),
        ("Yes, but change the date.", False),
        ("Book it.", True),
    ],
)
def test_the_questions_own_words_do_not_take_a_yes_back(line: str, yes: bool) -> None:
    assert said_yes(line, "Booking QMZ6ZY costs 179 dollars to cancel. Shall I cancel it?") is yes
    assert said_yes("Please cancel it.") is False  # without that question, "cancel" takes back


async def test_a_call_is_read_back_and_runs_on_yes_without_a_model_round() -> None:
    ran: list[dict[str, Any]] = []
    tools = desk(ran)
    client = Scripted(booking_model)
    history: list[Message] = [{"role": "user", "content": "Two nights for Anna Lee."}]
    spoken, done, finished = await turn(client, history, tools)
    assert spoken == "2 nights for Anna Lee, ok?" and done.finish_reason == "confirmation"
    assert ran == [] and len(client.requests) == 1  # nothing ran, no second round
    assert "awaiting_confirmation" in finished[0].result.content

    history.append({"role": "user", "content": "Yes, please."})
    spoken, done, finished = await turn(client, history, tools)
    assert ran == [{"nights": 2, "guest_name": "Anna Lee"}]  # exactly what was read back
    assert spoken == "Booked, code AB1." and done.rounds == 0
    assert len(client.requests) == 1  # the model was not asked again
    # The history shows the call and its real result, for the model's later turns.
    assert history[-3]["tool_calls"][0]["function"]["name"] == "book"
    assert '"code": "AB1"' in str(history[-2]["content"])


async def test_anything_but_yes_goes_to_the_model_and_nothing_runs() -> None:
    ran: list[dict[str, Any]] = []
    tools = desk(ran)
    client = Scripted(booking_model)
    history: list[Message] = [{"role": "user", "content": "Two nights for Anna Lee."}]
    await turn(client, history, tools)
    history.append({"role": "user", "content": "No, wait, three nights."})
    spoken, done, _ = await turn(client, history, tools)
    assert ran == [] and spoken == "All right, what would you like to change?"
    assert len(client.requests) == 2 and done.rounds == 1


async def test_a_tool_without_words_has_the_model_say_the_result() -> None:
    ran: list[dict[str, Any]] = []
    tools = desk(ran, say=False)
    client = Scripted(booking_model)
    history: list[Message] = [{"role": "user", "content": "Two nights for Anna Lee."}]
    await turn(client, history, tools)
    history.append({"role": "user", "content": "Yes."})
    spoken, done, _ = await turn(client, history, tools)
    assert ran and spoken == "All right, what would you like to change?"  # the model's words
    assert client.requests[-1].tool_choice == "none"  # it speaks: tools withheld


async def test_a_broken_read_back_runs_nothing_and_tells_the_model() -> None:
    ran: list[dict[str, Any]] = []

    def broken(args: dict[str, Any]) -> str:
        raise KeyError("room_type")

    tools = desk(ran, confirm=broken)
    client = Scripted(booking_model)
    history: list[Message] = [{"role": "user", "content": "Two nights for Anna Lee."}]
    _, _, finished = await turn(client, history, tools)
    assert ran == [] and not finished[0].result.ok
    assert "internal error reading book back" in finished[0].result.content


async def test_confirmation_can_be_switched_off() -> None:
    ran: list[dict[str, Any]] = []
    client = Scripted(booking_model)
    history: list[Message] = [{"role": "user", "content": "Two nights for Anna Lee."}]
    spoken, _, _ = await turn(client, history, desk(ran), confirm_calls=False)
    assert ran and spoken == "Booked, code AB1."


async def test_a_call_its_tool_refuses_is_never_read_back() -> None:
    from quickturn.errors import ToolExecutionError

    ran: list[dict[str, Any]] = []

    def refuse(args: dict[str, Any]) -> str:
        raise ToolExecutionError("no room free on those nights")

    client = Scripted(booking_model)
    history: list[Message] = [{"role": "user", "content": "Two nights for Anna Lee."}]
    spoken, _, finished = await turn(client, history, desk(ran, confirm=refuse))
    assert ran == [] and not finished[0].result.ok
    assert "no room free on those nights" in finished[0].result.content
    assert "ok?" not in spoken  # not read back; the model heard why (a second round)
    assert len(client.requests) == 2
