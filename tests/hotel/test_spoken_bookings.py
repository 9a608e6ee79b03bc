"""The desk's words for bookings found, changed, quoted and cancelled, as the caller hears them."""

from __future__ import annotations

from typing import Any

from quickturn.domains.hotel.spoken import a_room, party
from quickturn.domains.hotel.spoken_bookings import (
    booking_details,
    bookings_found,
    cancellation_offer,
    cancellation_quote,
    cancellation_readback,
    cancelled,
    contact_updated,
    modified,
    rates,
    request_noted,
    room_types,
)

STAY: dict[str, Any] = {
    "booking_code": "QMZ6ZY",
    "guest_name": "Priya Raman",
    "room_type": "double",
    "check_in": "2026-03-15",
    "check_out": "2026-03-17",
    "adults": 2,
    "children": 1,
    "rate_plan": "flexible",
    "status": "confirmed",
    "total_usd": 358,
}


def test_rooms_and_parties_are_said_with_the_right_article() -> None:
    assert a_room("double") == "a double room" and a_room("accessible") == "an accessible room"
    assert a_room("suite") == "a suite"
    assert party(1) == "1 adult" and party(2, 2) == "2 adults and 2 children"


def test_a_quote_says_the_fee_or_that_it_is_free_and_offers_the_cancellation() -> None:
    quote = {"booking_code": "QMZ6ZY", "rate_plan": "flexible", "check_in": "2026-03-15",
             "cancellation_fee_usd": 179, "free_cancellation": False}
    assert cancellation_quote(quote) == (
        "Booking Q, M, Z, 6, Z, Y, arriving March 15, can be cancelled for a fee of 179 "
        "dollars, the price of one night. Shall I cancel it?"
    )
    assert cancellation_offer({"booking_code": "qmz6zy"}, quote) == (
        "cancel_booking", {"booking_code": "QMZ6ZY"}
    )
    free = {**quote, "cancellation_fee_usd": 0, "free_cancellation": True}
    assert cancellation_quote(free) == (
        "Booking Q, M, Z, 6, Z, Y, arriving March 15, can be cancelled free of charge. "
        "Shall I cancel it?"
    )
    kept = {**quote, "rate_plan": "nonrefundable", "cancellation_fee_usd": 315}
    assert cancellation_quote(kept) == (
        "Booking Q, M, Z, 6, Z, Y, arriving March 15, is non-refundable: if you cancel, the "
        "315 dollars are not refunded. Shall I cancel it?"
    )
    assert cancellation_quote({"error": "x"}) is None and cancellation_offer({}, "x") is None


def test_a_cancellation_is_read_back_with_its_cost() -> None:
    assert cancellation_readback(STAY, 179) == (
        "So that's cancelling booking Q, M, Z, 6, Z, Y, a double room from March 15 to March 17, "
        "for a fee of 179 dollars, the price of one night. Shall I cancel it?"
    )
    assert cancellation_readback(STAY, 0).endswith(
        "a double room from March 15 to March 17, free of charge. Shall I cancel it?"
    )
    nonref = cancellation_readback({**STAY, "rate_plan": "nonrefundable"}, 315)
    assert nonref.endswith("which is non-refundable: the 315 dollars are not refunded. "
                           "Shall I cancel it?")


def test_a_cancelled_booking_is_told_with_its_fee() -> None:
    done = {"booking_code": "QMZ6ZY", "status": "cancelled", "cancellation_fee_usd": 179,
            "rate_plan": "flexible"}
    assert cancelled(done) == (
        "Booking Q, M, Z, 6, Z, Y is cancelled, with a cancellation fee of 179 dollars."
    )
    assert cancelled({**done, "cancellation_fee_usd": 0}) == (
        "Booking Q, M, Z, 6, Z, Y is cancelled, free of charge."
    )
    assert cancelled({**done, "rate_plan": "nonrefundable", "cancellation_fee_usd": 315}) == (
        "Booking Q, M, Z, 6, Z, Y is cancelled. It was non-refundable, so the 315 dollars are "
        "not refunded."
    )
    assert cancelled({"booking_code": "QMZ6ZY"}) is None


