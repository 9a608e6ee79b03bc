"""The front desk's read-back and its words after a booking, as the caller hears them."""

from __future__ import annotations

from quickturn.domains.hotel.spoken import booking_done, booking_readback, day, spelled


def test_a_booking_is_read_back_for_the_ear() -> None:
    args = {
        "room_type": "double",
        "check_in": "2026-03-20",
        "check_out": "2026-03-22",
        "adults": 2,
        "children": 1,
        "guest_name": "Anna Miller",
        "phone": "555-0142",
    }
    assert booking_readback(args) == (
        "So that's a double room from March 20 to March 22 for 2 adults and 1 child, under "
        "Anna Miller, phone 555-0142. Shall I book it?"
    )
    assert day("next friday") == "next friday"  # read as written; the tool validates it
    cheaper = booking_readback({**args, "children": 0, "rate_plan": "nonrefundable"})
    assert "for 2 adults at the non-refundable rate, under" in cheaper


def test_a_booking_is_told_with_its_code_letter_by_letter() -> None:
    done = {"booking_code": "8S8TRK", "nights": 2, "total_usd": 536}
    assert booking_done(done) == (
        "You're booked: 2 nights, 536 dollars in total. Your confirmation code is "
        "8, S, 8, T, R, K."
    )
    again = {**done, "note": "this booking already existed; nothing new was booked"}
    assert booking_done(again) == (
        "That booking is already in place. Your confirmation code is 8, S, 8, T, R, K."
    )
    assert booking_done({"error": "no room"}) is None and spelled("AB") == "A, B"


def test_availability_and_policy_are_told_in_the_desks_words() -> None:
    from quickturn.domains.hotel.spoken import availability, policy

    free = {
        "check_in": "2026-03-20",
        "check_out": "2026-03-22",
        "available": [{"room_type": "double", "flexible_total_usd": 536}],
    }
    assert availability(free) == (
        "A double room at 536 dollars in total is free from March 20 to March 22. "
        "Shall I book it for you?"
    )
    assert availability({**free, "available": []}) == (
        "I'm sorry, nothing suitable is free from March 20 to March 22."
    )
    assert availability({"error": "x"}) is None
    assert policy({"topic": "Checkout", "policy": "Checkout is at 11 am.\nLate until 1 pm."}) == (
        "Checkout is at 11 am. Late until 1 pm."
    )
