"""Create, read, change and cancel room bookings."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from pydantic.json_schema import SkipJsonSchema

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel import spoken_bookings as said
from quickturn.domains.hotel.db import HOTEL_TODAY, new_code
from quickturn.domains.hotel.fields import (
    Adults,
    CheckIn,
    CheckOut,
    Children,
    Code,
    Email,
    GuestName,
    Phone,
    RatePlan,
    RoomType,
)
from quickturn.domains.hotel.inventory import capacity, rooms_free
from quickturn.domains.hotel.pricing import cancellation_fee, nightly_rates
from quickturn.domains.hotel.spoken import booking_done, booking_readback
from quickturn.domains.hotel.toolkit import desk_tool
from quickturn.errors import ToolExecutionError
from quickturn.tools.function_tool import FunctionTool


def _digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")


def booking_summary(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "booking_code": row["code"],
        "guest_name": row["guest_name"],
        "room_type": row["room_type"],
        "check_in": row["check_in"],
        "check_out": row["check_out"],
        "adults": row["adults"],
        "children": row["children"],
        "rate_plan": row["rate_plan"],
        "status": row["status"],
        "total_usd": row["total_usd"],
    }


def _check_party(conn: sqlite3.Connection, room_type: str, adults: int, children: int) -> None:
    cap = capacity(conn, room_type)
    if adults + children > cap:
        raise ToolExecutionError(
            f"a {room_type} room holds at most {cap} guests, not {adults + children}"
        )


def _check_free(
    conn: sqlite3.Connection, room_type: str, ci: Any, co: Any, exclude: str | None = None
) -> None:
    if rooms_free(conn, room_type, ci, co, exclude_code=exclude) < 1:
        raise ToolExecutionError(f"no {room_type} room free from {ci} to {co}")


def _guest_id(conn: sqlite3.Connection, name: str, phone: str, email: str | None) -> int:
    """Reuse a guest with the same name and phone number, else add one."""
    for row in conn.execute(
        "SELECT id, phone FROM guests WHERE lower(name) = lower(?)", (name,)
    ).fetchall():
        if _digits(row["phone"]) == _digits(phone):
            if email:
                conn.execute("UPDATE guests SET email = ? WHERE id = ?", (email, row["id"]))
            return int(row["id"])
    cur = conn.execute(
        "INSERT INTO guests(name, phone, email) VALUES (?, ?, ?)", (name, phone, email)
    )
    return int(cur.lastrowid or 0)


def booking_tools(conn: sqlite3.Connection) -> list[FunctionTool]:
    def _booking_checks(
        room_type: str,
        check_in: str,
        check_out: str,
        adults: int,
        guest_name: str,
        phone: str,
        children: int = 0,
        email: str = "",
        **_rest: Any,  # create_booking's other arguments (the rate plan): nothing to check
    ) -> tuple[Any, Any]:
        """What create_booking refuses before it books, also run before its read-back: a
        booking the hotel cannot make is never read back ("from March 14 to March 14")."""
        a.ask_all(
            lambda: a.name(guest_name),
            lambda: a.phone(phone),
            lambda: a.parse_date(check_in, "check_in"),
            lambda: a.parse_date(check_out, "check_out"),
            lambda: email and a.email(email),
        )
        ci, co = a.stay_dates(check_in, check_out)
        _check_party(conn, room_type, adults, children)
        return ci, co

    def readback(args: dict[str, Any]) -> str:
        ci, co = _booking_checks(**args)
        # Free rooms too (the handler checks them after its repeated-call check).
        _check_free(conn, args["room_type"], ci, co)
        return booking_readback(args)

    # The booking's details first, the caller's own facts after them (as in every booking tool
    # here): a small model invents a name and phone before the caller gave them, and the engine
    # ends the call at the first invented one (llm/jump_forward.py), keeping what came before.
    async def create_booking(
        room_type: RoomType,
        check_in: CheckIn,
        check_out: CheckOut,
        adults: Adults,
        guest_name: GuestName,
        phone: Phone,
        children: Children = 0,
        rate_plan: RatePlan = "flexible",
        email: Email = "",
    ) -> dict[str, Any]:
        """Book a room. Confirm dates, room type, guests, name and phone with the caller first."""
        ci, co = _booking_checks(
            room_type, check_in, check_out, adults, guest_name, phone, children, email
        )
        name = a.name(guest_name)
        number = a.phone(phone)
        mail = a.email(email) if email else None
        plan = rate_plan
        with conn:
            gid = _guest_id(conn, name, number, mail)
            # A repeated call (the model retried, or the caller said yes twice) must not book
            # the same stay twice: hand back the booking that already exists.
            same = conn.execute(
                "SELECT code FROM bookings WHERE guest_id = ? AND room_type = ? AND check_in = ? "
                "AND check_out = ? AND status = 'confirmed'",
                (gid, room_type, str(ci), str(co)),
            ).fetchone()
            if same:
                out = booking_summary(a.booking(conn, same["code"]))
                out["note"] = "this booking already existed; nothing new was booked"
                return out
            _check_free(conn, room_type, ci, co)
            total = sum(nightly_rates(conn, room_type, ci, co, plan))
            code = new_code(conn)
            conn.execute(
                "INSERT INTO bookings(code, guest_id, room_type, check_in, check_out, adults, "
                "children, rate_plan, status, total_usd, paid_usd, created_on) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'confirmed', ?, ?, ?)",
                (
                    code,
                    gid,
                    room_type,
                    str(ci),
                    str(co),
                    adults,
                    children,
                    plan,
                    total,
                    total if plan == "nonrefundable" else 0,
                    str(HOTEL_TODAY),
                ),
            )
        out = booking_summary(a.booking(conn, code))
        out["nights"] = (co - ci).days
        return out

    async def get_booking(booking_code: Code) -> dict[str, Any]:
        """Details of a booking by its code."""
        row = a.booking(conn, booking_code)
        out = booking_summary(row)
        if row["room_number"]:
            out["room_number"] = row["room_number"]
        for key in ("early_checkin_time", "late_checkout_time"):
            if row[key]:
                out[key] = row[key]
        if row["status"] == "cancelled":
            out["cancellation_fee_usd"] = row["cancellation_fee_usd"]
        requests = [
            r[0]
            for r in conn.execute(
                "SELECT request FROM special_requests WHERE booking_code = ? ORDER BY id",
                (row["code"],),
            )
        ]
        if requests:
            out["special_requests"] = requests
        return out

    async def find_booking_by_name(
        guest_name: GuestName, check_in: CheckIn = "", phone: Phone = ""
    ) -> dict[str, Any]:
        """Find bookings by the guest's full name or surname, optionally arrival date or phone."""
        name = a.name(guest_name).lower()
        last = name.split()[-1]
        ci = str(a.parse_date(check_in, "check_in")) if check_in else None
        digits = _digits(a.phone(phone)) if phone else None
        rows = conn.execute(
            "SELECT b.*, g.name AS guest_name, g.phone AS guest_phone FROM bookings b "
            "JOIN guests g ON g.id = b.guest_id ORDER BY b.check_in DESC"
        ).fetchall()
        full = [r for r in rows if str(r["guest_name"]).lower() == name]
        # Only the surname was given (or the first name was misheard): match on it.
        matches = full or [r for r in rows if str(r["guest_name"]).lower().split()[-1] == last]
        if ci:
            matches = [r for r in matches if r["check_in"] == ci]
        if digits:
            # Callers give numbers with or without the country code: compare the last 7 digits.
            matches = [r for r in matches if _digits(r["guest_phone"])[-7:] == digits[-7:]]
        if not matches:
            when = (f" arriving {ci}" if ci else "") + (" with that phone number" if digits else "")
            raise ToolExecutionError(f"no booking under the name {guest_name}{when}")
        return {"bookings": [booking_summary(r) for r in matches[:5]]}

    async def modify_booking(
        booking_code: Code,
        check_in: CheckIn = "",
        check_out: CheckOut = "",
        room_type: RoomType | SkipJsonSchema[None] = None,
        adults: Adults | SkipJsonSchema[None] = None,
        children: Children | SkipJsonSchema[None] = None,
    ) -> dict[str, Any]:
        """Change a booking's dates, room type or number of guests; returns the new total."""
        row = a.booking(conn, booking_code)
        code = str(row["code"])
        given = {
            "check_in": check_in or None,
            "check_out": check_out or None,
            "room_type": room_type,
            "adults": adults,
            "children": children,
        }
        changes = {k: v for k, v in given.items() if v is not None}
        if not changes:
            raise ToolExecutionError("nothing to change: give new dates, room type or guests")
        status = row["status"]
        if status in ("cancelled", "checked_out"):
            raise ToolExecutionError(
                f"booking {code} is {status.replace('_', ' ')} and cannot be changed"
            )
        if row["rate_plan"] == "nonrefundable":
            raise ToolExecutionError(
                f"booking {code} is non-refundable and cannot be changed; a manager can review it"
            )
        if status == "checked_in" and ({"check_in", "room_type"} & changes.keys()):
            raise ToolExecutionError(
                "the guest is already checked in: only the check-out date or guest count can change"
            )
        if status == "checked_in":
            ci = a.parse_date(row["check_in"], "check_in")
            co = a.parse_date(str(changes.get("check_out", row["check_out"])), "check_out")
            if co <= HOTEL_TODAY:
                raise ToolExecutionError(f"check_out must be after today ({HOTEL_TODAY})")
            if co <= ci:
                raise ToolExecutionError(f"check_out {co} must be after check_in {ci}")
        else:
            ci, co = a.stay_dates(
                str(changes.get("check_in", row["check_in"])),
                str(changes.get("check_out", row["check_out"])),
            )
        new_type = str(changes.get("room_type", row["room_type"]))
        new_adults = int(changes.get("adults", row["adults"]))
        new_children = int(changes.get("children", row["children"]))
        _check_party(conn, new_type, new_adults, new_children)
        _check_free(conn, new_type, ci, co, exclude=code)
        total = sum(nightly_rates(conn, new_type, ci, co, row["rate_plan"]))
        with conn:
            conn.execute(
                "UPDATE bookings SET check_in = ?, check_out = ?, room_type = ?, adults = ?, "
                "children = ?, total_usd = ? WHERE code = ?",
                (str(ci), str(co), new_type, new_adults, new_children, total, code),
            )
        out = booking_summary(a.booking(conn, code))
        out["previous_total_usd"] = row["total_usd"]
        out["difference_usd"] = total - int(row["total_usd"])
        return out

    def _fee(row: sqlite3.Row) -> int:
        if row["status"] == "cancelled":
            raise ToolExecutionError(f"booking {row['code']} is already cancelled")
        if row["status"] == "checked_out":
            raise ToolExecutionError(f"booking {row['code']} is a past stay")
        if row["status"] == "checked_in":
            raise ToolExecutionError(
                f"the guest of booking {row['code']} is already checked in; to leave early, "
                "change the check-out date"
            )
        return cancellation_fee(
            conn,
            room_type=row["room_type"],
            check_in=a.parse_date(row["check_in"], "check_in"),
            check_out=a.parse_date(row["check_out"], "check_out"),
            rate_plan=row["rate_plan"],
            total_usd=int(row["total_usd"]),
            today=HOTEL_TODAY,
        )

    async def quote_cancellation(booking_code: Code) -> dict[str, Any]:
        """The fee for cancelling a booking now, without cancelling it."""
        row = a.booking(conn, booking_code)
        fee = _fee(row)
        return {
            "booking_code": row["code"],
            "rate_plan": row["rate_plan"],
            "check_in": row["check_in"],
            "cancellation_fee_usd": fee,
            "free_cancellation": fee == 0,
        }

    def cancel_readback(args: dict[str, Any]) -> str:
        # The tool's own checks and fee (a booking it would refuse is never read back).
        row = a.booking(conn, str(args.get("booking_code", "")))
        return said.cancellation_readback(booking_summary(row), _fee(row))

    async def cancel_booking(booking_code: Code) -> dict[str, Any]:
        """Cancel a booking after the caller accepted the fee from quote_cancellation."""
        row = a.booking(conn, booking_code)
        fee = _fee(row)
        with conn:
            conn.execute(
                "UPDATE bookings SET status = 'cancelled', cancellation_fee_usd = ?, "
                "cancelled_on = ? WHERE code = ?",
                (fee, str(HOTEL_TODAY), row["code"]),
            )
            conn.execute(
                "UPDATE parking_reservations SET status = 'cancelled' WHERE booking_code = ?",
                (row["code"],),
            )
        return {
            "booking_code": row["code"],
            "status": "cancelled",
            "cancellation_fee_usd": fee,
            "rate_plan": row["rate_plan"],  # a non-refundable stay's fee is said as no refund
        }

    async def add_special_request(booking_code: Code, request: str) -> dict[str, Any]:
        """Note a request on a booking (high floor, anniversary, allergy, crib)."""
        row = a.booking(conn, booking_code)
        request = a.text(request, "request", 200)
        if row["status"] in ("cancelled", "checked_out"):
            raise ToolExecutionError(f"booking {row['code']} is {row['status'].replace('_', ' ')}")
        with conn:
            conn.execute(
                "INSERT INTO special_requests(booking_code, request, created_on) VALUES (?, ?, ?)",
                (row["code"], request, str(HOTEL_TODAY)),
            )
        return {"booking_code": row["code"], "request": request, "status": "noted"}

    async def update_guest_contact(
        booking_code: Code, phone: Phone = "", email: Email = ""
    ) -> dict[str, Any]:
        """Change the phone number or email on a booking."""
        row = a.booking(conn, booking_code)
        if not phone and not email:
            raise ToolExecutionError("give a new phone or email")
        number = a.phone(phone) if phone else None
        mail = a.email(email) if email else None
        with conn:
            if number:
                conn.execute("UPDATE guests SET phone = ? WHERE id = ?", (number, row["guest_id"]))
            if mail:
                conn.execute("UPDATE guests SET email = ? WHERE id = ?", (mail, row["guest_id"]))
        out: dict[str, Any] = {"booking_code": row["code"], "guest_name": row["guest_name"]}
        if number:
            out["phone"] = number
        if mail:
            out["email"] = mail
        return out

    return [
        desk_tool(create_booking, confirm=readback, say=booking_done),
        desk_tool(get_booking, say=said.booking_details),
        desk_tool(find_booking_by_name, say=said.bookings_found),
        desk_tool(modify_booking, say=said.modified),
        desk_tool(
            quote_cancellation, say=said.cancellation_quote, offer=said.cancellation_offer
        ),
        desk_tool(cancel_booking, confirm=cancel_readback, say=said.cancelled),
        desk_tool(add_special_request, say=said.request_noted),
        desk_tool(update_guest_contact, say=said.contact_updated),
    ]
