"""The tool list: ~40 well-formed OpenAI tools, compact enough for a small model's prompt."""

from __future__ import annotations

import json
import re
from pathlib import Path

from quickturn.domains.hotel import HotelAgent
from quickturn.tools.types import ToolRegistry, validate_tool_schema

SCHEMA_MD = Path(__file__).parents[2] / "src/quickturn/domains/hotel/SCHEMA.md"


def test_forty_valid_tools(tools: ToolRegistry) -> None:
    assert 38 <= len(tools) <= 44
    for schema in tools.schemas():
        validate_tool_schema(schema)
        params = schema["function"]["parameters"]
        assert params["type"] == "object"
        # Unknown arguments are refused, so a model's typo is an error rather than ignored.
        assert params["additionalProperties"] is False
        assert set(params.get("required", [])) <= set(params["properties"])
        assert 10 <= len(schema["function"]["description"]) <= 120


def test_every_tool_is_documented_in_schema_md(tools: ToolRegistry) -> None:
    documented = set(re.findall(r"^- `(\w+)\(", SCHEMA_MD.read_text("utf-8"), re.M))
    assert documented == set(tools.names)


def test_schema_md_arguments_match_the_schemas(tools: ToolRegistry) -> None:
    for name, arglist in re.findall(r"^- `(\w+)\(([^)]*)\)", SCHEMA_MD.read_text("utf-8"), re.M):
        params = tools.spec(name).parameters
        # "items[{item, quantity}]" documents the shape of an array; drop it before splitting.
        args = [a.strip() for a in re.sub(r"\[[^\]]*\]", "", arglist).split(",") if a.strip()]
        names = {a.rstrip("?") for a in args}
        required = {a for a in args if not a.endswith("?")}
        assert names == set(params["properties"]), name
        assert required == set(params.get("required", [])), name


def test_tool_schemas_fit_the_prompt_budget(tools: ToolRegistry) -> None:
    # DESIGN.md: on this CPU every prompt token costs prefill time; 40 tools must stay near 4.5k
    # tokens (chars/4) so prompt plus tools stay under ~7k.
    chars = len(json.dumps(tools.schemas()))
    assert chars / 4 < 5000


def test_prompt_mentions_only_real_tools(agent: HotelAgent, tools: ToolRegistry) -> None:
    mentioned = set(re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", agent.system_prompt))
    # Words with underscores in the prompt are tool names; each must exist.
    assert mentioned <= set(tools.names), mentioned - set(tools.names)
    assert len(mentioned) >= 8
