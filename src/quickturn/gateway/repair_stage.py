"""The gateway's one repair stage, applied to every engine's events (embedded, upstream, scripted).

Text goes through the streaming tool-call parser (``quickturn.tools.repair``): calls a model
wrote as text (Hermes/Qwen ``<tool_call>``, fenced or bare JSON, Llama 3 JSON, pythonic calls,
Gemma ``call:f{...}``) become structured calls, and text is released the moment it can no longer
become a call. Calls the engine already returned structured pass through with their name and
arguments unchanged. Then the request's rules are applied to every call, whatever its origin:

- ``tool_choice`` "none" drops calls, a named choice drops calls of other tools;
- ``parallel_tool_calls=false`` keeps the first call only;
- the loop guard drops a call whose name and arguments were already answered by a tool result
  in this conversation turn (see :func:`answered_calls`);
- every call gets an id that is unique and OpenAI-shaped; an upstream's own id is kept when it
  is long enough to be unique and not repeated within the response.

Calls are emitted whole (one event per call), so a call is never half-sent, and the text that
spelled a call is never sent as content.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from quickturn.gateway.streams import aclose_iter
from quickturn.llm.types import (
    ChatRequest,
    Finished,
    LLMEvent,
    Message,
    TextDelta,
    ToolCallEvent,
    ToolChoice,
)
from quickturn.tools.repair import ContentChunk, ParsedEvent, StreamingToolCallParser
from quickturn.tools.types import ToolCall, new_call_id

# An upstream id shorter than this is a counter ("call_0", "0"), which repeats across responses.
MIN_KEPT_ID_CHARS = 16


def call_key(name: str, arguments: dict[str, Any]) -> str:
    """What makes two calls the same call: the name and the arguments, key order ignored."""
    return name + "\x00" + json.dumps(arguments, sort_keys=True, ensure_ascii=False, default=str)


def answered_calls(messages: Iterable[Message]) -> frozenset[str]:
    """Keys of the calls made since the last user message that already have a tool result."""
    turn: list[Message] = []
    for message in messages:
        if message.get("role") == "user":
            turn = []
        else:
            turn.append(message)
    answered_ids = {m.get("tool_call_id") for m in turn if m.get("role") == "tool"}
    keys: set[str] = set()
    for message in turn:
        if message.get("role") != "assistant":
            continue
        for call in message.get("tool_calls") or []:
            if not isinstance(call, dict) or call.get("id") not in answered_ids:
                continue
            fn = call.get("function") or {}
            args = fn.get("arguments")
            if isinstance(args, str):
                try:
                    args = json.loads(args) if args.strip() else {}
                except ValueError:
                    continue
            if isinstance(fn.get("name"), str) and isinstance(args, dict):
                keys.add(call_key(fn["name"], args))
    return frozenset(keys)


@dataclass(frozen=True)
class CallRules:
    """What one request allows in its reply (built by :meth:`for_request`)."""

    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: ToolChoice = "auto"
    parallel_tool_calls: bool = True
    answered: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def for_request(cls, request: ChatRequest, *, loop_guard: bool) -> CallRules:
        return cls(
            tools=tuple(request.tools),
            tool_choice=request.tool_choice,
            parallel_tool_calls=request.parallel_tool_calls,
            answered=answered_calls(request.messages) if loop_guard else frozenset(),
        )

    def forced_name(self) -> str | None:
        if isinstance(self.tool_choice, dict):
            name = (self.tool_choice.get("function") or {}).get("name")
            return name if isinstance(name, str) else None
        return None


class RepairStage:
    """Repairs and filters the events of one reply; one instance per reply.

    After the stream ends, ``calls_made``, ``text_sent`` and ``looped_calls`` say what the reply
    was, so the caller can tell a round that only repeated answered calls.
    """

    def __init__(self, rules: CallRules) -> None:
        self._rules = rules
        self._parser = StreamingToolCallParser(rules.tools) if rules.tools else None
        self._ids: set[str] = set()
        self.calls_made = 0
        self.text_sent = False
        self.looped_calls = 0

    @property
    def only_looped(self) -> bool:
        """The reply was nothing but calls the loop guard dropped."""
        return self.looped_calls > 0 and self.calls_made == 0 and not self.text_sent

    async def run(self, events: AsyncIterator[LLMEvent]) -> AsyncGenerator[LLMEvent, None]:
        """The repaired events; closing this closes (and so cancels) ``events``."""
        try:
            async for event in events:
                for out in self._event(event):
                    yield out
                if isinstance(event, Finished):
                    return
        finally:
            await aclose_iter(events)

    def _event(self, event: LLMEvent) -> list[LLMEvent]:
        match event:
            case TextDelta(text=text, at_s=at_s):
                parsed: list[ParsedEvent] = (
                    self._parser.feed(text) if self._parser else [ContentChunk(text)]
                )
                return self._convert(parsed, at_s)
            case ToolCallEvent(call=call, at_s=at_s):
                admitted = self._admit(call, keep_id=True)
                return [] if admitted is None else [ToolCallEvent(admitted, at_s)]
            case Finished(finish_reason=reason, usage=usage, at_s=at_s):
                out = self._convert(self._parser.finish(), at_s) if self._parser else []
                if self.calls_made:
                    reason = "tool_calls"
                elif reason == "tool_calls":
                    reason = "stop"  # every call was dropped by the rules
                return [*out, Finished(reason, usage, at_s)]
        return []

    def _convert(self, parsed: list[ParsedEvent], at_s: float) -> list[LLMEvent]:
        out: list[LLMEvent] = []
        for item in parsed:
            if isinstance(item, ContentChunk):
                if item.text:
                    self.text_sent = True
                    out.append(TextDelta(item.text, at_s))
                continue
            admitted = self._admit(item.call, keep_id=False)
            if admitted is not None:
                out.append(ToolCallEvent(admitted, at_s))
        return out

    def _admit(self, call: ToolCall, *, keep_id: bool) -> ToolCall | None:
        rules = self._rules
        if rules.tool_choice == "none":
            return None
        forced = rules.forced_name()
        if forced is not None and call.name != forced:
            return None
        if call_key(call.name, call.arguments) in rules.answered:
            self.looped_calls += 1
            return None
        if self.calls_made and not rules.parallel_tool_calls:
            return None
        call_id = call.id
        if not (keep_id and len(call_id) >= MIN_KEPT_ID_CHARS and call_id not in self._ids):
            call_id = new_call_id()
        self._ids.add(call_id)
        self.calls_made += 1
        return replace(call, id=call_id)
