"""Room types, rates and availability: read-only tools."""

from __future__ import annotations

import sqlite3
from typing import Annotated, Any

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel.db import HOTEL_TODAY
from quickturn.domains.hotel.fields import CheckIn, CheckOut, RoomType
from quickturn.domains.hotel.inventory import rooms_free
from quickturn.domains.hotel.pricing import nightly_rates
from quickturn.domains.hotel.spoken import availability
from quickturn.domains.hotel.spoken_bookings import rates, room_types
from quickturn.domains.hotel.toolkit import desk_tool
from quickturn.errors import ToolExecutionError
from quickturn.tools.function_tool import FunctionTool

MAX_ROOM_CAPACITY = 4
Guests = Annotated[int, Field(ge=1, le=20)]


def booking_offer(arguments: dict[str, Any], result: Any) -> tuple[str, dict[str, Any]] | None:
    """The booking that check_availability's words offer ("... is free. Shall I book it for
    you?"): when exactly one room type is free, that room on those dates. The guests are taken
    as adults; the booking's read-back says so before anything is booked."""
    free = result.get("available") if isinstance(result, dict) else None
    if not isinstance(free, list) or len(free) != 1 or not isinstance(free[0], dict):
        return None
    stay = {key: result.get(key) for key in ("check_in", "check_out")}
    return "create_booking", {
        "room_type": free[0].get("room_type"), **stay, "adults": result.get("guests", 1)
    }


def room_tools(conn: sqlite3.Connection) -> list[FunctionTool]:
    async def get_room_types() -> dict[str, Any]:
        """List the hotel's room types with beds, capacity and lowest nightly rate."""
        rows = conn.execute(
            "SELECT t.code, t.name, t.beds, t.capacity, t.description, MIN(r.rate_usd) AS from_usd "
            "FROM room_types t JOIN rates r ON r.room_type = t.code AND r.date >= ? "
            "GROUP BY t.code ORDER BY from_usd",
            (HOTEL_TODAY.isoformat(),),
        ).fetchall()
        return {"room_types": [dict(r) for r in rows]}

    async def get_rates(
        room_type: RoomType, check_in: CheckIn, check_out: CheckOut
    ) -> dict[str, Any]:
        """Nightly prices and stay totals for one room type, flexible and non-refundable plans."""
        ci, co = a.stay_dates(check_in, check_out)
        flexible = nightly_rates(conn, room_type, ci, co, "flexible")
        nonref = nightly_rates(conn, room_type, ci, co, "nonrefundable")
        out: dict[str, Any] = {
            "room_type": room_type,
            "nights": len(flexible),
            "flexible_total_usd": sum(flexible),
            "nonrefundable_total_usd": sum(nonref),
        }
        # Per-night prices only for short stays: long lists crowd a small model's context.
        if len(flexible) <= 7:
            out["flexible_nightly_usd"] = flexible
        return out

    async def check_availability(
        check_in: CheckIn,
        check_out: CheckOut,
        guests: Guests = 1,
        room_type: RoomType | SkipJsonSchema[None] = None,
    ) -> dict[str, Any]:
        """Which room types are free for a stay, with totals. Use before offering or booking.

        Args:
            guests: adults plus children
        """
        ci, co = a.stay_dates(check_in, check_out)
        if guests > MAX_ROOM_CAPACITY:
            raise ToolExecutionError(
                f"no single room takes {guests} guests (the largest hold {MAX_ROOM_CAPACITY}); "
                "offer two rooms"
            )
        wanted = room_type
        rows = conn.execute("SELECT code, capacity FROM room_types ORDER BY code").fetchall()
        options: list[dict[str, Any]] = []
        sold_out: list[str] = []
        too_small: list[str] = []
        for row in rows:
            code = str(row["code"])
            if wanted and code != wanted:
                continue
            if int(row["capacity"]) < guests:
                too_small.append(code)
                continue
            free = rooms_free(conn, code, ci, co)
            if free == 0:
                sold_out.append(code)
                continue
            options.append(
                {
                    "room_type": code,
                    "rooms_free": free,
                    "flexible_total_usd": sum(nightly_rates(conn, code, ci, co, "flexible")),
                    "nonrefundable_total_usd": sum(
                        nightly_rates(conn, code, ci, co, "nonrefundable")
                    ),
                }
            )
        out: dict[str, Any] = {
            "check_in": str(ci),
            "check_out": str(co),
            "guests": guests,
            "available": options,
        }
        if sold_out:
            out["sold_out"] = sold_out
        if too_small:
            out["too_small_for_party"] = too_small
        return out

    return [
        desk_tool(get_room_types, say=room_types),
        desk_tool(get_rates, say=rates),
        desk_tool(check_availability, say=availability, offer=booking_offer),
    ]
