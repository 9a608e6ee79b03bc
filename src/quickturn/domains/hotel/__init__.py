"""The Harbor Light Hotel: the production-shaped front-desk agent used by the demo, benchmarks
and evals (SQLite database, 40 tools, policy handbook, receptionist prompt). See SCHEMA.md."""

from quickturn.domains.hotel.agent_spec import HotelAgent, hotel_agent
from quickturn.domains.hotel.db import (
    HOTEL_NOW,
    HOTEL_TODAY,
    copy_database,
    create_database,
    snapshot,
)
from quickturn.domains.hotel.prompt import GREETING, system_prompt
from quickturn.domains.hotel.tools import build_hotel_tools, hotel_tools

__all__ = [
    "GREETING",
    "HOTEL_NOW",
    "HOTEL_TODAY",
    "HotelAgent",
    "build_hotel_tools",
    "hotel_agent",
    "hotel_tools",
    "copy_database",
    "create_database",
    "snapshot",
    "system_prompt",
]
