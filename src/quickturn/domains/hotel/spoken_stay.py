"""The desk's words for a guest in the house (``desk_tool(say=)`` in ``tools_stay``,
``tools_billing``, ``tools_guest_services`` and ``tools_lost``): wake-up calls, housekeeping,
maintenance, the bill, parking, loyalty, lost and found. Each says what was done and when to
expect it, with the room number or code the caller may come back with."""

from __future__ import annotations

from typing import Any

from quickturn.domains.hotel.spoken import clock, day, dollars, mid_sentence, one_of, spelled

BILL_LINES = 5
"""Extras read out one by one on a bill; the rest are summed as "other extras"."""

# What housekeeping brings, by request type: (one, several; {n} is the quantity).
_BRINGS = {
    "towels": ("fresh towels", "{n} towels"),
    "toiletries": ("toiletries", "toiletries"),
    "pillows": ("an extra pillow", "{n} extra pillows"),
    "blanket": ("an extra blanket", "{n} extra blankets"),
    "crib": ("a crib", "{n} cribs"),
    "iron": ("an iron", "{n} irons"),
}


def wakeup_set(result: Any) -> str | None:
    """What the caller hears once ``set_wakeup_call`` ran (a new call, or one moved)."""
    if not isinstance(result, dict) or result.get("status") != "scheduled":
        return None
    room, on, at = result.get("room_number"), day(result.get("date")), clock(result.get("time"))
    before = result.get("previous_time")
    if before:
        return f"Room {room}'s wake-up call on {on} is moved from {clock(before)} to {at}."
    return f"Room {room} will get a wake-up call at {at} on {on}."


def wakeup_cancelled(result: Any) -> str | None:
    """What the caller hears once ``cancel_wakeup_call`` ran."""
    if not isinstance(result, dict) or result.get("status") != "cancelled":
        return None
    return (
        f"The wake-up call for room {result.get('room_number')} on {day(result.get('date'))} "
        "is cancelled."
    )


def housekeeping_sent(result: Any) -> str | None:
    """What the caller hears once ``request_housekeeping`` ran: what comes, and when (a note,
    such as "after 2 pm", is read back instead of the usual time)."""
    if not isinstance(result, dict) or "request_id" not in result:
        return None
    room, kind, n = result.get("room_number"), result.get("request_type"), result.get("quantity", 1)
    if result.get("notes"):
        when = f", with your note: {result['notes']}"
    else:
        when = f" {result['expected']}" if result.get("expected") else ""
    if kind == "cleaning":
        return f"Housekeeping will clean room {room}{when}."
    if kind == "turndown":
        return f"Housekeeping will come to room {room} for turndown service{when}."
    if kind not in _BRINGS:
        return f"Housekeeping will come to room {room}{when}."
    one, several = _BRINGS[str(kind)]
    brings = one if n == 1 else several.format(n=n)
    return f"Housekeeping will bring {brings} to room {room}{when}."


def maintenance_reported(result: Any) -> str | None:
    """What the caller hears once ``report_maintenance`` ran: when someone comes."""
    if not isinstance(result, dict) or "request_id" not in result:
        return None
    room, expected = result.get("room_number"), result.get("expected")
    reported = "as urgent" if result.get("urgency") == "urgent" else "to maintenance"
    if not expected:
        return f"I've reported it {reported}; someone will come to room {room}."
    return f"I've reported it {reported}: someone will come to room {room} {expected}."


def invoice(result: Any) -> str | None:
    """What the caller hears after ``get_invoice``: the total, what it is made of, what was
    paid and what is left."""
    keys = {"total_usd", "paid_usd", "balance_usd", "extras"}
    if not isinstance(result, dict) or not keys <= result.keys():
        return None
    if not isinstance(result["extras"], list):
        return None
    lines: dict[str, int] = {}  # the same extra on several days is said once, summed
    for extra in result["extras"]:
        if not isinstance(extra, dict) or "amount_usd" not in extra:
            return None
        what = mid_sentence(extra.get("description", "extras"))
        lines[what] = lines.get(what, 0) + int(extra["amount_usd"])
    said = [f"{what} {dollars(amount)}" for what, amount in lines.items()]
    if len(said) > BILL_LINES:
        rest = sum(list(lines.values())[BILL_LINES - 1 :])
        said = [*said[: BILL_LINES - 1], f"other extras {dollars(rest)}"]
    if result.get("parking_usd"):
        said.append(f"reserved parking {dollars(result['parking_usd'])}")
    if "cancellation_fee_usd" in result:
        said.insert(0, f"the cancellation fee {dollars(result['cancellation_fee_usd'])}")
    elif "room_usd" in result:
        said.insert(0, f"the room {dollars(result['room_usd'])}")
    if said == [f"the room {dollars(result.get('room_usd'))}"]:
        made_of = ", for the room"
    else:
        made_of = f": {one_of(said, 'and')}" if said else ""
    total, paid, balance = result["total_usd"], result["paid_usd"], result["balance_usd"]
    if not balance:
        owed = "It is paid in full."
    elif paid:
        owed = f"You've paid {dollars(paid)}, so the balance is {dollars(balance)}."
    else:
        owed = f"Nothing is paid yet, so the balance is {dollars(balance)}."
    return f"Your bill comes to {dollars(total)}{made_of}. {owed}"


