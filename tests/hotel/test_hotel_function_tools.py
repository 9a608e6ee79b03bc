"""The hotel tools as typed ``@tool`` functions: generated schemas, per-conversation binding,
call control through ToolContext, and the registry form existing callers use."""

from __future__ import annotations

import inspect
import sqlite3
from pathlib import Path

import pytest

from quickturn.domains.hotel import HotelAgent
from quickturn.domains.hotel.tools import build_hotel_tools, hotel_tools
from quickturn.tools.context import DetachedContext
from quickturn.tools.function_tool import FunctionTool
from quickturn.tools.types import ToolCall

from .desk import BOOKING


def test_hotel_tools_are_function_tools_with_docstring_descriptions(
    conn: sqlite3.Connection, agent: HotelAgent
) -> None:
    tools = hotel_tools(conn, agent.policies)
    assert all(isinstance(t, FunctionTool) for t in tools)
    by_name = {t.name: t for t in tools}
    assert len(by_name) == len(tools) == 40
    booking = by_name["create_booking"]
    assert booking.description.startswith("Book a room.")
    params = booking.parameters
    # The booking's details first, the caller's own facts last (see create_booking).
    assert params["required"] == [
        "room_type",
        "check_in",
        "check_out",
        "adults",
        "guest_name",
        "phone",
    ]
    # Optional arguments: a plain type, no null branch and no default (prompt tokens).
    assert params["properties"]["children"] == {"maximum": 3, "minimum": 0, "type": "integer"}
    assert params["properties"]["rate_plan"] == {
        "description": "default flexible",
        "enum": ["flexible", "nonrefundable"],
        "type": "string",
    }
    # A docstring's Args section is where an argument's description comes from.
    assert by_name["check_availability"].parameters["properties"]["guests"]["description"] == (
        "adults plus children"
    )


async def test_each_conversation_writes_to_its_own_database(
    seed_path: Path, agent: HotelAgent
) -> None:
    # The schema is built once per tool definition and shared; the functions are not.
    first, second = agent.new_conversation_db(seed_path), agent.new_conversation_db(seed_path)
    try:
        a, b = build_hotel_tools(first, agent.policies), build_hotel_tools(second, agent.policies)
        assert a.schemas() == b.schemas()
        assert (await a.execute(ToolCall("c1", "create_booking", BOOKING))).ok
        count = "SELECT COUNT(*) FROM bookings WHERE guest_id IN (SELECT id FROM guests "
        count += "WHERE name = 'Ann Lee')"
        assert first.execute(count).fetchone()[0] == 1
        assert second.execute(count).fetchone()[0] == 0
    finally:
        first.close()
        second.close()


async def test_end_call_and_transfer_act_on_the_tool_context(
    conn: sqlite3.Connection, agent: HotelAgent
) -> None:
    ctx = DetachedContext()
    tools = build_hotel_tools(conn, agent.policies, ctx)
    assert (await tools.execute(ToolCall("c1", "end_call", {}))).ok
    assert ctx.ended == "caller said goodbye"
    transfer = {"department": "billing", "reason": "disputes a charge", "summary": "minibar"}
    assert (await tools.execute(ToolCall("c2", "transfer_to_human", transfer))).ok
    assert ctx.handed_off == ("billing", "disputes a charge")
    kinds = [r[0] for r in conn.execute("SELECT kind FROM call_events ORDER BY id")]
    assert kinds[-2:] == ["end_call", "transfer_to_human"]


async def test_a_refused_end_call_does_not_end_the_call(
    conn: sqlite3.Connection, agent: HotelAgent
) -> None:
    ctx = DetachedContext()
    tools = build_hotel_tools(conn, agent.policies, ctx)
    # end_call takes no arguments: a call that writes one is refused, and the call goes on.
    result = await tools.execute(ToolCall("c1", "end_call", {"reason": "bye"}))
    assert not result.ok and "reason" in result.content
    assert ctx.ended is None


@pytest.mark.parametrize("name", ["get_booking", "create_booking", "order_room_service"])
def test_tools_run_on_the_event_loop(conn: sqlite3.Connection, name: str) -> None:
    # sqlite3 refuses a connection from another thread; the tools are coroutines, so
    # FunctionTool never sends them to a worker thread.
    tool = next(t for t in hotel_tools(conn) if t.name == name)
    assert inspect.iscoroutinefunction(tool.fn)
