"""The desk's words for the spa, rides and room service (``desk_tool(say=, confirm=, offer=)`` in
``tools_spa``, ``tools_transport`` and ``tools_dining``): what is free, what was booked or
ordered with its code and price, and what cancelling cost."""

from __future__ import annotations

from typing import Any

from quickturn.domains.hotel.spoken import (
    clock,
    day,
    dollars,
    fee,
    mid_sentence,
    named,
    one_of,
    spelled,
)

SAID_TIMES = 3
"""Free times said one by one; the rest are counted ("and 8 other times up to 7 PM")."""
MENU_ITEMS = 8
"""A menu longer than this is not read out: the model picks what the caller asked about."""


def _when(result: dict[str, Any]) -> str:
    """``on March 14 at 2 PM``."""
    return f"on {day(result.get('date'))} at {clock(result.get('time'))}"


def _place(where: object) -> str:
    """``hotel entrance`` -> ``the hotel entrance``; a name or an address is said as it is."""
    text = str(where).strip()
    return text if not text[:1].islower() or text.startswith(("the ", "a ")) else f"the {text}"


def _half(charged: object, price: object) -> str:
    if not isinstance(charged, int) or not isinstance(price, int) or charged <= 0:
        return ""
    return ", half the price" if abs(2 * charged - price) <= 1 else ""


def spa_services(result: Any) -> str | None:
    """What the caller hears after ``get_spa_services``: each treatment's length and price."""
    services = result.get("services") if isinstance(result, dict) else None
    keys = {"name", "duration_min", "price_usd"}
    if not isinstance(services, list) or not services:
        return None
    if not all(isinstance(s, dict) and keys <= s.keys() for s in services):
        return None
    said = [
        f"the {mid_sentence(s['name'])}, {s['duration_min']} minutes for {dollars(s['price_usd'])}"
        for s in services
    ]
    listed = said[0] if len(said) == 1 else f"{'; '.join(said[:-1])}; and {said[-1]}"
    hours = str(result.get("hours", "")).split("-")
    open_ = f" It is open from {clock(hours[0])} to {clock(hours[1])}." if len(hours) == 2 else ""
    return f"The spa offers {listed}.{open_}"


def spa_availability(result: Any) -> str | None:
    """What the caller hears after ``check_spa_availability``: the free start times, the one
    free time offered (``spa_offer``), or that the day is full."""
    if not isinstance(result, dict) or not isinstance(result.get("free_times"), list):
        return None
    times = [clock(t) for t in result["free_times"]]
    treatment, on = named(result.get("service", "treatment")), day(result.get("date"))
    if not times:
        return f"I'm sorry, the {treatment} is fully booked on {on}."
    if len(times) == 1:
        return f"On {on} the {treatment} is free only at {times[0]}. Shall I book it?"
    if len(times) <= SAID_TIMES + 1:
        listed = one_of(times)
    else:
        rest = len(times) - SAID_TIMES
        listed = f"{', '.join(times[:SAID_TIMES])} and {rest} other times up to {times[-1]}"
    return f"On {on} the {treatment} is free at {listed}. Which time would you like?"


def spa_offer(arguments: dict[str, Any], result: Any) -> tuple[str, dict[str, Any]] | None:
    """The booking ``spa_availability``'s words offer: the day's one free time."""
    free = result.get("free_times") if isinstance(result, dict) else None
    if not isinstance(free, list) or len(free) != 1:
        return None
    return "book_spa", {"service": result.get("service"), "date": result.get("date"),
                        "time": free[0]}


def spa_booked(result: Any) -> str | None:
    """What the caller hears once ``book_spa`` ran."""
    if not isinstance(result, dict) or "appointment_code" not in result:
        return None
    price = f", {dollars(result['price_usd'])}" if result.get("price_usd") else ""
    return (
        f"Your {named(result.get('service', 'treatment'))} is booked for "
        f"{day(result.get('date'))} at {clock(result.get('time'))}{price}. "
        f"Your confirmation code is {spelled(result['appointment_code'])}."
    )


