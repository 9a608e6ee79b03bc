"""Caller's facts a model invented are caught before a tool runs with them."""

from __future__ import annotations

from typing import Any

from quickturn.tools.grounding import ground_call, heard_check, heard_text
from quickturn.tools.types import ToolCall

PARAMS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "guest_name": {"type": "string", "description": "guest's full name"},
        "phone": {"type": "string", "description": "phone number"},
        "email": {"type": "string", "description": "e-mail address"},
        "check_in": {"type": "string", "description": "arrival date YYYY-MM-DD"},
        "room_type": {"type": "string", "enum": ["double", "suite"]},
        "note": {"type": "string", "description": "what the caller asked for, in a few words"},
    },
    "required": ["guest_name", "phone", "check_in"],
}


def call(**arguments: Any) -> ToolCall:
    return ToolCall("c1", "book", arguments)


def test_values_the_caller_said_pass_whatever_their_spelling_in_stt() -> None:
    heard = "My name is Ana Miller and my number is five five five, 555 0142."
    g = ground_call(PARAMS, call(guest_name="Anna Miller", phone="555-0142"), heard)
    assert g.unheard_required == () and g.dropped == ()
    assert g.call.arguments == {"guest_name": "Anna Miller", "phone": "555-0142"}


def test_an_invented_required_name_is_reported_and_an_invented_email_dropped() -> None:
    heard = "I'd like a double room from March 20 to 22, my number is 555 0142."
    g = ground_call(
        PARAMS,
        call(
            guest_name="John Doe",
            phone="5550142",
            email="john.doe@example.com",
            check_in="2026-03-20",  # converted by the model: never checked
            room_type="double",  # the model's choice: never checked
            note="a quiet room",  # the model's own words: never checked
        ),
        heard,
    )
    assert g.unheard_required == ("guest_name",)
    assert g.dropped == ("email",)
    assert "email" not in g.call.arguments and g.call.arguments["check_in"] == "2026-03-20"


def test_a_phone_number_is_compared_digit_by_digit() -> None:
    assert ground_call(PARAMS, call(phone="555 0199"), "call me on 555 0142").unheard_required
    assert not ground_call(PARAMS, call(phone="(555) 014-2"), "it's 555, 0142").unheard_required


def test_heard_text_is_only_what_the_caller_said() -> None:
    messages = [
        {"role": "system", "content": "Guest John Doe"},
        {"role": "assistant", "content": "May I have your name?"},
        {"role": "user", "content": "Anna Miller"},
        {"role": "tool", "content": '{"guest_name": "John Doe"}'},
    ]
    assert heard_text(messages) == "Anna Miller"
    g = ground_call(PARAMS, call(guest_name="John Doe"), heard_text(messages))
    assert g.unheard_required == ("guest_name",)


def test_the_engines_check_refuses_only_an_unheard_required_callers_value() -> None:
    tools = [{"type": "function", "function": {"name": "book", "parameters": PARAMS}}]
    ok = heard_check(tools, "A double room from March 20, I'm Anna Miller.")
    assert ok("book", "guest_name", "Anna Miller")
    assert not ok("book", "guest_name", "John Doe")
    assert not ok("book", "phone", "123-456-7890")  # required, never said
    assert ok("book", "email", "john.doe@example.com")  # optional: dropped later, not cut
    assert ok("book", "check_in", "2026-03-20")  # a date: converted, never checked
    assert ok("book", "note", "anything")  # not a caller's fact
    assert ok("other_tool", "guest_name", "John Doe")  # not among the tools: not judged


def test_a_callers_count_must_be_heard_as_a_number_or_a_phrase_for_it() -> None:
    params = {
        "type": "object",
        "properties": {
            "party_size": {"type": "integer", "x-ask-caller": "the number of people"},
            "nights": {"type": "integer"},  # not the caller's: never checked
        },
        "required": ["party_size", "nights"],
    }
    call = ToolCall("c1", "reserve", {"party_size": 10, "nights": 3})
    assert ground_call(params, call, "A table for dinner tomorrow.").unheard_required == (
        "party_size",
    )
    for heard, n in (("a table for four", 4), ("we are 5", 5), ("just myself", 1),
                     ("for a couple", 2), ("party of twelve", 12)):
        ok = ToolCall("c1", "reserve", {"party_size": n, "nights": 3})
        assert ground_call(params, ok, heard).unheard_required == (), heard
