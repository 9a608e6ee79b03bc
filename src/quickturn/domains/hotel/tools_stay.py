"""In-stay requests for a checked-in room: wake-up calls, housekeeping, maintenance."""

from __future__ import annotations

import sqlite3
from typing import Annotated, Any

from pydantic import Field

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel import spoken_stay as said
from quickturn.domains.hotel.db import HOTEL_TODAY
from quickturn.domains.hotel.fields import Day, HousekeepingType, Room, Time, Urgency
from quickturn.domains.hotel.toolkit import desk_tool
from quickturn.errors import ToolExecutionError
from quickturn.tools.function_tool import FunctionTool

RESPONSE_TIME = {"urgent": "within 15 minutes", "normal": "within the hour", "low": "today"}
Quantity = Annotated[int, Field(ge=1, le=5)]


def stay_tools(conn: sqlite3.Connection) -> list[FunctionTool]:
    async def set_wakeup_call(room_number: Room, date: Day, time: Time) -> dict[str, Any]:
        """Schedule (or move) a wake-up call for a checked-in room."""
        stay = a.occupied_room(conn, room_number)
        day = a.future_date(date, "date")
        at = a.parse_time(time)
        if day > a.parse_date(stay["check_out"], "check_out"):
            raise ToolExecutionError(
                f"room {stay['room_number']} checks out on {stay['check_out']}; pick a date before"
            )
        a.future_moment(day, at, "wake-up call")
        room, hhmm = stay["room_number"], f"{at:%H:%M}"
        earlier = conn.execute(
            "SELECT time FROM wakeup_calls WHERE room_number = ? AND date = ? "
            "AND status = 'scheduled'",
            (room, str(day)),
        ).fetchone()
        with conn:
            # One call per room and morning: asking again moves it rather than adding a second.
            if earlier:
                conn.execute(
                    "UPDATE wakeup_calls SET time = ? WHERE room_number = ? AND date = ? "
                    "AND status = 'scheduled'",
                    (hhmm, room, str(day)),
                )
            else:
                conn.execute(
                    "INSERT INTO wakeup_calls(room_number, date, time, status) "
                    "VALUES (?, ?, ?, 'scheduled')",
                    (room, str(day), hhmm),
                )
        out = {"room_number": room, "date": str(day), "time": hhmm, "status": "scheduled"}
        if earlier and earlier["time"] != hhmm:
            out["previous_time"] = earlier["time"]  # said: the call was moved, not added
        return out

    async def cancel_wakeup_call(room_number: Room, date: Day) -> dict[str, Any]:
        """Cancel a room's wake-up call on a date."""
        stay = a.occupied_room(conn, room_number)
        day = a.parse_date(date, "date")
        with conn:
            n = conn.execute(
                "UPDATE wakeup_calls SET status = 'cancelled' WHERE room_number = ? AND date = ? "
                "AND status = 'scheduled'",
                (stay["room_number"], str(day)),
            ).rowcount
        if not n:
            raise ToolExecutionError(f"room {stay['room_number']} has no wake-up call on {day}")
        return {"room_number": stay["room_number"], "date": str(day), "status": "cancelled"}

    async def request_housekeeping(
        room_number: Room, request_type: HousekeepingType, quantity: Quantity = 1, notes: str = ""
    ) -> dict[str, Any]:
        """Send housekeeping to a checked-in room (towels, cleaning, crib...)."""
        stay = a.occupied_room(conn, room_number)
        kind = request_type
        qty = quantity
        note = a.text(notes, "notes", 200) if notes else None
        if kind == "other" and not note:
            raise ToolExecutionError("say in notes what the guest needs")
        with conn:
            cur = conn.execute(
                "INSERT INTO housekeeping_requests(room_number, request_type, quantity, notes, "
                "status, created_on) VALUES (?, ?, ?, ?, 'open', ?)",
                (stay["room_number"], kind, qty, note, str(HOTEL_TODAY)),
            )
        return {
            "request_id": cur.lastrowid,
            "room_number": stay["room_number"],
            "request_type": kind,
            "quantity": qty,
            "expected": "within 30 minutes",
            **({"notes": note} if note else {}),  # "after 2 pm": read back to the caller
        }

    async def report_maintenance(room_number: Room, issue: str, urgency: Urgency) -> dict[str, Any]:
        """Report something broken in a checked-in room. Urgent: leaks, no heat, no power."""
        stay = a.occupied_room(conn, room_number)
        issue = a.text(issue, "issue", 200)
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

    return [
        desk_tool(set_wakeup_call, say=said.wakeup_set),
        desk_tool(cancel_wakeup_call, say=said.wakeup_cancelled),
        desk_tool(request_housekeeping, say=said.housekeeping_sent),
        desk_tool(report_maintenance, say=said.maintenance_reported),
    ]
