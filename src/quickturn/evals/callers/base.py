"""The interface every simulated caller implements."""

from __future__ import annotations

from typing import Protocol


class SimulatedCaller(Protocol):
    """One caller for one conversation (callers keep state; make a new one per trial).

    ``respond`` gets everything the agent said in its turn and returns the caller's next line,
    or None to hang up.
    """

    def opening(self) -> str: ...

    async def respond(self, agent_text: str) -> str | None: ...
