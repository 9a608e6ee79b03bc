"""Tool calls written as text in each model family's format, with what the gateway must make of
them: shared by the stage tests, the proxy tests and the client tests."""

from __future__ import annotations

from typing import Any


def tool(name: str, **props: str) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "parameters": {
                "type": "object",
                "properties": {k: {"type": t} for k, t in props.items()},
                "required": list(props),
            },
        },
    }


TOOLS = [tool("get_weather", city="string"), tool("get_time", tz="string", hours="integer")]
PARIS = ("get_weather", {"city": "Paris"})

# format -> (model text, expected content, expected calls)
FORMATS: dict[str, tuple[str, str, list[tuple[str, dict[str, Any]]]]] = {
    "hermes": (
        'Let me check. <tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n'
        "</tool_call>",
        "Let me check.",
        [PARIS],
    ),
    "hermes_two_calls": (
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>\n'
        '<tool_call>{"name": "get_time", "arguments": {"tz": "CET", "hours": "2"}}</tool_call>',
        "",
        [PARIS, ("get_time", {"tz": "CET", "hours": 2})],  # "2" coerced to the schema's integer
    ),
    "fenced_json": (
        'Sure.\n```json\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n```',
        "Sure.",
        [PARIS],
    ),
    "bare_json": ('{"name": "get_weather", "arguments": {"city": "Paris"}}', "", [PARIS]),
    "llama3_json": (
        '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}}<|eom_id|>',
        "",
        [PARIS],
    ),
    "pythonic": ('[get_weather(city="Paris"), get_time(tz="UTC", hours=1)]', "", [
        PARIS,
        ("get_time", {"tz": "UTC", "hours": 1}),
    ]),
    "gemma4": (
        'On it.<|tool_call>call:get_weather{city:<|"|>Paris<|"|>}<tool_call|>',
        "On it.",
        [PARIS],
    ),
    "escaped_quotes_and_braces": (
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Pa\\"ri}{s"}}</tool_call>',
        "",
        [("get_weather", {"city": 'Pa"ri}{s'})],
    ),
    "cut_off_at_end": (
        'One moment. <tool_call>{"name": "get_weather", "arguments": {"ci',
        "One moment.",
        [],
    ),
    "broken_sibling": (
        '<tool_call>{"name": "get_time", "arguments": {"tz": UTC}}</tool_call>'
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>',
        "",
        [PARIS],
    ),
    "prose_mentioning_json": (
        'A JSON object looks like {"name": "value"}, and get_weather is a tool [1].',
        'A JSON object looks like {"name": "value"}, and get_weather is a tool [1].',
        [],
    ),
}
