"""Call control: hand the caller to a person, or end the call. Both are recorded for graders."""

from __future__ import annotations

import sqlite3
from typing import Any

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel.fields import Department
from quickturn.domains.hotel.spoken import goodbye, transferring
from quickturn.domains.hotel.toolkit import desk_tool
from quickturn.tools.context import ToolContext
from quickturn.tools.function_tool import FunctionTool


def call_tools(conn: sqlite3.Connection) -> list[FunctionTool]:
    def record(kind: str, department: str | None, reason: str, summary: str | None) -> int:
        with conn:
            cur = conn.execute(
                "INSERT INTO call_events(kind, department, reason, summary) VALUES (?, ?, ?, ?)",
                (kind, department, reason, summary),
            )
        return int(cur.lastrowid or 0)

    async def transfer_to_human(
        ctx: ToolContext, department: Department, reason: str, summary: str = ""
    ) -> dict[str, Any]:
        """Hand the call to staff: complaints, emergencies, group bookings, or when asked.

        Args:
            summary: what the caller needs, for the colleague
        """
        why = a.text(reason, "reason", 200)
        note = a.text(summary, "summary", 400) if summary else None
        record("transfer_to_human", department, why, note)
        # The session emits a hand-off event for the transport to act on, after the agent has
        # told the caller it is connecting them.
        ctx.hand_off(department, why)
        return {
            "status": "transferring",
            "department": department,
            "say": "tell the caller you are connecting them now",
        }

    async def end_call(ctx: ToolContext) -> dict[str, Any]:
        """End the call after saying goodbye (the caller said goodbye or needs nothing more)."""
        # No arguments: a call whose tool is picked from "goodbye" is then made without a
        # model round (``ToolLoopOptions.call_without_round``); writing a ``reason`` cost the
        # 0.5B ~1 s on every goodbye in the demo, and it only ever wrote "caller said goodbye".
        why = "caller said goodbye"
        record("end_call", None, why, None)
        ctx.end_call(why)  # the session hangs up once the goodbye has been heard
        return {"status": "ending"}

    return [
        desk_tool(transfer_to_human, say=transferring),
        desk_tool(end_call, say=goodbye),
    ]
