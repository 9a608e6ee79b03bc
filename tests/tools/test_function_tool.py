"""``@tool``: schemas from signatures, validation, errors the model sees, sync tools off-loop."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field

from quickturn.errors import ToolExecutionError, ToolSchemaError
from quickturn.tools.context import DetachedContext, ToolContext
from quickturn.tools.function_tool import FunctionTool, tool
from quickturn.tools.types import ToolCall, ToolRegistry


class Guest(BaseModel):
    name: str
    phone: str | None = None


@tool
async def book_room(
    ctx: ToolContext,
    guest: Guest,
    room_type: Literal["single", "double", "suite"],
    nights: Annotated[int, Field(ge=1, le=30)] = 1,
    note: str | None = None,
) -> dict[str, object]:
    """Book a room for a guest.

    Args:
        guest: Who stays.
        room_type: The kind of room.
        nights: How many nights.
        note: Anything the front desk should know.
    """
    await ctx.say("One moment.")
    return {"guest": guest.name, "room_type": room_type, "nights": nights}


def test_schema_comes_from_the_signature_and_docstring() -> None:
    assert isinstance(book_room, FunctionTool)
    assert book_room.name == "book_room" and book_room.description == "Book a room for a guest."
    params = book_room.parameters
    props = params["properties"]
    assert set(props) == {"guest", "room_type", "nights", "note"}  # the context is not shown
    assert params["required"] == ["guest", "room_type"]
    assert props["room_type"]["enum"] == ["single", "double", "suite"]
    assert props["nights"]["minimum"] == 1 and props["nights"]["maximum"] == 30
    assert props["nights"]["default"] == 1
    assert props["nights"]["description"] == "How many nights."
    # The nested model is inlined (no $ref), with its own required fields, and no titles.
    assert props["guest"]["properties"]["name"] == {"type": "string"}
    assert props["guest"]["required"] == ["name"]
    assert "$defs" not in params and "title" not in json.dumps(params)
    # The registry accepts the schema as an OpenAI function tool.
    ToolRegistry([book_room.spec()])


async def test_arguments_are_validated_and_the_context_is_passed() -> None:
    ctx = DetachedContext()
    out = await book_room.invoke({"guest": {"name": "Anna"}, "room_type": "double"}, ctx)
    assert out == {"guest": "Anna", "room_type": "double", "nights": 1}
    assert ctx.said == ["One moment."]
    with pytest.raises(ToolExecutionError, match="room_type") as err:
        await book_room.invoke({"guest": {"name": "Anna"}, "room_type": "penthouse"}, ctx)
    assert "penthouse" in str(err.value) or "single" in str(err.value)
    with pytest.raises(ToolExecutionError, match="guest is required"):
        await book_room.invoke({"room_type": "double"}, ctx)
    with pytest.raises(ToolExecutionError, match="colour is not an argument"):
        await book_room.invoke({"guest": {"name": "A"}, "room_type": "single", "colour": 1}, ctx)


async def test_a_raising_tool_is_an_error_the_model_sees_not_a_dead_call() -> None:
    @tool
    def divide(a: int, b: int) -> float:
        """Divide a by b."""
        return a / b

    registry = ToolRegistry([divide.spec()])
    result = await registry.execute(ToolCall("c1", "divide", {"a": 1, "b": 0}))
    assert not result.ok
    assert json.loads(result.content) == {
        "error": "divide failed: ZeroDivisionError: division by zero"
    }
    ok = await registry.execute(ToolCall("c2", "divide", {"a": 3, "b": 2}))
    assert ok.ok and ok.content == "1.5"


async def test_a_blocking_sync_tool_runs_off_the_event_loop() -> None:
    released = threading.Event()

    @tool
    def slow_lookup(code: str) -> str:
        """Look a booking up in a slow back office system."""
        # Blocks its thread until the event loop sets the event: on the loop thread itself
        # this could never happen (the wait would time out and the tool say so).
        return "found" if released.wait(timeout=5.0) else "loop was blocked"

    async def loop_keeps_running() -> int:
        ticks = 0
        for _ in range(20):
            await asyncio.sleep(0)
            ticks += 1
        released.set()
        return ticks

    out, ticks = await asyncio.gather(slow_lookup.invoke({"code": "QT1"}), loop_keeps_running())
    assert out == "found" and ticks == 20


def test_bad_signatures_are_refused_with_the_reason() -> None:
    with pytest.raises(ToolSchemaError, match="needs a type hint"):

        @tool
        def untyped(x):  # type: ignore[no-untyped-def]
            """Untyped."""

    with pytest.raises(ToolSchemaError, match="docstring or a description"):

        @tool
        def undocumented(x: int) -> None:
            pass

    with pytest.raises(ToolSchemaError, match=r"\*args"):

        @tool
        def variadic(*xs: int) -> None:
            """Variadic."""


def test_overrides_and_plain_calls() -> None:
    @tool(name="lookup", description="Find a booking by its code.")
    def find(code: str) -> str:
        return code.upper()

    assert find.name == "lookup" and find.description == "Find a booking by its code."
    assert find("qt1") == "QT1"  # still the plain function
