"""The desk's words for a guest in the house: wake-ups, housekeeping, maintenance, the bill,
parking, loyalty and lost and found, as the caller hears them."""

from __future__ import annotations

from quickturn.domains.hotel.spoken_stay import (
    charge_added,
    housekeeping_sent,
    invoice,
    lost_items,
    lost_offer,
    lost_reported,
    loyalty_enrolled,
    loyalty_member,
    maintenance_reported,
    parking_free,
    parking_reserved,
    wakeup_cancelled,
    wakeup_set,
)


def test_a_wakeup_call_is_told_set_moved_or_cancelled() -> None:
    call = {"room_number": "204", "date": "2026-03-15", "time": "07:00", "status": "scheduled"}
    assert wakeup_set(call) == "Room 204 will get a wake-up call at 7 AM on March 15."
    moved = {**call, "room_number": "402", "time": "06:00", "previous_time": "06:30"}
    assert wakeup_set(moved) == "Room 402's wake-up call on March 15 is moved from 6:30 AM to 6 AM."
    gone = {"room_number": "402", "date": "2026-03-15", "status": "cancelled"}
    assert wakeup_cancelled(gone) == "The wake-up call for room 402 on March 15 is cancelled."
    assert wakeup_set(gone) is None and wakeup_cancelled(call) is None


def test_housekeeping_and_maintenance_say_what_comes_and_when() -> None:
    sent = {"request_id": 2, "room_number": "501", "request_type": "towels", "quantity": 2,
            "expected": "within 30 minutes"}
    assert housekeeping_sent(sent) == (
        "Housekeeping will bring 2 towels to room 501 within 30 minutes."
    )
    assert housekeeping_sent({**sent, "quantity": 1}) == (
        "Housekeeping will bring fresh towels to room 501 within 30 minutes."
    )
    assert housekeeping_sent({**sent, "request_type": "pillows", "quantity": 1}) == (
        "Housekeeping will bring an extra pillow to room 501 within 30 minutes."
    )
    later = {**sent, "request_type": "cleaning", "quantity": 1, "notes": "after 2 pm please"}
    assert housekeeping_sent(later) == (
        "Housekeeping will clean room 501, with your note: after 2 pm please."
    )
    assert housekeeping_sent({**sent, "request_type": "other"}) == (
        "Housekeeping will come to room 501 within 30 minutes."
    )
    leak = {"request_id": 3, "room_number": "501", "urgency": "urgent",
            "expected": "within 15 minutes"}
    assert maintenance_reported(leak) == (
        "I've reported it as urgent: someone will come to room 501 within 15 minutes."
    )
    remote = {**leak, "urgency": "low", "expected": "today"}
    assert maintenance_reported(remote) == (
        "I've reported it to maintenance: someone will come to room 501 today."
    )
    assert housekeeping_sent({"error": "x"}) is None and maintenance_reported({}) is None


def test_a_bill_is_told_with_its_lines_and_balance() -> None:
    bill = {
        "booking_code": "RFJQPS",
        "room_usd": 1008,
        "extras": [
            {"date": "2026-03-12", "description": "Minibar", "amount_usd": 14},
            {"date": "2026-03-12", "description": "Valet parking", "amount_usd": 40},
            {"date": "2026-03-13", "description": "Valet parking", "amount_usd": 40},
            {"date": "2026-03-13", "description": "Dinner at the Lantern Room", "amount_usd": 86},
        ],
        "total_usd": 1268,
        "paid_usd": 229,
        "balance_usd": 1039,
        "parking_usd": 80,
    }
    assert invoice(bill) == (
        "Your bill comes to 1268 dollars: the room 1008 dollars, minibar 14 dollars, valet "
        "parking 80 dollars, dinner at the Lantern Room 86 dollars and reserved parking 80 "
        "dollars. You've paid 229 dollars, so the balance is 1039 dollars."
    )
    paid = {"room_usd": 477, "extras": [], "total_usd": 477, "paid_usd": 477, "balance_usd": 0}
    assert invoice(paid) == "Your bill comes to 477 dollars, for the room. It is paid in full."
    cancelled = {"cancellation_fee_usd": 179, "extras": [], "total_usd": 179, "paid_usd": 0,
                 "balance_usd": 179}
    assert invoice(cancelled) == (
        "Your bill comes to 179 dollars: the cancellation fee 179 dollars. Nothing is paid yet, "
        "so the balance is 179 dollars."
    )
    many = {**paid, "extras": [{"description": f"Item {i}", "amount_usd": 10} for i in range(7)],
            "total_usd": 547, "balance_usd": 70}
    said = invoice(many) or ""
    assert "item 3 10 dollars and other extras 30 dollars." in said and "item 4" not in said
    assert invoice({"error": "x"}) is None


