"""The desk's words for room bookings: room types and rates, a booking found, changed, quoted
for cancelling and cancelled (``desk_tool(say=, confirm=, offer=)`` in ``tools_rooms`` and
``tools_bookings``).

A booking the caller named by its code is read with its code; one found by name is described by
its room and dates only (the prompt's privacy rule: a surname may match another guest).
"""

from __future__ import annotations

from typing import Any

from quickturn.domains.hotel.spoken import a_room, day, dollars, one_of, party, spelled


def _stay(booking: dict[str, Any]) -> str:
    """``a double room from March 15 to March 17``."""
    return (
        f"{a_room(booking.get('room_type', ''))} from {day(booking.get('check_in'))} "
        f"to {day(booking.get('check_out'))}"
    )


def room_types(result: Any) -> str | None:
    """What the caller hears after ``get_room_types``: the types by how many they sleep, each
    group with its lowest nightly rates (the beds and views are the model's to add if asked)."""
    types = result.get("room_types") if isinstance(result, dict) else None
    keys = {"name", "capacity", "from_usd"}
    if not isinstance(types, list) or not types:
        return None
    if not all(isinstance(t, dict) and keys <= t.keys() for t in types):
        return None
    groups: dict[int, list[dict[str, Any]]] = {}
    for t in types:
        groups.setdefault(int(t["capacity"]), []).append(t)
    said = []
    for capacity, group in sorted(groups.items()):
        names = one_of([f"the {t['name']}" for t in group], "and")
        prices = sorted({int(t["from_usd"]) for t in group})
        said.append(
            f"{names} for up to {capacity} guests, "
            f"from {one_of([str(p) for p in prices], 'and')} dollars a night"
        )
    listed = said[0] if len(said) == 1 else f"{'; '.join(said[:-1])}; and {said[-1]}"
    return f"We have {listed}. Which would suit you?"


def rates(result: Any) -> str | None:
    """What the caller hears after ``get_rates``: both plans' totals for the stay."""
    keys = {"room_type", "nights", "flexible_total_usd", "nonrefundable_total_usd"}
    if not isinstance(result, dict) or not keys <= result.keys():
        return None
    nights = result["nights"]
    return (
        f"{a_room(result['room_type']).capitalize()} for {nights} "
        f"night{'' if nights == 1 else 's'} is {dollars(result['flexible_total_usd'])} in total "
        f"at the flexible rate, or {dollars(result['nonrefundable_total_usd'])} at the "
        "non-refundable rate, which cannot be changed or refunded."
    )


def booking_details(result: Any) -> str | None:
    """What the caller hears after ``get_booking``: the stay, its state, and what it costs."""
    if not isinstance(result, dict) or not {"booking_code", "status"} <= result.keys():
        return None
    code, status, stay = spelled(result["booking_code"]), result["status"], _stay(result)
    if status == "cancelled":
        charged = result.get("cancellation_fee_usd")
        cost = f"with a fee of {dollars(charged)}" if charged else "free of charge"
        return f"Booking {code}, {stay}, is already cancelled, {cost}."
    if status == "checked_out":
        return f"Booking {code} was a past stay: {stay}, {dollars(result.get('total_usd'))}."
    guests = party(result.get("adults", 1), result.get("children"))
    plan = " at the non-refundable rate" if result.get("rate_plan") == "nonrefundable" else ""
    room = f", in room {result['room_number']}" if result.get("room_number") else ""
    said = (
        f"Booking {code}, under {result.get('guest_name', 'your name')}: {stay} for {guests}"
        f"{room}, {dollars(result.get('total_usd'))} in total{plan}."
    )
    return said + (" You're checked in." if status == "checked_in" else "")


def bookings_found(result: Any) -> str | None:
    """What the caller hears after ``find_booking_by_name``: the stays by room and dates (no
    names, codes or prices: a surname may match another guest), and which one they mean."""
    found = result.get("bookings") if isinstance(result, dict) else None
    if not isinstance(found, list) or not found or not all(isinstance(b, dict) for b in found):
        return None
    state = {"cancelled": ", cancelled", "checked_out": ", a past stay"}
    stays = [_stay(b) + state.get(str(b.get("status")), "") for b in found]
    if len(stays) == 1:
        return f"I found a booking for {stays[0]}. Is that the one?"
    return f"I found {len(stays)} bookings: {one_of(stays, 'and')}. Which one is yours?"


