"""A ChatClient that answers from keyword rules: the demo, the examples and tests without an LLM.

A rule's answer is either text, or a ``CannedCall``: a tool call, then (once the tool result is
in) a text. It exists so the voice pipeline (VAD, STT, TTS, turn-taking, barge-in, tools) can be
run and measured on machines without the ``llm`` extra; it is no model and claims no quality.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from quickturn.errors import ConfigError
from quickturn.llm.types import ChatRequest, Finished, LLMEvent, TextDelta, ToolCallEvent, Usage
from quickturn.tools.types import ToolCall


@dataclass(frozen=True)
class CannedCall:
    """Call ``name(**arguments)``, then say ``then`` after its result."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    then: str = "Done."


Rule = tuple[tuple[str, ...], "str | CannedCall"]


class CannedChatClient:
    """The first rule whose keywords all occur in the last user message answers, else
    ``fallback``."""

    def __init__(
        self,
        rules: Sequence[Rule],
        fallback: str = "Sorry, could you say that again?",
        token_delay_s: float = 0.0,
    ) -> None:
        texts = [r.then if isinstance(r, CannedCall) else r for _, r in rules]
        if not fallback.strip() or any(not t.strip() for t in texts):
            raise ConfigError("canned replies must not be empty")
        self._rules = [(tuple(k.lower() for k in keys), reply) for keys, reply in rules]
        self._fallback = fallback
        self._delay = token_delay_s
        self._ids = itertools.count(1)

    def reply_for(self, user_text: str) -> str | CannedCall:
        text = user_text.lower()
        for keys, reply in self._rules:
            if all(k in text for k in keys):
                return reply
        return self._fallback

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        loop = asyncio.get_running_loop()
        user = next((m for m in reversed(request.messages) if m.get("role") == "user"), None)
        reply = self.reply_for(str(user.get("content") or "") if user else "")
        after_tool = bool(request.messages) and request.messages[-1].get("role") == "tool"
        if (
            isinstance(reply, CannedCall)
            and not after_tool
            and request.tools
            and request.tool_choice != "none"
        ):
            call = ToolCall(f"call_canned_{next(self._ids)}", reply.name, dict(reply.arguments))
            yield ToolCallEvent(call, loop.time())
            yield Finished("tool_calls", Usage(0, 1), loop.time())
            return
        text = reply.then if isinstance(reply, CannedCall) else reply
        words = text.split(" ")
        for i, word in enumerate(words):
            await asyncio.sleep(self._delay)
            yield TextDelta(word if i == 0 else " " + word, loop.time())
        yield Finished("stop", Usage(0, len(words)), loop.time())

    async def aclose(self) -> None:
        return None
