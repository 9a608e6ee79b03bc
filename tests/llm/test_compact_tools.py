"""Compact tool rendering: every name, argument and constraint a model needs, fewer tokens."""

from __future__ import annotations

import json

import pytest

from quickturn.errors import ConfigError
from quickturn.llm.chat_template import ChatTemplate
from quickturn.llm.compact_tools import compact_tool

TOOL = {
    "type": "function",
    "function": {
        "name": "book",
        "description": "Book a room.",
        "parameters": {
            "type": "object",
            "properties": {
                "check_in": {"type": "string", "description": "YYYY-MM-DD"},
                "room": {"type": "string", "enum": ["double", "suite"]},
                "adults": {"type": "integer", "minimum": 1, "maximum": 4},
                "kids": {"type": "integer", "minimum": 0},
                "notes": {"type": "array", "items": {"type": "string"}},
                "vip": {"type": "boolean", "description": "returning guest"},
                "card": {
                    "type": "object",
                    "properties": {"last4": {"type": "string"}},
                    "required": ["last4"],
                },
            },
            "required": ["check_in", "room", "adults"],
            "additionalProperties": False,
        },
    },
}

TEMPLATE = (
    "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"
    "{% if tools %}<tools>{% for t in tools %}{{ t | tojson }}\n{% endfor %}</tools>{% endif %}"
)


def test_compact_form_keeps_names_types_enums_ranges_and_optionality() -> None:
    assert compact_tool(TOOL) == {
        "name": "book",
        "description": "Book a room.",
        "parameters": {
            "check_in": "YYYY-MM-DD",
            "room": "double|suite",
            "adults": "integer 1-4",
            "kids": "integer >= 0, optional",
            "notes": "list of string, optional",
            "vip": "boolean: returning guest, optional",
            "card": {"last4": "string"},
        },
    }


def test_a_tool_without_parameters_is_its_name_and_description() -> None:
    tool = {"type": "function", "function": {"name": "ping", "description": "Ping."}}
    assert compact_tool(tool) == {"name": "ping", "description": "Ping."}


def test_the_template_renders_compact_tools_in_far_fewer_characters() -> None:
    messages = [{"role": "system", "content": "Be brief."}]
    full = ChatTemplate(TEMPLATE, "schema").render(messages, [TOOL], add_generation_prompt=False)
    small = ChatTemplate(TEMPLATE, "compact").render(messages, [TOOL], add_generation_prompt=False)
    assert json.dumps(TOOL) in full
    assert json.dumps(compact_tool(TOOL)) in small
    assert len(small) < 0.6 * len(full)


def test_unknown_tool_style_is_refused() -> None:
    with pytest.raises(ConfigError):
        ChatTemplate(TEMPLATE, "tiny")  # type: ignore[arg-type]
