import json

import pytest

from quickturn.bench.conversations import SCRIPTS, scripted_conversations
from quickturn.bench.synthetic import synthetic_system_prompt, synthetic_tools
from quickturn.bench.workload import Workload, canned_tool_result, load_workload
from quickturn.errors import ConfigError, ToolSchemaError
from quickturn.tools.types import ToolCall, validate_tool_schema


def test_synthetic_workload_is_production_shaped_and_deterministic() -> None:
    w = load_workload("synthetic")
    # ~2.5k tokens at ~4 characters a token, 40 distinct well-formed tools.
    assert 2300 <= len(w.system_prompt) / 4 <= 2700
    assert len(w.tools) == 40
    names = [t["function"]["name"] for t in w.tools]
    assert len(set(names)) == 40
    for tool in w.tools:
        validate_tool_schema(tool)
    assert load_workload("synthetic") == w  # byte-identical prefix on every run
    assert w.approx_prefix_tokens() > 3000


def test_synthetic_prompt_scales_and_validates() -> None:
    assert 900 <= len(synthetic_system_prompt(1000)) / 4 <= 1600  # fixed part is ~1.45k
    assert abs(len(synthetic_system_prompt(6000)) / 4 - 6000) < 100
    with pytest.raises(ConfigError):
        synthetic_system_prompt(100)
    with pytest.raises(ConfigError):
        synthetic_tools(41)


def test_the_prose_workload_is_the_hotel_prompt_without_tools() -> None:
    prose, hotel = load_workload("hotel-prose"), load_workload("hotel")
    assert prose.system_prompt == hotel.system_prompt and hotel.tools
    assert prose.tools == []


def test_required_parameters_exist_in_properties() -> None:
    for tool in synthetic_tools():
        params = tool["function"]["parameters"]
        assert set(params["required"]) <= set(params["properties"])


def test_unknown_workload_and_bad_tools_are_refused() -> None:
    with pytest.raises(ConfigError, match="unknown workload"):
        load_workload("retail")
    with pytest.raises(ToolSchemaError):
        Workload("x", "prompt", [{"type": "function", "function": {"name": ""}}])
    with pytest.raises(ConfigError):
        Workload("x", "  ", [])


def test_hotel_workload() -> None:
    w = load_workload("hotel")
    assert len(w.tools) >= 30
    assert len(w.system_prompt) > 2000


def test_conversations_cycle_with_distinct_ids() -> None:
    convs = scripted_conversations(len(SCRIPTS) + 2, turns=3)
    ids = [c.id for c in convs]
    assert len(set(ids)) == len(ids)
    assert ids[len(SCRIPTS)] == f"{SCRIPTS[0].id}-2"
    assert all(len(c.user_turns) == 3 for c in convs)
    assert convs[len(SCRIPTS)].user_turns == SCRIPTS[0].user_turns[:3]
    with pytest.raises(ConfigError):
        scripted_conversations(0)


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [
        ("search_availability", "results", None),
        ("create_reservation", "status", "confirmed"),
        ("cancel_reservation", "status", "cancelled"),
        ("get_weather_forecast", "status", "ok"),
    ],
)
def test_canned_tool_results_are_json_shaped_by_verb(name: str, key: str, value: object) -> None:
    out = json.loads(canned_tool_result(ToolCall("c1", name, {})))
    assert out["tool"] == name
    assert key in out
    if value is not None:
        assert out[key] == value
