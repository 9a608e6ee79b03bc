"""JSON-schema fragments for the hotel tools.

Descriptions are terse on purpose: the 40 tool schemas are most of a small model's prompt.
"""

from __future__ import annotations

from typing import Any

ROOM_TYPES = ["standard", "double", "deluxe", "suite", "accessible"]

DATE: dict[str, Any] = {"type": "string", "description": "YYYY-MM-DD"}
TIME: dict[str, Any] = {"type": "string", "description": "HH:MM, 24-hour"}
CODE: dict[str, Any] = {"type": "string", "description": "6-character code"}
NAME: dict[str, Any] = {"type": "string", "description": "guest's full name"}
PHONE: dict[str, Any] = {"type": "string"}
ROOM: dict[str, Any] = {"type": "string", "description": "room number, e.g. 402"}
ROOM_TYPE: dict[str, Any] = {"type": "string", "enum": ROOM_TYPES}


def count(minimum: int, maximum: int, description: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "integer", "minimum": minimum, "maximum": maximum}
    if description:
        out["description"] = description
    return out


def string(description: str | None = None, *, enum: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string"}
    if description:
        out["description"] = description
    if enum:
        out["enum"] = enum
    return out


def params(required: list[str] | None = None, **properties: dict[str, Any]) -> dict[str, Any]:
    """An object schema; unknown arguments are refused so typos surface as errors."""
    return {
        "type": "object",
        "properties": properties,
        "required": required or [],
        "additionalProperties": False,
    }
