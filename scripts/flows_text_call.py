"""The demo's caller lines, typed, through the hotel flows and the embedded 0.5B: every model
round with its time, decoded tokens and raw output, the calls and their results, and the
booking the call left. A text-mode look at what the voice demo does, without its deadline.

    PYTHONPATH=src .venv/bin/python scripts/flows_text_call.py ["caller line" ...]
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

from quickturn.agent.agent import Agent, bind_agent
from quickturn.agent.flows import flow_warm_requests
from quickturn.agent.stack import load_embedded_llm
from quickturn.assets import ModelPaths, default_cache_dir
from quickturn.domains.hotel.agent_spec import HotelAgent
from quickturn.domains.hotel.flows import HOTEL_GUARDS, hotel_flows
from quickturn.llm.tool_loop import (
    MessageAdded,
    ReplyDone,
    ToolFinished,
    ToolLoopOptions,
    run_tool_loop,
)
from quickturn.llm.types import (
    ChatClient,
    ChatRequest,
    Finished,
    LLMEvent,
    TextDelta,
    ToolCallEvent,
)
from quickturn.tools.context import DetachedContext
from quickturn.tools.types import ToolRegistry

LINES = [
    "Hi I'd like to book a double room for two adults from March 20 to the 22nd.",
    "My name is Anna Miller and my phone number is 555-0142.",
    "Yes, that's right. Please book it.",
]


class Rounds:
    """Prints each model round as it ends (a transparent ChatClient wrapper)."""

    def __init__(self, client: ChatClient) -> None:
        self._client = client
        self.avoids_openings = getattr(client, "avoids_openings", False)

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        started, out, usage = time.perf_counter(), [], None
        async for ev in self._client.stream(request):
            if isinstance(ev, TextDelta):
                out.append(ev.text)
            elif isinstance(ev, ToolCallEvent):
                out.append(f"<call {ev.call.name} {json.dumps(ev.call.arguments)}>")
            elif isinstance(ev, Finished):
                usage = ev.usage
            yield ev
        tokens = usage.completion_tokens if usage else "?"
        choice = request.tool_choice if isinstance(request.tool_choice, str) else "named"
        print(
            f"    round {time.perf_counter() - started:5.2f} s, {tokens} tokens, "
            f"tool_choice={choice}: {''.join(out)[:160]!r}"
        )

    async def aclose(self) -> None:
        await self._client.aclose()


async def main(lines: list[str]) -> None:
    hotel = HotelAgent()
    conn = hotel.new_conversation_db(
        hotel.build_seed_database(default_cache_dir() / "hotel.sqlite")
    )
    front = hotel_flows(conn, hotel.policies)
    state: dict[str, Any] = {}

    def switch(agent: Agent) -> None:
        state["agent"] = agent
        state["tools"] = bind_agent(agent, DetachedContext(), switch)

    switch(front)
    engine = await load_embedded_llm(
        ModelPaths(default_cache_dir()), None, flows=flow_warm_requests(front)
    )
    client = Rounds(engine)
    history: list[dict[str, Any]] = [
        {"role": "system", "content": front.instructions},
        {"role": "assistant", "content": front.greeting},
    ]

    def live() -> tuple[str, ToolRegistry]:
        return state["agent"].instructions, state["tools"]

    for line in lines:
        print(f"caller: {line}")
        history.append({"role": "user", "content": line})
        started = time.perf_counter()
        async for ev in run_tool_loop(client, history, live, ToolLoopOptions(guards=HOTEL_GUARDS)):
            if isinstance(ev, MessageAdded):
                history.append(ev.message)
            elif isinstance(ev, ToolFinished):
                print(f"    {ev.call.name} -> {ev.result.content[:120]}")
            elif isinstance(ev, ReplyDone):
                said = history[-1].get("content") if history[-1]["role"] == "assistant" else ""
                print(
                    f"  agent ({time.perf_counter() - started:.1f} s, {ev.rounds} rounds, "
                    f"{ev.finish_reason}): {said!r}"
                )
    seeded = {
        r[0]
        for r in hotel.new_conversation_db(default_cache_dir() / "hotel.sqlite").execute(
            "SELECT code FROM bookings"
        )
    }
    new = [dict(r) for r in conn.execute("SELECT * FROM bookings") if r["code"] not in seeded]
    print(f"new bookings: {new}")
    await engine.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:] or LINES))
