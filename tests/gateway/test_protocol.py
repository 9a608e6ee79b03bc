"""Request validation and the chunk/fold equivalence, without a server."""

from __future__ import annotations

from typing import Any

import pytest

from quickturn.errors import OverloadedError, UpstreamError
from quickturn.gateway.api_errors import APIError, to_error_body
from quickturn.gateway.protocol import (
    ChunkWriter,
    Limits,
    fold_chunks,
    parse_request,
    to_chat_request,
)
from quickturn.llm.types import Usage
from quickturn.tools.types import ToolCall


def build(**body: Any) -> Any:
    base: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    base.update(body)
    return to_chat_request(
        parse_request(base), Limits(100, 50), priority="interactive", conversation_id=None
    )


def test_text_part_lists_become_plain_text() -> None:
    parts = [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}]
    req = build(messages=[{"role": "user", "content": parts, "name": "bo"}])
    assert req.messages == [{"role": "user", "content": "one\ntwo", "name": "bo"}]
    with pytest.raises(APIError) as info:
        build(messages=[{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}])
    assert info.value.code == "unsupported_content"


def test_defaults_and_unknown_fields() -> None:
    req = build(frobnicate=True, stream_options={"include_usage": True, "new": 1})
    assert (req.max_tokens, req.temperature, req.top_p, req.tool_choice) == (50, 1.0, 1.0, "none")
    assert build(max_tokens=10, max_completion_tokens=20).max_tokens == 20
    assert build(stop="END").stop == ("END",)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
        ({"messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"max_tokens": 101}, "max_tokens"),
        ({"temperature": 2.5}, "temperature"),
        ({"top_p": 0}, "top_p"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"n": 2}, "n"),
        ({"tool_choice": "required"}, "tool_choice"),
        ({"tool_choice": "sometimes"}, "tool_choice"),
        ({"tools": [{"type": "function", "function": {"name": ""}}]}, "tools[0]"),
        ({"temperature": "hot"}, "temperature"),
    ],
)
def test_invalid_requests_name_the_parameter(body: dict[str, Any], param: str) -> None:
    with pytest.raises(APIError) as info:
        build(**body)
    assert info.value.status == 400 and info.value.param == param


def test_fold_equals_concatenated_chunks() -> None:
    w = ChunkWriter("id1", 7, "m", include_usage=True)
    chunks = [
        w.role(),
        w.text("Hel"),
        w.text("lo"),
        w.tool_call(ToolCall("c1", "f", {"a": 1})),
        w.tool_call(ToolCall("c2", "g", {})),
        w.finish("tool_calls"),
        w.usage(Usage(5, 3, 2)),
    ]
    out = fold_chunks(chunks)
    msg = out["choices"][0]["message"]
    assert msg["content"] == "Hello"
    assert [c["id"] for c in msg["tool_calls"]] == ["c1", "c2"]
    assert msg["tool_calls"][0]["function"] == {"name": "f", "arguments": '{"a": 1}'}
    assert out["choices"][0]["finish_reason"] == "tool_calls"
    assert out["usage"] == {
        "prompt_tokens": 5,
        "completion_tokens": 3,
        "total_tokens": 8,
        "prompt_tokens_details": {"cached_tokens": 2},
    }
    assert out["object"] == "chat.completion" and out["id"] == "id1"


def test_error_mapping_statuses() -> None:
    assert to_error_body(OverloadedError("busy", 2.2)).headers == {"Retry-After": "3"}
    assert to_error_body(OverloadedError("busy", 2.2)).status == 429
    assert to_error_body(UpstreamError("down")).status == 502
    assert to_error_body(RuntimeError("bug")).envelope["error"]["message"] == "internal error"
