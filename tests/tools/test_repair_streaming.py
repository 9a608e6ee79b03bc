"""Streaming contract: prompt prose, held candidates, whitespace, errors, random splits, speed."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from quickturn.errors import ToolSchemaError
from quickturn.tools.repair import (
    ContentChunk,
    ParsedCall,
    ParsedEvent,
    StreamingToolCallParser,
    parse_tool_calls,
)

from .corpus_data import CASES, HOTEL_TOOLS
from .test_repair_corpus import stream


def content_of(events: list[ParsedEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, ContentChunk))


def calls_of(events: list[ParsedEvent]) -> list[ParsedCall]:
    return [e for e in events if isinstance(e, ParsedCall)]


def test_prose_streams_out_at_once() -> None:
    parser = StreamingToolCallParser(HOTEL_TOOLS)
    assert content_of(parser.feed("Your room is ready")) == "Your room is ready"
    # Whitespace is held until something follows it (content is stripped at the end).
    assert content_of(parser.feed(", sir. ")) == ", sir."
    assert content_of(parser.feed("Enjoy")) == " Enjoy"
    assert parser.finish() == []


def test_tool_name_prefix_is_held_then_released() -> None:
    parser = StreamingToolCallParser(HOTEL_TOOLS)
    # "look" may still become lookup_policy(...): held.
    assert content_of(parser.feed("I will look")) == "I will"
    assert content_of(parser.feed(" it up.")) == " look it up."


def test_call_is_held_whole_and_text_after_it_flows() -> None:
    parser = StreamingToolCallParser(HOTEL_TOOLS)
    assert content_of(parser.feed('Sure. {"name": "get_bo')) == "Sure."
    assert parser.feed('oking", "arguments": {"code": "AB12') == []
    events = parser.feed('CD"}} Anything else')
    assert [c.call.name for c in calls_of(events)] == ["get_booking"]
    assert calls_of(events)[0].call.arguments == {"code": "AB12CD"}
    assert content_of(events) == "  Anything else"


def test_held_prose_brace_released_when_it_closes() -> None:
    parser = StreamingToolCallParser(HOTEL_TOOLS)
    assert content_of(parser.feed('Here: {"code": "AB')) == "Here:"
    assert content_of(parser.feed('12CD"} thanks')) == ' {"code": "AB12CD"} thanks'


def test_an_object_whose_keys_rule_out_a_call_is_released_before_it_closes() -> None:
    # A tool result echoed back names a declared tool but has a key no call of it has.
    echo = '{"name": "get_booking", "status": "confirmed", "code": "AB12CD"} Anything else?'
    parser = StreamingToolCallParser(HOTEL_TOOLS)
    assert content_of(parser.feed('{"name": "get_booking", "sta')) == ""  # may still be a call
    assert content_of(parser.feed('tus": "conf')) == '{"name": "get_booking", "status": "conf'
    rest = parser.feed('irmed", "code": "AB12CD"} Anything else?') + parser.finish()
    assert not calls_of(rest)
    # The same text whole: the same decision (no call), the same content.
    assert parse_tool_calls(echo, HOTEL_TOOLS).calls == ()
    # A first key no call opens with is data at once ("status" is no parameter of any tool).
    first = StreamingToolCallParser(HOTEL_TOOLS)
    assert content_of(first.feed('{"status": "conf')) == '{"status": "conf'


def test_tag_prefix_held_until_ruled_out() -> None:
    parser = StreamingToolCallParser(HOTEL_TOOLS)
    assert content_of(parser.feed("Price <tool")) == "Price"
    assert content_of(parser.feed("s> list")) == " <tools> list"


def test_ids_are_unique_and_use_the_prefix() -> None:
    text = "\n".join(
        json.dumps({"name": "lookup_policy", "arguments": {"topic": t}}) for t in "abc"
    )
    parser = StreamingToolCallParser(HOTEL_TOOLS, id_prefix="turn3_")
    events = parser.feed(text) + parser.finish()
    assert [c.call.id for c in calls_of(events)] == ["turn3_1", "turn3_2", "turn3_3"]
    result = parse_tool_calls(text, HOTEL_TOOLS, id_prefix="turn3_")
    assert [c.id for c in result.calls] == ["turn3_1", "turn3_2", "turn3_3"]


def test_feed_after_finish_is_an_error_and_finish_is_idempotent() -> None:
    parser = StreamingToolCallParser(HOTEL_TOOLS)
    parser.feed("hello")
    assert content_of(parser.finish()) == ""
    assert parser.finish() == []
    with pytest.raises(RuntimeError, match="after finish"):
        parser.feed("more")


def test_bad_input_types_are_clear_errors() -> None:
    with pytest.raises(TypeError, match="text must be a str"):
        parse_tool_calls(b"{}", HOTEL_TOOLS)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="delta must be a str"):
        StreamingToolCallParser(HOTEL_TOOLS).feed(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "tools, message",
    [
        ([{"type": "function"}], "name must be a non-empty string"),
        ([{"name": "get_booking"}], "type 'function'"),
        ([{"type": "function", "function": {"name": "x", "parameters": []}}], "parameters"),
        (HOTEL_TOOLS[:1] + HOTEL_TOOLS[:1], "duplicate tool name"),
    ],
)
def test_malformed_tools_raise_tool_schema_error(tools: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ToolSchemaError, match=message):
        parse_tool_calls("hi", tools)
    with pytest.raises(ToolSchemaError, match=message):
        StreamingToolCallParser(tools)


def test_broken_parameters_schema_gives_invalid_call_not_exception() -> None:
    tools = [
        {
            "type": "function",
            "function": {"name": "get_booking", "parameters": {"type": "wat"}},
        }
    ]
    result = parse_tool_calls('get_booking(code="AB12CD")', tools)
    assert [c.name for c in result.calls] == ["get_booking"]
    assert result.invalid_call_ids == ("call_1",)
    assert "schema is unusable" in result.notes[0].notes[-1]


@pytest.mark.parametrize("depth, is_call", [(150, True), (2500, False)])
def test_deeply_nested_arguments_do_not_crash(depth: int, is_call: bool) -> None:
    nested = "[" * depth + "]" * depth
    text = '{"name": "get_booking", "arguments": {"code": ' + nested + "}}"
    result = parse_tool_calls(text, HOTEL_TOOLS)
    if is_call:  # parses: a call whose argument fails the schema
        assert [c.name for c in result.calls] == ["get_booking"]
        assert result.invalid_call_ids == ("call_1",)
    else:  # deeper than json/ast can read: text, not a RecursionError
        assert result.content == text and result.calls == ()
    assert stream(list(text[:200]) + [text[200:]], HOTEL_TOOLS) == result


def test_no_tools_means_everything_is_text() -> None:
    text = '{"name": "get_booking", "arguments": {"code": "AB12CD"}}'
    assert parse_tool_calls(text, []).content == text
    assert content_of(StreamingToolCallParser([]).feed(text)) == text


def test_repaired_calls_are_openai_shaped() -> None:
    result = parse_tool_calls("get_booking('AB12CD')", HOTEL_TOOLS)
    assert result.calls[0].to_openai() == {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_booking", "arguments": '{"code": "AB12CD"}'},
    }


# Pieces that build texts full of near-calls: every shape, half-shapes, prose.
_PIECES = [
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    '"',
    "'",
    ":",
    ",",
    " ",
    "\n",
    "`",
    "```",
    "```json\n",
    "<tool_call>",
    "</tool_call>",
    "<tool",
    "call:",
    "<escape>",
    '"name"',
    '"arguments"',
    '"get_booking"',
    '"code"',
    '"AB12"',
    "get_booking",
    "lookup_policy",
    "topic=",
    "code=",
    "look",
    "Let me check.",
    "ok",
    "2",
    "true",
    '{"name": "get_booking", "arguments": {"code": "X"}}',
    'lookup_policy(topic="pets")',
    "call:get_booking{code:X}",
    "<start_function_call>",
]


def test_random_texts_and_splits_stream_equal_batch() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    @hypothesis.settings(max_examples=400, deadline=None, derandomize=True)  # type: ignore[untyped-decorator]
    @hypothesis.given(  # type: ignore[untyped-decorator]
        pieces=st.lists(st.sampled_from(_PIECES), max_size=14),
        cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8),
    )
    def check(pieces: list[str], cuts: list[int]) -> None:
        text = "".join(pieces)
        points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
        parts = [text[a:b] for a, b in zip(points, points[1:], strict=False)]
        assert stream(parts, HOTEL_TOOLS) == parse_tool_calls(text, HOTEL_TOOLS)

    check()


def test_corpus_random_splits_stream_equal_batch() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    @hypothesis.settings(max_examples=300, deadline=None, derandomize=True)  # type: ignore[untyped-decorator]
    @hypothesis.given(  # type: ignore[untyped-decorator]
        case=st.sampled_from(CASES),
        cuts=st.lists(st.integers(min_value=0, max_value=1000), max_size=12),
    )
    def check(case: dict[str, Any], cuts: list[int]) -> None:
        text = case["text"]
        points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
        parts = [text[a:b] for a, b in zip(points, points[1:], strict=False)]
        assert stream(parts, HOTEL_TOOLS) == parse_tool_calls(text, HOTEL_TOOLS)

    check()


def _feed_all(text: str, step: int) -> float:
    """CPU seconds (not wall time: the test machine is shared) to stream ``text``."""
    parser = StreamingToolCallParser(HOTEL_TOOLS)
    start = time.process_time()
    for i in range(0, len(text), step):
        parser.feed(text[i : i + step])
    parser.finish()
    return time.process_time() - start


def test_prose_feed_is_linear_in_delta_size() -> None:
    sentence = "Your double room is booked from March third to the fifth, breakfast included. "
    short, long = sentence * 100, sentence * 400  # ~8k and ~32k characters, 4-char deltas
    t_short = min(_feed_all(short, 4) for _ in range(3))
    t_long = min(_feed_all(long, 4) for _ in range(3))
    # 4x the text must cost about 4x the time, not 16x (no rescanning of emitted text).
    assert t_long < 6 * t_short + 0.02
    assert t_long / (len(long) / 4) < 100e-6  # measured ~4 us per 4-char token


def test_long_held_call_is_not_rescanned_per_token() -> None:
    reason = "x" * 5000
    text = json.dumps({"name": "cancel_booking", "arguments": {"code": "AB12CD", "reason": reason}})
    elapsed = _feed_all(text, 4)
    result = parse_tool_calls(text, HOTEL_TOOLS)
    assert result.calls[0].arguments["reason"] == reason
    assert elapsed < 0.5
