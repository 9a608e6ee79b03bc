"""The repair corpus: batch expectations, and streaming at every split equals batch."""

from __future__ import annotations

from typing import Any

import pytest

from quickturn.tools.repair import (
    ContentChunk,
    ParsedCall,
    ParsedEvent,
    RepairNote,
    RepairResult,
    StreamingToolCallParser,
    parse_tool_calls,
)

from .corpus_data import CASES, HOTEL_TOOLS

CASE_IDS = [case["id"] for case in CASES]


def stream(text_parts: list[str], tools: list[dict[str, Any]]) -> RepairResult:
    """Run the streaming parser over ``text_parts``; fold its events the way a consumer would."""
    parser = StreamingToolCallParser(tools)
    events: list[ParsedEvent] = []
    for part in text_parts:
        events.extend(parser.feed(part))
    events.extend(parser.finish())
    content = "".join(e.text for e in events if isinstance(e, ContentChunk))
    calls = [e for e in events if isinstance(e, ParsedCall)]
    return RepairResult(
        content,
        tuple(c.call for c in calls),
        tuple(RepairNote(c.call.id, c.valid, c.notes) for c in calls),
    )


def test_corpus_is_big_and_ids_unique() -> None:
    assert len(CASES) >= 60
    assert len(set(CASE_IDS)) == len(CASE_IDS)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_batch_parse_matches_expectation(case: dict[str, Any]) -> None:
    result = parse_tool_calls(case["text"], HOTEL_TOOLS)
    assert result.content == case.get("content", "")
    expected = case.get("calls", [])
    assert [(c.name, c.arguments) for c in result.calls] == [
        (e["name"], e["arguments"]) for e in expected
    ]
    assert all(c.repaired for c in result.calls)
    ids = [c.id for c in result.calls]
    assert len(set(ids)) == len(ids)
    invalid = {i for i, note in enumerate(result.notes) if not note.valid}
    assert invalid == set(case.get("invalid", []))
    mapped = {i for i, note in enumerate(result.notes) if any("mapped to" in n for n in note.notes)}
    assert mapped == set(case.get("mapped", []))


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_streaming_equals_batch_at_every_split(case: dict[str, Any]) -> None:
    text = case["text"]
    batch = parse_tool_calls(text, HOTEL_TOOLS)
    assert stream([text], HOTEL_TOOLS) == batch
    assert stream(list(text), HOTEL_TOOLS) == batch, "character by character"
    for cut in range(1, len(text)):
        assert stream([text[:cut], text[cut:]], HOTEL_TOOLS) == batch, f"split at {cut}"


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_streamed_content_never_contains_call_text(case: dict[str, Any]) -> None:
    """Each content chunk, as it is emitted char by char, is a piece of the final content."""
    text = case["text"]
    batch = parse_tool_calls(text, HOTEL_TOOLS)
    parser = StreamingToolCallParser(HOTEL_TOOLS)
    emitted = ""
    for ch in text:
        for event in parser.feed(ch):
            if isinstance(event, ContentChunk):
                emitted += event.text
                # Prefix of the final content: nothing is ever taken back or leaked.
                assert batch.content.startswith(emitted)
