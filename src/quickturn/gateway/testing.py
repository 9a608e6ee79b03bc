"""A deterministic scripted engine: a TEST DOUBLE, not a model.

``quickturn serve --engine scripted`` (hidden from ``--help``) serves it so protocol tests can
assert exact text, exact usage and exact failure points, including in a subprocess that plays an
upstream replica. It never stands in for the real engines in tests of model behaviour.

The script, from the last user message:
- ``/call NAME {json}`` makes one tool call (several lines: several calls);
- ``/say TEXT`` streams TEXT verbatim (``\\n`` for a newline) in deltas of 1, 2, 3, 5, 8, 1, ...
  characters, so a stub upstream can write tool calls as text in any model's format;
- otherwise the reply is ``Echo: <text>. Done.`` streamed word by word;
- ``tool_choice`` required/named forces a call with ``{}`` arguments when the text has none.

Usage is counted in words; ``cached_tokens`` is the word prefix shared with the previous prompt,
like a one-slot KV cache, so cache plumbing can be checked exactly.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

from quickturn.errors import ConfigError, EngineError
from quickturn.llm.types import (
    ChatRequest,
    Finished,
    LLMEvent,
    Message,
    TextDelta,
    ToolCallEvent,
    Usage,
)
from quickturn.tools.types import ToolCall

FinishReason = Literal["stop", "length", "tool_calls", "cancelled"]
_CALL = re.compile(r"^/call\s+(\S+)\s*(\{.*\})?\s*$")


@dataclass(frozen=True)
class ScriptedOptions:
    token_delay_s: float = 0.0  # pause between deltas (real time: only for subprocess upstreams)
    stall_after_tokens: int | None = None  # hang forever after this many deltas
    fail_after_tokens: int | None = None  # raise EngineError after this many deltas

    def __post_init__(self) -> None:
        if self.token_delay_s < 0:
            raise ConfigError("token_delay_s must be >= 0")
        for name in ("stall_after_tokens", "fail_after_tokens"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ConfigError(f"{name} must be >= 0")


def _text(message: Message) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def prompt_words(messages: list[Message]) -> list[str]:
    """The scripted engine's "tokens" of a prompt: the words of every message, in order."""
    return [w for m in messages for w in (str(m.get("role")), *_text(m).split())]


def scripted_reply(request: ChatRequest) -> tuple[list[str], list[ToolCall], bool]:
    """The deltas and calls the scripted engine answers ``request`` with, and whether
    ``max_tokens`` cut the text short."""
    last_user = next((m for m in reversed(request.messages) if m.get("role") == "user"), None)
    text = _text(last_user) if last_user else ""
    calls: list[ToolCall] = []
    tools_allowed = bool(request.tools) and request.tool_choice != "none"
    if tools_allowed:
        for line in text.splitlines():
            match = _CALL.match(line.strip())
            if match:
                args = json.loads(match.group(2)) if match.group(2) else {}
                calls.append(ToolCall(f"call_{len(calls)}", match.group(1), args))
        forced = request.forced_tool()
        if not calls and (request.tool_choice == "required" or forced):
            name = forced or str(request.tools[0]["function"]["name"])
            calls.append(ToolCall("call_0", name, {}))
    if calls:
        return [], calls, False
    if text.startswith("/say "):
        return _say_deltas(text[5:].replace("\\n", "\n")), [], False
    words = f"Echo: {text.strip()}. Done.".split(" ")
    deltas = [w if i == 0 else " " + w for i, w in enumerate(words)]
    return deltas[: request.max_tokens], [], len(deltas) > request.max_tokens


_SAY_SIZES = (1, 2, 3, 5, 8)


def _say_deltas(text: str) -> list[str]:
    deltas: list[str] = []
    i = 0
    while i < len(text):
        size = _SAY_SIZES[len(deltas) % len(_SAY_SIZES)]
        deltas.append(text[i : i + size])
        i += size
    return deltas


class ScriptedChatClient:
    """A ChatClient with a scripted, deterministic reply. Records what it was asked and whether
    each stream was closed before its end (the gateway must cancel on client disconnect)."""

    def __init__(self, options: ScriptedOptions = ScriptedOptions()) -> None:
        self.options = options
        self.requests: list[ChatRequest] = []
        self.cancelled = 0
        self.closed = asyncio.Event()  # set whenever a stream was closed early
        self.started = asyncio.Event()  # set when a stream produced its first delta
        self._last_prompt: list[str] = []

    @property
    def slots(self) -> int:
        return 1

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        self.requests.append(request)
        prompt = prompt_words(request.messages)
        cached = 0
        for a, b in zip(prompt, self._last_prompt, strict=False):
            if a != b:
                break
            cached += 1
        self._last_prompt = prompt
        deltas, calls, truncated = scripted_reply(request)
        finished = False
        try:
            sent = 0
            for delta in deltas:
                if (
                    self.options.fail_after_tokens is not None
                    and sent >= self.options.fail_after_tokens
                ):
                    raise EngineError(f"scripted failure after {sent} tokens")
                if (
                    self.options.stall_after_tokens is not None
                    and sent >= self.options.stall_after_tokens
                ):
                    await asyncio.Event().wait()  # a hung engine, until cancelled
                if self.options.token_delay_s:
                    await asyncio.sleep(self.options.token_delay_s)
                yield TextDelta(delta, 0.0)
                sent += 1
                self.started.set()
            for call in calls:
                yield ToolCallEvent(call, 0.0)
            reason: FinishReason = "tool_calls" if calls else ("length" if truncated else "stop")
            finished = True
            yield Finished(reason, Usage(len(prompt), len(deltas) + len(calls), cached), 0.0)
        finally:
            if not finished:
                self.cancelled += 1
                self.closed.set()

    async def aclose(self) -> None:
        return None
