"""How often the hotel flows' main agent routes a caller's first line right, on the embedded 0.5B.

For every eval scenario with a golden call, the expected route is the main agent's tool that
leads to that call: the task holding it (``start_<task>``), or the main agent's own tool. One
router round per opening (as in the voice demo: the keyword router's pick, else tool_choice
"required"), nothing runs. ``--openings`` reads other openings instead (the held-out
``scripts/router_heldout.yaml``: lines written for this check, not used to choose keywords).

    PYTHONPATH=src .venv/bin/python scripts/router_accuracy.py [--limit N] [--json PATH]
        [--openings FILE] [--no-keywords]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from quickturn.agent.agent import bind_tools
from quickturn.agent.flows import flow_warm_requests
from quickturn.agent.stack import load_embedded_llm
from quickturn.assets import ModelPaths, default_cache_dir
from quickturn.domains.hotel.agent_spec import HotelAgent
from quickturn.domains.hotel.flows import MAIN_TOOLS, TASKS, hotel_flows
from quickturn.evals.hotel import scenarios_dir
from quickturn.evals.scenarios import load_scenarios
from quickturn.llm.types import ChatRequest, ToolCallEvent, ToolChoice
from quickturn.tools.context import DetachedContext


def expected_routes(first_tool: str) -> set[str]:
    """The main agent's tools that lead to ``first_tool`` (a lookup may be either)."""
    routes = {f"start_{name}" for name, _, _, tools in TASKS if first_tool in tools}
    if first_tool in MAIN_TOOLS:
        routes.add(first_tool)
    return routes


async def main(
    limit: int | None, openings: Path | None, keywords: bool = True
) -> list[dict[str, Any]]:
    hotel = HotelAgent()
    conn = hotel.new_conversation_db(
        hotel.build_seed_database(default_cache_dir() / "hotel.sqlite")
    )
    front = hotel_flows(conn, hotel.policies)
    registry = bind_tools(front.tools, DetachedContext(), lambda agent: None, front.tool_choice)
    engine = await load_embedded_llm(
        ModelPaths(default_cache_dir()), None, flows=flow_warm_requests(front)
    )
    if openings is None:
        cases = [
            (s.id, s.opening, expected_routes(s.golden[0].tool))
            for s in load_scenarios(sorted(scenarios_dir().glob("*.yaml")))
            if s.golden
        ][:limit]
    else:
        listed = yaml.safe_load(await asyncio.to_thread(openings.read_text, encoding="utf-8"))
        cases = [(f"heldout-{i}", c["opening"], set(c["want"])) for i, c in enumerate(listed)]
    rows: list[dict[str, Any]] = []
    try:
        for case_id, opening, want in cases:
            # The keyword router picks first (as the tool loop does); the model otherwise.
            picked = front.picks(opening) if front.picks and keywords else None
            choice: ToolChoice = (
                {"type": "function", "function": {"name": picked}} if picked else "required"
            )
            request = ChatRequest(
                messages=[
                    {"role": "system", "content": front.instructions},
                    {"role": "assistant", "content": front.greeting},
                    {"role": "user", "content": opening},
                ],
                tools=registry.schemas(),
                tool_choice=choice,
                max_tokens=200,
            )
            started = time.perf_counter()
            routed = "(words)"
            async for ev in engine.stream(request):
                if isinstance(ev, ToolCallEvent):
                    routed = ev.call.name
                    break
            rows.append(
                {
                    "scenario": case_id,
                    "opening": opening,
                    "expected": sorted(want),
                    "routed": routed,
                    "right": routed in want,
                    "by": "keywords" if picked else "model",
                    "seconds": round(time.perf_counter() - started, 2),
                }
            )
            mark = "ok " if routed in want else "BAD"
            print(f"{mark} {routed:28} want {'/'.join(sorted(want)):40} {opening[:60]}")
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
    parser.add_argument("--openings", type=Path, default=None,
                        help="a YAML list of {opening, want} instead of the eval's openings")
    parser.add_argument("--no-keywords", action="store_true",
                        help="the model alone (no keyword router), for comparison")
    ns = parser.parse_args()
    report(asyncio.run(main(ns.limit, ns.openings, not ns.no_keywords)), ns.json)
