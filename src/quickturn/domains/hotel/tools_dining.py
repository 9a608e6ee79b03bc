"""The Lantern Room restaurant and room service."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel import spoken_services as said
from quickturn.domains.hotel.db import HOTEL_NOW, HOTEL_TODAY, new_code
from quickturn.domains.hotel.fields import (
    Code,
    Day,
    GuestName,
    MenuCategory,
    OrderLine,
    PartySize,
    Phone,
    Room,
    Time,
)
from quickturn.domains.hotel.spoken import (
    table_availability,
    table_done,
    table_offer,
    table_readback,
)
from quickturn.domains.hotel.toolkit import desk_tool
from quickturn.errors import ToolExecutionError
from quickturn.tools.function_tool import FunctionTool

SEATINGS = tuple(f"{h:02d}:{m:02d}" for h in range(17, 22) for m in (0, 30))[1:]  # 17:30..21:30
TABLE_HOLD_MIN = 120
MAX_PARTY = 8
BOOKING_WINDOW_DAYS = 60
# A party may take a table with up to this many spare seats (no couple at the 8-seat table).
SPARE_SEATS = 2
OrderLines = Annotated[list[OrderLine], Field(min_length=1, max_length=10)]


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _dinner_date(value: str) -> date:
    day = a.future_date(value, "date")
    if day.weekday() == 0:
        raise ToolExecutionError("the Lantern Room is closed on Mondays")
    if day > HOTEL_TODAY + timedelta(days=BOOKING_WINDOW_DAYS):
        raise ToolExecutionError(f"tables can be booked up to {BOOKING_WINDOW_DAYS} days ahead")
    return day


def _party(size: int) -> int:
    if size > MAX_PARTY:
        raise ToolExecutionError(
            f"parties above {MAX_PARTY} are handled by the events team; transfer to events"
        )
    return size


def dining_tools(conn: sqlite3.Connection) -> list[FunctionTool]:
    def free_table(day: date, seating: str, party: int) -> int | None:
        tables = conn.execute(
            "SELECT id FROM restaurant_tables WHERE seats >= ? AND seats <= ? ORDER BY seats, id",
            (party, party + SPARE_SEATS),
        ).fetchall()
        taken = conn.execute(
            "SELECT table_id, time FROM restaurant_reservations "
            "WHERE date = ? AND status = 'confirmed'",
            (str(day),),
        ).fetchall()
        busy = {
            int(r["table_id"])
            for r in taken
            if abs(_minutes(r["time"]) - _minutes(seating)) < TABLE_HOLD_MIN
        }
        for t in tables:
            if int(t["id"]) not in busy:
                return int(t["id"])
        return None

    def open_seatings(day: date) -> list[str]:
        if day == HOTEL_TODAY:
            now = HOTEL_NOW.hour * 60 + HOTEL_NOW.minute
            return [s for s in SEATINGS if _minutes(s) > now]
        return list(SEATINGS)

    def seating(value: str) -> str:
        at = f"{a.parse_time(value):%H:%M}"
        if at not in SEATINGS:
            raise ToolExecutionError(
                f"dinner seatings are every half hour from {SEATINGS[0]} to {SEATINGS[-1]}"
            )
        return at

    async def check_restaurant_availability(
        date: Day, party_size: PartySize, time: Time = ""
    ) -> dict[str, Any]:
        """Free dinner times at the Lantern Room restaurant for a party on a date."""
        day = _dinner_date(date)
        party = _party(party_size)
        free = [s for s in open_seatings(day) if free_table(day, s, party) is not None]
        wanted = time
        out: dict[str, Any] = {"date": str(day), "party_size": party}
        if wanted:
            at = seating(wanted)
            out["time"] = at
            out["available"] = at in free
            if at not in free:
                # The nearest free seatings, so the agent can offer alternatives at once.
                out["nearest_free_times"] = sorted(
                    free, key=lambda s: abs(_minutes(s) - _minutes(at))
                )[:3]
        else:
            out["free_times"] = free
        return out

    def table_checks(
        date: str, time: str, party_size: int, guest_name: str, phone: str, **_rest: Any
    ) -> tuple[date, str, int]:
        """What reserve_restaurant refuses before it reserves, also run before its read-back:
        a table the restaurant cannot give is never read back."""
        a.ask_all(
            lambda: a.name(guest_name),
            lambda: a.phone(phone),
            lambda: a.parse_date(date, "date"),
            lambda: a.parse_time(time),
        )
        day = _dinner_date(date)
        at = seating(time)
        party = _party(party_size)
        if at not in open_seatings(day):
            raise ToolExecutionError(f"{at} today has already passed")
        return day, at, party

    def readback(args: dict[str, Any]) -> str:
        day, at, party = table_checks(**args)
        if free_table(day, at, party) is None:
            raise ToolExecutionError(f"no table for {party} free at {at} on {day}")
        return table_readback(args)

    async def reserve_restaurant(
        date: Day,
        time: Time,
        party_size: PartySize,
        guest_name: GuestName,
        phone: Phone,
        notes: str = "",
    ) -> dict[str, Any]:
        """Reserve a Lantern Room dinner table."""
        day, at, party = table_checks(date, time, party_size, guest_name, phone)
        name = a.name(guest_name)
        number = a.phone(phone)
        note = a.text(notes, "notes", 200) if notes else None
        same = conn.execute(
            "SELECT code FROM restaurant_reservations WHERE lower(guest_name) = lower(?) "
            "AND date = ? "
            "AND time = ? AND status = 'confirmed'",
            (name, str(day), at),
        ).fetchone()
        if same:
            return {
                "reservation_code": same["code"],
                "date": str(day),
                "time": at,
                "note": "this reservation already existed",
            }
        table = free_table(day, at, party)
        if table is None:
            raise ToolExecutionError(f"no table for {party} free at {at} on {day}")
        with conn:
            code = new_code(conn)
            conn.execute(
                "INSERT INTO restaurant_reservations VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'confirmed')",
                (code, name, number, str(day), at, party, table, note),
            )
        return {
            "reservation_code": code,
            "guest_name": name,
            "date": str(day),
            "time": at,
            "party_size": party,
        }

    async def cancel_restaurant_reservation(reservation_code: Code) -> dict[str, Any]:
        """Cancel a restaurant reservation by its code."""
        code = a.booking_code(reservation_code, "reservation")
        row = conn.execute(
            "SELECT * FROM restaurant_reservations WHERE code = ?", (code,)
        ).fetchone()
        if row is None:
            raise ToolExecutionError(f"no restaurant reservation with code {code}")
        if row["status"] == "cancelled":
            raise ToolExecutionError(f"reservation {code} is already cancelled")
        with conn:
            conn.execute(
                "UPDATE restaurant_reservations SET status = 'cancelled' WHERE code = ?", (code,)
            )
        return {
            "reservation_code": code,
            "status": "cancelled",
            "date": row["date"],
            "time": row["time"],
        }

    async def get_room_service_menu(
        category: MenuCategory | SkipJsonSchema[None] = None,
    ) -> dict[str, Any]:
        """Room service menu items with codes and prices."""
        rows = conn.execute(
            "SELECT code, name, price_usd FROM menu_items WHERE ? IS NULL OR category = ? "
            "ORDER BY category, price_usd",
            (category, category),
        ).fetchall()
        return {"items": [dict(r) for r in rows]}

    async def order_room_service(
        room_number: Room, items: OrderLines, notes: str = ""
    ) -> dict[str, Any]:
        """Order room service to a guest's room; charged to the room."""
        stay = a.occupied_room(conn, room_number)
        lines: list[dict[str, Any]] = []
        total = 0
        for item in items:
            row = conn.execute(
                "SELECT code, name, price_usd FROM menu_items WHERE code = ?", (item.item,)
            ).fetchone()
            if row is None:
                raise ToolExecutionError(
                    f"no menu item {item.item!r}; use the codes from get_room_service_menu"
                )
            total += item.quantity * int(row["price_usd"])
            lines.append({"item": row["code"], "quantity": item.quantity})
        note = a.text(notes, "notes", 200) if notes else None
        with conn:
            conn.execute(
                "INSERT INTO room_service_orders(room_number, items, total_usd, notes, status, "
                "created_on) VALUES (?, ?, ?, ?, 'placed', ?)",
                (stay["room_number"], json.dumps(lines), total, note, str(HOTEL_TODAY)),
            )
            conn.execute(
                "INSERT INTO charges(booking_code, date, category, description, amount_usd) "
                "VALUES (?, ?, 'room_service', 'Room service', ?)",
                (stay["code"], str(HOTEL_TODAY), total),
            )
        return {
            "room_number": stay["room_number"],
            "total_usd": total,
            "estimated_minutes": 30,
            "status": "placed",
        }

    return [
        desk_tool(check_restaurant_availability, say=table_availability, offer=table_offer),
        desk_tool(reserve_restaurant, confirm=readback, say=table_done),
        desk_tool(cancel_restaurant_reservation, say=said.table_cancelled),
        desk_tool(get_room_service_menu, say=said.menu),
        desk_tool(order_room_service, say=said.room_service_ordered),
    ]
