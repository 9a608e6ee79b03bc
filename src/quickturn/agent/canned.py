"""A ChatClient that answers from keyword rules: the demo and tests without an LLM installed.

It never calls tools; it exists so the voice pipeline (VAD, STT, TTS, turn-taking, barge-in) can
be run and measured on machines without the ``llm`` extra.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from quickturn.errors import ConfigError
from quickturn.llm.types import ChatRequest, Finished, LLMEvent, TextDelta, Usage


class CannedChatClient:
    """The first rule whose keywords all occur in the last user message answers, else
    ``fallback``."""

    def __init__(
        self,
        rules: Sequence[tuple[tuple[str, ...], str]],
        fallback: str = "Sorry, could you say that again?",
        token_delay_s: float = 0.0,
    ) -> None:
        if not fallback.strip() or any(not reply.strip() for _, reply in rules):
            raise ConfigError("canned replies must not be empty")
        self._rules = [(tuple(k.lower() for k in keys), reply) for keys, reply in rules]
        self._fallback = fallback
        self._delay = token_delay_s

    def reply_for(self, user_text: str) -> str:
        text = user_text.lower()
        for keys, reply in self._rules:
            if all(k in text for k in keys):
                return reply
        return self._fallback

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        loop = asyncio.get_running_loop()
        user = next((m for m in reversed(request.messages) if m.get("role") == "user"), None)
        reply = self.reply_for(str(user.get("content") or "") if user else "")
        words = reply.split(" ")
        for i, word in enumerate(words):
            await asyncio.sleep(self._delay)
            yield TextDelta(word if i == 0 else " " + word, loop.time())
        yield Finished("stop", Usage(0, len(words)), loop.time())

    async def aclose(self) -> None:
        return None
