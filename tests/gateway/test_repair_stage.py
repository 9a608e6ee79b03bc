"""The gateway's repair stage: every text format, any chunking, the request's call rules, ids,
and the loop guard's second round."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quickturn.gateway.repair_stage import CallRules, RepairStage, answered_calls
from quickturn.gateway.reply import LOOP_NOTE, ReplyOptions, reply_events
from quickturn.llm.types import (
    ChatRequest,
    Finished,
    LLMEvent,
    TextDelta,
    ToolCallEvent,
    Usage,
)
from quickturn.tools.types import ToolCall

from .formats import FORMATS, PARIS, TOOLS


@dataclass
class TextEngine:
    """A ChatClient double that streams given deltas as text, then its structured calls."""

    deltas: Sequence[str]
    calls: Sequence[ToolCall] = ()
    requests: list[ChatRequest] = field(default_factory=list)
    replies: list[tuple[Sequence[str], Sequence[ToolCall]]] = field(default_factory=list)

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        self.requests.append(request)
        deltas, calls = (
            self.replies[len(self.requests) - 2]
            if len(self.requests) > 1 and self.replies
            else (self.deltas, self.calls)
        )
        for d in deltas:
            yield TextDelta(d, 0.0)
        for c in calls:
            yield ToolCallEvent(c, 0.0)
        yield Finished("tool_calls" if calls else "stop", Usage(3, len(deltas)), 0.0)

    async def aclose(self) -> None:
        return None


def request(**kw: Any) -> ChatRequest:
    base: dict[str, Any] = {
        "messages": [{"role": "user", "content": "weather in Paris?"}],
        "tools": TOOLS,
    }
    return ChatRequest(**{**base, **kw})


async def run(
    engine: TextEngine, req: ChatRequest, options: ReplyOptions | None = None
) -> list[LLMEvent]:
    return [e async for e in reply_events(engine, req, options or ReplyOptions())]


def summary(events: list[LLMEvent]) -> tuple[str, list[tuple[str, dict[str, Any]]], str]:
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    calls = [(e.call.name, e.call.arguments) for e in events if isinstance(e, ToolCallEvent)]
    done = events[-1]
    assert isinstance(done, Finished)
    return text, calls, done.finish_reason


def chunked(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in zip(points, points[1:], strict=False) if b > a]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
async def test_each_format_whole(fmt: str) -> None:
    text, content, calls = FORMATS[fmt]
    got = summary(await run(TextEngine([text]), request()))
    assert got == (content, calls, "tool_calls" if calls else "stop")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=30))
async def test_streamed_equals_whole_for_any_chunking(fmt: str, cuts: list[int]) -> None:
    text, _, _ = FORMATS[fmt]
    whole = summary(await run(TextEngine([text]), request()))
    streamed = summary(await run(TextEngine(chunked(text, cuts)), request()))
    assert streamed == whole


async def test_prose_is_released_token_by_token() -> None:
    """Nothing that cannot become a call is held: each word is out by the next delta."""
    stage = RepairStage(CallRules(tools=tuple(TOOLS)))
    words = ["Hello", " there,", " the", " weather", " is", " mild", "."]
    seen: list[str] = []

    async def engine() -> AsyncIterator[LLMEvent]:
        for i, w in enumerate(words):
            yield TextDelta(w, float(i))
            seen.append(w)
        yield Finished("stop", Usage(1, 1), 9.0)

    out: list[tuple[int, str]] = []
    async for event in stage.run(engine()):
        if isinstance(event, TextDelta):
            out.append((len(seen), event.text))
    # Each delta goes out before the engine makes the next one (none of these words can begin a
    # declared tool's name).
    assert out == list(enumerate(words))


async def test_a_word_that_may_become_a_tool_name_waits_for_one_more_delta() -> None:
    stage = RepairStage(CallRules(tools=tuple(TOOLS)))
    deltas = ["I", " get", " it", "."]

    async def engine() -> AsyncIterator[LLMEvent]:
        for d in deltas:
            yield TextDelta(d, 0.0)
        yield Finished("stop", Usage(1, 1), 0.0)

    texts = [e.text async for e in stage.run(engine()) if isinstance(e, TextDelta)]
    assert texts == ["I", " get it", "."]  # " get" could have become get_weather(...)


async def test_ids_are_random_openai_shaped_and_unique() -> None:
    text, _, _ = FORMATS["hermes_two_calls"]
    a = await run(TextEngine([text]), request())
    b = await run(TextEngine([text]), request())
    ids = [e.call.id for e in a + b if isinstance(e, ToolCallEvent)]
    assert len(ids) == 4 and len(set(ids)) == 4
    assert all(re.fullmatch(r"call_[0-9a-f]{24}", i) for i in ids)


async def test_structured_calls_pass_unchanged_and_counter_ids_are_replaced() -> None:
    kept = ToolCall("chatcmpl-tool-7f3a9c0e5b2d4a61", "get_time", {"tz": 5})  # invalid: kept
    counter = ToolCall("call_0", "get_weather", {"city": "Paris"})
    events = await run(TextEngine(["Checking."], [kept, counter]), request())
    calls = [e.call for e in events if isinstance(e, ToolCallEvent)]
    assert calls[0] == kept
    assert (calls[1].name, calls[1].arguments) == PARIS and calls[1].id != "call_0"


async def test_parallel_tool_calls_false_keeps_the_first_call() -> None:
    text, _, _ = FORMATS["hermes_two_calls"]
    got = summary(await run(TextEngine([text]), request(parallel_tool_calls=False)))
    assert got == ("", [PARIS], "tool_calls")


async def test_tool_choice_none_and_named_filter_calls_and_leak_no_markup() -> None:
    text, _, _ = FORMATS["hermes_two_calls"]
    assert summary(await run(TextEngine([text]), request(tool_choice="none"))) == ("", [], "stop")
    named = {"type": "function", "function": {"name": "get_time"}}
    got = summary(await run(TextEngine([text]), request(tool_choice=named)))
    assert got == ("", [("get_time", {"tz": "CET", "hours": 2})], "tool_calls")


def answered_history(args: dict[str, Any]) -> list[dict[str, Any]]:
    call = {
        "id": "call_a",
        "type": "function",
        "function": {"name": "get_weather", "arguments": json.dumps(args)},
    }
    return [
        {"role": "user", "content": "weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_a", "content": "sunny, 21 C"},
    ]


def test_answered_calls_are_those_of_this_turn_with_a_result() -> None:
    history = answered_history({"city": "Paris"})
    assert len(answered_calls(history)) == 1
    assert answered_calls([*history, {"role": "user", "content": "and tomorrow?"}]) == frozenset()
    assert answered_calls(history[:2]) == frozenset()  # no result yet: not answered


async def test_loop_guard_answers_a_repeated_call_in_words() -> None:
    engine = TextEngine(
        ['{"name": "get_weather", "arguments": {"city": "Paris"}}'],
        replies=[(["It is sunny and 21 C in Paris."], [])],
    )
    req = request(messages=answered_history({"city": "Paris"}))
    got = summary(await run(engine, req))
    assert got == ("It is sunny and 21 C in Paris.", [], "stop")
    retry = engine.requests[1]
    assert retry.tool_choice == "none" and retry.messages[-1] == {
        "role": "system",
        "content": LOOP_NOTE,
    }
    done = (await run(TextEngine(["x"]), req))[-1]
    assert isinstance(done, Finished)


async def test_loop_guard_lets_new_arguments_through_and_can_be_switched_off() -> None:
    repeat = '{"name": "get_weather", "arguments": {"city": "Paris"}}'
    other = '{"name": "get_weather", "arguments": {"city": "Lyon"}}'
    req = request(messages=answered_history({"city": "Paris"}))
    assert summary(await run(TextEngine([other]), req))[1] == [("get_weather", {"city": "Lyon"})]
    off = ReplyOptions(loop_guard=False)
    assert summary(await run(TextEngine([repeat]), req, off))[1] == [PARIS]


async def test_repair_off_passes_the_engine_through() -> None:
    text, _, _ = FORMATS["hermes"]
    got = summary(await run(TextEngine([text]), request(), ReplyOptions(repair=False)))
    assert got == (text, [], "stop")
