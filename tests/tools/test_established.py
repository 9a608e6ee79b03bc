"""Caller's facts a call lacks, taken from what the conversation's own tools returned."""

from __future__ import annotations

import json
from typing import Any

from quickturn.tools.established import established_values, fill_established, settled_facts
from quickturn.tools.types import ToolCall

PARAMS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "booking_code": {
            "type": "string", "description": "6-character code", "x-ask-caller": "the code"
        },
        "time": {"type": "string", "description": "HH:MM, 24-hour"},
        "guest_name": {"type": "string", "x-ask-caller": True},
        "note": {"type": "string", "x-ask-caller": True},
    },
    "required": ["booking_code", "time"],
}


def tool(body: object) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": "call_x", "content": json.dumps(body)}


BOOKED = [
    {"role": "user", "content": "Book it, my name is Anna Miller."},
    tool({"booking_code": "8S8TRK", "guest_name": "Anna Miller", "check_out": "2026-03-22"}),
    {"role": "assistant", "content": "Your code is 8S8TRK."},
    {"role": "user", "content": "Can I check out at one instead?"},
]
HEARD = "Book it, my name is Anna Miller.\nCan I check out at one instead?"


def late(**arguments: Any) -> ToolCall:
    return ToolCall("call_1", "request_late_checkout", arguments)


def test_results_that_worked_give_their_values_nested_ones_too() -> None:
    history = [
        tool({"booking": {"booking_code": "AB12CD", "nights": 2}, "ok": True}),
        tool({"error": "no booking ZZ99ZZ", "booking_code": "ZZ99ZZ"}),
        tool({"awaiting_confirmation": True, "booking_code": "QQ11QQ"}),
        {"role": "tool", "content": "Transferred to change_booking."},
        {"role": "user", "content": json.dumps({"booking_code": "USER00"})},
    ]
    assert established_values(history) == {"booking_code": ["AB12CD"], "nights": ["2"]}


def test_a_code_the_model_left_blank_or_copied_from_its_description_is_the_one_booked() -> None:
    for value in ("", "6-character code", "XX00XX"):  # blank, the description, invented
        call, used = fill_established(PARAMS, late(booking_code=value, time="13:00"), BOOKED, HEARD)
        assert call.arguments == {"booking_code": "8S8TRK", "time": "13:00"}, value
        assert used == "8S8TRK"


def test_what_the_caller_said_wins() -> None:
    history = [*BOOKED[:-1], {"role": "user", "content": "It is for booking K7P2QD."}]
    heard = "Book it, my name is Anna Miller.\nIt is for booking K7P2QD."
    call = late(booking_code="K7P2QD", time="13:00")
    assert fill_established(PARAMS, call, history, heard) == (call, "")


def test_two_bookings_are_ambiguous_and_the_caller_is_asked() -> None:
    history = [tool({"booking_code": "AB12CD"}), tool({"booking_code": "EF34GH"}), BOOKED[-1]]
    call = late(booking_code="", time="13:00")
    assert fill_established(PARAMS, call, history, HEARD) == (call, "")


def test_times_dates_and_left_out_optional_facts_are_not_filled() -> None:
    history = [tool({"time": "11:00", "note": "quiet room", "booking_code": "8S8TRK"})]
    call, _ = fill_established(PARAMS, late(booking_code="", time=""), history, HEARD)
    # A time is the caller's new request, and an optional fact left out stays out.
    assert call.arguments == {"booking_code": "8S8TRK", "time": ""}


def test_settled_facts_are_the_required_ones_established_beyond_doubt() -> None:
    # The code a tool returned is written for the model; the time is the caller's new request.
    assert settled_facts(PARAMS, BOOKED) == {"booking_code": "8S8TRK"}
    # A line that names the field may be giving a new value: the model writes it.
    anew = [*BOOKED[:-1], {"role": "user", "content": "For my other booking, code HX4K2P."}]
    assert settled_facts(PARAMS, anew) == {}
    # Two codes returned: ambiguous, nothing settled.
    two = [*BOOKED[:-1], tool({"booking_code": "HX4K2P"}), BOOKED[-1]]
    assert settled_facts(PARAMS, two) == {}
    assert settled_facts(PARAMS, BOOKED[-1:]) == {}
