"""The tool registry of one hotel conversation."""

from __future__ import annotations

import sqlite3

from quickturn.domains.hotel.policy import PolicyBook
from quickturn.domains.hotel.tools_arrival import arrival_tools
from quickturn.domains.hotel.tools_billing import billing_tools
from quickturn.domains.hotel.tools_bookings import booking_tools
from quickturn.domains.hotel.tools_call import call_tools
from quickturn.domains.hotel.tools_dining import dining_tools
from quickturn.domains.hotel.tools_guest_services import guest_service_tools
from quickturn.domains.hotel.tools_lost import lost_tools
from quickturn.domains.hotel.tools_policy import policy_tools
from quickturn.domains.hotel.tools_rooms import room_tools
from quickturn.domains.hotel.tools_spa import spa_tools
from quickturn.domains.hotel.tools_stay import stay_tools
from quickturn.domains.hotel.tools_transport import transport_tools
from quickturn.tools.types import ToolRegistry


def build_hotel_tools(conn: sqlite3.Connection, policies: PolicyBook | None = None) -> ToolRegistry:
    """All 40 tools, their handlers bound to ``conn`` (one database copy per conversation).

    Handlers are synchronous and touch only this small SQLite database (well under a
    millisecond each), so they run inline rather than on an executor. Pass a shared
    ``policies`` book to avoid re-reading the handbook for every conversation.
    """
    book = policies if policies is not None else PolicyBook.load()
    return ToolRegistry(
        [
            *room_tools(conn),
            *booking_tools(conn),
            *arrival_tools(conn),
            *policy_tools(book),
            *dining_tools(conn),
            *spa_tools(conn),
            *transport_tools(conn),
            *stay_tools(conn),
            *billing_tools(conn),
            *lost_tools(conn),
            *guest_service_tools(conn),
            *call_tools(conn),
        ]
    )
