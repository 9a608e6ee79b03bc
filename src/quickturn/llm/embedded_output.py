"""Shaping the embedded engine's raw text: spoken text vs. tool calls, and forced-call parsing."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from quickturn.errors import EngineError
from quickturn.llm.types import ChatRequest, LLMEvent, TextDelta, ToolCallEvent
from quickturn.tools.types import ToolCall, new_call_id


class OutputShaper:
    """Turns raw model text into TextDelta / ToolCallEvent according to the request."""

    def __init__(self, request: ChatRequest, repair: bool = True) -> None:
        self._drop_calls = request.tool_choice == "none"
        self.calls_emitted = 0
        self._parser: Any = None
        if request.tools and repair:
            from quickturn.tools.repair import StreamingToolCallParser

            self._parser = StreamingToolCallParser(request.tools)

    def feed(self, text: str, now: float) -> list[LLMEvent]:
        if self._parser is None:
            return [TextDelta(text, now)] if text else []
        return self._convert(self._parser.feed(text), now)

    def finish(self, now: float) -> list[LLMEvent]:
        if self._parser is None:
            return []
        return self._convert(self._parser.finish(), now)

    def _convert(self, parsed: list[Any], now: float) -> list[LLMEvent]:
        from quickturn.tools.repair import ContentChunk, ParsedCall

        out: list[LLMEvent] = []
        for ev in parsed:
            if isinstance(ev, ContentChunk) and ev.text:
                out.append(TextDelta(ev.text, now))
            elif isinstance(ev, ParsedCall) and not self._drop_calls:
                self.calls_emitted += 1
                # The parser numbers calls from call_0 in every reply; the tool loop finds a
                # call's result by its id across the whole conversation, so ids must not repeat
                # (seen: a resumed booking lost its settled arguments to the router's call_0).
                out.append(ToolCallEvent(replace(ev.call, id=new_call_id()), now))
        return out


def parse_forced(
    text: str, request: ChatRequest, forced: str | None, valid: bool = True
) -> ToolCall | None:
    """The call in a freely completed ``<tool_call>`` opening, if it is schema-valid (or, with
    ``valid`` False, well-formed: a call closed on purpose before its required arguments)."""
    import jsonschema

    from quickturn.tools.repair import parse_tool_calls

    result = parse_tool_calls(text + "\n</tool_call>", request.tools)
    if len(result.calls) != 1:
        return None
    call = result.calls[0]
    if forced is not None and call.name != forced:
        return None
    if not valid:
        return ToolCall(id=new_call_id(), name=call.name, arguments=call.arguments)
    for tool in request.tools:
        fn = tool.get("function", {})
        if fn.get("name") == call.name:
            params = fn.get("parameters") or {"type": "object"}
            errors = list(jsonschema.Draft202012Validator(params).iter_errors(call.arguments))
            # The tool loop asks the caller for what a call lacks (stop_at_unheard): a call
            # that closed before a required argument goes to it as written. The grammar retry
            # made the 0.5B invent it instead ("booking_code": "6-character code"), at twice
            # the tokens.
            lacking_only = request.stop_at_unheard and all(
                e.validator == "required" and not e.path for e in errors
            )
            if not errors or lacking_only:
                return ToolCall(id=new_call_id(), name=call.name, arguments=call.arguments)
    return None


def parse_grammar_output(raw: str, forced: str | None) -> ToolCall:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise EngineError(f"constrained decoding produced invalid JSON: {raw[:200]!r}") from exc
    name = forced or obj.get("name")
    args = obj.get("arguments", {})
    if not isinstance(name, str) or not isinstance(args, dict):
        raise EngineError(f"constrained decoding produced no call: {raw[:200]!r}")
    return ToolCall(id=new_call_id(), name=name, arguments=args)
