"""The bill of a stay: room total plus extras, minus payments."""

from __future__ import annotations

import sqlite3
from typing import Annotated, Any

from pydantic import Field

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel import spoken_stay as said
from quickturn.domains.hotel.db import HOTEL_TODAY
from quickturn.domains.hotel.fields import ChargeCategory, Code
from quickturn.domains.hotel.toolkit import desk_tool
from quickturn.errors import ToolExecutionError
from quickturn.tools.function_tool import FunctionTool

# The desk may post small extras by phone; anything bigger goes through a manager.
MAX_PHONE_CHARGE_USD = 500
Amount = Annotated[int, Field(ge=1, le=100000)]


def billing_tools(conn: sqlite3.Connection) -> list[FunctionTool]:
    async def get_invoice(booking_code: Code) -> dict[str, Any]:
        """The bill of a booking: room, extras, paid and balance."""
        row = a.booking(conn, booking_code)
        extras = conn.execute(
            "SELECT date, category, description, amount_usd FROM charges WHERE booking_code = ? "
            "ORDER BY id",
            (row["code"],),
        ).fetchall()
        parking = conn.execute(
            "SELECT COALESCE(SUM(price_usd), 0) FROM parking_reservations WHERE booking_code = ? "
            "AND status = 'confirmed'",
            (row["code"],),
        ).fetchone()[0]
        cancelled = row["status"] == "cancelled"
        room = int(row["cancellation_fee_usd"]) if cancelled else int(row["total_usd"])
        # Parking already posted night by night (seeded stays) is in `charges`; reserved parking
        # not yet posted is listed once here so the total is what the guest will pay.
        posted_parking = sum(int(e["amount_usd"]) for e in extras if e["category"] == "parking")
        pending_parking = max(int(parking) - posted_parking, 0) if not cancelled else 0
        total = room + sum(int(e["amount_usd"]) for e in extras) + pending_parking
        out: dict[str, Any] = {
            "booking_code": row["code"],
            "guest_name": row["guest_name"],
            "room_usd" if not cancelled else "cancellation_fee_usd": room,
            "extras": [
                {"date": e["date"], "description": e["description"], "amount_usd": e["amount_usd"]}
                for e in extras
            ],
            "total_usd": total,
            "paid_usd": row["paid_usd"],
            "balance_usd": total - int(row["paid_usd"]),
        }
        if pending_parking:
            out["parking_usd"] = pending_parking
        return out

    async def add_charge(
        booking_code: Code, category: ChargeCategory, description: str, amount_usd: Amount
    ) -> dict[str, Any]:
        """Post an extra charge to a checked-in guest's bill."""
        row = a.booking(conn, booking_code)
        if row["status"] != "checked_in":
            raise ToolExecutionError(
                f"booking {row['code']} is not checked in; extras go on current stays only"
            )
        amount = amount_usd
        if amount > MAX_PHONE_CHARGE_USD:
            raise ToolExecutionError(
                f"charges above {MAX_PHONE_CHARGE_USD} USD need a manager; transfer to billing"
            )
        description = a.text(description, "description", 80)
        with conn:
            cur = conn.execute(
                "INSERT INTO charges(booking_code, date, category, description, amount_usd) "
                "VALUES (?, ?, ?, ?, ?)",
                (row["code"], str(HOTEL_TODAY), category, description, amount),
            )
        return {
            "charge_id": cur.lastrowid,
            "booking_code": row["code"],
            "amount_usd": amount,
            "description": description,
        }

    return [desk_tool(get_invoice, say=said.invoice), desk_tool(add_charge, say=said.charge_added)]
