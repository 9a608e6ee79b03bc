"""Whatever schema-valid arguments a model sends, a tool answers or refuses; it never crashes.

A tool's refusal is a ToolExecutionError with a message for the model. Any other exception is a
bug, which ``@tool`` still turns into an error the model sees ("create_booking failed:
KeyError: ...") so the call goes on; executing many generated calls and finding no such message
proves the tools translate every failure.
"""

from __future__ import annotations

import random
from typing import Any

from .desk import Desk

# Values a small model plausibly sends, valid and invalid, for each kind of field.
STRINGS = [
    "",
    " ",
    "x",
    "2026-03-20",
    "2026-02-30",
    "tomorrow",
    "19:30",
    "7:30",
    "25:00",
    "402",
    "room 999",
    "RFJQPS",
    "4k6jp4",
    "Maria Garcia",
    "+1 415 555 0142",
    "a@b.co",
    "towels",
    "O'Brien",
    "ümlaut ñ",
    "x" * 400,
]


def _value(schema: dict[str, Any], rng: random.Random) -> Any:
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kind = schema.get("type")
    if kind == "integer":
        return rng.randint(schema.get("minimum", 0), min(schema.get("maximum", 10), 12))
    if kind == "array":
        return [_value(schema["items"], rng) for _ in range(rng.randint(1, 3))]
    if kind == "object":
        return _arguments(schema, rng)
    return rng.choice(STRINGS)


def _arguments(schema: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    return {
        name: _value(sub, rng)
        for name, sub in props.items()
        if name in required or rng.random() < 0.5
    }


async def test_generated_calls_never_crash(desk: Desk) -> None:
    rng = random.Random(1234)
    outcomes = {True: 0, False: 0}
    for name in desk.registry.names:
        params = desk.registry.spec(name).parameters
        for _ in range(12):
            ok, out = await desk.call(name, **_arguments(params, rng))
            outcomes[ok] += 1
            assert isinstance(out, dict)
            if not ok:
                assert out["error"] and "Traceback" not in out["error"]
                assert not out["error"].startswith(f"{name} failed:"), out["error"]
                assert "internal error" not in out["error"], out["error"]
    # Both paths are exercised: some generated calls succeed, most are refused.
    assert outcomes[True] >= 20 and outcomes[False] >= 200, outcomes
