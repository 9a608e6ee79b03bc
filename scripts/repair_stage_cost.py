"""What the repair stage costs per streamed delta, on the hotel workload's 40 tools: a prose
reply and a reply with a call, fed token-sized deltas. Prints microseconds per delta.

Usage: PYTHONPATH=src python scripts/repair_stage_cost.py
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from quickturn.bench.workload import load_workload
from quickturn.gateway.repair_stage import CallRules, RepairStage
from quickturn.llm.types import Finished, LLMEvent, TextDelta, Usage

PROSE = (
    "Certainly! We have a double room available from March 14 to March 16 at 180 euros per "
    "night, breakfast included. Would you like me to book it for you, and can I have your name?"
)
CALL = (
    'Let me check. <tool_call>\n{"name": "check_availability", "arguments": {"check_in": '
    '"2025-03-14", "check_out": "2025-03-16", "room_type": "double", "guests": 2}}\n</tool_call>'
)


def deltas(text: str, size: int = 4) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


async def per_delta_us(text: str, tools: tuple[dict[str, object], ...], rounds: int) -> float:
    parts = deltas(text)

    async def engine() -> AsyncIterator[LLMEvent]:
        for p in parts:
            yield TextDelta(p, 0.0)
        yield Finished("stop", Usage(1, 1), 0.0)

    start = time.perf_counter()
    for _ in range(rounds):
        async for _event in RepairStage(CallRules(tools=tools)).run(engine()):
            pass
    return (time.perf_counter() - start) / (rounds * len(parts)) * 1e6


async def main() -> None:
    tools = tuple(load_workload("hotel").tools)
    for name, text in (("prose", PROSE), ("call", CALL)):
        print(f"{name}: {await per_delta_us(text, tools, 50):.0f} us per delta (40 tools)")


if __name__ == "__main__":
    asyncio.run(main())
