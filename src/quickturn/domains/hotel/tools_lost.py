"""Lost and found: search what the hotel holds, record what guests lost."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel.db import HOTEL_TODAY
from quickturn.domains.hotel.schemas import DATE, NAME, PHONE, params, string
from quickturn.domains.hotel.text_match import terms
from quickturn.errors import ToolExecutionError
from quickturn.tools.types import ToolSpec

HOLD_DAYS = 90
# Words every lost-item description carries ("I lost my...") that say nothing about the item.
LOST_WORDS = frozenset({"lost", "left", "find", "found", "forgot", "missing", "item", "my"})
MAX_MATCHES = 3


def lost_tools(conn: sqlite3.Connection) -> list[ToolSpec]:
    def search_lost_and_found(args: dict[str, Any]) -> dict[str, Any]:
        wanted = set(terms(args["description"], LOST_WORDS))
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

    def report_lost_item(args: dict[str, Any]) -> dict[str, Any]:
        name = a.name(args["guest_name"])
        phone = a.phone(args["phone"])
        description = a.text(args["description"], "description", 200)
        where = a.text(args["where_lost"], "where_lost", 120)
        lost_on = a.parse_date(args["date_lost"], "date_lost")
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
                (name, phone, description, where, str(lost_on), str(HOTEL_TODAY)),
            )
        return {
            "report_id": cur.lastrowid,
            "status": "open",
            "next_step": "security checks and calls back within 24 hours",
        }

    return [
        ToolSpec(
            "search_lost_and_found",
            "Search items the hotel is holding, by a short description.",
            params(["description"], description=string("e.g. black umbrella")),
            search_lost_and_found,
        ),
        ToolSpec(
            "report_lost_item",
            "Record an item a guest lost, so security can look and call back.",
            params(
                ["guest_name", "phone", "description", "where_lost", "date_lost"],
                guest_name=NAME,
                phone=PHONE,
                description=string(),
                where_lost=string(),
                date_lost=DATE,
            ),
            report_lost_item,
        ),
    ]
