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


def test_a_free_table_is_offered_and_a_taken_one_gets_the_nearest_times() -> None:
    from quickturn.domains.hotel.spoken import clock, table_availability, table_offer

    free = {"date": "2026-03-15", "party_size": 2, "time": "19:00", "available": True}
    assert table_availability(free) == (
        "A table for 2 people on March 15 at 7 PM is free. Shall I reserve it?"
    )
    assert table_offer({}, free) == (
        "reserve_restaurant", {"date": "2026-03-15", "time": "19:00", "party_size": 2}
    )
    taken = {**free, "time": "19:30", "available": False,
             "nearest_free_times": ["20:00", "18:30", "21:00"]}
    assert table_availability(taken) == (
        "7:30 PM is taken. On March 15 a table for 2 people is free at 8 PM, 6:30 PM or 9 PM. "
        "Which would you like?"
    )
    assert table_offer({}, taken) is None  # nothing to say yes to: the caller picks a time
    assert table_availability({"date": "2026-03-15", "party_size": 1, "free_times": []}) == (
        "I'm sorry, no table for 1 person is free on March 15."
    )
    assert clock("12:00") == "12 PM" and clock("09:05") == "9:05 AM" and clock("x") == "x"


def test_a_table_is_read_back_and_told_with_its_code() -> None:
    from quickturn.domains.hotel.spoken import table_done, table_readback

    args = {"date": "2026-03-15", "time": "19:00", "party_size": 2,
            "guest_name": "Laura Bennett", "phone": "+1 646 555 0123"}
    assert table_readback(args) == (
        "So that's a table for 2 people on March 15 at 7 PM, under Laura Bennett, "
        "phone +1 646 555 0123. Shall I reserve it?"
    )
    assert table_done({"reservation_code": "R2D2"}) == (
        "Your table is reserved. Your reservation code is R, 2, D, 2."
    )
    assert table_done({"error": "no table"}) is None


def test_a_goodbye_and_a_transfer_are_said_by_the_desk() -> None:
    from quickturn.domains.hotel.spoken import goodbye, transferring

    assert goodbye({"status": "ending"}) == "Thank you for calling the Harbor Light Hotel. Goodbye!"
    assert transferring({"status": "transferring", "department": "billing"}) == (
        "I'm connecting you with our billing team now. One moment, please."
    )
    assert transferring({"status": "transferring", "department": "manager"}) == (
        "I'm connecting you with the manager on duty now. One moment, please."
    )
    assert goodbye({"error": "x"}) is None and transferring({}) is None
