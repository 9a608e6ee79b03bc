"""How often the hotel flows' main agent routes a caller's first line right, on the embedded 0.5B.

For every eval scenario with a golden call, the expected route is the main agent's tool that
leads to that call: the task holding it (``start_<task>``), or the main agent's own tool. One
router round per opening (tool_choice "required", as in the voice demo), nothing runs.

    PYTHONPATH=src .venv/bin/python scripts/router_accuracy.py [--limit N] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from quickturn.agent.agent import bind_tools
from quickturn.agent.flows import flow_warm_requests
from quickturn.agent.stack import load_embedded_llm
from quickturn.assets import ModelPaths, default_cache_dir
from quickturn.domains.hotel.agent_spec import HotelAgent
from quickturn.domains.hotel.flows import MAIN_TOOLS, TASKS, hotel_flows
from quickturn.evals.hotel import scenarios_dir
from quickturn.evals.scenarios import load_scenarios
from quickturn.llm.types import ChatRequest, ToolCallEvent
from quickturn.tools.context import DetachedContext


def expected_routes(first_tool: str) -> set[str]:
    """The main agent's tools that lead to ``first_tool`` (a lookup may be either)."""
    routes = {f"start_{name}" for name, _, _, tools in TASKS if first_tool in tools}
    if first_tool in MAIN_TOOLS:
        routes.add(first_tool)
    return routes


async def main(limit: int | None) -> list[dict[str, Any]]:
    hotel = HotelAgent()
    conn = hotel.new_conversation_db(
        hotel.build_seed_database(default_cache_dir() / "hotel.sqlite")
    )
    front = hotel_flows(conn, hotel.policies)
    registry = bind_tools(front.tools, DetachedContext(), lambda agent: None, front.tool_choice)
    engine = await load_embedded_llm(
        ModelPaths(default_cache_dir()), None, flows=flow_warm_requests(front)
    )
    cases = [
        s for s in load_scenarios(sorted(scenarios_dir().glob("*.yaml"))) if s.golden
    ][:limit]
    rows: list[dict[str, Any]] = []
    try:
        for scenario in cases:
            request = ChatRequest(
                messages=[
                    {"role": "system", "content": front.instructions},
                    {"role": "assistant", "content": front.greeting},
                    {"role": "user", "content": scenario.opening},
                ],
                tools=registry.schemas(),
                tool_choice="required",
                max_tokens=200,
            )
            started = time.perf_counter()
            routed = "(words)"
            async for ev in engine.stream(request):
                if isinstance(ev, ToolCallEvent):
                    routed = ev.call.name
                    break
            want = expected_routes(scenario.golden[0].tool)
            rows.append(
                {
                    "scenario": scenario.id,
                    "opening": scenario.opening,
                    "expected": sorted(want),
                    "routed": routed,
                    "right": routed in want,
                    "seconds": round(time.perf_counter() - started, 2),
                }
            )
            mark = "ok " if routed in want else "BAD"
            print(f"{mark} {routed:28} want {'/'.join(sorted(want)):40} {scenario.opening[:60]}")
    finally:
        await engine.aclose()
    return rows


def report(rows: list[dict[str, Any]], out: Path | None) -> None:
    right = sum(r["right"] for r in rows)
    print(f"\nrouted right: {right}/{len(rows)} ({100 * right / max(len(rows), 1):.1f} %)")
    wrong = Counter(f"{'/'.join(r['expected'])} -> {r['routed']}" for r in rows if not r["right"])
    for pair, n in wrong.most_common(8):
        print(f"  {n:3d}  {pair}")
    if out is not None:
        out.write_text(json.dumps({"right": right, "cases": len(rows), "rows": rows}, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    ns = parser.parse_args()
    report(asyncio.run(main(ns.limit)), ns.json)
