"""Room prices and the cancellation policy, in one place so tools, seed and policies agree."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from quickturn.errors import ToolExecutionError

BASE_RATES_USD = {"standard": 159, "double": 179, "deluxe": 229, "suite": 389, "accessible": 159}
NONREFUNDABLE_DISCOUNT = 0.10
# Flexible bookings cancel free until this many days before the arrival date.
FREE_CANCELLATION_DAYS = 2
# The Northwind Tech conference: rates up 25 % and a deluxe block (see seed.py).
CONFERENCE_NIGHTS = (date(2026, 3, 20), date(2026, 3, 23))
RATE_PLANS = ("flexible", "nonrefundable")


def seed_rate(room_type: str, night: date) -> int:
    """The published flexible rate of one night (weekends, summer and the conference cost more)."""
    rate = float(BASE_RATES_USD[room_type])
    if night.weekday() in (4, 5):  # Friday and Saturday nights
        rate *= 1.20
    if night.month in (7, 8):
        rate *= 1.15
    if CONFERENCE_NIGHTS[0] <= night < CONFERENCE_NIGHTS[1]:
        rate *= 1.25
    return int(round(rate))


def plan_rate(rate_usd: int, rate_plan: str) -> int:
    if rate_plan == "nonrefundable":
        return int(round(rate_usd * (1 - NONREFUNDABLE_DISCOUNT)))
    return rate_usd


def nights(check_in: date, check_out: date) -> list[date]:
    return [check_in + timedelta(days=i) for i in range((check_out - check_in).days)]


def nightly_rates(
    conn: sqlite3.Connection, room_type: str, check_in: date, check_out: date, rate_plan: str
) -> list[int]:
    """One price per night, or a ToolExecutionError when a night has no published rate."""
    rows = conn.execute(
        "SELECT date, rate_usd FROM rates WHERE room_type = ? AND date >= ? AND date < ? "
        "ORDER BY date",
        (room_type, check_in.isoformat(), check_out.isoformat()),
    ).fetchall()
    wanted = nights(check_in, check_out)
    if len(rows) != len(wanted):
        raise ToolExecutionError(
            f"no published {room_type} rates for some nights between {check_in} and {check_out}"
        )
    return [plan_rate(int(r["rate_usd"]), rate_plan) for r in rows]


def cancellation_fee(
    conn: sqlite3.Connection,
    *,
    room_type: str,
    check_in: date,
    check_out: date,
    rate_plan: str,
    total_usd: int,
    today: date,
) -> int:
    """Non-refundable: the whole stay. Flexible: free until 2 days before arrival, else a night."""
    if rate_plan == "nonrefundable":
        return total_usd
    if (check_in - today).days >= FREE_CANCELLATION_DAYS:
        return 0
    return nightly_rates(conn, room_type, check_in, check_in + timedelta(days=1), rate_plan)[0]
