"""Restaurant, spa, transport, lost and found, parking, loyalty and call control."""

from __future__ import annotations

from .desk import Desk

GUEST = {"guest_name": "Nora Field", "phone": "+1 555 201 3344"}


async def test_restaurant_tonight_is_busy_but_offers_alternatives(desk: Desk) -> None:
    out = await desk.ok(
        "check_restaurant_availability", date="2026-03-14", party_size=4, time="19:30"
    )
    assert out["available"] is False
    nearest = out["nearest_free_times"]
    assert nearest and "19:30" not in nearest
    booked = await desk.ok(
        "reserve_restaurant", **GUEST, date="2026-03-14", time=nearest[0], party_size=4
    )
    row = desk.rows(
        "SELECT r.*, t.seats FROM restaurant_reservations r JOIN restaurant_tables t "
        "ON t.id = r.table_id WHERE code = ?",
        booked["reservation_code"],
    )[0]
    assert row["seats"] >= 4 and row["time"] == nearest[0]
    # A couple still finds a table at 19:30 (the two-seat tables are not all taken).
    couple = await desk.ok(
        "check_restaurant_availability", date="2026-03-14", party_size=2, time="19:30"
    )
    assert couple["available"] is True


async def test_restaurant_fills_up_then_cancel_frees_a_table(desk: Desk) -> None:
    day = {"date": "2026-03-18", "time": "20:00"}
    codes = []
    # Eight-seat private table plus both six-seat tables take parties of 6.
    for i in range(3):
        out = await desk.ok(
            "reserve_restaurant",
            guest_name=f"Party {chr(65 + i)}",
            phone="+1 555 201 0000",
            party_size=6,
            **day,
        )
        codes.append(out["reservation_code"])
    refused = await desk.error(
        "reserve_restaurant", guest_name="Party Z", phone="+1 555 201 0000", party_size=6, **day
    )
    assert refused == "no table for 6 free at 20:00 on 2026-03-18"
    await desk.ok("cancel_restaurant_reservation", reservation_code=codes[0].lower())
    await desk.ok(
        "reserve_restaurant", guest_name="Party Z", phone="+1 555 201 0000", party_size=6, **day
    )


async def test_spa_booking_and_cancellation_fees(desk: Desk) -> None:
    services = (await desk.ok("get_spa_services"))["services"]
    assert {s["code"] for s in services} >= {"facial", "couples_massage"}
    free = (await desk.ok("check_spa_availability", date="2026-03-15", service="facial"))[
        "free_times"
    ]
    # The couples massage at 10:00 uses both rooms: no 10:00 slot for anyone, but a 45-minute
    # facial at 09:00 ends before it starts.
    assert "10:00" not in free and "09:00" in free and "11:00" in free
    massage = (
        await desk.ok("check_spa_availability", date="2026-03-15", service="hot_stone_massage")
    )["free_times"]
    assert "09:00" not in massage and massage[0] == "11:00"  # 90 minutes would run into 10:00
    today = (await desk.ok("check_spa_availability", date="2026-03-14", service="facial"))[
        "free_times"
    ]
    assert today[0] == "11:00"  # it is 10:00 now
    tomorrow = await desk.ok(
        "book_spa",
        guest_name="Aiko Tanaka",
        service="facial",
        date="2026-03-15",
        time="09:00",
        room_number="204",
    )
    later = await desk.ok(
        "book_spa", **GUEST, service="swedish_massage", date="2026-03-20", time="15:00"
    )
    soon = await desk.ok("cancel_spa_appointment", appointment_code=tomorrow["appointment_code"])
    far = await desk.ok("cancel_spa_appointment", appointment_code=later["appointment_code"])
    assert soon["cancellation_fee_usd"] == 48  # half of 95: 23 hours ahead
    assert far["cancellation_fee_usd"] == 0
    again = await desk.error("cancel_spa_appointment", appointment_code=later["appointment_code"])
    assert "already cancelled" in again


