"""Early check-in and late check-out: granted by rule, priced, and posted to the stay's bill."""

from __future__ import annotations

import sqlite3
from datetime import time
from typing import Any

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel import spoken
from quickturn.domains.hotel.db import HOTEL_NOW, HOTEL_TODAY
from quickturn.domains.hotel.fields import Code, Time
from quickturn.domains.hotel.toolkit import desk_tool
from quickturn.errors import ToolExecutionError
from quickturn.tools.function_tool import FunctionTool

CHECK_IN = time(15, 0)
CHECK_OUT = time(11, 0)
EARLIEST_CHECK_IN = time(9, 0)
LATEST_CHECK_OUT = time(16, 0)


def early_checkin_fee(at: time) -> int:
    return 50 if at < time(12, 0) else 25


def late_checkout_fee(at: time, tier: str | None) -> int:
    if at <= time(13, 0):
        return 0 if tier in ("gold", "platinum") else 25
    return 60


def _tier(conn: sqlite3.Connection, guest_id: int) -> str | None:
    row = conn.execute(
        "SELECT tier FROM loyalty_members WHERE guest_id = ?", (guest_id,)
    ).fetchone()
    return str(row[0]) if row else None


def _replace_charge(
    conn: sqlite3.Connection, code: str, category: str, description: str, amount: int
) -> None:
    # Asking again replaces the earlier request instead of billing twice.
    conn.execute("DELETE FROM charges WHERE booking_code = ? AND category = ?", (code, category))
    if amount:
        conn.execute(
            "INSERT INTO charges(booking_code, date, category, description, amount_usd) "
            "VALUES (?, ?, ?, ?, ?)",
            (code, str(HOTEL_TODAY), category, description, amount),
        )


def arrival_tools(conn: sqlite3.Connection) -> list[FunctionTool]:
    async def request_early_checkin(booking_code: Code, time: Time) -> dict[str, Any]:
        """Arrange an early check-in (from 09:00) for a booking; returns the fee."""
        row = a.booking(conn, booking_code)
        at = a.parse_time(time)
        if row["status"] != "confirmed":
            raise ToolExecutionError(
                f"booking {row['code']} is {row['status'].replace('_', ' ')}; early check-in is "
                "for upcoming arrivals"
            )
        if not EARLIEST_CHECK_IN <= at < CHECK_IN:
            raise ToolExecutionError(
                f"early check-in can be from {EARLIEST_CHECK_IN:%H:%M}; "
                f"check-in is {CHECK_IN:%H:%M}"
            )
        day = a.parse_date(row["check_in"], "check_in")
        if day == HOTEL_TODAY and at <= HOTEL_NOW.time():
            raise ToolExecutionError(f"it is already {HOTEL_NOW:%H:%M}; pick a later time")
        fee = early_checkin_fee(at)
        with conn:
            conn.execute(
                "UPDATE bookings SET early_checkin_time = ? WHERE code = ?",
                (f"{at:%H:%M}", row["code"]),
            )
            _replace_charge(conn, row["code"], "early_checkin", f"Early check-in {at:%H:%M}", fee)
        return {
            "booking_code": row["code"],
            "check_in": row["check_in"],
            "early_checkin_time": f"{at:%H:%M}",
            "fee_usd": fee,
        }

    async def request_late_checkout(booking_code: Code, time: Time) -> dict[str, Any]:
        """Arrange a late check-out (up to 16:00) for a booking; returns the fee."""
        row = a.booking(conn, booking_code)
        at = a.parse_time(time)
        if row["status"] not in ("confirmed", "checked_in"):
            raise ToolExecutionError(f"booking {row['code']} is {row['status'].replace('_', ' ')}")
        if at <= CHECK_OUT:
            raise ToolExecutionError(f"check-out is already {CHECK_OUT:%H:%M}; no request needed")
        if at > LATEST_CHECK_OUT:
            raise ToolExecutionError(
                f"late check-out goes up to {LATEST_CHECK_OUT:%H:%M}; later needs an extra night "
                "(modify_booking)"
            )
        fee = late_checkout_fee(at, _tier(conn, int(row["guest_id"])))
        with conn:
            conn.execute(
                "UPDATE bookings SET late_checkout_time = ? WHERE code = ?",
                (f"{at:%H:%M}", row["code"]),
            )
            _replace_charge(conn, row["code"], "late_checkout", f"Late check-out {at:%H:%M}", fee)
        return {
            "booking_code": row["code"],
            "check_out": row["check_out"],
            "late_checkout_time": f"{at:%H:%M}",
            "fee_usd": fee,
        }

    return [
        desk_tool(f, say=spoken.arrival_time_done)
        for f in (request_early_checkin, request_late_checkout)
    ]
