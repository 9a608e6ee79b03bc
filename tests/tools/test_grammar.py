"""tool_call_json_schema: exactly one well-formed call of a declared tool."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from quickturn.errors import ToolSchemaError
from quickturn.tools.grammar import tool_call_json_schema
from quickturn.tools.repair import parse_tool_calls

from .corpus_data import HOTEL_TOOLS


def is_valid(instance: Any, schema: dict[str, Any]) -> bool:
    jsonschema.Draft202012Validator.check_schema(schema)
    return bool(jsonschema.Draft202012Validator(schema).is_valid(instance))


GOOD_CALLS = [
    {"name": "get_booking", "arguments": {"code": "AB12CD"}},
    {
        "name": "check_availability",
        "arguments": {"check_in": "2025-01-01", "check_out": "2025-01-02", "guests": 2},
    },
    {"name": "lookup_policy", "arguments": {"topic": "pets"}},
]


@pytest.mark.parametrize("call", GOOD_CALLS, ids=lambda c: c["name"])
def test_union_accepts_each_tools_call_and_it_parses_back(call: dict[str, Any]) -> None:
    schema = tool_call_json_schema(HOTEL_TOOLS)
    assert len(schema["anyOf"]) == len(HOTEL_TOOLS)
    assert is_valid(call, schema)
    parsed = parse_tool_calls(json.dumps(call), HOTEL_TOOLS)
    assert [(c.name, c.arguments) for c in parsed.calls] == [(call["name"], call["arguments"])]
    assert parsed.notes[0].valid


@pytest.mark.parametrize(
    "call",
    [
        {"name": "send_email", "arguments": {}},  # not a declared tool
        {"name": "get_booking", "arguments": {"topic": "pets"}},  # another tool's arguments
        {"name": "get_booking", "arguments": {"code": 5}},  # wrong type
        {"name": "get_booking"},  # arguments missing
        {"name": "get_booking", "arguments": {"code": "A"}, "extra": 1},
        [{"name": "get_booking", "arguments": {"code": "A"}}],  # exactly one call, not a list
    ],
)
def test_union_rejects_anything_but_one_valid_call(call: Any) -> None:
    assert not is_valid(call, tool_call_json_schema(HOTEL_TOOLS))


def test_forced_tool_allows_only_that_tool() -> None:
    schema = tool_call_json_schema(HOTEL_TOOLS, forced="lookup_policy")
    assert "anyOf" not in schema
    assert list(schema["properties"]) == ["name", "arguments"]  # name is written first
    assert is_valid({"name": "lookup_policy", "arguments": {"topic": "pets"}}, schema)
    assert not is_valid({"name": "get_booking", "arguments": {"code": "AB12CD"}}, schema)


def test_tool_without_parameters_takes_an_empty_object() -> None:
    tools = [{"type": "function", "function": {"name": "ring_front_desk"}}]
    schema = tool_call_json_schema(tools)
    assert is_valid({"name": "ring_front_desk", "arguments": {}}, schema)
    assert not is_valid({"name": "ring_front_desk", "arguments": "now"}, schema)


def test_callers_tools_are_not_aliased_or_mutated() -> None:
    tools = copy.deepcopy(HOTEL_TOOLS)
    schema = tool_call_json_schema(tools)
    schema["anyOf"][0]["properties"]["arguments"]["properties"]["injected"] = {}
    assert tools == HOTEL_TOOLS


@pytest.mark.parametrize(
    "tools, forced, message",
    [
        ([], None, "at least one tool"),
        (HOTEL_TOOLS, "book_spa", "not a declared tool"),
        (HOTEL_TOOLS[:1] * 2, None, "duplicate"),
        ([{"type": "function", "function": {"name": "x", "parameters": "{}"}}], None, "parameters"),
        ([{"type": "function", "function": {}}], None, "name must be"),
    ],
)
def test_bad_requests_raise_tool_schema_error(
    tools: list[dict[str, Any]], forced: str | None, message: str
) -> None:
    with pytest.raises(ToolSchemaError, match=message):
        tool_call_json_schema(tools, forced)


def test_llama_cpp_converts_the_schema_to_a_grammar() -> None:
    llama_cpp = pytest.importorskip("llama_cpp")
    schema = tool_call_json_schema(HOTEL_TOOLS)
    grammar = llama_cpp.LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    assert grammar is not None
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    gbnf = json_schema_to_gbnf(json.dumps(schema))
    for tool in HOTEL_TOOLS:
        assert tool["function"]["name"] in gbnf
