"""lookup_policy: answers from the handbook so the model never invents prices or rules."""

from __future__ import annotations

from typing import Any

from quickturn.domains.hotel import args as a
from quickturn.domains.hotel.policy import PolicyBook
from quickturn.domains.hotel.schemas import params, string
from quickturn.errors import ToolExecutionError
from quickturn.tools.types import ToolSpec


def policy_tools(book: PolicyBook) -> list[ToolSpec]:
    def lookup_policy(args: dict[str, Any]) -> dict[str, Any]:
        question = a.text(args["question"], "question", 300)
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

    return [
        ToolSpec(
            "lookup_policy",
            "Search the hotel handbook: hours, fees, pets, parking, breakfast, children, rules.",
            params(["question"], question=string("the caller's question in a few words")),
            lookup_policy,
        )
    ]
