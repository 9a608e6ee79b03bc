"""The hotel agent inside the shared tool loop: a scripted model books a room end to end.

The model is scripted (this tier tests the domain, not a model); everything else is real: the
system prompt, the registry, the SQLite copy and quickturn.llm.tool_loop.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from quickturn.domains.hotel import HotelAgent, snapshot
from quickturn.llm.tool_loop import (
    MessageAdded,
    ReplyDone,
    ToolFinished,
    ToolLoopOptions,
    run_tool_loop,
)
from quickturn.llm.types import ChatRequest, Finished, LLMEvent, TextDelta, ToolCallEvent, Usage
from quickturn.tools.types import ToolCall

from .desk import Desk


class ScriptedModel:
    """Answers each request with the next scripted turn: tool calls or text."""

    def __init__(self, turns: list[list[ToolCall] | str]) -> None:
        self.turns = list(turns)
        self.requests: list[ChatRequest] = []

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        self.requests.append(request)
        turn = self.turns.pop(0)
        if isinstance(turn, str):
            yield TextDelta(turn, 0.0)
            yield Finished("stop", Usage(10, 5), 0.0)
        else:
            for call in turn:
                yield ToolCallEvent(call, 0.0)
            yield Finished("tool_calls", Usage(10, 5), 0.0)

    async def aclose(self) -> None:
        return None


class Conversation:
    """Caller lines through the tool loop, the history kept across turns."""

    def __init__(self, agent: HotelAgent, desk: Desk, model: ScriptedModel) -> None:
        self.model, self.desk = model, desk
        self.history: list[dict[str, object]] = [
            {"role": "system", "content": agent.system_prompt},
            {"role": "assistant", "content": agent.greeting},
        ]

    async def reply(self, line: str) -> str:
        self.history.append({"role": "user", "content": line})
        async for event in run_tool_loop(self.model, self.history, self.desk.registry):
            if isinstance(event, MessageAdded):
                self.history.append(event.message)
        return str(self.history[-1]["content"])


async def test_scripted_booking_through_the_tool_loop(agent: HotelAgent, desk: Desk) -> None:
    stay = {"check_in": "2026-03-20", "check_out": "2026-03-22"}
    model = ScriptedModel(
        [
            [ToolCall("c1", "check_availability", {**stay, "guests": 2, "room_type": "suite"})],
            [
                ToolCall(
                    "c2",
                    "create_booking",
                    {
                        "guest_name": "Nora Field",
                        "phone": "+1 555 201 3344",
                        "room_type": "suite",
                        "adults": 2,
                        **stay,
                    },
                )
            ],
            [
                ToolCall(
                    "c3",
                    "create_booking",
                    {
                        "guest_name": "Nora Field",
                        "phone": "+1 555 201 3344",
                        "room_type": "double",
                        "adults": 2,
                        **stay,
                    },
                )
            ],
            "You're booked in a double room, code 8, S, 8, T, R, K.",
        ]
    )
    history = [
        {"role": "system", "content": agent.system_prompt},
        {"role": "assistant", "content": agent.greeting},
        {
            "role": "user",
            "content": "A room for two this Friday, two nights. Nora Field, +1 555 201 3344.",
        },
    ]
    before = snapshot(desk.conn)
    results = []
    added = []
    # The scripted model chains its calls in one reply (check, then book), and books at once
    # (the read-back and yes of create_booking are tested in test_booking_confirmation).
    chained = ToolLoopOptions(speak_after_result=False, confirm_calls=False)
    async for event in run_tool_loop(model, history, desk.registry, chained):
        match event:
            case ToolFinished(result=result):
                results.append(result)
            case MessageAdded(message=message):
                added.append(message)
            case ReplyDone(rounds=rounds):
                assert rounds == 4

    # The suite was sold out: the model saw why, and the booking that followed succeeded.
    assert [r.ok for r in results] == [True, False, True]
    assert json.loads(results[0].content)["sold_out"] == ["suite"]
    assert json.loads(results[1].content)["error"] == (
        "no suite room free from 2026-03-20 to 2026-03-22"
    )
    assert json.loads(results[2].content)["booking_code"] == "8S8TRK"
    assert model.requests[0].tools == desk.registry.schemas()
    assert model.requests[0].messages[0]["content"] == agent.system_prompt
    assert added[-1]["content"].startswith("You're booked")

    after = snapshot(desk.conn)
    new = [b for b in after["bookings"] if b not in before["bookings"]]
    assert [(b["code"], b["room_type"], b["status"]) for b in new] == [
        ("8S8TRK", "double", "confirmed")
    ]
    changed = {t for t in after if after[t] != before[t]}
    assert changed == {"bookings", "guests", "meta"}


async def test_an_offered_room_is_booked_on_the_callers_yes(agent: HotelAgent, desk: Desk) -> None:
    """check_availability's words offer the one free room; a yes asks for the name and phone
    without a model round, and the caller's answer goes into that very booking."""
    stay = {"room_type": "double", "check_in": "2026-03-20", "check_out": "2026-03-22"}
    guest = {"guest_name": "Nora Field", "phone": "+1 555 201 3344"}
    model = ScriptedModel(
        [
            [ToolCall("c1", "check_availability", {**stay, "guests": 2})],
            [ToolCall("c2", "create_booking", {**stay, "adults": 2, **guest})],
        ]
    )
    reply = Conversation(agent, desk, model).reply

    assert (await reply("Is a double free from March 20 to 22 for two of us?")).endswith(
        "is free from March 20 to March 22. Shall I book it for you?"
    )
    assert await reply("Yes, please.") == "May I have your full name and a phone number?"
    assert len(model.requests) == 1  # the yes cost no model round
    assert (await reply("Nora Field, +1 555 201 3344.")).startswith(
        "So that's a double room from March 20 to March 22 for 2 adults, under Nora Field"
    )
    # The forced round wrote only the caller's facts: the offer settled the rest.
    assert model.requests[1].known_arguments == {**stay, "adults": 2}
    before = snapshot(desk.conn)
    assert (await reply("Yes.")).startswith("You're booked: 2 nights")
    new = [b for b in snapshot(desk.conn)["bookings"] if b not in before["bookings"]]
    assert [(b["room_type"], b["check_in"], b["status"]) for b in new] == [
        ("double", "2026-03-20", "confirmed")
    ]


