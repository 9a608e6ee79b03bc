"""The hotel domain as the eval runner sees it: one seeded database, a private copy per call."""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from quickturn.evals.grader import GradeOptions, Snapshot
from quickturn.tools.types import ToolRegistry

if TYPE_CHECKING:
    from quickturn.agent.agent import Agent
    from quickturn.domains.hotel.agent_spec import HotelAgent
    from quickturn.llm.types import ChatRequest

# The code counter changes whenever a code is drawn, even by a refused booking; graders look at
# the rows themselves. Rates never change and are 2k rows: leaving them out keeps snapshots cheap.
_SKIPPED_TABLES = ("meta", "rates")
HOTEL_GRADE_OPTIONS = GradeOptions(
    # Surrogate keys and issue-order codes; created_on is "today" for every new row anyway.
    ignored=frozenset({"id", "code", "created_on"}),
    # end_call / transfer_to_human rows may appear in any call, even one that changes nothing.
    volatile_tables=frozenset({"call_events"}),
)


def scenarios_dir() -> Path:
    return Path(str(resources.files("quickturn.domains.hotel").joinpath("scenarios")))


class HotelWorld:
    """One call's world. With ``flows`` (an agent organised with ``with_tasks``), the agent
    on duty changes as tools hand the call over; ``live_tools`` gives the tool loop the current
    one, as a voice session does."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        registry: ToolRegistry,
        agent: HotelAgent,
        flows: Agent | None = None,
    ) -> None:
        self._conn = conn
        self._registry = registry
        self._agent = agent
        self._on_duty = flows
        if flows is not None:
            self._switch(flows)

    def _switch(self, agent: Agent) -> None:
        from quickturn.agent.agent import bind_agent
        from quickturn.tools.context import DetachedContext

        self._on_duty = agent
        self._registry = bind_agent(agent, DetachedContext(), self._switch)

    def live_tools(self) -> tuple[str, ToolRegistry]:
        return self.system_prompt, self._registry

    @property
    def registry(self) -> ToolRegistry:
        return self._registry

    @property
    def system_prompt(self) -> str:
        if self._on_duty is not None:
            return self._on_duty.instructions
        return self._agent.system_prompt

    @property
    def greeting(self) -> str:
        return self._agent.greeting

    @property
    def connection(self) -> sqlite3.Connection:
        return self._conn

    def snapshot(self) -> Snapshot:
        from quickturn.domains.hotel.db import snapshot

        return snapshot(self._conn, skip=_SKIPPED_TABLES)

    def close(self) -> None:
        self._conn.close()


class HotelDomain:
    """Builds the seed once in memory and copies it per conversation (SQLite backup, ~1 ms)."""

    def __init__(
        self, grade_options: GradeOptions = HOTEL_GRADE_OPTIONS, flows: bool = False
    ) -> None:
        from quickturn.domains.hotel.agent_spec import HotelAgent
        from quickturn.domains.hotel.db import create_database, snapshot

        self._grade_options = grade_options
        self._flows = flows
        self._agent = HotelAgent()
        self._seed = create_database(":memory:")
        self._seed_snapshot = snapshot(self._seed, skip=_SKIPPED_TABLES)

    @property
    def grade_options(self) -> GradeOptions:
        return self._grade_options

    def seed_snapshot(self) -> Snapshot:
        return self._seed_snapshot

    def new_world(self) -> HotelWorld:
        conn = self._agent.new_conversation_db(self._seed)
        flows = None
        if self._flows:
            from quickturn.domains.hotel.flows import hotel_flows

            flows = hotel_flows(conn, self._agent.policies)
        return HotelWorld(conn, self._agent.tools(conn), self._agent, flows)

    def flow_warm_requests(self) -> list[ChatRequest]:
        """One request per flow agent whose prefix an engine should keep warm (none without
        flows), read off a throwaway world."""
        if not self._flows:
            return []
        from quickturn.agent.flows import flow_warm_requests
        from quickturn.domains.hotel.flows import hotel_flows

        conn = self._agent.new_conversation_db(self._seed)
        try:
            return flow_warm_requests(hotel_flows(conn, self._agent.policies))
        finally:
            conn.close()

    def close(self) -> None:
        self._seed.close()