def test_a_booking_is_told_by_its_state() -> None:
    assert booking_details(STAY) == (
        "Booking Q, M, Z, 6, Z, Y, under Priya Raman: a double room from March 15 to March 17 "
        "for 2 adults and 1 child, 358 dollars in total."
    )
    staying = {**STAY, "status": "checked_in", "room_number": "305", "rate_plan": "nonrefundable"}
    assert booking_details(staying) == (
        "Booking Q, M, Z, 6, Z, Y, under Priya Raman: a double room from March 15 to March 17 "
        "for 2 adults and 1 child, in room 305, 358 dollars in total at the non-refundable rate. "
        "You're checked in."
    )
    gone = {**STAY, "status": "cancelled", "cancellation_fee_usd": 0}
    assert booking_details(gone) == (
        "Booking Q, M, Z, 6, Z, Y, a double room from March 15 to March 17, is already "
        "cancelled, free of charge."
    )
    assert (booking_details({**gone, "cancellation_fee_usd": 179}) or "").endswith(
        "is already cancelled, with a fee of 179 dollars."
    )
    assert booking_details({**STAY, "status": "checked_out"}) == (
        "Booking Q, M, Z, 6, Z, Y was a past stay: a double room from March 15 to March 17, "
        "358 dollars."
    )
    assert booking_details({"error": "no booking"}) is None


def test_bookings_found_by_name_are_told_by_room_and_dates_only() -> None:
    one = bookings_found({"bookings": [STAY]})
    assert one == "I found a booking for a double room from March 15 to March 17. Is that the one?"
    # A surname may match another guest: no name, code or price.
    assert "Priya" not in one and "Q, M" not in one and "358" not in one
    past = {**STAY, "room_type": "suite", "check_in": "2025-11-02", "check_out": "2025-11-05",
            "status": "checked_out"}
    assert bookings_found({"bookings": [STAY, past]}) == (
        "I found 2 bookings: a double room from March 15 to March 17 and a suite from "
        "November 2 to November 5, a past stay. Which one is yours?"
    )
    assert bookings_found({"bookings": []}) is None


def test_a_changed_booking_is_told_with_the_new_total_and_the_difference() -> None:
    more = {**STAY, "check_out": "2026-03-19", "total_usd": 716, "previous_total_usd": 358,
            "difference_usd": 358}
    assert modified(more) == (
        "Done: your booking is now a double room from March 15 to March 19 for 2 adults and "
        "1 child. The new total is 716 dollars, 358 dollars more than before."
    )
    assert (modified({**more, "total_usd": 179, "difference_usd": -179}) or "").endswith(
        "The new total is 179 dollars, 179 dollars less than before."
    )
    assert (modified({**STAY, "adults": 1, "difference_usd": 0}) or "").endswith(
        "for 1 adult and 1 child. The total stays 358 dollars."
    )
    assert modified({"error": "x"}) is None


def test_a_request_and_new_contact_details_are_read_back() -> None:
    noted = {"booking_code": "9SVAJK", "request": "feather-free pillows", "status": "noted"}
    assert request_noted(noted) == "I've noted that on your booking: feather-free pillows."
    both = {"booking_code": "527VAJ", "guest_name": "Olivia Chen", "phone": "+1 604 555 0199",
            "email": "olivia@example.com"}
    assert contact_updated(both) == (
        "I've changed the phone number to +1 604 555 0199 and the email to olivia@example.com "
        "on your booking."
    )
    assert contact_updated({"booking_code": "527VAJ"}) is None and request_noted({}) is None


def test_rates_and_room_types_are_told_with_prices() -> None:
    quoted = {"room_type": "deluxe", "nights": 2, "flexible_total_usd": 550,
              "nonrefundable_total_usd": 496, "flexible_nightly_usd": [275, 275]}
    assert rates(quoted) == (
        "A deluxe room for 2 nights is 550 dollars in total at the flexible rate, or 496 "
        "dollars at the non-refundable rate, which cannot be changed or refunded."
    )
    kinds = [
        {"name": "Standard Queen", "capacity": 2, "from_usd": 159},
        {"name": "Double Double", "capacity": 4, "from_usd": 179},
        {"name": "Deluxe King", "capacity": 3, "from_usd": 229},
        {"name": "Harbor Suite", "capacity": 4, "from_usd": 389},
    ]
    assert room_types({"room_types": kinds}) == (
        "We have the Standard Queen for up to 2 guests, from 159 dollars a night; the Deluxe "
        "King for up to 3 guests, from 229 dollars a night; and the Double Double and the "
        "Harbor Suite for up to 4 guests, from 179 and 389 dollars a night. Which would suit you?"
    )
    assert rates({"error": "x"}) is None and room_types({"room_types": []}) is None
