"""Room types, rates and availability: read-only tools."""

from __future__ import annotations

import sqlite3
from typing import Any

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel.db import HOTEL_TODAY
from quickturn.domains.hotel.inventory import rooms_free
from quickturn.domains.hotel.pricing import nightly_rates
from quickturn.domains.hotel.schemas import DATE, ROOM_TYPE, count, params
from quickturn.errors import ToolExecutionError
from quickturn.tools.types import ToolSpec

MAX_ROOM_CAPACITY = 4


def room_tools(conn: sqlite3.Connection) -> list[ToolSpec]:
    def get_room_types(args: dict[str, Any]) -> dict[str, Any]:
        rows = conn.execute(
            "SELECT t.code, t.name, t.beds, t.capacity, t.description, MIN(r.rate_usd) AS from_usd "
            "FROM room_types t JOIN rates r ON r.room_type = t.code AND r.date >= ? "
            "GROUP BY t.code ORDER BY from_usd",
            (HOTEL_TODAY.isoformat(),),
        ).fetchall()
        return {"room_types": [dict(r) for r in rows]}

    def get_rates(args: dict[str, Any]) -> dict[str, Any]:
        ci, co = a.stay_dates(args["check_in"], args["check_out"])
        room_type = args["room_type"]
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

    def check_availability(args: dict[str, Any]) -> dict[str, Any]:
        ci, co = a.stay_dates(args["check_in"], args["check_out"])
        guests = int(a.opt(args, "guests") or 1)
        if guests > MAX_ROOM_CAPACITY:
            raise ToolExecutionError(
                f"no single room takes {guests} guests (the largest hold {MAX_ROOM_CAPACITY}); "
                "offer two rooms"
            )
        wanted = a.opt(args, "room_type")
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
        ToolSpec(
            "get_room_types",
            "List the hotel's room types with beds, capacity and lowest nightly rate.",
            params(),
            get_room_types,
        ),
        ToolSpec(
            "get_rates",
            "Nightly prices and stay totals for one room type, flexible and non-refundable plans.",
            params(
                ["room_type", "check_in", "check_out"],
                room_type=ROOM_TYPE,
                check_in=DATE,
                check_out=DATE,
            ),
            get_rates,
        ),
        ToolSpec(
            "check_availability",
            "Which room types are free for a stay, with totals. Use before offering or booking.",
            params(
                ["check_in", "check_out"],
                check_in=DATE,
                check_out=DATE,
                guests=count(1, 20, "adults plus children"),
                room_type=ROOM_TYPE,
            ),
            check_availability,
        ),
    ]
