"""Repaired calls run through the real ToolRegistry: valid ones execute, invalid ones are
reported back to the model (never dropped)."""

from __future__ import annotations

import json
from typing import Any

from quickturn.errors import ToolExecutionError
from quickturn.tools.repair import ParsedCall, StreamingToolCallParser, parse_tool_calls
from quickturn.tools.types import ToolRegistry, ToolSpec

from .corpus_data import HOTEL_TOOLS

BOOKINGS = {"AB12CD": {"guest": "Ann Lee", "nights": 2}}


def registry() -> ToolRegistry:
    def get_booking(args: dict[str, Any]) -> Any:
        if args["code"] not in BOOKINGS:
            raise ToolExecutionError(f"no booking with code {args['code']}")
        return BOOKINGS[args["code"]]

    async def check_availability(args: dict[str, Any]) -> Any:
        return {"free": ["double"], "guests": args.get("guests", 1)}

    handlers = {"get_booking": get_booking, "check_availability": check_availability}
    specs = []
    for tool in HOTEL_TOOLS:
        fn = tool["function"]
        handler = handlers.get(fn["name"], lambda args: "ok")
        specs.append(ToolSpec(fn["name"], fn["description"], fn["parameters"], handler))
    return ToolRegistry(specs)


async def test_repaired_calls_execute_and_invalid_ones_report_errors() -> None:
    text = (
        'One moment. <tool_call>{"name": "getBooking", "arguments": {"code": "AB12CD"}}'
        "</tool_call>\n"
        '```json\n{"name": "check_availability", "arguments": {"check_in": "2025-03-01", '
        '"check_out": "2025-03-02", "guests": "2"}}\n```\n'
        "check_availability(check_in='2025-03-01', check_out='2025-03-02', guests='two')"
    )
    tools = registry()
    result = parse_tool_calls(text, tools.schemas())
    assert result.content == "One moment."
    assert [c.name for c in result.calls] == [
        "get_booking",
        "check_availability",
        "check_availability",
    ]
    assert result.invalid_call_ids == ("call_3",)

    outcomes = [await tools.execute(call) for call in result.calls]
    assert [o.ok for o in outcomes] == [True, True, False]
    assert json.loads(outcomes[0].content) == BOOKINGS["AB12CD"]
    assert json.loads(outcomes[1].content)["guests"] == 2  # "2" was coerced before running
    assert "guests" in json.loads(outcomes[2].content)["error"]
    assert [o.call_id for o in outcomes] == [c.id for c in result.calls]


async def test_streamed_calls_are_the_same_calls() -> None:
    tools = registry()
    text = 'Sure. get_booking("ZZ99YY") '
    parser = StreamingToolCallParser(tools.schemas())
    events = [e for ch in text for e in parser.feed(ch)] + parser.finish()
    calls = [e.call for e in events if isinstance(e, ParsedCall)]
    assert calls == list(parse_tool_calls(text, tools.schemas()).calls)
    outcome = await tools.execute(calls[0])
    assert not outcome.ok and "no booking with code ZZ99YY" in outcome.content
