"""Room availability, derived from rooms, room blocks and live bookings (never stored)."""

from __future__ import annotations

import sqlite3
from datetime import date

from quickturn.domains.hotel.pricing import nights

LIVE_STATUSES = ("confirmed", "checked_in")


def rooms_free(
    conn: sqlite3.Connection,
    room_type: str,
    check_in: date,
    check_out: date,
    *,
    exclude_code: str | None = None,
) -> int:
    """Rooms of ``room_type`` free on every night of the stay (the tightest night decides)."""
    total = conn.execute("SELECT COUNT(*) FROM rooms WHERE room_type = ?", (room_type,)).fetchone()[
        0
    ]
    free = int(total)
    for night in nights(check_in, check_out):
        day = night.isoformat()
        booked = conn.execute(
            "SELECT COUNT(*) FROM bookings WHERE room_type = ? AND status IN (?, ?) "
            "AND check_in <= ? AND check_out > ? AND code != ?",
            (room_type, *LIVE_STATUSES, day, day, exclude_code or ""),
        ).fetchone()[0]
        blocked = conn.execute(
            "SELECT COALESCE(SUM(rooms), 0) FROM room_blocks WHERE room_type = ? "
            "AND start_date <= ? AND end_date > ?",
            (room_type, day, day),
        ).fetchone()[0]
        free = min(free, int(total) - int(booked) - int(blocked))
    return max(free, 0)


def capacity(conn: sqlite3.Connection, room_type: str) -> int:
    return int(
        conn.execute("SELECT capacity FROM room_types WHERE code = ?", (room_type,)).fetchone()[0]
    )
