"""In-stay requests for a checked-in room: wake-up calls, housekeeping, maintenance."""

from __future__ import annotations

import sqlite3
from typing import Any

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel.db import HOTEL_TODAY
from quickturn.domains.hotel.schemas import DATE, ROOM, TIME, count, params, string
from quickturn.errors import ToolExecutionError
from quickturn.tools.types import ToolSpec

HOUSEKEEPING_TYPES = [
    "towels",
    "toiletries",
    "pillows",
    "blanket",
    "cleaning",
    "turndown",
    "crib",
    "iron",
    "other",
]
URGENCIES = ["low", "normal", "urgent"]
RESPONSE_TIME = {"urgent": "within 15 minutes", "normal": "within the hour", "low": "today"}


def stay_tools(conn: sqlite3.Connection) -> list[ToolSpec]:
    def set_wakeup_call(args: dict[str, Any]) -> dict[str, Any]:
        stay = a.occupied_room(conn, args["room_number"])
        day = a.future_date(args["date"], "date")
        at = a.parse_time(args["time"])
        if day > a.parse_date(stay["check_out"], "check_out"):
            raise ToolExecutionError(
                f"room {stay['room_number']} checks out on {stay['check_out']}; pick a date before"
            )
        a.future_moment(day, at, "wake-up call")
        room, hhmm = stay["room_number"], f"{at:%H:%M}"
        with conn:
            # One call per room and morning: asking again moves it rather than adding a second.
            updated = conn.execute(
                "UPDATE wakeup_calls SET time = ? WHERE room_number = ? AND date = ? "
                "AND status = 'scheduled'",
                (hhmm, room, str(day)),
            ).rowcount
            if not updated:
                conn.execute(
                    "INSERT INTO wakeup_calls(room_number, date, time, status) "
                    "VALUES (?, ?, ?, 'scheduled')",
                    (room, str(day), hhmm),
                )
        return {"room_number": room, "date": str(day), "time": hhmm, "status": "scheduled"}

    def cancel_wakeup_call(args: dict[str, Any]) -> dict[str, Any]:
        stay = a.occupied_room(conn, args["room_number"])
        day = a.parse_date(args["date"], "date")
        with conn:
            n = conn.execute(
                "UPDATE wakeup_calls SET status = 'cancelled' WHERE room_number = ? AND date = ? "
                "AND status = 'scheduled'",
                (stay["room_number"], str(day)),
            ).rowcount
        if not n:
            raise ToolExecutionError(f"room {stay['room_number']} has no wake-up call on {day}")
        return {"room_number": stay["room_number"], "date": str(day), "status": "cancelled"}

    def request_housekeeping(args: dict[str, Any]) -> dict[str, Any]:
        stay = a.occupied_room(conn, args["room_number"])
        kind = args["request_type"]
        qty = int(a.opt(args, "quantity") or 1)
        notes = a.text(args["notes"], "notes", 200) if a.opt(args, "notes") else None
        if kind == "other" and not notes:
            raise ToolExecutionError("say in notes what the guest needs")
        with conn:
            cur = conn.execute(
                "INSERT INTO housekeeping_requests(room_number, request_type, quantity, notes, "
                "status, created_on) VALUES (?, ?, ?, ?, 'open', ?)",
                (stay["room_number"], kind, qty, notes, str(HOTEL_TODAY)),
            )
        return {
            "request_id": cur.lastrowid,
            "room_number": stay["room_number"],
            "request_type": kind,
            "quantity": qty,
            "expected": "within 30 minutes",
        }

    def report_maintenance(args: dict[str, Any]) -> dict[str, Any]:
        stay = a.occupied_room(conn, args["room_number"])
        issue = a.text(args["issue"], "issue", 200)
        urgency = args["urgency"]
        with conn:
            cur = conn.execute(
                "INSERT INTO maintenance_requests(room_number, issue, urgency, status, created_on) "
                "VALUES (?, ?, ?, 'open', ?)",
                (stay["room_number"], issue, urgency, str(HOTEL_TODAY)),
            )
        return {
            "request_id": cur.lastrowid,
            "room_number": stay["room_number"],
            "urgency": urgency,
            "expected": RESPONSE_TIME[urgency],
        }

    room_date = params(["room_number", "date"], room_number=ROOM, date=DATE)
    return [
        ToolSpec(
            "set_wakeup_call",
            "Schedule (or move) a wake-up call for a checked-in room.",
            params(["room_number", "date", "time"], room_number=ROOM, date=DATE, time=TIME),
            set_wakeup_call,
        ),
        ToolSpec(
            "cancel_wakeup_call",
            "Cancel a room's wake-up call on a date.",
            room_date,
            cancel_wakeup_call,
        ),
        ToolSpec(
            "request_housekeeping",
            "Send housekeeping to a checked-in room (towels, cleaning, crib...).",
            params(
                ["room_number", "request_type"],
                room_number=ROOM,
                request_type=string(enum=HOUSEKEEPING_TYPES),
                quantity=count(1, 5),
                notes=string(),
            ),
            request_housekeeping,
        ),
        ToolSpec(
            "report_maintenance",
            "Report something broken in a checked-in room. Urgent: leaks, no heat, no power.",
            params(
                ["room_number", "issue", "urgency"],
                room_number=ROOM,
                issue=string(),
                urgency=string(enum=URGENCIES),
            ),
            report_maintenance,
        ),
    ]
