"""A test helper that calls hotel tools the way the tool loop does."""

from __future__ import annotations

import json
import sqlite3
from itertools import count
from typing import Any

from quickturn.tools.types import ToolCall, ToolRegistry

# A complete, bookable create_booking call (a double room is free on those nights in the seed).
BOOKING: dict[str, Any] = {
    "guest_name": "Ann Lee",
    "phone": "+1 555 123 4567",
    "room_type": "double",
    "check_in": "2026-03-20",
    "check_out": "2026-03-22",
    "adults": 2,
}


class Desk:
    """Calls tools the way the tool loop does: through ToolRegistry.execute (schema-validated)."""

    def __init__(self, registry: ToolRegistry, conn: sqlite3.Connection) -> None:
        self.registry = registry
        self.conn = conn
        self._ids = count(1)

    async def call(self, name: str, **arguments: Any) -> tuple[bool, dict[str, Any]]:
        result = await self.registry.execute(ToolCall(f"call_{next(self._ids)}", name, arguments))
        return result.ok, json.loads(result.content)

    async def ok(self, name: str, **arguments: Any) -> dict[str, Any]:
        ok, out = await self.call(name, **arguments)
        assert ok, f"{name} failed: {out}"
        return out

    async def error(self, name: str, **arguments: Any) -> str:
        ok, out = await self.call(name, **arguments)
        assert not ok, f"{name} unexpectedly succeeded: {out}"
        message = out["error"]
        assert isinstance(message, str)
        return message

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute(sql, params).fetchall()]

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
