"""The front desk's own words for what it reads back and what it did (``@tool(confirm, say)``).

Written for the ear: dates as "March 20", codes letter by letter, money in dollars. A value that
is not what the schema promised (a date the model wrote oddly) is read as it is: the tool that
runs after the caller's yes validates it anyway.

This module holds the helpers every area shares (``day``, ``clock``, ``spelled``, ``dollars``...)
and the words of rooms, dining and the call itself; the other areas have their own modules
(``spoken_bookings``, ``spoken_services``, ``spoken_stay``). The words are also what the model
reads of a past turn (``llm.context.spoken_past``): a code or a room number the caller will
come back to must be in them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any


def day(value: object) -> str:
    """``2026-03-20`` -> ``March 20``."""
    try:
        d = date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{d:%B} {d.day}"


def clock(value: object) -> str:
    """``19:30`` -> ``7:30 PM``; ``19:00`` -> ``7 PM`` (as a front desk says a time)."""
    # Leading HH:MM only: the 0.5B writes its description's tail after it ("19:00, 24-hour").
    m = re.match(r"^\s*(\d{1,2}):(\d{2})\b", str(value))
    if m is None:
        return str(value)
    hour, minute = int(m.group(1)), int(m.group(2))
    half = "AM" if hour < 12 else "PM"
    twelve = hour % 12 or 12
    return f"{twelve} {half}" if minute == 0 else f"{twelve}:{minute:02d} {half}"


def spelled(code: object) -> str:
    """A confirmation code as the caller writes it down: ``8S8TRK`` -> ``8, S, 8, T, R, K``."""
    return ", ".join(str(code))


def people(count: object, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def diners(count: object) -> str:
    return f"{count} " + ("person" if count == 1 else "people")


def party(adults: object, children: object = 0) -> str:
    """``2, 1`` -> ``2 adults and 1 child``."""
    said = people(adults, "adult")
    if children:
        said += " and " + (f"{children} children" if children != 1 else "1 child")
    return said


def dollars(amount: object) -> str:
    return f"{amount} dollar" + ("" if amount == 1 else "s")


def fee(amount: object) -> str:
    """A charge as the end of a sentence: ``free of charge``, ``with a fee of 88 dollars``."""
    return "free of charge" if not amount else f"with a fee of {dollars(amount)}"


def one_of(said: list[str], last: str = "or") -> str:
    """``["8 PM", "9 PM", "7 PM"]`` -> ``8 PM, 9 PM or 7 PM``."""
    return said[0] if len(said) == 1 else f"{', '.join(said[:-1])} {last} {said[-1]}"


def a_room(room_type: object) -> str:
    """``double`` -> ``a double room``, ``accessible`` -> ``an accessible room``, ``suite`` ->
    ``a suite``."""
    kind = named(room_type)
    article = "an" if kind[:1].lower() in ("a", "e", "i", "o", "u") else "a"
    return f"{article} {kind}" + ("" if kind == "suite" else " room")


def named(code: object) -> str:
    """A schema code as words: ``hot_stone_massage`` -> ``hot stone massage``."""
    return str(code).replace("_", " ")


def mid_sentence(text: object) -> str:
    """Free text (a description, a request) inside a sentence: ``Two sodas`` -> ``two sodas``,
    but ``iPhone`` and ``TV remote`` keep their capitals."""
    words = str(text).strip()
    if len(words) > 1 and words[0].isupper() and not words[1].isupper():
        return words[0].lower() + words[1:]
    return words


def booking_readback(args: dict[str, Any]) -> str:
    """The read-back of a ``create_booking`` call, before it runs."""
    guests = party(args.get("adults", 1), args.get("children"))
    # A non-refundable rate is said out loud: the caller must agree to it, not just hear yes.
    rate = " at the non-refundable rate" if args.get("rate_plan") == "nonrefundable" else ""
    return (
        f"So that's {a_room(args.get('room_type', ''))} from {day(args.get('check_in'))} to "
        f"{day(args.get('check_out'))} for {guests}{rate}, under {args.get('guest_name', '')}, "
        f"phone {args.get('phone', '')}. Shall I book it?"
    )


def booking_done(result: Any) -> str | None:
    """What the caller hears once ``create_booking`` ran."""
    if not isinstance(result, dict) or "booking_code" not in result:
        return None
    code = spelled(result["booking_code"])
    if result.get("note"):
        return f"That booking is already in place. Your confirmation code is {code}."
    nights = result.get("nights")
    stay = f"{people(nights, 'night')}, " if nights else ""
    return (
        f"You're booked: {stay}{result.get('total_usd')} dollars in total. "
        f"Your confirmation code is {code}."
    )


def availability(result: Any) -> str | None:
    """What the caller hears after ``check_availability``: what is free, with totals."""
    if not isinstance(result, dict) or not isinstance(result.get("available"), list):
        return None
    stay = f"from {day(result.get('check_in'))} to {day(result.get('check_out'))}"
    rooms = [
        f"{a_room(r['room_type'])} at {r['flexible_total_usd']} dollars in total"
        for r in result["available"][:2]
        if isinstance(r, dict) and "room_type" in r and "flexible_total_usd" in r
    ]
    if not rooms:
        return f"I'm sorry, nothing suitable is free {stay}."
    ask = "Shall I book it for you?" if len(rooms) == 1 else "Which would you like?"
    return f"{' or '.join(rooms).capitalize()} is free {stay}. {ask}"


def policy(result: Any) -> str | None:
    """The handbook's own words for a ``lookup_policy`` answer."""
    if not isinstance(result, dict) or not isinstance(result.get("policy"), str):
        return None
    return " ".join(result["policy"].split())


