"""Every scenario's golden tool path (written by the evals helper from SCHEMA.md) runs cleanly.

Guards the contract in the other direction: a change to a tool that breaks a scenario fails here.
One registry serves all scenarios; the seed is restored into its connection between scenarios
with SQLite's backup API, so each starts from the same fresh database.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from quickturn.domains.hotel import HotelAgent
from quickturn.tools.types import ToolCall

SCENARIOS = Path(__file__).parents[2] / "src/quickturn/domains/hotel/scenarios"


def _plain(value: Any) -> Any:
    # YAML reads 2026-03-20 as a date; tools take ISO strings, as a model would send them.
    return value.isoformat() if isinstance(value, datetime.date) else value


def _golden_paths() -> list[tuple[str, list[dict[str, Any]]]]:
    paths = []
    for file in sorted(SCENARIOS.glob("*.yaml")):
        for scenario in yaml.safe_load(file.read_text("utf-8")).get("scenarios", []):
            if scenario.get("golden"):
                paths.append((f"{file.stem}::{scenario['id']}", scenario["golden"]))
    return paths


@pytest.mark.skipif(not SCENARIOS.is_dir(), reason="no scenarios written yet")
async def test_golden_paths_succeed(agent: HotelAgent, seed_path: Path) -> None:
    paths = _golden_paths()
    assert paths, "scenario files hold no golden paths"
    seed = sqlite3.connect(seed_path)
    conn = agent.new_conversation_db(seed_path)
    registry = agent.tools(conn)
    failures = []
    for name, golden in paths:
        seed.backup(conn)  # fresh database, same connection the handlers hold
        last_code = None
        for i, step in enumerate(golden):
            args = {k: _plain(v) for k, v in (step.get("args") or {}).items()}
            args = {k: last_code if v == "$last_code" else v for k, v in args.items()}
            result = await registry.execute(ToolCall(f"g{i}", step["tool"], args))
            if result.ok:
                out = json.loads(result.content)
                codes = [v for k, v in out.items() if k.endswith("_code")]
                last_code = codes[0] if codes else last_code
            elif not step.get("expect_error"):
                failures.append(f"{name}: {step['tool']} {args} -> {result.content}")
    seed.close()
    assert not failures, "\n".join(failures)
