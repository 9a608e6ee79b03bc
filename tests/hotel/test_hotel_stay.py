"""Arrival/departure, in-stay requests and the bill, on the seeded in-house guests."""

from __future__ import annotations

from .desk import Desk


async def test_early_checkin_fees_and_replacement(desk: Desk) -> None:
    out = await desk.ok("request_early_checkin", booking_code="4K6JP4", time="10:00")
    assert out["fee_usd"] == 50 and out["early_checkin_time"] == "10:00"
    out = await desk.ok("request_early_checkin", booking_code="4K6JP4", time="13:00")
    assert out["fee_usd"] == 25
    # Asking again moved the request; only the latest fee is on the bill.
    charges = desk.rows("SELECT amount_usd FROM charges WHERE booking_code = '4K6JP4'")
    assert charges == [{"amount_usd": 25}]
    assert (await desk.ok("get_booking", booking_code="4K6JP4"))["early_checkin_time"] == "13:00"


async def test_late_checkout_is_free_for_gold_until_one(desk: Desk) -> None:
    # Maria Garcia is gold; Daniel Garcia is not a member.
    gold = await desk.ok("request_late_checkout", booking_code="4K6JP4", time="13:00")
    plain = await desk.ok("request_late_checkout", booking_code="7HXD6X", time="13:00")
    later = await desk.ok("request_late_checkout", booking_code="7HXD6X", time="15:30")
    assert (gold["fee_usd"], plain["fee_usd"], later["fee_usd"]) == (0, 25, 60)
    in_house = await desk.ok("request_late_checkout", booking_code="2MJWFE", time="12:00")
    assert in_house["check_out"] == "2026-03-14" and in_house["fee_usd"] == 25


async def test_wakeup_call_set_move_cancel(desk: Desk) -> None:
    out = await desk.ok("set_wakeup_call", room_number="402", date="2026-03-15", time="07:15")
    assert out == {
        "room_number": "402",
        "date": "2026-03-15",
        "time": "07:15",
        "status": "scheduled",
        "previous_time": "06:30",  # the seeded call, moved (the caller hears from and to)
    }
    calls = desk.rows("SELECT time, status FROM wakeup_calls WHERE room_number = '402'")
    assert calls == [{"time": "07:15", "status": "scheduled"}]  # moved, not duplicated
    await desk.ok("set_wakeup_call", room_number="102", date="2026-03-14", time="18:00")
    await desk.ok("cancel_wakeup_call", room_number="402", date="2026-03-15")
    assert desk.rows("SELECT status FROM wakeup_calls WHERE room_number = '402'") == [
        {"status": "cancelled"}
    ]


async def test_housekeeping_and_maintenance(desk: Desk) -> None:
    hk = await desk.ok("request_housekeeping", room_number="501", request_type="towels", quantity=4)
    row = desk.rows("SELECT * FROM housekeeping_requests WHERE id = ?", hk["request_id"])[0]
    assert (row["room_number"], row["request_type"], row["quantity"]) == ("501", "towels", 4)
    mt = await desk.ok(
        "report_maintenance",
        room_number="204",
        issue="water leaking from ceiling",
        urgency="urgent",
    )
    assert mt["expected"] == "within 15 minutes"
    assert desk.rows("SELECT urgency FROM maintenance_requests WHERE id = ?", mt["request_id"]) == [
        {"urgency": "urgent"}
    ]


async def test_room_service_is_charged_to_the_room(desk: Desk) -> None:
    menu = (await desk.ok("get_room_service_menu", category="mains"))["items"]
    prices = {m["code"]: m["price_usd"] for m in menu}
    assert "club_sandwich" in prices and "champagne" not in prices
    out = await desk.ok(
        "order_room_service",
        room_number="402",
        items=[{"item": "club_sandwich", "quantity": 2}, {"item": "caesar_salad"}],
    )
    assert out["total_usd"] == 2 * prices["club_sandwich"] + prices["caesar_salad"]
    last = desk.rows("SELECT * FROM charges WHERE booking_code = 'RFJQPS' ORDER BY id DESC")[0]
    assert (last["category"], last["amount_usd"]) == ("room_service", out["total_usd"])


async def test_invoice_adds_up(desk: Desk) -> None:
    inv = await desk.ok("get_invoice", booking_code="RFJQPS")
    # Room 1008 + extras (14 + 40 + 40 + 86) + valet not yet posted (160 reserved - 80 posted).
    assert inv["room_usd"] == 1008
    assert sum(e["amount_usd"] for e in inv["extras"]) == 180
    assert inv["parking_usd"] == 80
    assert inv["total_usd"] == 1008 + 180 + 80
    assert inv["balance_usd"] == inv["total_usd"] - 229

    added = await desk.ok(
        "add_charge",
        booking_code="RFJQPS",
        category="laundry",
        description="Shirt pressing",
        amount_usd=12,
    )
    assert added["amount_usd"] == 12
    after = await desk.ok("get_invoice", booking_code="RFJQPS")
    assert after["total_usd"] == inv["total_usd"] + 12

    cancelled = await desk.ok("get_invoice", booking_code="2K9324")
    assert cancelled["total_usd"] == cancelled["cancellation_fee_usd"] == 0


async def test_spoken_forms_of_times_and_rooms(desk: Desk) -> None:
    out = await desk.ok("set_wakeup_call", room_number="room 102", date="2026-03-15", time="7:05")
    assert (out["room_number"], out["time"]) == ("102", "07:05")
