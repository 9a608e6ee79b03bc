"""The receptionist prompt and the agent spec."""

from __future__ import annotations

import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from quickturn.domains.hotel import GREETING, HOTEL_TODAY, HotelAgent, snapshot, system_prompt
from quickturn.errors import ConfigError


def test_prompt_size_and_date() -> None:
    prompt = system_prompt()
    tokens = len(prompt) / 4
    assert 2000 <= tokens <= 3000, tokens
    assert "2026-03-14" in prompt and "Saturday, March 14th, 2026" in prompt
    assert "Fri 2026-03-20" in prompt
    assert prompt == system_prompt()  # deterministic, so its KV prefix can be cached


def test_prompt_is_speakable_text() -> None:
    prompt = system_prompt()
    # The model copies the prompt's style: no markdown bullets, emphasis or headings in it.
    assert not re.search(r"^\s*([-*#]|\d+\.)\s", prompt, re.M)
    assert "**" not in prompt and "`" not in prompt


def test_prompt_relative_dates_follow_today() -> None:
    prompt = system_prompt(date(2026, 3, 20))  # a Friday: "this Friday" is the next one
    assert '"tomorrow" is 2026-03-21' in prompt
    assert '"this Friday" is 2026-03-27' in prompt


def test_agent_spec(agent: HotelAgent, tmp_path: Path) -> None:
    assert (
        agent.greeting
        == GREETING
        == ("Harbor Light Hotel, this is the front desk, how can I help you?")
    )
    seed = agent.build_seed_database(tmp_path / "cache" / "hotel.sqlite")
    assert agent.build_seed_database(seed) == seed  # second call reuses the file
    a, b = agent.new_conversation_db(seed), agent.new_conversation_db(seed)
    assert isinstance(a, sqlite3.Connection)
    assert len(agent.tools(a)) == 40
    assert snapshot(a) == snapshot(b)
    assert agent.system_prompt == system_prompt(HOTEL_TODAY)


def test_agent_spec_rejects_bad_options() -> None:
    with pytest.raises(ConfigError, match="pinned"):
        HotelAgent(today=date(2026, 5, 1))
    with pytest.raises(ConfigError, match="greeting"):
        HotelAgent(greeting="  ")