async def test_a_late_checkout_right_after_a_booking_is_for_that_booking(
    agent: HotelAgent, desk: Desk
) -> None:
    """The 0.5B wrote the code field's description as the code; the booking just made is the
    one meant, and the tool says what it arranged (no model round after it)."""
    stay = {"room_type": "double", "check_in": "2026-03-20", "check_out": "2026-03-22"}
    guest = {"guest_name": "Nora Field", "phone": "+1 555 201 3344"}
    late = {"booking_code": "6-character code", "time": "13:00"}
    model = ScriptedModel(
        [
            [ToolCall("c1", "create_booking", {**stay, "adults": 2, **guest})],
            [ToolCall("c2", "request_late_checkout", late)],
        ]
    )
    reply = Conversation(agent, desk, model).reply

    await reply("A double, March 20 to 22, two adults; Nora Field, +1 555 201 3344.")
    before = snapshot(desk.conn)["bookings"]
    assert (await reply("Yes.")).startswith("You're booked")
    (code,) = [b["code"] for b in snapshot(desk.conn)["bookings"] if b not in before]
    said = await reply("Can I check out at one in the afternoon instead?")
    assert said == "You can check out at 1 PM on March 22, for 25 dollars, added to your bill."
    assert len(model.requests) == 2  # the words are the tool's: no round after the call
    row = next(b for b in snapshot(desk.conn)["bookings"] if b["code"] == code)
    assert row["late_checkout_time"] == "13:00"


async def test_a_table_is_looked_for_on_the_day_the_caller_named(
    agent: HotelAgent, desk: Desk
) -> None:
    """The 0.5B wrote today's date for "Thursday the 19th"; on the hotel's calendar the call
    goes to the 19th."""
    from quickturn.domains.hotel.flows import HOTEL_GUARDS

    model = ScriptedModel(
        [[ToolCall("c1", "check_restaurant_availability",
                   {"date": "2026-03-14", "time": "19:00", "party_size": 4})]]
    )
    history: list[dict[str, object]] = [
        {"role": "system", "content": agent.system_prompt},
        {"role": "user", "content": "A table for four on Thursday the 19th at 7 pm?"},
    ]
    results = [
        ev.result
        async for ev in run_tool_loop(
            model, history, desk.registry, ToolLoopOptions(guards=HOTEL_GUARDS)
        )
        if isinstance(ev, ToolFinished)
    ]
    assert results and json.loads(results[0].content)["date"] == "2026-03-19"