async def test_taxi_and_airport_transfers(desk: Desk) -> None:
    taxi = await desk.ok(
        "book_taxi",
        **GUEST,
        date="2026-03-14",
        time="18:45",
        destination="Harbor City Opera",
        passengers=2,
    )
    assert taxi["pickup_location"] == "hotel entrance"
    sedan = await desk.ok(
        "book_airport_transfer",
        **GUEST,
        direction="to_airport",
        date="2026-03-16",
        time="06:00",
        passengers=3,
    )
    van = await desk.ok(
        "book_airport_transfer",
        **GUEST,
        direction="from_airport",
        date="2026-03-16",
        time="22:10",
        passengers=5,
        flight_number="ua 1234",
    )
    assert (sedan["vehicle"], sedan["price_usd"]) == ("sedan", 65)
    assert (van["vehicle"], van["price_usd"]) == ("van", 95)
    row = desk.rows("SELECT * FROM transport_bookings WHERE code = ?", van["transport_code"])[0]
    assert row["flight_number"] == "UA 1234" and row["destination"] == "Harbor Light Hotel"
    # Emma Larsson's 13:00 transfer is within 2 hours of pickup?  No: it is 10:00, 3 hours away.
    free = await desk.ok("cancel_transport", transport_code="XWEU9P")
    assert free["cancellation_fee_usd"] == 0
    soon = await desk.ok(
        "book_airport_transfer",
        **GUEST,
        direction="to_airport",
        date="2026-03-14",
        time="11:30",
        passengers=1,
    )
    late = await desk.ok("cancel_transport", transport_code=soon["transport_code"])
    assert late["cancellation_fee_usd"] == 65


async def test_lost_and_found(desk: Desk) -> None:
    hits = (await desk.ok("search_lost_and_found", description="I lost my black umbrella"))[
        "matches"
    ]
    assert hits[0]["description"] == "black umbrella with a wooden handle"
    phone = (await desk.ok("search_lost_and_found", description="iPhone"))["matches"]
    assert [h["location"] for h in phone] == ["taxi stand by the entrance"]
    none = await desk.ok("search_lost_and_found", description="red suitcase")
    assert none["matches"] == [] and "report_lost_item" in none["hint"]
    report = await desk.ok(
        "report_lost_item",
        **GUEST,
        description="red suitcase",
        where_lost="lobby",
        date_lost="2026-03-13",
    )
    assert desk.rows(
        "SELECT description FROM lost_item_reports WHERE id = ?", report["report_id"]
    ) == [{"description": "red suitcase"}]


async def test_parking(desk: Desk) -> None:
    out = await desk.ok("check_parking", check_in="2026-03-14", check_out="2026-03-16")
    assert out["spaces_free"] == 39 and out["valet_per_night_usd"] == 40
    res = await desk.ok(
        "reserve_parking", booking_code="4K6JP4", license_plate="8abc 123", kind="self"
    )
    assert (res["license_plate"], res["price_usd"]) == ("8ABC123", 75)
    # Parking for a guest already in the house starts tonight, not on the past arrival date.
    stay = await desk.ok(
        "reserve_parking", booking_code="ALRR64", license_plate="XYZ9", kind="valet"
    )
    assert (stay["start_date"], stay["price_usd"]) == ("2026-03-14", 120)
    # Cancelling the booking releases its space.
    await desk.ok("cancel_booking", booking_code="4K6JP4")
    assert desk.rows("SELECT status FROM parking_reservations WHERE booking_code = '4K6JP4'") == [
        {"status": "cancelled"}
    ]


async def test_loyalty(desk: Desk) -> None:
    by_id = await desk.ok("lookup_loyalty", member_id="hl-100871")
    assert (by_id["guest_name"], by_id["tier"], by_id["points"]) == (
        "James Whitaker",
        "platinum",
        52300,
    )
    by_name = await desk.ok("lookup_loyalty", guest_name="maria  garcia")
    assert by_name["member_id"] == "HL100234"
    new = await desk.ok("enroll_loyalty", **GUEST, email="nora@example.org")
    assert new["member_id"].startswith("HL") and new["tier"] == "member"
    assert (await desk.ok("lookup_loyalty", member_id=new["member_id"]))["guest_name"] == (
        "Nora Field"
    )
    # An existing guest without membership keeps their guest row.
    guests = desk.count("guests")
    await desk.ok(
        "enroll_loyalty",
        guest_name="Aiko Tanaka",
        email="aiko.tanaka@example.jp",
        phone="+81 90 5555 0123",
    )
    assert desk.count("guests") == guests


async def test_transfer_and_end_call_are_recorded(desk: Desk) -> None:
    out = await desk.ok(
        "transfer_to_human",
        department="manager",
        reason="complaint about noise",
        summary="room 402 guest, noise from next door all night",
    )
    assert out["status"] == "transferring"
    await desk.ok("end_call")
    assert desk.rows("SELECT kind, department FROM call_events ORDER BY id") == [
        {"kind": "transfer_to_human", "department": "manager"},
        {"kind": "end_call", "department": None},
    ]


async def test_tonight_restaurant_matches_schema_md(desk: Desk) -> None:
    free = {
        party: (
            await desk.ok("check_restaurant_availability", date="2026-03-14", party_size=party)
        )["free_times"]
        for party in (2, 4, 5, 6)
    }
    assert free[4] == ["17:30", "18:00", "21:00", "21:30"]
    assert free[5] == ["17:30", "21:00", "21:30"]
    assert "19:30" in free[2] and "19:30" in free[6]
