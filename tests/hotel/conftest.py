"""Fixtures for the hotel domain: a real seeded SQLite file, copied per test like per call."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from quickturn.domains.hotel import HotelAgent
from quickturn.domains.hotel.policy import PolicyBook
from quickturn.tools.types import ToolRegistry

from .desk import Desk


@pytest.fixture(scope="session")
def agent() -> HotelAgent:
    return HotelAgent(policies=PolicyBook.load())


@pytest.fixture(scope="session")
def seed_path(tmp_path_factory: pytest.TempPathFactory, agent: HotelAgent) -> Path:
    return agent.build_seed_database(tmp_path_factory.mktemp("hotel") / "hotel.sqlite")


@pytest.fixture()
def conn(seed_path: Path, agent: HotelAgent) -> Iterator[sqlite3.Connection]:
    c = agent.new_conversation_db(seed_path)
    yield c
    c.close()


@pytest.fixture()
def tools(conn: sqlite3.Connection, agent: HotelAgent) -> ToolRegistry:
    return agent.tools(conn)


@pytest.fixture()
def desk(tools: ToolRegistry, conn: sqlite3.Connection) -> Desk:
    return Desk(tools, conn)
