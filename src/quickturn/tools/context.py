"""What a running tool can do to the call it runs in.

A tool declares a parameter annotated ``ToolContext`` to receive it; that parameter never appears
in the schema the model sees. The voice session implements it; the text-mode eval and unit tests
use ``DetachedContext``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class ToolContext(Protocol):
    @property
    def userdata(self) -> Any:
        """The session's own state object (whatever the application passed in)."""
        ...

    async def say(self, text: str) -> None:
        """Speak ``text`` to the caller now, before the tool returns ("One moment...")."""
        ...

    def end_call(self, reason: str = "") -> None:
        """End the call once what the agent is saying now has been heard."""
        ...

    def hand_off(self, target: str, reason: str = "") -> None:
        """Transfer the caller (to a human, another number, another agent); the transport
        receives a hand-off event and acts on it."""
        ...


@dataclass
class DetachedContext:
    """A ToolContext outside a voice call: records what the tool asked for."""

    userdata: Any = None
    said: list[str] = field(default_factory=list)
    ended: str | None = None
    handed_off: tuple[str, str] | None = None

    async def say(self, text: str) -> None:
        self.said.append(text)

    def end_call(self, reason: str = "") -> None:
        self.ended = reason

    def hand_off(self, target: str, reason: str = "") -> None:
        self.handed_off = (target, reason)
