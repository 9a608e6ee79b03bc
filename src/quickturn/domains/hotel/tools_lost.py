"""Lost and found: search what the hotel holds, record what guests lost."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Annotated, Any

from pydantic import Field

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel import spoken_stay as said
from quickturn.domains.hotel.db import HOTEL_TODAY
from quickturn.domains.hotel.fields import GuestName, Phone
from quickturn.domains.hotel.text_match import terms
from quickturn.domains.hotel.toolkit import desk_tool
from quickturn.errors import ToolExecutionError
from quickturn.tools.elicit import ask_caller
from quickturn.tools.function_tool import FunctionTool

HOLD_DAYS = 90
# Words every lost-item description carries ("I lost my...") that say nothing about the item.
LOST_WORDS = frozenset({"lost", "left", "find", "found", "forgot", "missing", "item", "my"})
MAX_MATCHES = 3
WhereLost = Annotated[str, Field(json_schema_extra=ask_caller("where you lost it"))]
DateLost = Annotated[
    str, Field(description="YYYY-MM-DD", json_schema_extra=ask_caller("the day you lost it"))
]
Item = Annotated[str, Field(json_schema_extra=ask_caller("what the item looks like"))]


def lost_tools(conn: sqlite3.Connection) -> list[FunctionTool]:
    async def search_lost_and_found(description: Item) -> dict[str, Any]:
        """Search items the hotel is holding, by a short description.

        Args:
            description: e.g. black umbrella
        """
        wanted = set(terms(description, LOST_WORDS))
        if not wanted:
            raise ToolExecutionError("describe the item, e.g. 'black umbrella'")
        scored = []
        for row in conn.execute(
            "SELECT id, description, location, date FROM lost_and_found WHERE status = 'held'"
        ):
            have = set(terms(f"{row['description']} {row['location']}"))
            score = len(wanted & have)
            if score:
                scored.append((-score, row["id"], dict(row)))
        scored.sort(key=lambda t: (t[0], t[1]))
        matches = [item for _, _, item in scored[:MAX_MATCHES]]
        out: dict[str, Any] = {"matches": matches}
        if not matches:
            out["hint"] = "nothing matching is held; offer report_lost_item"
        return out

    async def report_lost_item(
        description: Item,
        where_lost: WhereLost,
        date_lost: DateLost,
        guest_name: GuestName,
        phone: Phone,
    ) -> dict[str, Any]:
        """Record an item a guest lost, so security can look and call back."""
        a.ask_all(
            lambda: a.name(guest_name),
            lambda: a.phone(phone),
            lambda: a.parse_date(date_lost, "date_lost"),
        )
        name = a.name(guest_name)
        number = a.phone(phone)
        description = a.text(description, "description", 200)
        where = a.text(where_lost, "where_lost", 120)
        lost_on = a.parse_date(date_lost, "date_lost")
        if lost_on > HOTEL_TODAY:
            raise ToolExecutionError(
                f"date_lost {lost_on} is in the future; today is {HOTEL_TODAY}"
            )
        if lost_on < HOTEL_TODAY - timedelta(days=HOLD_DAYS):
            raise ToolExecutionError(f"items are kept {HOLD_DAYS} days; {lost_on} is too long ago")
        with conn:
            cur = conn.execute(
                "INSERT INTO lost_item_reports(guest_name, phone, description, where_lost, "
                "date_lost, status, created_on) VALUES (?, ?, ?, ?, ?, 'open', ?)",
                (name, number, description, where, str(lost_on), str(HOTEL_TODAY)),
            )
        return {
            "report_id": cur.lastrowid,
            "status": "open",
            "next_step": "security checks and calls back within 24 hours",
        }

    return [
        desk_tool(search_lost_and_found, say=said.lost_items, offer=said.lost_offer),
        desk_tool(report_lost_item, say=said.lost_reported),
    ]
