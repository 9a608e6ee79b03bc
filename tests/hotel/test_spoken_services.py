"""The desk's words for the spa, rides, the restaurant and room service, as callers hear them."""

from __future__ import annotations

from quickturn.domains.hotel.spoken import dollars, fee, mid_sentence, one_of
from quickturn.domains.hotel.spoken_services import (
    menu,
    ride_booked,
    ride_cancelled,
    room_service_ordered,
    spa_availability,
    spa_booked,
    spa_cancel_readback,
    spa_cancelled,
    spa_offer,
    spa_services,
    table_cancelled,
)


def test_the_shared_helpers_say_money_lists_and_free_text() -> None:
    assert dollars(1) == "1 dollar" and dollars(88) == "88 dollars"
    assert fee(0) == "free of charge" and fee(88) == "with a fee of 88 dollars"
    assert one_of(["8 PM"]) == "8 PM" and one_of(["a", "b", "c"], "and") == "a, b and c"
    assert mid_sentence("Two sodas") == "two sodas" and mid_sentence("TV remote") == "TV remote"
    assert mid_sentence("iPhone") == "iPhone"


def test_spa_treatments_and_free_times_are_told() -> None:
    services = {
        "services": [
            {"code": "facial", "name": "Signature facial", "duration_min": 45, "price_usd": 95},
            {"code": "hot_stone_massage", "name": "Hot stone massage", "duration_min": 90,
             "price_usd": 175},
        ],
        "hours": "09:00-20:00",
    }
    assert spa_services(services) == (
        "The spa offers the signature facial, 45 minutes for 95 dollars; and the hot stone "
        "massage, 90 minutes for 175 dollars. It is open from 9 AM to 8 PM."
    )
    day = {"date": "2026-03-17", "service": "couples_massage",
           "free_times": ["09:00", "10:00", "11:00", "12:00", "18:00", "19:00"]}
    assert spa_availability(day) == (
        "On March 17 the couples massage is free at 9 AM, 10 AM, 11 AM and 3 other times up to "
        "7 PM. Which time would you like?"
    )
    assert spa_offer({}, day) is None  # the caller picks a time
    few = {**day, "free_times": ["09:00", "19:00"]}
    assert spa_availability(few) == (
        "On March 17 the couples massage is free at 9 AM or 7 PM. Which time would you like?"
    )
    one = {**day, "free_times": ["19:00"]}
    assert spa_availability(one) == (
        "On March 17 the couples massage is free only at 7 PM. Shall I book it?"
    )
    assert spa_offer({"date": "2026-03-17", "service": "couples_massage"}, one) == (
        "book_spa", {"service": "couples_massage", "date": "2026-03-17", "time": "19:00"}
    )
    assert spa_availability({**day, "free_times": []}) == (
        "I'm sorry, the couples massage is fully booked on March 17."
    )
    assert spa_services({"error": "x"}) is None and spa_availability({"date": "x"}) is None


def test_a_spa_booking_and_its_cancellation_are_told_with_code_and_fee() -> None:
    booked = {"appointment_code": "8S8TRK", "service": "swedish_massage", "date": "2026-03-16",
              "time": "15:00", "price_usd": 120}
    assert spa_booked(booked) == (
        "Your swedish massage is booked for March 16 at 3 PM, 120 dollars. Your confirmation "
        "code is 8, S, 8, T, R, K."
    )
    appointment = {"appointment_code": "NULJDG", "service": "Hot stone massage",
                   "date": "2026-03-14", "time": "14:00", "price_usd": 175}
    assert spa_cancel_readback(appointment, 88) == (
        "So that's cancelling your hot stone massage on March 14 at 2 PM, with a "
        "late-cancellation fee of 88 dollars, half the price. Shall I cancel it?"
    )
    assert spa_cancel_readback(appointment, 0) == (
        "So that's cancelling your hot stone massage on March 14 at 2 PM, free of charge. "
        "Shall I cancel it?"
    )
    done = {**appointment, "status": "cancelled", "cancellation_fee_usd": 88}
    assert spa_cancelled(done) == (
        "Your hot stone massage on March 14 at 2 PM is cancelled, with a fee of 88 dollars."
    )
    bare = {"appointment_code": "NULJDG", "status": "cancelled", "cancellation_fee_usd": 0}
    assert spa_cancelled(bare) == "Your spa appointment is cancelled, free of charge."
    assert spa_booked({"error": "x"}) is None and spa_cancelled({}) is None


def test_rides_are_told_with_pickup_price_and_code() -> None:
    taxi = {"transport_code": "8S8TRK", "kind": "taxi", "date": "2026-03-17", "time": "07:00",
            "pickup_location": "hotel entrance", "destination": "train station",
            "fare": "metered, paid to the driver"}
    assert ride_booked(taxi) == (
        "Your taxi to the train station will pick you up at the hotel entrance at 7 AM on "
        "March 17; the fare is metered, paid to the driver. Your confirmation code is "
        "8, S, 8, T, R, K."
    )
    van = {"transport_code": "8S8TRK", "kind": "airport_transfer", "date": "2026-03-20",
           "time": "14:00", "pickup_location": "Harbor City International Airport arrivals",
           "vehicle": "van", "price_usd": 95}
    assert ride_booked(van) == (
        "A van will pick you up at Harbor City International Airport arrivals at 2 PM on "
        "March 20, for 95 dollars. Your confirmation code is 8, S, 8, T, R, K."
    )
    again = {**van, "note": "this ride already existed; nothing new was booked"}
    assert ride_booked(again) == (
        "That ride is already booked. Your confirmation code is 8, S, 8, T, R, K."
    )
    gone = {"transport_code": "XWEU9P", "status": "cancelled", "cancellation_fee_usd": 0,
            "kind": "airport_transfer", "date": "2026-03-14", "time": "13:00"}
    assert ride_cancelled(gone) == (
        "Your airport transfer at 1 PM on March 14 is cancelled, free of charge."
    )
    late = {**gone, "kind": "taxi", "cancellation_fee_usd": 65}
    assert ride_cancelled(late) == (
        "Your taxi at 1 PM on March 14 is cancelled; as pickup is so close, the full 65 dollars "
        "is charged."
    )
    assert ride_booked({"error": "x"}) is None and ride_cancelled({"status": "x"}) is None


def test_tables_menus_and_room_service_are_told() -> None:
    table = {"reservation_code": "Z6GH4X", "status": "cancelled", "date": "2026-03-21",
             "time": "19:30"}
    assert table_cancelled(table) == "Your table on March 21 at 7:30 PM is cancelled."
    mains = {"items": [{"code": "vegan_bowl", "name": "Vegan grain bowl", "price_usd": 17},
                       {"code": "fish_chips", "name": "Fish and chips", "price_usd": 24}]}
    assert menu(mains) == (
        "We have vegan grain bowl, 17 dollars; and fish and chips, 24 dollars. "
        "What would you like?"
    )
    # The whole menu is too long to read out: the model says what the caller asked about.
    assert menu({"items": mains["items"] * 5}) is None
    order = {"room_number": "204", "total_usd": 26, "estimated_minutes": 30, "status": "placed"}
    assert room_service_ordered(order) == (
        "Your order is placed: 26 dollars, charged to room 204. It will be with you in about "
        "30 minutes."
    )
    assert table_cancelled({}) is None and room_service_ordered({"error": "x"}) is None
