"""The tools of one hotel conversation: ~40 typed functions whose schemas come from signatures.

Each tool is an ``async def`` closure over the conversation's SQLite connection. They are async
although they never await, on purpose: ``@tool`` runs a sync function in a worker thread, and a
sqlite3 connection refuses use from any thread but the one that opened it. Every call here is a
few sub-millisecond queries on a private in-memory copy, so running it on the event loop costs
less than the thread hop would, and needs neither ``check_same_thread=False`` nor a lock to keep
two calls from interleaving their transactions.
"""

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
from quickturn.tools.context import ToolContext
from quickturn.tools.function_tool import FunctionTool
from quickturn.tools.types import ToolRegistry


def hotel_tools(conn: sqlite3.Connection, policies: PolicyBook | None = None) -> list[FunctionTool]:
    """All 40 tools, bound to ``conn`` (one database copy per conversation).

    Pass a shared ``policies`` book to avoid re-reading the handbook for every conversation.
    """
    book = policies if policies is not None else PolicyBook.load()
    return [
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


def build_hotel_tools(
    conn: sqlite3.Connection,
    policies: PolicyBook | None = None,
    context: ToolContext | None = None,
) -> ToolRegistry:
    """``hotel_tools`` as a registry for the tool loop (eval, demo, benchmarks). ``context`` is
    what ``end_call`` and ``transfer_to_human`` act on; without one each call gets a detached
    context that only records the request (the database row is what graders check)."""
    return ToolRegistry(t.spec(context) for t in hotel_tools(conn, policies))