def modified(result: Any) -> str | None:
    """What the caller hears once ``modify_booking`` ran: the stay as it is now, and the price."""
    if not isinstance(result, dict) or not {"booking_code", "total_usd"} <= result.keys():
        return None
    guests = party(result.get("adults", 1), result.get("children"))
    total, difference = dollars(result["total_usd"]), result.get("difference_usd")
    if not isinstance(difference, int) or difference == 0:
        price = f"The total stays {total}."
    else:
        more = "more" if difference > 0 else "less"
        price = f"The new total is {total}, {dollars(abs(difference))} {more} than before."
    return f"Done: your booking is now {_stay(result)} for {guests}. {price}"


def _cost_of_cancelling(rate_plan: object, fee: object) -> str:
    """The end of a sentence about cancelling a booking: what it costs the caller."""
    if rate_plan == "nonrefundable":
        return f"which is non-refundable: the {dollars(fee)} are not refunded"
    if not fee:
        return "free of charge"
    return f"for a fee of {dollars(fee)}, the price of one night"


def cancellation_quote(result: Any) -> str | None:
    """What the caller hears after ``quote_cancellation``: the fee, or that it is free, then
    the question (``cancellation_offer`` is the call a yes runs)."""
    keys = {"booking_code", "cancellation_fee_usd"}
    if not isinstance(result, dict) or not keys <= result.keys():
        return None
    booking = f"Booking {spelled(result['booking_code'])}"
    if result.get("check_in"):
        booking += f", arriving {day(result['check_in'])},"
    plan, fee = result.get("rate_plan"), result["cancellation_fee_usd"]
    if plan == "nonrefundable":
        said = f"{booking} is non-refundable: if you cancel, the {dollars(fee)} are not refunded."
    else:
        said = f"{booking} can be cancelled {_cost_of_cancelling(plan, fee)}."
    return f"{said} Shall I cancel it?"


def cancellation_offer(arguments: dict[str, Any], result: Any) -> tuple[str, dict[str, Any]] | None:
    """The cancellation ``cancellation_quote``'s words offer: that booking."""
    if not isinstance(result, dict) or "booking_code" not in result:
        return None
    return "cancel_booking", {"booking_code": result["booking_code"]}


def cancellation_readback(booking: dict[str, Any], fee: int) -> str:
    """The read-back of a ``cancel_booking`` call, before it runs (``booking`` as
    ``get_booking`` returns it): which stay, and what cancelling it costs."""
    cost = _cost_of_cancelling(booking.get("rate_plan"), fee)
    return (
        f"So that's cancelling booking {spelled(booking.get('booking_code', ''))}, "
        f"{_stay(booking)}, {cost}. Shall I cancel it?"
    )


def cancelled(result: Any) -> str | None:
    """What the caller hears once ``cancel_booking`` ran."""
    if not isinstance(result, dict) or result.get("status") != "cancelled":
        return None
    code, charged = spelled(result.get("booking_code", "")), result.get("cancellation_fee_usd")
    if result.get("rate_plan") == "nonrefundable":
        return (
            f"Booking {code} is cancelled. It was non-refundable, so the {dollars(charged)} "
            "are not refunded."
        )
    if not charged:
        return f"Booking {code} is cancelled, free of charge."
    return f"Booking {code} is cancelled, with a cancellation fee of {dollars(charged)}."


def request_noted(result: Any) -> str | None:
    """What the caller hears once ``add_special_request`` ran."""
    if not isinstance(result, dict) or result.get("status") != "noted":
        return None
    return f"I've noted that on your booking: {result.get('request', '')}."


def contact_updated(result: Any) -> str | None:
    """What the caller hears once ``update_guest_contact`` ran: the new details, read back."""
    if not isinstance(result, dict) or "booking_code" not in result:
        return None
    changed = [
        f"the {what} to {result[key]}"
        for key, what in (("phone", "phone number"), ("email", "email"))
        if result.get(key)
    ]
    if not changed:
        return None
    return f"I've changed {one_of(changed, 'and')} on your booking."
