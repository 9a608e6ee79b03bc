"""Bad input gets a clear error for the model and changes nothing in the database."""

from __future__ import annotations

from typing import Any

import pytest

from quickturn.domains.hotel import snapshot

from .desk import Desk

GUEST = {"guest_name": "Nora Field", "phone": "+1 555 201 3344"}
STAY = {"room_type": "standard", "check_in": "2026-04-06", "check_out": "2026-04-08", "adults": 1}

# (tool, arguments, a fragment the error must contain)
BAD_CALLS: list[tuple[str, dict[str, Any], str]] = [
    # Schema violations, caught by ToolRegistry.execute before any handler runs.
    ("create_booking", {**GUEST, **STAY, "adults": "two"}, "adults: 'two' is not of type"),
    ("create_booking", {**GUEST, **STAY, "room_type": "penthouse"}, "room_type: 'penthouse'"),
    ("create_booking", {**GUEST, **STAY, "pets": 1}, "Additional properties"),
    ("create_booking", {**GUEST, "room_type": "suite"}, "'check_in' is a required property"),
    (
        "check_availability",
        {"check_in": "2026-04-06", "check_out": "2026-04-08", "guests": 0},
        "less than the minimum",
    ),
    ("no_such_tool", {}, "unknown tool"),
    # Dates.
    (
        "check_availability",
        {"check_in": "2026-03-10", "check_out": "2026-03-12"},
        "check_in 2026-03-10 is in the past; today is 2026-03-14",
    ),
    (
        "check_availability",
        {"check_in": "2026-04-08", "check_out": "2026-04-06"},
        "check_out 2026-04-06 must be after check_in 2026-04-08",
    ),
    ("check_availability", {"check_in": "2026-04-08", "check_out": "2026-04-08"}, "must be after"),
    (
        "check_availability",
        {"check_in": "next friday", "check_out": "2026-04-08"},
        "check_in must be a date like 2026-03-20",
    ),
    (
        "check_availability",
        {"check_in": "2026-02-30", "check_out": "2026-03-02"},
        "must be a date like",
    ),
    ("check_availability", {"check_in": "2026-04-01", "check_out": "2026-05-15"}, "30 nights"),
    (
        "get_rates",
        {"room_type": "suite", "check_in": "2026-12-30", "check_out": "2027-01-03"},
        "until 2026-12-31",
    ),
    (
        "check_availability",
        {"check_in": "2026-04-01", "check_out": "2026-04-02", "guests": 6},
        "no single room takes 6 guests",
    ),
    # Bookings.
    (
        "create_booking",
        {
            **GUEST,
            **STAY,
            "room_type": "deluxe",
            "check_in": "2026-03-20",
            "check_out": "2026-03-22",
        },
        "no deluxe room free from 2026-03-20 to 2026-03-22",
    ),
    (
        "create_booking",
        {**GUEST, **STAY, "adults": 2, "children": 1},
        "a standard room holds at most 2 guests, not 3",
    ),
    ("create_booking", {**GUEST, **STAY, "phone": "call me"}, "does not look like a phone"),
    ("create_booking", {**GUEST, **STAY, "phone": "12345"}, "does not look like a phone"),
    (
        "create_booking",
        {**GUEST, **STAY, "email": "nora at example"},
        "does not look like an email",
    ),
    ("create_booking", {**GUEST, **STAY, "guest_name": "42"}, "must be the guest's name"),
    ("get_booking", {"booking_code": "HX4K2P"}, "no booking with code HX4K2P"),
    ("get_booking", {"booking_code": "Maria Garcia"}, "use find_booking_by_name"),
    ("cancel_restaurant_reservation", {"reservation_code": ""}, "is not a reservation code"),
    ("find_booking_by_name", {"guest_name": "Zed Nobody"}, "no booking under the name Zed Nobody"),
    ("find_booking_by_name", {"guest_name": "Garcia", "check_in": "2026-05-01"}, "arriving 2026"),
    ("modify_booking", {"booking_code": "4K6JP4"}, "nothing to change"),
    ("modify_booking", {"booking_code": "TKURTH", "check_out": "2026-03-31"}, "non-refundable"),
    (
        "modify_booking",
        {
            "booking_code": "7HXD6X",
            "room_type": "deluxe",
            "check_in": "2026-03-20",
            "check_out": "2026-03-22",
        },
        "no deluxe room free",
    ),
    ("modify_booking", {"booking_code": "7HXD6X", "adults": 3}, "at most 2 guests"),
    ("modify_booking", {"booking_code": "7HXD6X", "check_in": "2026-03-01"}, "in the past"),
    ("modify_booking", {"booking_code": "RFJQPS", "room_type": "suite"}, "already checked in"),
    ("modify_booking", {"booking_code": "RFJQPS", "check_out": "2026-03-14"}, "after today"),
    ("modify_booking", {"booking_code": "2K9324", "check_out": "2026-03-16"}, "is cancelled"),
    ("cancel_booking", {"booking_code": "2K9324"}, "already cancelled"),
    ("cancel_booking", {"booking_code": "RFJQPS"}, "already checked in"),
    ("cancel_booking", {"booking_code": "S72YPE"}, "past stay"),
    ("cancel_booking", {"booking_code": "ZZZZZZ"}, "no booking with code ZZZZZZ"),
    ("quote_cancellation", {"booking_code": "2K9324"}, "already cancelled"),
    ("add_special_request", {"booking_code": "4K6JP4", "request": "   "}, "must not be empty"),
    ("add_special_request", {"booking_code": "S72YPE", "request": "x"}, "checked out"),
    ("update_guest_contact", {"booking_code": "4K6JP4"}, "give a new phone or email"),
    ("update_guest_contact", {"booking_code": "4K6JP4", "phone": "abc"}, "phone"),
    # Arrival and departure.
    ("request_early_checkin", {"booking_code": "4K6JP4", "time": "07:00"}, "from 09:00"),
    ("request_early_checkin", {"booking_code": "4K6JP4", "time": "7pm"}, "24-hour time"),
    ("request_early_checkin", {"booking_code": "RFJQPS", "time": "12:00"}, "checked in"),
    ("request_late_checkout", {"booking_code": "RFJQPS", "time": "18:00"}, "extra night"),
    ("request_late_checkout", {"booking_code": "RFJQPS", "time": "10:30"}, "already 11:00"),
    # Policies.
    ("lookup_policy", {"question": "quantum chromodynamics"}, "nothing on"),
    # Restaurant and room service.
    ("check_restaurant_availability", {"date": "2026-03-16", "party_size": 2}, "closed on Mondays"),
    ("check_restaurant_availability", {"date": "2026-03-17", "party_size": 12}, "events team"),
    ("check_restaurant_availability", {"date": "2026-06-30", "party_size": 2}, "60 days"),
    (
        "reserve_restaurant",
        {**GUEST, "date": "2026-03-14", "time": "19:30", "party_size": 4},
        "no table for 4 free at 19:30 on 2026-03-14",
    ),
    (
        "reserve_restaurant",
        {**GUEST, "date": "2026-03-17", "time": "16:00", "party_size": 2},
        "seatings are every half hour from 17:30 to 21:30",
    ),
    (
        "reserve_restaurant",
        {**GUEST, "date": "2026-03-13", "time": "19:00", "party_size": 2},
        "in the past",
    ),
    ("cancel_restaurant_reservation", {"reservation_code": "AAAAAA"}, "no restaurant reservation"),
    (
        "order_room_service",
        {"room_number": "402", "items": [{"item": "lobster"}]},
        "'lobster' is not one of",
    ),
    ("order_room_service", {"room_number": "402", "items": []}, "should be non-empty"),
    (
        "order_room_service",
        {"room_number": "209", "items": [{"item": "fries"}]},
        "no guest is checked in to room 209",
    ),
    ("order_room_service", {"room_number": "999", "items": [{"item": "fries"}]}, "no room 999"),
    # Spa.
    ("check_spa_availability", {"date": "2026-03-15", "service": "mud_bath"}, "is not one of"),
    (
        "book_spa",
        {"guest_name": "Nora Field", "service": "facial", "date": "2026-03-17", "time": "10:00"},
        "phone or room number",
    ),
    (
        "book_spa",
        {**GUEST, "service": "couples_massage", "date": "2026-03-15", "time": "10:00"},
        "no couples massage slot at 10:00",
    ),
    (
        "book_spa",
        {**GUEST, "service": "hot_stone_massage", "date": "2026-03-17", "time": "19:00"},
        "no hot stone massage slot",
    ),
    (
        "book_spa",
        {**GUEST, "service": "facial", "date": "2026-03-14", "time": "09:00"},
        "no signature facial slot",
    ),
    ("cancel_spa_appointment", {"appointment_code": "AAAAAA"}, "no spa appointment"),
    # Transport.
    (
        "book_taxi",
        {**GUEST, "date": "2026-03-14", "time": "08:00", "destination": "museum", "passengers": 2},
        "pickup at 08:00 on 2026-03-14 is in the past",
    ),
    (
        "book_taxi",
        {**GUEST, "date": "2026-03-15", "time": "08:00", "destination": "museum", "passengers": 6},
        "at most 4 passengers",
    ),
    (
        "book_airport_transfer",
        {
            **GUEST,
            "direction": "from_airport",
            "date": "2026-03-15",
            "time": "08:00",
            "passengers": 2,
        },
        "needs the flight number",
    ),
    (
        "book_airport_transfer",
        {
            **GUEST,
            "direction": "to_airport",
            "date": "2026-03-15",
            "time": "08:00",
            "passengers": 9,
        },
        "at most 7 passengers",
    ),
    (
        "book_airport_transfer",
        {**GUEST, "direction": "sideways", "date": "2026-03-15", "time": "08:00", "passengers": 1},
        "is not one of",
    ),
    ("cancel_transport", {"transport_code": "AAAAAA"}, "no taxi or transfer"),
    # In-stay.
    (
        "set_wakeup_call",
        {"room_number": "402", "date": "2026-03-14", "time": "07:00"},
        "in the past",
    ),
    (
        "set_wakeup_call",
        {"room_number": "402", "date": "2026-03-20", "time": "07:00"},
        "checks out on 2026-03-16",
    ),
    (
        "set_wakeup_call",
        {"room_number": "305", "date": "2026-03-15", "time": "07:00"},
        "no guest is checked in to room 305",
    ),
    ("cancel_wakeup_call", {"room_number": "402", "date": "2026-03-16"}, "no wake-up call"),
    ("request_housekeeping", {"room_number": "402", "request_type": "other"}, "say in notes"),
    (
        "request_housekeeping",
        {"room_number": "402", "request_type": "towels", "quantity": 50},
        "greater than the maximum",
    ),
    (
        "report_maintenance",
        {"room_number": "402", "issue": "tv broken", "urgency": "asap"},
        "is not one of",
    ),
    # Billing.
    (
        "add_charge",
        {"booking_code": "4K6JP4", "category": "minibar", "description": "water", "amount_usd": 5},
        "not checked in",
    ),
    (
        "add_charge",
        {
            "booking_code": "RFJQPS",
            "category": "minibar",
            "description": "water",
            "amount_usd": 900,
        },
        "need a manager",
    ),
    (
        "add_charge",
        {"booking_code": "RFJQPS", "category": "minibar", "description": "water", "amount_usd": -5},
        "less than the minimum",
    ),
    ("get_invoice", {"booking_code": "NOPE22"}, "no booking with code NOPE22"),
    # Lost and found.
    (
        "report_lost_item",
        {**GUEST, "description": "watch", "where_lost": "pool", "date_lost": "2026-03-20"},
        "in the future",
    ),
    (
        "report_lost_item",
        {**GUEST, "description": "watch", "where_lost": "pool", "date_lost": "2025-06-01"},
        "too long ago",
    ),
    ("search_lost_and_found", {"description": "my lost item"}, "describe the item"),
    # Parking and loyalty.
    (
        "reserve_parking",
        {"booking_code": "RFJQPS", "license_plate": "ABC123", "kind": "self"},
        "already has parking for plate 7XKL392",
    ),
    (
        "reserve_parking",
        {"booking_code": "4K6JP4", "license_plate": "!!", "kind": "self"},
        "looks wrong",
    ),
    (
        "reserve_parking",
        {"booking_code": "2K9324", "license_plate": "ABC123", "kind": "self"},
        "cancelled",
    ),
    ("check_parking", {"check_in": "2026-03-01", "check_out": "2026-03-02"}, "in the past"),
    ("lookup_loyalty", {}, "member id or the guest's name"),
    ("lookup_loyalty", {"member_id": "HL999999"}, "no loyalty member HL999999"),
    (
        "enroll_loyalty",
        {
            "guest_name": "Maria Garcia",
            "email": "maria.garcia@example.com",
            "phone": "+1 415 555 0142",
        },
        "already a member, id HL100234",
    ),
    ("enroll_loyalty", {**GUEST, "email": "bad"}, "email"),
    # Call control.
    ("transfer_to_human", {"department": "kitchen", "reason": "x"}, "is not one of"),
    ("end_call", {"reason": "bye"}, "reason"),
]


@pytest.mark.parametrize(
    ("tool", "arguments", "fragment"),
    BAD_CALLS,
    ids=[f"{i:02d}-{t}" for i, (t, _, _) in enumerate(BAD_CALLS)],
)
async def test_bad_call_is_refused_and_loses_nothing(
    desk: Desk, tool: str, arguments: dict[str, Any], fragment: str
) -> None:
    before = snapshot(desk.conn)
    message = await desk.error(tool, **arguments)
    assert fragment in message
    assert snapshot(desk.conn) == before


def test_every_tool_has_a_refusal_case(desk: Desk) -> None:
    refused = {tool for tool, _, _ in BAD_CALLS}
    # Read-only listings with no arguments cannot be called badly except by schema.
    no_args = {"get_room_types", "get_spa_services", "get_room_service_menu"}
    assert set(desk.registry.names) - no_args <= refused
