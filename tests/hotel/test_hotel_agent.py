"""The front desk as a ``quickturn.Agent``: the prompt and tools a user would get, and one
scripted call through ``AgentSession`` on a virtual clock (fake audio and LLM, the real hotel
tools on a real SQLite copy): the booking is written and ``end_call`` hangs up."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from typing import Any

from agent.fakes import Codebook, CodeSTT, EnergyVAD, ScriptedLLM, ToneTTS, call, feed, run_until
from agent.harness import FixedHold
from quickturn import Agent, AgentSession, CallEnded, SessionEvent, ToolReturned
from quickturn.agent.agent import bind_tools, tool_schemas
from quickturn.agent.fillers import FillerOptions
from quickturn.agent.options import SessionOptions
from quickturn.agent.stack import StackOptions
from quickturn.audio.frame import AudioFrame
from quickturn.clock import VirtualClock
from quickturn.domains.hotel import GREETING, HotelAgent, hotel_agent, system_prompt
from quickturn.domains.hotel.db import HOTEL_TODAY
from quickturn.domains.hotel.tools import build_hotel_tools
from quickturn.llm.types import ChatRequest
from quickturn.tools.context import DetachedContext
from quickturn.tools.types import ToolCall
from quickturn.transport.simulated import FramesInput, PacedOutput

from .desk import BOOKING


async def test_hotel_agent_is_the_prompt_and_the_typed_tools(
    conn: sqlite3.Connection, agent: HotelAgent
) -> None:
    front = hotel_agent(conn, agent.policies)
    assert isinstance(front, Agent)
    assert front.instructions == system_prompt(HOTEL_TODAY) and front.greeting == GREETING
    assert len(front.tools) == 40
    # What the session warms and what its registry renders are byte-identical, and the same as
    # the registry the eval uses: one prefix in the KV cache for all of them.
    bound = bind_tools(front.tools, DetachedContext(), lambda _: None)
    assert tool_schemas(front) == bound.schemas() == build_hotel_tools(conn).schemas()
    assert "x-ask-caller" not in str(tool_schemas(front))
    assert agent.agent(conn).instructions == front.instructions
    # The session's registry keeps the tool-layer hints: a call without the guest's name and
    # phone comes back with the question to ask.
    lacking = {k: v for k, v in BOOKING.items() if k not in ("guest_name", "phone")}
    result = await bound.execute(ToolCall("c1", "create_booking", lacking))
    assert result.elicitation is not None
    assert result.elicitation.question == "May I have your full name and a phone number?"


async def test_a_scripted_call_books_and_hangs_up(
    conn: sqlite3.Connection, agent: HotelAgent
) -> None:
    def script(request: ChatRequest) -> list[Any]:
        last = request.messages[-1]
        if last["role"] == "tool":
            return ["Goodbye."] if "ending" in str(last["content"]) else ["It is booked."]
        if "bye" in str(last["content"]):
            return [call("end_call")]
        return [call("create_booking", **BOOKING)]

    clock = VirtualClock()
    book = Codebook()
    session = AgentSession(
        hotel_agent(conn, agent.policies),
        stt=CodeSTT(book, clock),
        tts=ToneTTS(clock, latency_s=0.0),
        llm=ScriptedLLM(clock, script),
        vad=EnergyVAD(),
        turns=FixedHold(),
        clock=clock,
        options=StackOptions(
            session=SessionOptions(preemptive=False, idle_s=None),
            fillers=FillerOptions(tool=("One moment.",)),
        ),
    )
    events: list[SessionEvent] = []
    session.on(object, events.append)

    async def frames() -> AsyncIterator[AudioFrame]:
        async for frame in feed(
            clock,
            book,
            [
                (6.0, "book it for two adults, Ann Lee on +1 555 123 4567"),
                (16.0, "yes please"),  # to create_booking's read-back
                (26.0, "thanks bye"),
            ],
            60.0,
        ):
            yield frame

    await run_until(clock, session.prepare(), 5)
    await run_until(clock, session.run(FramesInput(frames), PacedOutput(clock, 16_000)), 90)

    returned = [e for e in events if isinstance(e, ToolReturned)]
    # Read back first (it waits for the yes), then booked on the yes, then the hang-up.
    assert [e.name for e in returned] == ["create_booking", "create_booking", "end_call"]
    assert all(e.ok for e in returned) and "awaiting_confirmation" in returned[0].content
    row = conn.execute(
        "SELECT b.room_type, b.check_in FROM bookings b JOIN guests g ON g.id = b.guest_id "
        "WHERE g.name = 'Ann Lee'"
    ).fetchall()
    assert [tuple(r) for r in row] == [("double", "2026-03-20")]
    [ended] = [e for e in events if isinstance(e, CallEnded)]
    # end_call went through ToolContext: the session ended it, well before the caller's line.
    assert ended.reason == "agent_ended" and ended.detail == "caller said goodbye"
    assert ended.at_s < 50.0
