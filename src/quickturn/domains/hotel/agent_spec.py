"""The hotel agent as the rest of quickturn consumes it: prompt, greeting, per-call tools and DB.

Typical use (eval runner, demo, benchmarks)::

    hotel = HotelAgent()
    seed = hotel.build_seed_database(cache_dir / "hotel.sqlite")  # once
    conn = hotel.new_conversation_db(seed)                           # per call, private copy
    agent = hotel.agent(conn)          # a quickturn.Agent for AgentSession
    tools = hotel.tools(conn)          # or a ToolRegistry for a tool loop of your own
    history = [{"role": "system", "content": hotel.system_prompt}]
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from quickturn.agent.agent import Agent
from quickturn.domains.hotel.db import (
    HOTEL_TODAY,
    connect,
    copy_database,
    create_database,
    seed_version,
    stored_seed_version,
)
from quickturn.domains.hotel.policy import PolicyBook
from quickturn.domains.hotel.prompt import GREETING, system_prompt
from quickturn.domains.hotel.tools import build_hotel_tools, hotel_tools
from quickturn.errors import ConfigError
from quickturn.tools.types import ToolRegistry


@dataclass(frozen=True)
class HotelAgent:
    today: date = HOTEL_TODAY
    greeting: str = GREETING
    # The handbook is parsed once per agent and shared (read-only) by every conversation.
    policies: PolicyBook = field(default_factory=PolicyBook.load, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.today != HOTEL_TODAY:
            # The seed and every tool check are pinned to HOTEL_TODAY; a prompt with another
            # date would contradict the tools.
            raise ConfigError(f"the hotel domain is pinned to {HOTEL_TODAY}, not {self.today}")
        if not self.greeting.strip():
            raise ConfigError("greeting must not be empty")

    @property
    def system_prompt(self) -> str:
        return system_prompt(self.today)

    def tools(self, conn: sqlite3.Connection) -> ToolRegistry:
        return build_hotel_tools(conn, self.policies)

    def agent(self, conn: sqlite3.Connection) -> Agent:
        return hotel_agent(conn, self.policies, greeting=self.greeting)

    @staticmethod
    def build_seed_database(path: Path | str) -> Path:
        """Write the seeded database to ``path`` unless an up-to-date one is there; return it."""
        target = Path(path)
        if not _is_current(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(target.suffix + ".tmp")
            tmp.unlink(missing_ok=True)
            create_database(tmp).close()
            # Atomic rename: a concurrent reader never sees a half-built database.
            tmp.replace(target)
        return target

    @staticmethod
    def new_conversation_db(seed: Path | str | sqlite3.Connection) -> sqlite3.Connection:
        """A private in-memory copy of the seed for one conversation."""
        return copy_database(seed, ":memory:")


def hotel_agent(
    conn: sqlite3.Connection,
    policies: PolicyBook | None = None,
    *,
    greeting: str = GREETING,
    name: str = "front-desk",
) -> Agent:
    """The front desk as a ``quickturn.Agent``: the receptionist prompt and the 40 ``@tool``
    functions bound to ``conn``. In an ``AgentSession``, ``end_call`` and ``transfer_to_human``
    act on the session (hang up after the goodbye, emit a hand-off event)."""
    return Agent(
        instructions=system_prompt(HOTEL_TODAY),
        tools=hotel_tools(conn, policies),
        greeting=greeting,
        name=name,
    )


def _is_current(path: Path) -> bool:
    if not path.exists():
        return False
    conn = connect(path)
    try:
        return stored_seed_version(conn) == seed_version()
    finally:
        conn.close()