def table_availability(result: Any) -> str | None:
    """What the caller hears after ``check_restaurant_availability``: the asked time free (and
    an offer to reserve it), or the free times to choose from."""
    if not isinstance(result, dict) or "date" not in result:
        return None
    size, on = diners(result.get("party_size")), day(result["date"])
    if result.get("available") is True:
        at = clock(result.get("time"))
        return f"A table for {size} on {on} at {at} is free. Shall I reserve it?"
    times = result.get("nearest_free_times", result.get("free_times"))
    if not isinstance(times, list):
        return None
    if not times:
        return f"I'm sorry, no table for {size} is free on {on}."
    choice = one_of([clock(t) for t in times[:3]])
    taken = f"{clock(result['time'])} is taken. " if "time" in result else ""
    return f"{taken}On {on} a table for {size} is free at {choice}. Which would you like?"


def table_offer(arguments: dict[str, Any], result: Any) -> tuple[str, dict[str, Any]] | None:
    """The reservation ``table_availability``'s words offer: the asked time, when it is free."""
    if not isinstance(result, dict) or result.get("available") is not True:
        return None
    keys = ("date", "time", "party_size")
    return "reserve_restaurant", {key: result.get(key) for key in keys}


def table_readback(args: dict[str, Any]) -> str:
    """The read-back of a ``reserve_restaurant`` call, before it runs."""
    size = diners(args.get("party_size", 1))
    return (
        f"So that's a table for {size} on {day(args.get('date'))} at {clock(args.get('time'))}, "
        f"under {args.get('guest_name', '')}, phone {args.get('phone', '')}. Shall I reserve it?"
    )


def table_done(result: Any) -> str | None:
    """What the caller hears once ``reserve_restaurant`` ran."""
    if not isinstance(result, dict) or "reservation_code" not in result:
        return None
    code = spelled(result["reservation_code"])
    if result.get("note"):
        return f"That table is already reserved. Your reservation code is {code}."
    return f"Your table is reserved. Your reservation code is {code}."


def arrival_time_done(result: Any) -> str | None:
    """What the caller hears once an early check-in or a late checkout is arranged."""
    if not isinstance(result, dict) or "fee_usd" not in result:
        return None
    if "late_checkout_time" in result:
        at, on = clock(result["late_checkout_time"]), day(result.get("check_out"))
        what = f"You can check out at {at} on {on}"
    elif "early_checkin_time" in result:
        at, on = clock(result["early_checkin_time"]), day(result.get("check_in"))
        what = f"You can check in at {at} on {on}"
    else:
        return None
    fee = result["fee_usd"]
    cost = "at no charge" if not fee else f"for {fee} dollars, added to your bill"
    return f"{what}, {cost}."


def goodbye(result: Any) -> str | None:
    """What the caller hears once ``end_call`` ran (the call ends after it is heard)."""
    if not isinstance(result, dict) or result.get("status") != "ending":
        return None
    return "Thank you for calling the Harbor Light Hotel. Goodbye!"


def transferring(result: Any) -> str | None:
    """What the caller hears once ``transfer_to_human`` ran."""
    if not isinstance(result, dict) or result.get("status") != "transferring":
        return None
    department = str(result.get("department", ""))
    who = _COLLEAGUES.get(department, f"our {department.replace('_', ' ')} team")
    return f"I'm connecting you with {who} now. One moment, please."


_COLLEAGUES = {"front_desk": "a colleague at the front desk", "manager": "the manager on duty"}
