"""Call control: hand the caller to a person, or end the call. Both are recorded for graders."""

from __future__ import annotations

import sqlite3
from typing import Any

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel.schemas import params, string
from quickturn.tools.types import ToolSpec

DEPARTMENTS = ["front_desk", "reservations", "billing", "events", "security", "manager"]


def call_tools(conn: sqlite3.Connection) -> list[ToolSpec]:
    def record(kind: str, department: str | None, reason: str, summary: str | None) -> int:
        with conn:
            cur = conn.execute(
                "INSERT INTO call_events(kind, department, reason, summary) VALUES (?, ?, ?, ?)",
                (kind, department, reason, summary),
            )
        return int(cur.lastrowid or 0)

    def transfer_to_human(args: dict[str, Any]) -> dict[str, Any]:
        reason = a.text(args["reason"], "reason", 200)
        summary = a.text(args["summary"], "summary", 400) if a.opt(args, "summary") else None
        record("transfer_to_human", args["department"], reason, summary)
        return {
            "status": "transferring",
            "department": args["department"],
            "say": "tell the caller you are connecting them now",
        }

    def end_call(args: dict[str, Any]) -> dict[str, Any]:
        record("end_call", None, a.text(args["reason"], "reason", 200), None)
        return {"status": "ending"}

    return [
        ToolSpec(
            "transfer_to_human",
            "Hand the call to staff: complaints, emergencies, group bookings, or when asked.",
            params(
                ["department", "reason"],
                department=string(enum=DEPARTMENTS),
                reason=string(),
                summary=string("what the caller needs, for the colleague"),
            ),
            transfer_to_human,
        ),
        ToolSpec(
            "end_call",
            "End the call after saying goodbye.",
            params(["reason"], reason=string("e.g. caller said goodbye")),
            end_call,
        ),
    ]
