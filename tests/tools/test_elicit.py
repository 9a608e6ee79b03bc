"""Ask instead of failing: which failed calls become a question for the caller, the question's
words (from the schema's own descriptions), and keeping what was given across the answer.

Most cases run on the hotel's real tool schemas and a real seeded SQLite database; the generic
rules also run on small ``@tool`` functions defined here."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import pytest
from pydantic import Field

from quickturn.domains.hotel import HotelAgent
from quickturn.domains.hotel.policy import PolicyBook
from quickturn.errors import ToolExecutionError
from quickturn.tools.elicit import (
    ASK_CALLER,
    CallerInputError,
    PendingCall,
    ask_caller,
    is_callers,
    spoken_phrase,
)
from quickturn.tools.function_tool import tool
from quickturn.tools.types import ToolCall, ToolRegistry, ToolResult

STAY = {"room_type": "double", "check_in": "2026-03-20", "check_out": "2026-03-22", "adults": 2}
GUEST = {"guest_name": "Ann Lee", "phone": "+1 555 123 4567"}


@pytest.fixture(scope="module")
def hotel() -> HotelAgent:
    return HotelAgent(policies=PolicyBook.load())


@pytest.fixture()
def conn(
    hotel: HotelAgent, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sqlite3.Connection]:
    seed = hotel.build_seed_database(tmp_path_factory.getbasetemp() / "elicit" / "hotel.sqlite")
    c = hotel.new_conversation_db(seed)
    yield c
    c.close()


@pytest.fixture()
def desk(hotel: HotelAgent, conn: sqlite3.Connection) -> ToolRegistry:
    return hotel.tools(conn)


async def run(registry: ToolRegistry, name: str, **arguments: Any) -> ToolResult:
    return await registry.execute(ToolCall("call_1", name, arguments))


def bookings(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM bookings").fetchone()[0])


async def test_missing_name_and_phone_become_one_question(
    desk: ToolRegistry, conn: sqlite3.Connection
) -> None:
    before = bookings(conn)
    result = await run(desk, "create_booking", **STAY)
    # What the model reads is unchanged; the elicitation rides along for the tool loop.
    assert not result.ok
    assert result.content == '{"error": "arguments: \'guest_name\' is a required property"}'
    ask = result.elicitation
    assert ask is not None
    assert ask.question == "May I have your full name and a phone number?"
    assert ask.missing == ("guest_name", "phone") and ask.invalid == ()
    assert ask.call.arguments == STAY
    assert bookings(conn) == before


async def test_blank_values_count_as_missing(desk: ToolRegistry) -> None:
    result = await run(desk, "create_booking", **STAY, guest_name="", phone=" ")
    assert result.elicitation is not None
    assert result.elicitation.missing == ("guest_name", "phone")
    assert result.elicitation.question == "May I have your full name and a phone number?"


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("transfer_to_human", {"department": "billing"}),  # `reason` is the model's to write
        ("create_booking", {**GUEST, **STAY, "adults": "two"}),  # a type error: the model's
        ("create_booking", {**STAY, "pets": 1}),  # an unknown argument spoils the whole call
        ("create_booking", {**GUEST, **STAY, "room_type": "penthouse"}),  # outside the enum
        ("check_availability", {"check_in": "2026-03-10", "check_out": "2026-03-12"}),  # past
        ("no_such_tool", {}),
    ],
)
async def test_the_models_mistakes_are_not_asked(
    desk: ToolRegistry, name: str, arguments: dict[str, Any]
) -> None:
    result = await run(desk, name, **arguments)
    assert not result.ok
    assert result.elicitation is None


async def test_an_unparseable_date_is_asked_again(desk: ToolRegistry) -> None:
    result = await run(desk, "create_booking", **GUEST, **{**STAY, "check_in": "next friday"})
    assert "check_in must be a date like 2026-03-20" in result.content
    assert result.elicitation is not None
    assert result.elicitation.invalid == ("check_in",)
    assert result.elicitation.question == "Sorry, could you tell me the check-in date again?"


async def test_every_value_the_caller_must_repeat_is_asked_at_once(desk: ToolRegistry) -> None:
    bad = {**STAY, "guest_name": "", "phone": "call me", "check_in": "next friday"}
    result = await run(desk, "create_booking", **bad)
    # The model still reads every problem, in one message.
    assert "does not look like a phone" in result.content and "next friday" in result.content
    ask = result.elicitation
    assert ask is not None
    assert ask.missing == ("guest_name",) and ask.invalid == ("check_in", "phone")
    assert ask.question == (
        "May I have your full name, and could you tell me the check-in date and a phone "
        "number again?"
    )


async def test_a_tool_asks_for_what_it_needs_that_was_never_given(desk: ToolRegistry) -> None:
    spa = {"guest_name": "Ann Lee", "service": "facial", "date": "2026-03-20", "time": "10:00"}
    result = await run(desk, "book_spa", **spa)
    assert result.elicitation is not None
    # Neither phone nor room was given: asked for, not asked "again".
    assert result.elicitation.missing == ("phone",)
    assert result.elicitation.question == "May I have a phone number?"


async def test_indirect_phrases_are_asked_with_tell_me(desk: ToolRegistry) -> None:
    result = await run(desk, "report_lost_item", guest_name="Ann Lee", phone="555 123 4567")
    assert result.elicitation is not None
    assert result.elicitation.question == (
        "Could you tell me what the item looks like, where you lost it and the day you lost it?"
    )


async def test_follow_up_keeps_what_was_given(desk: ToolRegistry, conn: sqlite3.Connection) -> None:
    first = await run(desk, "create_booking", **STAY)
    assert first.elicitation is not None
    pending = PendingCall(first.elicitation)
    # Next turn the caller has answered; a small model calls again with only the new facts.
    follow_up = ToolCall("call_2", "create_booking", {**GUEST, "room_type": ""})
    merged = pending.merge(follow_up)
    assert merged.id == "call_2"
    assert merged.arguments == {**STAY, **GUEST}
    before = bookings(conn)
    done = await desk.execute(merged)
    assert done.ok, done.content
    assert bookings(conn) == before + 1
    assert '"guest_name": "Ann Lee"' in done.content


async def test_a_corrected_value_wins_and_a_refused_one_is_not_kept(desk: ToolRegistry) -> None:
    first = await run(desk, "create_booking", **GUEST, **{**STAY, "check_in": "next friday"})
    assert first.elicitation is not None
    pending = PendingCall(first.elicitation)
    assert "check_in" not in pending.earlier_arguments()
    fixed = pending.merge(ToolCall("c2", "create_booking", {"check_out": "2026-03-23"}))
    assert fixed.arguments["check_out"] == "2026-03-23"
    assert "check_in" not in fixed.arguments
    # Still without a check-in date, the same call asks for exactly that.
    again = await desk.execute(fixed)
    assert again.elicitation is not None
    assert again.elicitation.missing == ("check_in",)
    assert again.elicitation.question == "May I have the check-in date?"


async def test_another_tool_is_not_merged(desk: ToolRegistry) -> None:
    first = await run(desk, "create_booking", **STAY)
    assert first.elicitation is not None
    other = ToolCall("c2", "check_availability", {"check_in": "2026-03-20"})
    pending = PendingCall(first.elicitation)
    assert not pending.covers(other)
    assert pending.merge(other) is other


async def test_answers_mapped_to_fields_complete_the_call(
    desk: ToolRegistry, conn: sqlite3.Connection
) -> None:
    first = await run(desk, "create_booking", **STAY)
    assert first.elicitation is not None
    pending = PendingCall(first.elicitation)
    call = pending.with_values(GUEST, call_id="call_9")
    assert call.id == "call_9" and call.arguments == {**STAY, **GUEST}
    assert (await desk.execute(call)).ok
    with pytest.raises(ValueError, match="pets"):
        pending.with_values({"pets": 2})
    note = pending.note()
    assert "create_booking" in note and "guest_name, phone" in note and "2026-03-20" in note


def test_the_model_never_sees_the_extension_keys(desk: ToolRegistry) -> None:
    spec = desk.spec("create_booking")
    assert spec.parameters["properties"]["guest_name"][ASK_CALLER] is True
    seen = spec.schema()["function"]["parameters"]
    assert seen["properties"]["guest_name"] == {
        "description": "guest's full name",
        "maxLength": 60,
        "type": "string",
    }
    assert all(ASK_CALLER not in str(s) for s in desk.schemas())


def test_default_rule_for_fields_without_a_flag() -> None:
    assert is_callers("guest_name", {"type": "string"})
    assert is_callers("contact", {"type": "string", "description": "mobile number"})
    assert is_callers("arrive", {"type": "string", "description": "YYYY-MM-DD"})
    assert is_callers("when", {"type": "string", "format": "date-time"})
    assert not is_callers("reason", {"type": "string", "description": "why the call ends"})
    assert not is_callers("name", {"type": "string", "enum": ["a", "b"]})
    assert not is_callers("phone_count", {"type": "integer"})
    assert not is_callers("name", {"type": "string", ASK_CALLER: False})
    assert is_callers("party", {"type": "integer", ASK_CALLER: "the number of people"})


def test_phrases_from_descriptions_and_names() -> None:
    assert spoken_phrase("guest_name", {"description": "guest's full name"}) == "your full name"
    assert spoken_phrase("room", {"description": "room number, e.g. 402"}) == "your room number"
    assert spoken_phrase("check_in", {"description": "YYYY-MM-DD"}) == "your check in date"
    assert spoken_phrase("at", {"description": "HH:MM, 24-hour"}) == "your at time"
    assert spoken_phrase("x", {ASK_CALLER: "the pickup address"}) == "the pickup address"
    long = "the caller's question in a few words, as they said it"
    assert spoken_phrase("question", {"description": long}) == "your question"


class Ledger:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []


# Module level: ``@tool`` resolves string annotations in the function's module.
ClinicPhone = Annotated[str, Field(pattern=r"^\+?[0-9 ]{7,15}$")]
VisitDay = Annotated[str, Field(json_schema_extra=ask_caller("the day that suits you"))]


def clinic_tools(ledger: Ledger) -> ToolRegistry:
    @tool
    async def book_visit(
        patient_name: str,
        phone: ClinicPhone,
        kind: Literal["checkup", "vaccine"],
        day: VisitDay,
        reason: str = "",
    ) -> str:
        """Book a visit.

        Args:
            patient_name: patient's full name
            reason: why they come, in a few words
        """
        ledger.calls.append({"name": patient_name, "day": day})
        if day == "someday":
            raise CallerInputError("day must be a weekday", "day", "not_an_argument")
        return "booked"

    @tool
    def refuse(note: str) -> str:
        """Always refuses."""
        raise ToolExecutionError(f"refused {note}")

    return ToolRegistry([book_visit.spec(), refuse.spec()])


async def test_generic_tool_missing_and_invalid_together() -> None:
    tools = clinic_tools(Ledger())
    result = await run(tools, "book_visit", phone="call me", kind="checkup")
    ask = result.elicitation
    assert ask is not None
    assert ask.missing == ("patient_name", "day") and ask.invalid == ("phone",)
    assert ask.question == (
        "May I have your full name and the day that suits you, and could you tell me your "
        "phone again?"
    )


async def test_generic_tool_error_names_only_declared_arguments() -> None:
    ledger = Ledger()
    tools = clinic_tools(ledger)
    args = {"patient_name": "Bo Ek", "phone": "555 1234", "kind": "vaccine", "day": "someday"}
    result = await run(tools, "book_visit", **args)
    assert ledger.calls == [{"name": "Bo Ek", "day": "someday"}]
    assert result.elicitation is not None
    assert result.elicitation.invalid == ("day",) and result.elicitation.missing == ()
    # A plain refusal with nothing blank is the model's to handle.
    assert (await run(tools, "refuse", note="x")).elicitation is None


def test_bad_declarations_are_refused() -> None:
    with pytest.raises(ValueError):
        ask_caller("  ")
    with pytest.raises(ValueError):
        CallerInputError("no field named")