def test_a_charge_parking_and_loyalty_are_read_back() -> None:
    charge = {"charge_id": 9, "booking_code": "MJNB8F", "amount_usd": 12,
              "description": "Two sodas"}
    assert charge_added(charge) == "I've added 12 dollars for two sodas to your bill."
    space = {"spaces_free": 39, "self_per_night_usd": 25, "valet_per_night_usd": 40}
    assert parking_free(space) == (
        "Yes, the garage has space on those nights: self-parking is 25 dollars a night, and "
        "valet 40 dollars a night."
    )
    assert parking_free({**space, "spaces_free": 0}) == (
        "I'm sorry, the garage is full on those nights."
    )
    reserved = {"booking_code": "7HXD6X", "license_plate": "FLA4821", "kind": "self",
                "start_date": "2026-04-02", "end_date": "2026-04-05", "price_usd": 75}
    assert parking_reserved(reserved) == (
        "Self-parking is reserved for plate F, L, A, 4, 8, 2, 1 from April 2 to April 5, "
        "75 dollars in total, added to your bill."
    )
    member = {"member_id": "HL100234", "guest_name": "Maria Garcia", "tier": "gold",
              "points": 18450}
    assert loyalty_member(member) == "Maria Garcia, you are a gold member with 18450 points."
    new = {"member_id": "HL102000", "guest_name": "Priya Raman", "tier": "member", "points": 0}
    assert loyalty_member(new) == "Priya Raman, you are a member with 0 points."
    assert loyalty_enrolled(new) == (
        "Welcome to the Harbor Light loyalty programme, Priya Raman. Your member number is "
        "H, L, 1, 0, 2, 0, 0, 0."
    )
    assert charge_added({}) is None and parking_reserved({}) is None
    assert loyalty_member({"error": "x"}) is None and loyalty_enrolled({}) is None


def test_lost_and_found_tells_what_is_held_or_offers_a_report() -> None:
    umbrella = {"id": 1, "description": "black umbrella with a wooden handle",
                "location": "lobby", "date": "2026-03-10"}
    glasses = {"id": 7, "description": "Ray-Ban sunglasses", "location": "pool area",
               "date": "2026-03-09"}
    assert lost_items({"matches": [umbrella]}) == (
        "One item like that was handed in: black umbrella with a wooden handle, found in the "
        "lobby on March 10. Is that yours?"
    )
    assert lost_items({"matches": [umbrella, glasses]}) == (
        "2 items like that were handed in: black umbrella with a wooden handle, found in the "
        "lobby on March 10 and Ray-Ban sunglasses, found at the pool area on March 9. "
        "Is one of them yours?"
    )
    assert lost_offer({"description": "black umbrella"}, {"matches": [umbrella]}) is None
    nothing = {"matches": [], "hint": "nothing matching is held; offer report_lost_item"}
    assert lost_items(nothing) == (
        "I'm sorry, nothing like that has been handed in. Shall I report it as lost?"
    )
    assert lost_offer({"description": "red backpack"}, nothing) == (
        "report_lost_item", {"description": "red backpack"}
    )
    report = {"report_id": 1, "status": "open",
              "next_step": "security checks and calls back within 24 hours"}
    assert lost_reported(report) == (
        "I've filed your lost item report, number 1: security checks and calls back within "
        "24 hours."
    )
    assert lost_items({"error": "x"}) is None and lost_reported({}) is None
