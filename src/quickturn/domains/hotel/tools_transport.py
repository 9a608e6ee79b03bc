"""Taxis and airport transfers booked by the front desk."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import Field

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel import spoken_services as said
from quickturn.domains.hotel.db import HOTEL_NOW, HOTEL_TODAY, new_code
from quickturn.domains.hotel.fields import Code, Day, Direction, GuestName, Passengers, Phone, Time
from quickturn.domains.hotel.toolkit import desk_tool
from quickturn.errors import ToolExecutionError
from quickturn.tools.elicit import CallerInputError, ask_caller
from quickturn.tools.function_tool import FunctionTool

AIRPORT = "Harbor City International Airport"
HOTEL_PICKUP = "hotel entrance"
MAX_TAXI_PASSENGERS = 4
# (vehicle, max passengers, price): the transfer vehicle is chosen by party size.
TRANSFER_VEHICLES = (("sedan", 3, 65), ("van", 7, 95))
# Transfers cancelled later than this before pickup are charged in full (the driver is on the way).
TRANSFER_FREE_CANCELLATION = timedelta(hours=2)
BOOKING_WINDOW_DAYS = 90
Destination = Annotated[str, Field(json_schema_extra=ask_caller("where you are going"))]
Flight = Annotated[str, Field(json_schema_extra=ask_caller("the flight number"))]


def transport_tools(conn: sqlite3.Connection) -> list[FunctionTool]:
    def pickup(date: str, time: str) -> tuple[str, str]:
        day = a.future_date(date, "date")
        if day > HOTEL_TODAY + timedelta(days=BOOKING_WINDOW_DAYS):
            raise ToolExecutionError(f"rides can be booked up to {BOOKING_WINDOW_DAYS} days ahead")
        at = a.parse_time(time)
        a.future_moment(day, at, "pickup")
        return str(day), f"{at:%H:%M}"

    def rider(guest_name: str, phone: str, date: str, time: str) -> tuple[str, str, str, str]:
        """Who rides and when: name, phone, pickup day and time, all checked at once."""
        a.ask_all(
            lambda: a.name(guest_name),
            lambda: a.phone(phone),
            lambda: a.parse_date(date, "date"),
            lambda: a.parse_time(time),
        )
        return (a.name(guest_name), a.phone(phone), *pickup(date, time))

    def insert(values: dict[str, Any]) -> tuple[str, dict[str, str]]:
        """The ride's code, and a note when it was booked already (nothing new is booked)."""
        same = conn.execute(
            "SELECT code FROM transport_bookings WHERE kind = ? AND lower(guest_name) = lower(?) "
            "AND date = ? AND time = ? AND status = 'confirmed'",
            (values["kind"], values["guest_name"], values["date"], values["time"]),
        ).fetchone()
        if same:
            return str(same["code"]), {"note": "this ride already existed; nothing new was booked"}
        with conn:
            code = new_code(conn)
            conn.execute(
                "INSERT INTO transport_bookings(code, kind, guest_name, phone, date, time, "
                "pickup_location, destination, passengers, vehicle, flight_number, price_usd, "
                "status) VALUES (:code, :kind, :guest_name, :phone, :date, :time, "
                ":pickup_location, :destination, :passengers, :vehicle, :flight_number, "
                ":price_usd, 'confirmed')",
                {"code": code, **values},
            )
        return code, {}

    async def book_taxi(
        date: Day,
        time: Time,
        destination: Destination,
        passengers: Passengers,
        guest_name: GuestName,
        phone: Phone,
        pickup_location: str = "",
    ) -> dict[str, Any]:
        """Book a metered taxi (up to 4 passengers), by default from the hotel entrance."""
        name, number, day, at = rider(guest_name, phone, date, time)
        if passengers > MAX_TAXI_PASSENGERS:
            raise ToolExecutionError(
                f"a taxi takes at most {MAX_TAXI_PASSENGERS} passengers; book two taxis or, for "
                "the airport, a van transfer"
            )
        where = a.text(pickup_location or HOTEL_PICKUP, "pickup_location", 120)
        to = a.text(destination, "destination", 120)
        code, note = insert(
            {
                "kind": "taxi",
                "guest_name": name,
                "phone": number,
                "date": day,
                "time": at,
                "pickup_location": where,
                "destination": to,
                "passengers": passengers,
                "vehicle": "taxi",
                "flight_number": None,
                "price_usd": None,
            }
        )
        return {
            "transport_code": code,
            "kind": "taxi",
            "date": day,
            "time": at,
            "pickup_location": where,
            "destination": to,
            "fare": "metered, paid to the driver",
            **note,
        }

    async def book_airport_transfer(
        direction: Direction,
        date: Day,
        time: Time,
        passengers: Passengers,
        guest_name: GuestName,
        phone: Phone,
        flight_number: Flight = "",
    ) -> dict[str, Any]:
        """Book the airport car: sedan for 1-3 people, van for 4-7; pickups need a flight."""
        name, number, day, at = rider(guest_name, phone, date, time)
        vehicle = next(((v, p) for v, n, p in TRANSFER_VEHICLES if passengers <= n), None)
        if vehicle is None:
            raise ToolExecutionError(
                f"one transfer takes at most {TRANSFER_VEHICLES[-1][1]} passengers; book two"
            )
        flight = flight_number
        to_airport = direction == "to_airport"
        if not to_airport and not flight:
            raise CallerInputError("an airport pickup needs the flight number", "flight_number")
        where = HOTEL_PICKUP if to_airport else f"{AIRPORT} arrivals"
        code, note = insert(
            {
                "kind": "airport_transfer",
                "guest_name": name,
                "phone": number,
                "date": day,
                "time": at,
                "pickup_location": where,
                "destination": AIRPORT if to_airport else "Harbor Light Hotel",
                "passengers": passengers,
                "vehicle": vehicle[0],
                "flight_number": a.text(flight, "flight_number", 12).upper() if flight else None,
                "price_usd": vehicle[1],
            }
        )
        return {
            "transport_code": code,
            "kind": "airport_transfer",
            "date": day,
            "time": at,
            "pickup_location": where,
            "vehicle": vehicle[0],
            "price_usd": vehicle[1],
            **note,
        }

    async def cancel_transport(transport_code: Code) -> dict[str, Any]:
        """Cancel a taxi or airport transfer by its code."""
        code = a.booking_code(transport_code, "ride")
        row = conn.execute("SELECT * FROM transport_bookings WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise ToolExecutionError(f"no taxi or transfer with code {code}")
        if row["status"] == "cancelled":
            raise ToolExecutionError(f"ride {code} is already cancelled")
        starts = datetime.fromisoformat(f"{row['date']}T{row['time']}")
        if starts <= HOTEL_NOW:
            raise ToolExecutionError(f"ride {code} has already left")
        late = starts - HOTEL_NOW < TRANSFER_FREE_CANCELLATION
        fee = int(row["price_usd"]) if late and row["price_usd"] is not None else 0
        with conn:
            conn.execute(
                "UPDATE transport_bookings SET status = 'cancelled', cancellation_fee_usd = ? "
                "WHERE code = ?",
                (fee, code),
            )
        return {
            "transport_code": code,
            "status": "cancelled",
            "cancellation_fee_usd": fee,
            "kind": row["kind"],
            "date": row["date"],
            "time": row["time"],
        }

    return [
        desk_tool(book_taxi, say=said.ride_booked),
        desk_tool(book_airport_transfer, say=said.ride_booked),
        desk_tool(cancel_transport, say=said.ride_cancelled),
    ]
