"""The hotel front desk as flows: small prompts, every tool reachable, real hand-overs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from quickturn.agent.agent import bind_tools, tool_names
from quickturn.agent.flows import flow_agents, flow_warm_requests
from quickturn.domains.hotel import HotelAgent
from quickturn.domains.hotel.flows import hotel_flows
from quickturn.domains.hotel.tools import hotel_tools
from quickturn.tools.context import DetachedContext
from quickturn.tools.types import ToolCall


@pytest.fixture
def conn(tmp_path: object) -> Iterator[sqlite3.Connection]:
    agent = HotelAgent()
    seed = agent.build_seed_database(f"{tmp_path}/seed.sqlite")
    c = agent.new_conversation_db(seed)
    yield c
    c.close()


def test_every_hotel_tool_is_reachable_and_no_flow_shows_more_than_a_dozen(
    conn: sqlite3.Connection,
) -> None:
    agents = flow_agents(hotel_flows(conn))
    assert len(agents) == 6
    reachable = {n for a in agents for n in tool_names(a.tools)}
    assert {t.name for t in hotel_tools(conn)} <= reachable
    assert max(len(tool_names(a.tools)) for a in agents) <= 12


def test_each_flow_prefix_is_a_fraction_of_the_single_prompt(conn: sqlite3.Connection) -> None:
    agent = HotelAgent()
    single = len(agent.system_prompt) + len(str(agent.tools(conn).schemas()))
    for request in flow_warm_requests(hotel_flows(conn)):
        size = len(request.messages[0]["content"]) + len(str(request.tools))
        assert size < single / 3


async def test_a_booking_task_hands_back_to_the_main_desk(conn: sqlite3.Connection) -> None:
    main = hotel_flows(conn)
    switched = []
    desk = bind_tools(main.tools, DetachedContext(), switched.append)
    await desk.execute(ToolCall("c1", "start_book_room", {}))
    booking = switched[-1]
    assert set(tool_names(booking.tools)) == {
        "check_availability", "get_rates", "create_booking", "finish_task",
    }
    # Ending the call is reached by a goodbye's words, not by the task's model (it hung up on
    # "Hello, I have a reservation and I need to change the dates").
    assert booking.picks is not None
    assert booking.picks("Hello, I have a reservation and I need to change the dates.") == (
        "finish_task"
    )
    assert booking.picks("That's all, goodbye.") == "finish_task"
    assert main.picks is not None and main.picks("That's all, goodbye.") == "end_call"
    task = bind_tools(booking.tools, DetachedContext(), switched.append)
    free = await task.execute(
        ToolCall("c2", "check_availability", {"check_in": "2026-03-20", "check_out": "2026-03-22"})
    )
    assert free.ok
    await task.execute(ToolCall("c3", "finish_task", {}))
    assert switched[-1] is main
