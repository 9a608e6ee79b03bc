"""lookup_policy: answers from the handbook so the model never invents prices or rules."""

from __future__ import annotations

from typing import Any

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel.policy import PolicyBook
from quickturn.domains.hotel.spoken import policy
from quickturn.domains.hotel.toolkit import desk_tool
from quickturn.errors import ToolExecutionError
from quickturn.tools.function_tool import FunctionTool


def policy_tools(book: PolicyBook) -> list[FunctionTool]:
    async def lookup_policy(question: str) -> dict[str, Any]:
        """The hotel handbook: check-in and checkout times, fees, pets, parking, breakfast, rules.

        Args:
            question: the caller's question in a few words
        """
        question = a.text(question, "question", 300)
        hits = book.search(question, limit=2)
        if not hits:
            raise ToolExecutionError(
                f"the handbook has nothing on {question!r}; offer to transfer to the front desk"
            )
        best = hits[0][1]
        out: dict[str, Any] = {"topic": best.title, "policy": best.body}
        if len(hits) > 1:
            out["see_also"] = hits[1][1].title
        return out

    return [desk_tool(lookup_policy, say=policy)]
