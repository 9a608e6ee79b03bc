"""The chat request and the typed events every chat client streams.

Messages use the OpenAI chat format (plain dicts) so they cross the gateway, the eval harness and
remote engines unchanged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from quickturn.errors import ConfigError
from quickturn.tools.types import ToolCall

Message = dict[str, Any]
Priority = Literal["interactive", "batch"]
ToolChoice = str | dict[str, Any]  # "auto" | "none" | "required" | {"type": "function", ...}


@dataclass(frozen=True)
class ChatRequest:
    messages: list[Message]
    tools: list[dict[str, Any]] = field(default_factory=list)
    tool_choice: ToolChoice = "auto"
    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None
    model: str | None = None
    # False: at most one tool call per reply. None: no constraint on the reply's text; else an
    # OpenAI ``response_format`` dict ({"type": "json_object"} or {"type": "json_schema", ...}).
    parallel_tool_calls: bool = True
    response_format: dict[str, Any] | None = None
    # The reply must not begin with any of these texts (a retry after a parrot). Engines that
    # can enforce it at the first token do (the embedded one, on greedy tool-calling requests;
    # see ``avoids_openings``); others ignore it, so callers also vary the sampling for them.
    avoid_openings: tuple[str, ...] = ()
    # For a named tool_choice: arguments already settled (what the caller gave before an
    # elicitation). An engine that can writes them into the call itself and decodes only the
    # rest (the embedded one); others ignore it, and the tool loop merges them in anyway.
    known_arguments: dict[str, Any] | None = None
    # With ``known_arguments``: the arguments the caller was just asked for. An engine that
    # writes the known ones decodes only these, then closes the call (the embedded one).
    asked_arguments: tuple[str, ...] | None = None
    # A call's value for a required caller's field (a name, a phone number) that no user turn
    # holds ends the call right there (``tools.grounding.heard_check``): the tool loop asks the
    # caller for it anyway, so decoding the rest of an invented call is wasted. Engines that
    # decode calls under the schemas do it (the embedded one, greedy); others ignore it.
    stop_at_unheard: bool = False
    # ``time.monotonic()`` past which a call being written is closed after its next complete
    # string value (the tool loop's deadline, less a margin): what it holds is kept and the
    # caller is asked for the rest, instead of the deadline throwing the call away. Engines
    # that cannot do this ignore it.
    close_call_by: float | None = None
    # Letters outside the Latin script are never written (a reply for an English voice: the
    # 0.5B answered English callers in Chinese after a tool result). Engines that can bar
    # tokens do it at every step (the embedded one); others ignore it.
    latin_only: bool = False
    # Routing and admission hints; never sent to a model.
    priority: Priority = "interactive"
    conversation_id: str | None = None

    def __post_init__(self) -> None:
        if not self.messages:
            raise ConfigError("a chat request needs at least one message")
        if self.max_tokens < 1:
            raise ConfigError("max_tokens must be >= 1")
        if not 0.0 <= self.temperature <= 2.0:
            raise ConfigError("temperature must be within [0, 2]")

    def forced_tool(self) -> str | None:
        """The tool name a named tool_choice forces, if any."""
        if isinstance(self.tool_choice, dict):
            fn = self.tool_choice.get("function") or {}
            name = fn.get("name")
            return name if isinstance(name, str) else None
        return None


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class TextDelta:
    """Assistant text meant to be spoken/shown; never contains part of a tool call."""

    text: str
    at_s: float


@dataclass(frozen=True)
class ToolCallEvent:
    call: ToolCall
    at_s: float


@dataclass(frozen=True)
class Finished:
    finish_reason: Literal["stop", "length", "tool_calls", "cancelled"]
    usage: Usage
    at_s: float


LLMEvent = TextDelta | ToolCallEvent | Finished


class ChatClient(Protocol):
    """What the agent, the eval harness and the gateway handler talk to.

    ``stream`` yields TextDelta/ToolCallEvent events and exactly one Finished last. Closing the
    iterator early (``aclose``) MUST cancel the generation on the engine.
    """

    def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]: ...

    async def aclose(self) -> None: ...