def spa_cancel_readback(appointment: dict[str, Any], charged: int) -> str:
    """The read-back of a ``cancel_spa_appointment`` call, before it runs (``appointment``:
    its service name, date, time and price)."""
    cost = (
        f"with a late-cancellation fee of {dollars(charged)}"
        f"{_half(charged, appointment.get('price_usd'))}"
        if charged
        else "free of charge"
    )
    treatment = mid_sentence(appointment.get("service", "spa appointment"))
    return f"So that's cancelling your {treatment} {_when(appointment)}, {cost}. Shall I cancel it?"


def spa_cancelled(result: Any) -> str | None:
    """What the caller hears once ``cancel_spa_appointment`` ran."""
    if not isinstance(result, dict) or result.get("status") != "cancelled":
        return None
    what = (
        f"{mid_sentence(result['service'])} {_when(result)}"
        if "service" in result
        else "spa appointment"
    )
    return f"Your {what} is cancelled, {fee(result.get('cancellation_fee_usd'))}."


def ride_booked(result: Any) -> str | None:
    """What the caller hears once ``book_taxi`` or ``book_airport_transfer`` ran."""
    if not isinstance(result, dict) or "transport_code" not in result:
        return None
    code = spelled(result["transport_code"])
    if result.get("note"):
        return f"That ride is already booked. Your confirmation code is {code}."
    when = f"at {clock(result.get('time'))} on {day(result.get('date'))}"
    where = f" at {_place(result['pickup_location'])}" if result.get("pickup_location") else ""
    if result.get("kind") == "taxi":
        fare = f"; the fare is {result['fare']}" if result.get("fare") else ""
        to = f" to {_place(result['destination'])}" if result.get("destination") else ""
        ride = f"Your taxi{to} will pick you up{where} {when}{fare}."
    else:
        price = f", for {dollars(result['price_usd'])}" if result.get("price_usd") else ""
        ride = f"A {result.get('vehicle', 'car')} will pick you up{where} {when}{price}."
    return f"{ride} Your confirmation code is {code}."


def ride_cancelled(result: Any) -> str | None:
    """What the caller hears once ``cancel_transport`` ran (a late one costs the full price)."""
    if not isinstance(result, dict) or result.get("status") != "cancelled":
        return None
    ride = "taxi" if result.get("kind") == "taxi" else "airport transfer"
    when = f" at {clock(result['time'])} on {day(result.get('date'))}" if "time" in result else ""
    charged = result.get("cancellation_fee_usd")
    if charged:
        cost = f"; as pickup is so close, the full {dollars(charged)} is charged"
    else:
        cost = ", free of charge"
    return f"Your {ride}{when} is cancelled{cost}."


def table_cancelled(result: Any) -> str | None:
    """What the caller hears once ``cancel_restaurant_reservation`` ran."""
    if not isinstance(result, dict) or result.get("status") != "cancelled":
        return None
    return f"Your table {_when(result)} is cancelled."


def menu(result: Any) -> str | None:
    """What the caller hears after ``get_room_service_menu``: a short list is read out."""
    items = result.get("items") if isinstance(result, dict) else None
    if not isinstance(items, list) or not items or len(items) > MENU_ITEMS:
        return None
    if not all(isinstance(i, dict) and {"name", "price_usd"} <= i.keys() for i in items):
        return None
    said = [f"{mid_sentence(i['name'])}, {dollars(i['price_usd'])}" for i in items]
    listed = said[0] if len(said) == 1 else f"{'; '.join(said[:-1])}; and {said[-1]}"
    return f"We have {listed}. What would you like?"


def room_service_ordered(result: Any) -> str | None:
    """What the caller hears once ``order_room_service`` ran."""
    if not isinstance(result, dict) or result.get("status") != "placed":
        return None
    soon = (
        f" It will be with you in about {result['estimated_minutes']} minutes."
        if result.get("estimated_minutes")
        else ""
    )
    return (
        f"Your order is placed: {dollars(result.get('total_usd'))}, charged to room "
        f"{result.get('room_number')}.{soon}"
    )
