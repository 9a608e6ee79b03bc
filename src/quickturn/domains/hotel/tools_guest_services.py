"""Parking and the Harbor Light loyalty programme."""

from __future__ import annotations

import re
import sqlite3
from datetime import date
from typing import Annotated, Any

from pydantic import Field

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel import spoken_stay as said
from quickturn.domains.hotel.db import HOTEL_TODAY, new_member_id
from quickturn.domains.hotel.fields import (
    CheckIn,
    CheckOut,
    Code,
    Email,
    GuestName,
    ParkingKind,
    Phone,
)
from quickturn.domains.hotel.pricing import nights
from quickturn.domains.hotel.toolkit import desk_tool
from quickturn.errors import ToolExecutionError
from quickturn.tools.elicit import CallerInputError, ask_caller
from quickturn.tools.function_tool import FunctionTool

PARKING_SPACES = 40
PARKING_PRICES_USD = {"self": 25, "valet": 40}
Plate = Annotated[str, Field(json_schema_extra=ask_caller("the car's license plate"))]
MemberId = Annotated[str, Field(json_schema_extra=ask_caller("the loyalty member number"))]


def _digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def guest_service_tools(conn: sqlite3.Connection) -> list[FunctionTool]:
    def spaces_free(start: date, end: date) -> int:
        free = PARKING_SPACES
        for night in nights(start, end):
            used = conn.execute(
                "SELECT COUNT(*) FROM parking_reservations WHERE status = 'confirmed' "
                "AND start_date <= ? AND end_date > ?",
                (str(night), str(night)),
            ).fetchone()[0]
            free = min(free, PARKING_SPACES - int(used))
        return max(free, 0)

    async def check_parking(check_in: CheckIn, check_out: CheckOut) -> dict[str, Any]:
        """Free garage spaces and prices for some nights."""
        ci, co = a.stay_dates(check_in, check_out)
        return {
            "spaces_free": spaces_free(ci, co),
            "self_per_night_usd": PARKING_PRICES_USD["self"],
            "valet_per_night_usd": PARKING_PRICES_USD["valet"],
        }

    async def reserve_parking(
        booking_code: Code, license_plate: Plate, kind: ParkingKind
    ) -> dict[str, Any]:
        """Reserve a garage space for the nights of a booking (self-park or valet)."""
        row = a.booking(conn, booking_code)
        if row["status"] not in ("confirmed", "checked_in"):
            raise ToolExecutionError(f"booking {row['code']} is {row['status'].replace('_', ' ')}")
        plate = re.sub(r"[\s\-]", "", license_plate).upper()
        if not re.fullmatch(r"[A-Z0-9]{2,10}", plate):
            raise CallerInputError(f"license plate {license_plate!r} looks wrong", "license_plate")
        existing = conn.execute(
            "SELECT license_plate FROM parking_reservations WHERE booking_code = ? "
            "AND status = 'confirmed'",
            (row["code"],),
        ).fetchone()
        if existing:
            raise ToolExecutionError(
                f"booking {row['code']} already has parking for plate {existing[0]}"
            )
        start = max(a.parse_date(row["check_in"], "check_in"), HOTEL_TODAY)
        end = a.parse_date(row["check_out"], "check_out")
        if end <= start:
            raise ToolExecutionError(f"booking {row['code']} has no nights left")
        if spaces_free(start, end) < 1:
            raise ToolExecutionError(f"the garage is full on some night from {start} to {end}")
        price = PARKING_PRICES_USD[kind] * (end - start).days
        with conn:
            conn.execute(
                "INSERT INTO parking_reservations(booking_code, license_plate, kind, start_date, "
                "end_date, price_usd, status) VALUES (?, ?, ?, ?, ?, ?, 'confirmed')",
                (row["code"], plate, kind, str(start), str(end), price),
            )
        return {
            "booking_code": row["code"],
            "license_plate": plate,
            "kind": kind,
            "start_date": str(start),
            "end_date": str(end),
            "price_usd": price,
        }

    async def lookup_loyalty(
        member_id: MemberId = "", guest_name: GuestName = ""
    ) -> dict[str, Any]:
        """A loyalty member's tier and points, by member id (HL...) or full name.

        Args:
            member_id: e.g. HL100234
        """
        name = guest_name
        if not member_id and not name:
            raise ToolExecutionError("give the member id or the guest's name")
        rows = conn.execute(
            "SELECT m.member_id, g.name, m.tier, m.points FROM loyalty_members m "
            "JOIN guests g ON g.id = m.guest_id"
        ).fetchall()
        if member_id:
            wanted = re.sub(r"[\s\-]", "", member_id).upper()
            found = [r for r in rows if r["member_id"] == wanted]
        else:
            found = [r for r in rows if str(r["name"]).lower() == " ".join(name.split()).lower()]
        if not found:
            raise ToolExecutionError(f"no loyalty member {member_id or name}")
        r = found[0]
        return {
            "member_id": r["member_id"],
            "guest_name": r["name"],
            "tier": r["tier"],
            "points": r["points"],
        }

    async def enroll_loyalty(guest_name: GuestName, email: Email, phone: Phone) -> dict[str, Any]:
        """Enrol a guest in the free Harbor Light loyalty programme."""
        a.ask_all(lambda: a.name(guest_name), lambda: a.email(email), lambda: a.phone(phone))
        name = a.name(guest_name)
        email = a.email(email)
        phone = a.phone(phone)
        guest = None
        for g in conn.execute("SELECT * FROM guests WHERE lower(name) = lower(?)", (name,)):
            if _digits(g["phone"]) == _digits(phone) or (g["email"] or "").lower() == email.lower():
                guest = g
                break
        if guest is not None:
            member = conn.execute(
                "SELECT member_id FROM loyalty_members WHERE guest_id = ?", (guest["id"],)
            ).fetchone()
            if member:
                raise ToolExecutionError(f"{name} is already a member, id {member[0]}")
        with conn:
            if guest is None:
                gid = conn.execute(
                    "INSERT INTO guests(name, phone, email) VALUES (?, ?, ?)", (name, phone, email)
                ).lastrowid
            else:
                gid = guest["id"]
            member_id = new_member_id(conn)
            conn.execute(
                "INSERT INTO loyalty_members VALUES (?, ?, 'member', 0, ?)",
                (member_id, gid, str(HOTEL_TODAY)),
            )
        return {"member_id": member_id, "guest_name": name, "tier": "member", "points": 0}

    return [
        desk_tool(check_parking, say=said.parking_free),
        desk_tool(reserve_parking, say=said.parking_reserved),
        desk_tool(lookup_loyalty, say=said.loyalty_member),
        desk_tool(enroll_loyalty, say=said.loyalty_enrolled),
    ]
