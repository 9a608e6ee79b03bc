"""Rooms, rates and bookings on a real seeded database, through ToolRegistry.execute."""

from __future__ import annotations

from .desk import BOOKING, Desk


async def test_room_types_and_rates(desk: Desk) -> None:
    types = (await desk.ok("get_room_types"))["room_types"]
    assert {t["code"] for t in types} == {"standard", "double", "deluxe", "suite", "accessible"}
    by_code = {t["code"]: t for t in types}
    assert by_code["suite"]["capacity"] == 4 and by_code["standard"]["from_usd"] == 159

    rates = await desk.ok(
        "get_rates", room_type="standard", check_in="2026-03-19", check_out="2026-03-21"
    )
    # Thursday night at the base rate; Friday night is a weekend and conference night.
    assert rates["flexible_nightly_usd"] == [159, round(159 * 1.2 * 1.25)]
    assert rates["flexible_total_usd"] == sum(rates["flexible_nightly_usd"])
    assert rates["nonrefundable_total_usd"] < rates["flexible_total_usd"]


async def test_availability_reports_sold_out_types(desk: Desk) -> None:
    out = await desk.ok(
        "check_availability", check_in="2026-03-20", check_out="2026-03-22", guests=2
    )
    assert set(out["sold_out"]) == {"suite", "deluxe"}
    free = {o["room_type"]: o for o in out["available"]}
    assert set(free) == {"standard", "double", "accessible"}
    assert free["double"]["rooms_free"] == 10

    family = await desk.ok(
        "check_availability", check_in="2026-04-01", check_out="2026-04-03", guests=4
    )
    assert {o["room_type"] for o in family["available"]} == {"double", "suite"}
    assert "standard" in family["too_small_for_party"]

    one = await desk.ok(
        "check_availability", check_in="2026-03-23", check_out="2026-03-24", room_type="deluxe"
    )
    assert [o["room_type"] for o in one["available"]] == ["deluxe"]


async def test_create_booking_writes_a_priced_booking(desk: Desk) -> None:
    quote = await desk.ok(
        "get_rates", room_type="double", check_in="2026-04-06", check_out="2026-04-09"
    )
    out = await desk.ok(
        "create_booking",
        guest_name="Nora Field",
        phone="+1 (555) 201-3344",
        room_type="double",
        check_in="2026-04-06",
        check_out="2026-04-09",
        adults=2,
        children=2,
        email="nora@example.org",
    )
    assert out["total_usd"] == quote["flexible_total_usd"] and out["nights"] == 3
    code = out["booking_code"]
    row = desk.rows(
        "SELECT b.*, g.name, g.email FROM bookings b JOIN guests g ON g.id = b.guest_id "
        "WHERE code = ?",
        code,
    )[0]
    assert (row["name"], row["status"], row["adults"], row["children"]) == (
        "Nora Field",
        "confirmed",
        2,
        2,
    )
    assert row["email"] == "nora@example.org" and row["paid_usd"] == 0
    # The booking is visible to the other tools and takes a room off sale.
    assert (await desk.ok("get_booking", booking_code=code.lower()))["guest_name"] == "Nora Field"
    avail = await desk.ok(
        "check_availability", check_in="2026-04-06", check_out="2026-04-09", room_type="double"
    )
    assert avail["available"][0]["rooms_free"] == 9


async def test_create_booking_is_idempotent_and_nonrefundable_is_prepaid(desk: Desk) -> None:
    args = dict(
        guest_name="Ivo Petrov",
        phone="+359 2 555 0100",
        room_type="standard",
        check_in="2026-05-04",
        check_out="2026-05-06",
        adults=1,
        rate_plan="nonrefundable",
    )
    first = await desk.ok("create_booking", **args)
    again = await desk.ok("create_booking", **args)
    assert again["booking_code"] == first["booking_code"] and "already existed" in again["note"]
    assert (
        desk.rows(
            "SELECT COUNT(*) AS n FROM bookings WHERE guest_id = "
            "(SELECT id FROM guests WHERE name = 'Ivo Petrov')"
        )[0]["n"]
        == 1
    )
    row = desk.rows("SELECT * FROM bookings WHERE code = ?", first["booking_code"])[0]
    assert row["paid_usd"] == row["total_usd"] == first["total_usd"]


async def test_returning_guest_is_reused(desk: Desk) -> None:
    guests = desk.count("guests")
    await desk.ok(
        "create_booking",
        guest_name="maria garcia",
        phone="+14155550142",
        room_type="standard",
        check_in="2026-06-01",
        check_out="2026-06-02",
        adults=1,
    )
    assert desk.count("guests") == guests


async def test_a_phone_number_said_in_words_is_its_digits(desk: Desk) -> None:
    out = await desk.ok("create_booking", **{**BOOKING, "phone": "five five five, oh one four two"})
    guest = desk.rows("SELECT g.phone FROM bookings b JOIN guests g ON g.id = b.guest_id "
                      "WHERE b.code = ?", out["booking_code"])[0]
    assert "5550142" in guest["phone"].replace(" ", "")


async def test_last_room_then_overbooking_refused(desk: Desk) -> None:
    # Suites: O'Brien arrives 03-19, so the night of 03-22 has 4 suites free and 03-19 has 3.
    for i in range(3):
        await desk.ok(
            "create_booking",
            guest_name=f"Guest {chr(65 + i)}ndersen",
            phone=f"+45 3 555 01{i:02d}",
            room_type="suite",
            check_in="2026-03-19",
            check_out="2026-03-20",
            adults=2,
        )
    message = await desk.error(
        "create_booking",
        guest_name="Late Caller",
        phone="+45 3 555 0199",
        room_type="suite",
        check_in="2026-03-19",
        check_out="2026-03-20",
        adults=2,
    )
    assert message == "no suite room free from 2026-03-19 to 2026-03-20"


