"""Every bundled scenario is passable and not trivially passed.

Each scenario's ``golden`` tool calls are replayed on the real hotel tools and database; the
result must satisfy every database and action check (a scenario nobody can pass is broken). A
call that does nothing must fail every scenario that expects a change.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from quickturn.evals.grader import grade
from quickturn.evals.hotel import HotelDomain, scenarios_dir
from quickturn.evals.scenarios import Scenario, load_scenarios
from quickturn.tools.types import ToolCall

SCENARIOS = load_scenarios([scenarios_dir()])
# Text checks need an agent's words; the replay has only tool calls.
SPOKEN = {"agent_says", "agent_never_says"}


@pytest.fixture(scope="module")
def domain() -> HotelDomain:
    return HotelDomain()


def _last_code(content: str) -> str | None:
    try:
        data: Any = json.loads(content)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for key, value in data.items():
        if key.endswith("code") and isinstance(value, str):
            return value
    return None


def _substitute(args: dict[str, Any], last: str | None) -> dict[str, Any]:
    # "$last_code" stands for the code the previous booking-like call returned.
    return {k: (last if v == "$last_code" else v) for k, v in args.items()}


async def replay(domain: HotelDomain, scenario: Scenario) -> list[str]:
    """Failed checks after replaying the golden calls."""
    world = domain.new_world()
    calls: list[ToolCall] = []
    last: str | None = None
    try:
        for i, step in enumerate(scenario.golden):
            call = ToolCall(f"g{i}", step.tool, _substitute(dict(step.args), last))
            result = await world.registry.execute(call)
            assert result.ok, f"{scenario.id}: golden call {step.tool} failed: {result.content}"
            last = _last_code(result.content) or last
            calls.append(call)
        final = world.snapshot()
    finally:
        world.close()
    g = grade(scenario.expect, domain.seed_snapshot(), final, calls, domain.grade_options)
    return [f"{c.kind}: {c.detail}" for c in g.failures if c.kind not in SPOKEN]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
async def test_golden_calls_pass(domain: HotelDomain, scenario: Scenario) -> None:
    assert scenario.golden, f"{scenario.id} has no golden calls"
    assert await replay(domain, scenario) == []


@pytest.mark.parametrize(
    "scenario",
    [s for s in SCENARIOS if "no-change" not in s.tags],
    ids=[s.id for s in SCENARIOS if "no-change" not in s.tags],
)
async def test_doing_nothing_fails(domain: HotelDomain, scenario: Scenario) -> None:
    seed = domain.seed_snapshot()
    g = grade(scenario.expect, seed, seed, [], domain.grade_options)
    assert [c for c in g.failures if c.kind not in SPOKEN], f"{scenario.id} passes doing nothing"