def charge_added(result: Any) -> str | None:
    """What the caller hears once ``add_charge`` ran."""
    if not isinstance(result, dict) or "charge_id" not in result:
        return None
    return (
        f"I've added {dollars(result.get('amount_usd'))} for "
        f"{mid_sentence(result.get('description', 'that'))} to your bill."
    )


def parking_free(result: Any) -> str | None:
    """What the caller hears after ``check_parking``: whether there is space, and the prices."""
    keys = {"spaces_free", "self_per_night_usd", "valet_per_night_usd"}
    if not isinstance(result, dict) or not keys <= result.keys():
        return None
    if not result["spaces_free"]:
        return "I'm sorry, the garage is full on those nights."
    return (
        f"Yes, the garage has space on those nights: self-parking is "
        f"{dollars(result['self_per_night_usd'])} a night, and valet "
        f"{dollars(result['valet_per_night_usd'])} a night."
    )


def parking_reserved(result: Any) -> str | None:
    """What the caller hears once ``reserve_parking`` ran: the plate spelled, nights, price."""
    if not isinstance(result, dict) or "license_plate" not in result:
        return None
    kind = "Valet parking" if result.get("kind") == "valet" else "Self-parking"
    return (
        f"{kind} is reserved for plate {spelled(result['license_plate'])} from "
        f"{day(result.get('start_date'))} to {day(result.get('end_date'))}, "
        f"{dollars(result.get('price_usd'))} in total, added to your bill."
    )


def loyalty_member(result: Any) -> str | None:
    """What the caller hears after ``lookup_loyalty``: tier and points."""
    if not isinstance(result, dict) or not {"tier", "points"} <= result.keys():
        return None
    tier = "a member" if result["tier"] == "member" else f"a {result['tier']} member"
    name = f"{result['guest_name']}, you" if result.get("guest_name") else "You"
    return f"{name} are {tier} with {result['points']} points."


def loyalty_enrolled(result: Any) -> str | None:
    """What the caller hears once ``enroll_loyalty`` ran: the member number, spelled."""
    if not isinstance(result, dict) or "member_id" not in result:
        return None
    return (
        f"Welcome to the Harbor Light loyalty programme, {result.get('guest_name', '')}. Your "
        f"member number is {spelled(result['member_id'])}."
    )


def lost_items(result: Any) -> str | None:
    """What the caller hears after ``search_lost_and_found``: what the hotel holds that may be
    theirs (the caller says whether it is), or an offer to report it (``lost_offer``)."""
    matches = result.get("matches") if isinstance(result, dict) else None
    if not isinstance(matches, list) or not all(isinstance(m, dict) for m in matches):
        return None
    if not matches:
        return "I'm sorry, nothing like that has been handed in. Shall I report it as lost?"
    found = [
        f"{m.get('description')}, found {_at(m.get('location'))} on {day(m.get('date'))}"
        for m in matches
    ]
    if len(found) == 1:
        return f"One item like that was handed in: {found[0]}. Is that yours?"
    return (
        f"{len(found)} items like that were handed in: {one_of(found, 'and')}. "
        "Is one of them yours?"
    )


def _at(location: object) -> str:
    """``lobby`` -> ``in the lobby``; ``pool area`` -> ``at the pool area``."""
    place = str(location).strip().removeprefix("the ")
    inside = place.split()[-1:] in (["lobby"], ["room"], ["restaurant"], ["center"], ["bar"])
    return f"{'in' if inside else 'at'} the {place}"


def lost_offer(arguments: dict[str, Any], result: Any) -> tuple[str, dict[str, Any]] | None:
    """The report ``lost_items``' words offer when nothing matches: of the item looked for."""
    if not isinstance(result, dict) or result.get("matches") != []:
        return None
    description = arguments.get("description")
    return "report_lost_item", ({"description": description} if description else {})


def lost_reported(result: Any) -> str | None:
    """What the caller hears once ``report_lost_item`` ran: what happens next."""
    if not isinstance(result, dict) or "report_id" not in result:
        return None
    then = f": {result['next_step']}" if result.get("next_step") else ""
    return f"I've filed your lost item report, number {result['report_id']}{then}."
