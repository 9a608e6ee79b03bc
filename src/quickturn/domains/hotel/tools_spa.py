"""The Tidewater Spa: two treatment rooms, appointments on the hour, 09:00 to 20:00."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from typing import Any

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel import spoken_services as said
from quickturn.domains.hotel.db import HOTEL_NOW, HOTEL_TODAY, new_code
from quickturn.domains.hotel.fields import Code, Day, GuestName, Phone, Room, SpaService, Time
from quickturn.domains.hotel.toolkit import desk_tool
from quickturn.errors import ToolExecutionError
from quickturn.tools.elicit import CallerInputError
from quickturn.tools.function_tool import FunctionTool

TREATMENT_ROOMS = 2
OPENS_MIN, CLOSES_MIN = 9 * 60, 20 * 60
FREE_CANCELLATION = timedelta(hours=24)
LATE_CANCELLATION_SHARE = 0.5
BOOKING_WINDOW_DAYS = 60


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def spa_tools(conn: sqlite3.Connection) -> list[FunctionTool]:
    def treatment(code: str) -> sqlite3.Row:
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM spa_services WHERE code = ?", (code,)
        ).fetchone()
        if row is None:
            raise ToolExecutionError(f"no spa service {code!r}; see get_spa_services")
        return row

    def spa_date(value: str) -> date:
        day = a.future_date(value, "date")
        if day > HOTEL_TODAY + timedelta(days=BOOKING_WINDOW_DAYS):
            raise ToolExecutionError(
                f"the spa takes bookings up to {BOOKING_WINDOW_DAYS} days ahead"
            )
        return day

    def fits(day: date, start: int, svc: sqlite3.Row) -> bool:
        end = start + int(svc["duration_min"])
        used = 0
        for r in conn.execute(
            "SELECT a.time, s.duration_min, s.rooms_needed FROM spa_appointments a "
            "JOIN spa_services s ON s.code = a.service_code "
            "WHERE a.date = ? AND a.status = 'confirmed'",
            (str(day),),
        ):
            other = _minutes(r["time"])
            if other < end and start < other + int(r["duration_min"]):
                used += int(r["rooms_needed"])
        return used + int(svc["rooms_needed"]) <= TREATMENT_ROOMS

    def free_starts(day: date, svc: sqlite3.Row) -> list[str]:
        last = CLOSES_MIN - int(svc["duration_min"])
        now = HOTEL_NOW.hour * 60 + HOTEL_NOW.minute if day == HOTEL_TODAY else -1
        return [
            f"{m // 60:02d}:00"
            for m in range(OPENS_MIN, last + 1, 60)
            if m > now and fits(day, m, svc)
        ]

    async def get_spa_services() -> dict[str, Any]:
        """Spa treatments with duration and price."""
        rows = conn.execute(
            "SELECT code, name, duration_min, price_usd FROM spa_services ORDER BY price_usd"
        ).fetchall()
        return {"services": [dict(r) for r in rows], "hours": "09:00-20:00"}

    async def check_spa_availability(date: Day, service: SpaService) -> dict[str, Any]:
        """Free start times for a spa treatment on a date."""
        day = spa_date(date)
        svc = treatment(service)
        return {"date": str(day), "service": svc["code"], "free_times": free_starts(day, svc)}

    async def book_spa(
        service: SpaService,
        date: Day,
        time: Time,
        guest_name: GuestName,
        phone: Phone = "",
        room_number: Room = "",
    ) -> dict[str, Any]:
        """Book a spa treatment. Needs the guest's phone or room number."""
        a.ask_all(
            lambda: a.name(guest_name),
            lambda: a.parse_date(date, "date"),
            lambda: a.parse_time(time),
            lambda: phone and a.phone(phone),
        )
        name = a.name(guest_name)
        svc = treatment(service)
        day = spa_date(date)
        at = f"{a.parse_time(time):%H:%M}"
        number = a.phone(phone) if phone else None
        room = a.occupied_room(conn, room_number)["room_number"] if room_number else None
        if number is None and room is None:
            # Either will do; asking for the phone is the question that always has an answer.
            raise CallerInputError("give the guest's phone or room number", "phone")
        free = free_starts(day, svc)
        if at not in free:
            hint = f"; free times: {', '.join(free[:6])}" if free else "; the day is fully booked"
            raise ToolExecutionError(f"no {svc['name'].lower()} slot at {at} on {day}{hint}")
        with conn:
            code = new_code(conn)
            conn.execute(
                "INSERT INTO spa_appointments(code, guest_name, phone, room_number, service_code, "
                "date, time, price_usd, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'confirmed')",
                (code, name, number, room, svc["code"], str(day), at, svc["price_usd"]),
            )
        return {
            "appointment_code": code,
            "service": svc["code"],
            "date": str(day),
            "time": at,
            "price_usd": svc["price_usd"],
        }

    def cancellable(appointment_code: str) -> tuple[dict[str, Any], int]:
        """What cancel_spa_appointment refuses, also run before its read-back; the appointment
        (service name, date, time, price) and the fee cancelling it now costs."""
        code = a.booking_code(appointment_code, "appointment")
        row = conn.execute("SELECT * FROM spa_appointments WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise ToolExecutionError(f"no spa appointment with code {code}")
        if row["status"] == "cancelled":
            raise ToolExecutionError(f"spa appointment {code} is already cancelled")
        starts = datetime.fromisoformat(f"{row['date']}T{row['time']}")
        if starts <= HOTEL_NOW:
            raise ToolExecutionError(f"spa appointment {code} has already started")
        fee = (
            0
            if starts - HOTEL_NOW >= FREE_CANCELLATION
            else int(round(int(row["price_usd"]) * LATE_CANCELLATION_SHARE))
        )
        appointment = {
            "appointment_code": code,
            "service": treatment(row["service_code"])["name"],
            "date": row["date"],
            "time": row["time"],
            "price_usd": row["price_usd"],
        }
        return appointment, fee

    def cancel_readback(args: dict[str, Any]) -> str:
        return said.spa_cancel_readback(*cancellable(str(args.get("appointment_code", ""))))

    async def cancel_spa_appointment(appointment_code: Code) -> dict[str, Any]:
        """Cancel a spa appointment (free until 24 hours before, else half price)."""
        appointment, fee = cancellable(appointment_code)
        code = appointment["appointment_code"]
        with conn:
            conn.execute(
                "UPDATE spa_appointments SET status = 'cancelled', cancellation_fee_usd = ? "
                "WHERE code = ?",
                (fee, code),
            )
        return {**appointment, "status": "cancelled", "cancellation_fee_usd": fee}

    return [
        desk_tool(get_spa_services, say=said.spa_services),
        desk_tool(check_spa_availability, say=said.spa_availability, offer=said.spa_offer),
        desk_tool(book_spa, say=said.spa_booked),
        desk_tool(cancel_spa_appointment, confirm=cancel_readback, say=said.spa_cancelled),
    ]
