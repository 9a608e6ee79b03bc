"""Parking and the Harbor Light loyalty programme."""

from __future__ import annotations

import re
import sqlite3
from datetime import date
from typing import Any

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel.db import HOTEL_TODAY, new_member_id
from quickturn.domains.hotel.pricing import nights
from quickturn.domains.hotel.schemas import CODE, DATE, NAME, PHONE, params, string
from quickturn.errors import ToolExecutionError
from quickturn.tools.types import ToolSpec

PARKING_SPACES = 40
PARKING_PRICES_USD = {"self": 25, "valet": 40}


def _digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def guest_service_tools(conn: sqlite3.Connection) -> list[ToolSpec]:
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

    def check_parking(args: dict[str, Any]) -> dict[str, Any]:
        ci, co = a.stay_dates(args["check_in"], args["check_out"])
        return {
            "spaces_free": spaces_free(ci, co),
            "self_per_night_usd": PARKING_PRICES_USD["self"],
            "valet_per_night_usd": PARKING_PRICES_USD["valet"],
        }

    def reserve_parking(args: dict[str, Any]) -> dict[str, Any]:
        row = a.booking(conn, args["booking_code"])
        if row["status"] not in ("confirmed", "checked_in"):
            raise ToolExecutionError(f"booking {row['code']} is {row['status'].replace('_', ' ')}")
        plate = re.sub(r"[\s\-]", "", args["license_plate"]).upper()
        if not re.fullmatch(r"[A-Z0-9]{2,10}", plate):
            raise ToolExecutionError(f"license plate {args['license_plate']!r} looks wrong")
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
        kind = args["kind"]
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

    def lookup_loyalty(args: dict[str, Any]) -> dict[str, Any]:
        member_id = a.opt(args, "member_id")
        name = a.opt(args, "guest_name")
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

    def enroll_loyalty(args: dict[str, Any]) -> dict[str, Any]:
        name = a.name(args["guest_name"])
        email = a.email(args["email"])
        phone = a.phone(args["phone"])
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
        ToolSpec(
            "check_parking",
            "Free garage spaces and prices for some nights.",
            params(["check_in", "check_out"], check_in=DATE, check_out=DATE),
            check_parking,
        ),
        ToolSpec(
            "reserve_parking",
            "Reserve a garage space for the nights of a booking (self-park or valet).",
            params(
                ["booking_code", "license_plate", "kind"],
                booking_code=CODE,
                license_plate=string(),
                kind=string(enum=["self", "valet"]),
            ),
            reserve_parking,
        ),
        ToolSpec(
            "lookup_loyalty",
            "A loyalty member's tier and points, by member id (HL...) or full name.",
            params(member_id=string("e.g. HL100234"), guest_name=NAME),
            lookup_loyalty,
        ),
        ToolSpec(
            "enroll_loyalty",
            "Enrol a guest in the free Harbor Light loyalty programme.",
            params(["guest_name", "email", "phone"], guest_name=NAME, email=string(), phone=PHONE),
            enroll_loyalty,
        ),
    ]
