"""Argument checks shared by the hotel tools.

JSON schema (checked by ToolRegistry.execute) guarantees types; these checks cover what a schema
cannot say well to a small model: real calendar dates, order of dates, the hotel's "now", sane
phones and emails. Every failure is a ToolExecutionError whose text is read by the model, so it
says what was wrong and, where useful, what would be right. A value that does not parse at all
(a date, a time, a phone, a name, a code) is a CallerInputError naming its argument, so the tool
layer can ask the caller for it again instead of spending a model round on it.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from quickturn.domains.hotel.db import HOTEL_NOW, HOTEL_TODAY, RATES_UNTIL
from quickturn.errors import ToolExecutionError
from quickturn.tools.elicit import CallerInputError
from quickturn.tools.spoken_chars import spoken_characters

MAX_STAY_NIGHTS = 30
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
# "7:30" is accepted as 07:30: small models often drop the leading zero.
# A time, and after it at most words (the 0.5B writes "14:00, 24-hour", its description's tail).
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?:[,\s].*)?$")


def ask_all(*checks: Callable[[], object]) -> None:
    """Run every check of the caller's values and refuse them together: one CallerInputError
    naming each that failed, so the caller is asked once for all of them, not once per round."""
    failed: list[CallerInputError] = []
    for check in checks:
        try:
            check()
        except CallerInputError as exc:
            failed.append(exc)
    if failed:
        fields = [f for exc in failed for f in exc.fields]
        raise CallerInputError("; ".join(str(exc) for exc in failed), *fields)


def parse_date(value: str, field: str) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise CallerInputError(
            f"{field} must be a date like 2026-03-20, got {value!r}", field
        ) from None


def future_date(value: str, field: str) -> date:
    """A date that is today or later (the hotel's today, not the wall clock)."""
    day = parse_date(value, field)
    if day < HOTEL_TODAY:
        raise ToolExecutionError(f"{field} {day} is in the past; today is {HOTEL_TODAY}")
    return day


def parse_time(value: str, field: str = "time") -> time:
    m = _TIME.match(value.strip())
    if not m:
        raise CallerInputError(f"{field} must be a 24-hour time like 19:30, got {value!r}", field)
    return time(int(m.group(1)), int(m.group(2)))


def future_moment(day: date, at: time, what: str) -> datetime:
    moment = datetime.combine(day, at)
    if moment <= HOTEL_NOW:
        raise ToolExecutionError(
            f"{what} at {at:%H:%M} on {day} is in the past; "
            f"it is now {HOTEL_NOW:%H:%M} on {HOTEL_TODAY}"
        )
    return moment


def stay_dates(check_in: str, check_out: str) -> tuple[date, date]:
    """Validated check-in/check-out for a new or changed stay."""
    ci = future_date(check_in, "check_in")
    co = parse_date(check_out, "check_out")
    if co <= ci:
        raise ToolExecutionError(f"check_out {co} must be after check_in {ci}")
    if (co - ci).days > MAX_STAY_NIGHTS:
        raise ToolExecutionError(
            f"stays are limited to {MAX_STAY_NIGHTS} nights online; "
            "transfer to reservations for longer"
        )
    if co > RATES_UNTIL + timedelta(days=1):
        raise ToolExecutionError(f"bookings are open for stays until {RATES_UNTIL} only")
    return ci, co


def phone(value: str) -> str:
    spoken = spoken_characters(value)  # "five five five, oh one four two"
    if spoken is not None and spoken.isdigit() and not any(c.isdigit() for c in value):
        value = spoken
    digits = re.sub(r"[\s\-().]", "", value.strip())
    if not re.fullmatch(r"\+?\d{7,15}", digits):
        raise CallerInputError(
            f"phone {value!r} does not look like a phone number (7 to 15 digits, optional +)",
            "phone",
        )
    return value.strip()


def email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.fullmatch(value):
        raise CallerInputError(f"email {value!r} does not look like an email address", "email")
    return value


def name(value: str, field: str = "guest_name") -> str:
    value = " ".join(value.split())
    if len(value) < 2 or not re.search(r"[^\W\d_]", value):
        raise CallerInputError(f"{field} must be the guest's name, got {value!r}", field)
    return value


def text(value: str, field: str, max_len: int = 300) -> str:
    value = " ".join(value.split())
    if not value:
        raise ToolExecutionError(f"{field} must not be empty")
    if len(value) > max_len:
        raise ToolExecutionError(f"{field} is too long (at most {max_len} characters)")
    return value


# The argument that carries each kind of code, for asking the caller again.
_CODE_ARGUMENT = {
    "booking": "booking_code",
    "reservation": "reservation_code",
    "appointment": "appointment_code",
    "ride": "transport_code",
}


def booking_code(value: str, what: str = "booking") -> str:
    """A confirmation code as stored: people say codes with spaces or dashes ("H X 4 K 2 P"),
    digits as words ("H K four five nine two")."""
    code = spoken_characters(value) or re.sub(r"[\s\-]", "", value).upper()
    if not re.fullmatch(r"[A-Z0-9]{6}", code):
        # A name or a date in the code field: say what a code looks like, so the model asks.
        raise CallerInputError(
            f"{value.strip()!r} is not a {what} code; codes have 6 letters and digits, "
            "like HX4K2P. Ask the caller for it"
            + (" or use find_booking_by_name" if what == "booking" else ""),
            _CODE_ARGUMENT[what],
        )
    return code


def occupied_room(conn: sqlite3.Connection, room_number: str) -> sqlite3.Row:
    """The checked-in booking of a room, or a clear refusal."""
    # "room 402", "#402" and "402" all mean room 402.
    room = re.sub(r"\D", "", room_number) or room_number.strip()
    if not conn.execute("SELECT 1 FROM rooms WHERE number = ?", (room,)).fetchone():
        raise ToolExecutionError(f"there is no room {room_number} in the hotel")
    row: sqlite3.Row | None = conn.execute(
        "SELECT b.*, g.name AS guest_name FROM bookings b JOIN guests g ON g.id = b.guest_id "
        "WHERE b.room_number = ? AND b.status = 'checked_in'",
        (room,),
    ).fetchone()
    if row is None:
        raise ToolExecutionError(f"no guest is checked in to room {room}")
    return row


def booking(conn: sqlite3.Connection, code: str) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute(
        "SELECT b.*, g.name AS guest_name, g.phone AS guest_phone, g.email AS guest_email "
        "FROM bookings b JOIN guests g ON g.id = b.guest_id WHERE b.code = ?",
        (booking_code(code),),
    ).fetchone()
    if row is None:
        raise ToolExecutionError(f"no booking with code {booking_code(code)}")
    return row