async def test_get_and_find_bookings(desk: Desk) -> None:
    b = await desk.ok("get_booking", booking_code="rf-jq ps")
    assert b["guest_name"] == "James Whitaker" and b["room_number"] == "402"
    assert b["special_requests"] == ["extra pillows and a quiet room away from the elevator"]
    # Read out one character at a time, digits as words, as STT writes it.
    spelled = await desk.ok("get_booking", booking_code="seven H X D six X")
    assert spelled["booking_code"] == "7HXD6X"

    garcias = (await desk.ok("find_booking_by_name", guest_name="Garcia"))["bookings"]
    assert {g["guest_name"] for g in garcias} == {"Maria Garcia", "Daniel Garcia"}
    maria = (await desk.ok("find_booking_by_name", guest_name="Maria Garcia"))["bookings"]
    assert {m["booking_code"] for m in maria} == {"4K6JP4", "S72YPE"}
    dated = await desk.ok("find_booking_by_name", guest_name="garcia", check_in="2026-04-02")
    assert [m["booking_code"] for m in dated["bookings"]] == ["7HXD6X"]


async def test_modify_dates_reprices(desk: Desk) -> None:
    before = await desk.ok("get_booking", booking_code="7HXD6X")
    out = await desk.ok("modify_booking", booking_code="7HXD6X", check_out="2026-04-06")
    rates = await desk.ok(
        "get_rates", room_type="standard", check_in="2026-04-02", check_out="2026-04-06"
    )
    assert out["total_usd"] == rates["flexible_total_usd"]
    assert out["difference_usd"] == out["total_usd"] - before["total_usd"] > 0
    assert desk.rows("SELECT check_out FROM bookings WHERE code = '7HXD6X'")[0]["check_out"] == (
        "2026-04-06"
    )


async def test_modify_room_type_and_guests(desk: Desk) -> None:
    out = await desk.ok("modify_booking", booking_code="QMZ6ZY", room_type="suite", children=2)
    assert (out["room_type"], out["adults"], out["children"]) == ("suite", 2, 2)
    assert out["difference_usd"] > 0


async def test_checked_in_guest_can_extend(desk: Desk) -> None:
    out = await desk.ok("modify_booking", booking_code="RFJQPS", check_out="2026-03-17")
    assert out["check_in"] == "2026-03-12" and out["check_out"] == "2026-03-17"
    assert out["difference_usd"] == 229  # one more Monday night of deluxe


async def test_quote_and_cancel(desk: Desk) -> None:
    free = await desk.ok("quote_cancellation", booking_code="4K6JP4")
    assert free["cancellation_fee_usd"] == 0 and free["free_cancellation"] is True
    late = await desk.ok("quote_cancellation", booking_code="QMZ6ZY")
    first_night = (
        await desk.ok(
            "get_rates", room_type="double", check_in="2026-03-15", check_out="2026-03-16"
        )
    )["flexible_total_usd"]
    assert late["cancellation_fee_usd"] == first_night
    nonref = await desk.ok("quote_cancellation", booking_code="TKURTH")
    assert nonref["cancellation_fee_usd"] == 315
    # Quoting changes nothing.
    assert desk.rows("SELECT status FROM bookings WHERE code = 'QMZ6ZY'")[0]["status"] == (
        "confirmed"
    )

    out = await desk.ok("cancel_booking", booking_code="QMZ6ZY")
    assert out == {
        "booking_code": "QMZ6ZY",
        "status": "cancelled",
        "cancellation_fee_usd": first_night,
        "rate_plan": "flexible",
    }
    row = desk.rows("SELECT * FROM bookings WHERE code = 'QMZ6ZY'")[0]
    assert (row["status"], row["cancellation_fee_usd"], row["cancelled_on"]) == (
        "cancelled",
        first_night,
        "2026-03-14",
    )
    # The room is back on sale.
    avail = await desk.ok(
        "check_availability", check_in="2026-03-15", check_out="2026-03-17", room_type="double"
    )
    assert avail["available"][0]["rooms_free"] == 10


async def test_special_request_and_contact_update(desk: Desk) -> None:
    out = await desk.ok("add_special_request", booking_code="4K6JP4", request="high floor")
    assert out["status"] == "noted"
    assert "high floor" in (await desk.ok("get_booking", booking_code="4K6JP4"))["special_requests"]
    await desk.ok("update_guest_contact", booking_code="4K6JP4", email="m.garcia@example.net")
    assert desk.rows("SELECT email FROM guests WHERE id = 1")[0]["email"] == "m.garcia@example.net"


async def test_find_by_name_and_phone(desk: Desk) -> None:
    # Two Garcias: the phone (any format, with or without country code) picks the right one.
    out = await desk.ok("find_booking_by_name", guest_name="Garcia", phone="305-555-0199")
    assert [b["booking_code"] for b in out["bookings"]] == ["7HXD6X"]
    message = await desk.error("find_booking_by_name", guest_name="Garcia", phone="555 123 4567")
    assert message == "no booking under the name Garcia with that phone number"


async def test_first_new_code_is_documented_and_refusals_consume_none(desk: Desk) -> None:
    await desk.error(
        "create_booking",
        guest_name="Nora Field",
        phone="+1 555 201 3344",
        room_type="suite",
        check_in="2026-03-20",
        check_out="2026-03-21",
        adults=2,
    )
    out = await desk.ok(
        "reserve_restaurant",
        guest_name="Nora Field",
        phone="+1 555 201 3344",
        date="2026-03-17",
        time="19:00",
        party_size=2,
    )
    assert out["reservation_code"] == "8S8TRK"  # as SCHEMA.md promises scenario writers
