"""The desk's own words through the tool loop, on the real seeded database: a quote offers the
cancellation, the caller's yes to it cancels (the offer's words were its read-back), and no model
round speaks.

The model is scripted (its calls are what the 0.5B writes); everything else is real.
"""

from __future__ import annotations

import json

from quickturn.domains.hotel import HotelAgent, snapshot
from quickturn.llm.tool_loop import ToolFinished, run_tool_loop
from quickturn.tools.types import ToolCall

from .desk import Desk
from .test_hotel_tool_loop import Conversation, ScriptedModel


def _booking(desk: Desk, code: str) -> dict[str, object]:
    return next(b for b in snapshot(desk.conn)["bookings"] if b["code"] == code)


async def test_a_quoted_cancellation_is_offered_and_done_on_the_callers_yes(
    agent: HotelAgent, desk: Desk
) -> None:
    model = ScriptedModel([[ToolCall("c1", "quote_cancellation", {"booking_code": "QMZ6ZY"})]])
    reply = Conversation(agent, desk, model).reply

    assert await reply("What would it cost to cancel booking QMZ6ZY?") == (
        "Booking Q, M, Z, 6, Z, Y, arriving March 15, can be cancelled for a fee of 179 "
        "dollars, the price of one night. Shall I cancel it?"
    )
    assert _booking(desk, "QMZ6ZY")["status"] == "confirmed"  # nothing done before the yes
    # The offer asked "Shall I cancel it?" with the fee: a yes to it is not asked again by the
    # cancellation's own read-back. "cancel" is the question's own word, so no take-back.
    assert await reply("Yes, cancel it.") == (
        "Booking Q, M, Z, 6, Z, Y is cancelled, with a cancellation fee of 179 dollars."
    )
    assert len(model.requests) == 1  # only the quote was the model's
    row = _booking(desk, "QMZ6ZY")
    assert (row["status"], row["cancellation_fee_usd"]) == ("cancelled", 179)


async def test_a_cancellation_the_model_calls_is_read_back_first(
    agent: HotelAgent, desk: Desk
) -> None:
    model = ScriptedModel([[ToolCall("c1", "cancel_booking", {"booking_code": "QMZ6ZY"})]])
    reply = Conversation(agent, desk, model).reply
    assert await reply("Please cancel booking QMZ6ZY.") == (
        "So that's cancelling booking Q, M, Z, 6, Z, Y, a double room from March 15 to "
        "March 17, for a fee of 179 dollars, the price of one night. Shall I cancel it?"
    )
    assert _booking(desk, "QMZ6ZY")["status"] == "confirmed"
    assert await reply("Yes.") == (
        "Booking Q, M, Z, 6, Z, Y is cancelled, with a cancellation fee of 179 dollars."
    )
    assert _booking(desk, "QMZ6ZY")["status"] == "cancelled"


async def test_a_declined_quote_cancels_nothing(agent: HotelAgent, desk: Desk) -> None:
    model = ScriptedModel(
        [
            [ToolCall("c1", "quote_cancellation", {"booking_code": "9SVAJK"})],
            "Of course, your booking stays as it is.",
        ]
    )
    reply = Conversation(agent, desk, model).reply
    said = await reply("How much would I get back if I cancelled 9SVAJK?")
    assert "is non-refundable: if you cancel, the 908 dollars are not refunded" in said
    before = snapshot(desk.conn)
    assert await reply("No, then I'll keep it.") == "Of course, your booking stays as it is."
    assert snapshot(desk.conn) == before


async def test_a_booking_the_tool_would_refuse_is_never_read_back(
    agent: HotelAgent, desk: Desk
) -> None:
    """An already cancelled booking: the read-back raises the tool's own refusal, so the model
    reads why (and the caller is not asked to agree to a cancellation that cannot happen)."""
    model = ScriptedModel(
        [[ToolCall("c1", "cancel_booking", {"booking_code": "2K9324"})], "It is cancelled."]
    )
    history: list[dict[str, object]] = [
        {"role": "system", "content": agent.system_prompt},
        {"role": "user", "content": "Please cancel booking 2K9324."},
    ]
    results = [
        ev.result
        async for ev in run_tool_loop(model, history, desk.registry)
        if isinstance(ev, ToolFinished)
    ]
    assert [(r.ok, r.confirmation) for r in results] == [(False, None)]
    assert json.loads(results[0].content) == {"error": "booking 2K9324 is already cancelled"}



async def test_a_cancelled_spa_appointment_is_read_back_with_its_late_fee(
    agent: HotelAgent, desk: Desk
) -> None:
    model = ScriptedModel(
        [[ToolCall("c1", "cancel_spa_appointment", {"appointment_code": "NULJDG"})]]
    )
    reply = Conversation(agent, desk, model).reply
    assert await reply("Please cancel my hot stone massage this afternoon, NULJDG.") == (
        "So that's cancelling your hot stone massage on March 14 at 2 PM, with a "
        "late-cancellation fee of 88 dollars, half the price. Shall I cancel it?"
    )
    assert await reply("Yes.") == (
        "Your hot stone massage on March 14 at 2 PM is cancelled, with a fee of 88 dollars."
    )
    assert desk.rows(
        "SELECT status, cancellation_fee_usd FROM spa_appointments WHERE code = 'NULJDG'"
    ) == [{"status": "cancelled", "cancellation_fee_usd": 88}]


async def test_nothing_found_offers_a_lost_item_report_and_a_yes_asks_what_it_lacks(
    agent: HotelAgent, desk: Desk
) -> None:
    model = ScriptedModel(
        [[ToolCall("c1", "search_lost_and_found", {"description": "red backpack"})]]
    )
    reply = Conversation(agent, desk, model).reply
    assert await reply("Did anyone find a red backpack?") == (
        "I'm sorry, nothing like that has been handed in. Shall I report it as lost?"
    )
    # The item is settled by the offer: only what the report still lacks is asked.
    assert await reply("Yes, please.") == (
        "Could you tell me where you lost it, the day you lost it, your full name and a phone "
        "number?"
    )
    assert len(model.requests) == 1  # the yes cost no model round
