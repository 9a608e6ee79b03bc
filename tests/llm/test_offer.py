"""A tool's words offer the next call ("... is free. Shall I book it?"); the caller's answer
goes into that call: a yes asks for what it lacks at once, the facts themselves are decoded
into it with the offer's arguments settled, anything else is an ordinary round."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from quickturn.llm.guards import GuardOptions
from quickturn.llm.types import ChatRequest, LLMEvent, Message
from quickturn.tools.types import ToolCall, ToolRegistry, ToolSpec

from .test_confirm import turn
from .test_tool_loop_guards import Scripted, calls_of

CHECK = {
    "type": "object",
    "properties": {"nights": {"type": "integer"}},
    "required": ["nights"],
}
BOOK = {
    "type": "object",
    "properties": {
        "nights": {"type": "integer"},
        "guest_name": {"type": "string", "description": "the guest's full name"},
    },
    "required": ["nights", "guest_name"],
}


def desk(ran: list[dict[str, Any]], offer: Any = None) -> ToolRegistry:
    def book(args: dict[str, Any]) -> dict[str, Any]:
        ran.append(args)
        return {"code": "AB1"}

    return ToolRegistry(
        [
            ToolSpec(
                "check",
                "Check a stay.",
                CHECK,
                lambda args: {"free": True, "nights": args["nights"]},
                say=lambda r: "A room is free. Shall I book it?",
                offer=offer or (lambda args, result: ("book", {"nights": result["nights"]})),
            ),
            ToolSpec(
                "book",
                "Book a stay.",
                BOOK,
                book,
                confirm=lambda a: f"{a['nights']} nights for {a['guest_name']}, ok?",
                say=lambda r: f"Booked, code {r['code']}.",
            ),
        ]
    )


def model(request: ChatRequest, n: int) -> list[LLMEvent | str]:
    """Checks on the first line; given the booking tool, books under the name it heard."""
    last = str(request.messages[-1].get("content") or "")
    if isinstance(request.tool_choice, dict):
        name = "Anna Lee" if "Anna" in last else "John Doe"
        args = {**(request.known_arguments or {}), "guest_name": name}
        return calls_of(ToolCall(f"c{n}", "book", args))
    if "two nights" in last:
        return calls_of(ToolCall(f"c{n}", "check", {"nights": 2}))
    return ["Checkout is at eleven."]


async def offered(client: Scripted, tools: ToolRegistry) -> list[Message]:
    history: list[Message] = [{"role": "user", "content": "Is a room free for two nights?"}]
    spoken, done, _ = await turn(client, history, tools)
    assert spoken == "A room is free. Shall I book it?" and done.rounds == 1
    return history


async def test_the_callers_facts_go_into_the_offered_call_with_its_arguments_settled() -> None:
    ran: list[dict[str, Any]] = []
    tools = desk(ran)
    client = Scripted(model)
    history = await offered(client, tools)
    history.append({"role": "user", "content": "My name is Anna Lee."})
    spoken, done, _ = await turn(client, history, tools)
    forced = client.requests[-1]
    assert forced.tool_choice == {"type": "function", "function": {"name": "book"}}
    assert forced.known_arguments == {"nights": 2} and forced.asked_arguments == ("guest_name",)
    assert spoken == "2 nights for Anna Lee, ok?" and done.finish_reason == "confirmation"
    assert ran == []  # read back first, as the tool asks

    history.append({"role": "user", "content": "Yes."})
    spoken, _, _ = await turn(client, history, tools)
    assert ran == [{"nights": 2, "guest_name": "Anna Lee"}] and spoken == "Booked, code AB1."


async def test_a_yes_to_the_offer_asks_for_what_it_lacks_without_a_model_round() -> None:
    ran: list[dict[str, Any]] = []
    tools = desk(ran)
    client = Scripted(model)
    history = await offered(client, tools)
    history.append({"role": "user", "content": "Yes please."})
    spoken, done, _ = await turn(client, history, tools)
    assert len(client.requests) == 1 and done.rounds == 0  # no model round
    assert spoken == "May I have your full name?" and done.finish_reason == "elicitation"

    # The answer resumes the same call: nights stays what the offer settled.
    history.append({"role": "user", "content": "Anna Lee."})
    spoken, _, _ = await turn(client, history, tools)
    assert client.requests[-1].known_arguments == {"nights": 2}
    assert spoken == "2 nights for Anna Lee, ok?" and ran == []


async def test_a_caller_who_goes_elsewhere_gets_an_ordinary_round() -> None:
    ran: list[dict[str, Any]] = []
    tools = desk(ran)
    client = Scripted(model)
    history = await offered(client, tools)
    history.append({"role": "user", "content": "What time is checkout?"})
    spoken, _, _ = await turn(client, history, tools)
    # The forced round invented a name the caller never said: dropped, the model answers.
    assert spoken == "Checkout is at eleven." and ran == []
    assert client.requests[-1].tool_choice == "auto"


@pytest.mark.parametrize(
    "offer",
    [
        lambda args, result: ("no_such_tool", {"nights": 2}),
        lambda args, result: None,
    ],
)
async def test_an_offer_no_tool_can_take_offers_nothing(offer: Any) -> None:
    client = Scripted(model)
    tools = desk([], offer=offer)
    history = await offered(client, tools)
    assert "offered_call" not in str(history[-2]["content"])
    history.append({"role": "user", "content": "Yes please."})
    spoken, done, _ = await turn(client, history, tools)
    assert done.rounds == 1 and spoken == "Checkout is at eleven."  # the model reads the yes


async def test_a_broken_offer_is_logged_and_offers_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(args: dict[str, Any], result: Any) -> tuple[str, dict[str, Any]]:
        raise KeyError("nights")

    client = Scripted(model)
    with caplog.at_level(logging.ERROR):
        history = await offered(client, desk([], offer=broken))
    assert "offered_call" not in str(history[-2]["content"])
    assert "offer() failed" in caplog.text


async def test_read_back_does_not_depend_on_grounding() -> None:
    ran: list[dict[str, Any]] = []
    tools = desk(ran)
    history: list[Message] = [{"role": "user", "content": "Book Anna Lee, two nights."}]
    call = ToolCall("c1", "book", {"nights": 2, "guest_name": "Anna Lee"})
    client = Scripted(lambda request, n: calls_of(call))
    spoken, _, _ = await turn(
        client, history, tools, guards=GuardOptions(ground_caller_facts=False)
    )
    assert spoken == "2 nights for Anna Lee, ok?" and ran == []


async def test_an_offer_the_caller_never_heard_is_not_taken_by_a_yes() -> None:
    """The model spoke after the check (its words, not the tool's offer): a yes is the model's
    to read, never a run of the offered call."""
    ran: list[dict[str, Any]] = []
    tools = desk(ran)
    client = Scripted(model)
    history: list[Message] = [{"role": "user", "content": "Is a room free for two nights?"}]
    spoken, done, _ = await turn(client, history, tools, speak_after_result=False)
    assert spoken == "Checkout is at eleven." and done.rounds == 2
    assert "offered_call" not in str(history)
    history.append({"role": "user", "content": "Yes please."})
    asked = len(client.requests)
    spoken, done, _ = await turn(client, history, tools)
    assert done.rounds >= 1 and done.finish_reason == "stop" and ran == []
    assert all(r.tool_choice != {"type": "function", "function": {"name": "book"}}
               for r in client.requests[asked:])
