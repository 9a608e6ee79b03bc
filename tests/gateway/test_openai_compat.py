"""OpenAICompatClient against a real gateway on a socket, plus canned SSE bodies for the
fragment shapes other servers (vLLM, SGLang) send."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from quickturn.errors import ConfigError, UpstreamError
from quickturn.gateway.options import GatewayOptions
from quickturn.gateway.testing import ScriptedChatClient, ScriptedOptions
from quickturn.llm.openai_compat import OpenAICompatClient, UpstreamStreamError
from quickturn.llm.types import ChatRequest, Finished, LLMEvent, TextDelta, ToolCallEvent

from .conftest import serve_client

TOOL = {
    "type": "function",
    "function": {
        "name": "book",
        "parameters": {"type": "object", "properties": {"room": {"type": "string"}}},
    },
}


async def collect(client: OpenAICompatClient, request: ChatRequest) -> list[LLMEvent]:
    return [e async for e in client.stream(request)]


def text_of(events: list[LLMEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_streams_text_usage_and_cached_tokens_from_a_real_server() -> None:
    engine = ScriptedChatClient()
    async with serve_client(engine) as url:
        client = OpenAICompatClient(url, model="quickturn", timeout_s=5)
        try:
            request = ChatRequest(
                [{"role": "user", "content": "hello there"}],
                conversation_id="conv-7",
                priority="batch",
            )
            first = await collect(client, request)
            second = await collect(client, request)
        finally:
            await client.aclose()
    assert text_of(first) == "Echo: hello there. Done."
    done1, done2 = first[-1], second[-1]
    assert isinstance(done1, Finished) and isinstance(done2, Finished)
    assert done1.finish_reason == "stop"
    assert (done1.usage.prompt_tokens, done1.usage.completion_tokens) == (3, 4)
    assert (done1.usage.cached_tokens, done2.usage.cached_tokens) == (0, 3)
    # routing hints travel: the conversation as `user`, batch priority as a header
    assert engine.requests[0].conversation_id == "conv-7"
    assert engine.requests[0].priority == "batch"


async def test_tool_calls_come_back_structured() -> None:
    async with serve_client(ScriptedChatClient()) as url:
        client = OpenAICompatClient(url, model="quickturn", timeout_s=5)
        try:
            events = await collect(
                client,
                ChatRequest(
                    [{"role": "user", "content": '/call book {"room": "12"}'}], tools=[TOOL]
                ),
            )
        finally:
            await client.aclose()
    calls = [e.call for e in events if isinstance(e, ToolCallEvent)]
    assert [(c.name, c.arguments, c.repaired) for c in calls] == [("book", {"room": "12"}, False)]
    assert isinstance(events[-1], Finished) and events[-1].finish_reason == "tool_calls"


async def test_http_errors_map_to_upstream_errors_with_retryability() -> None:
    async with serve_client(ScriptedChatClient(), GatewayOptions(api_keys=("k",))) as url:
        unauthorized = OpenAICompatClient(url, model="quickturn", timeout_s=5)
        wrong_model = OpenAICompatClient(url, api_key="k", model="nope", timeout_s=5)
        try:
            with pytest.raises(UpstreamStreamError) as e401:
                await collect(unauthorized, ChatRequest([{"role": "user", "content": "x"}]))
            with pytest.raises(UpstreamStreamError) as e404:
                await collect(wrong_model, ChatRequest([{"role": "user", "content": "x"}]))
        finally:
            await unauthorized.aclose()
            await wrong_model.aclose()
    assert e401.value.status_code == 401 and not e401.value.retryable
    assert "invalid or missing API key" in str(e401.value)
    assert e404.value.status_code == 404 and not e404.value.retryable


async def test_unreachable_upstream_is_retryable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but never listening: connection refused
        client = OpenAICompatClient(f"http://127.0.0.1:{port}/v1", timeout_s=2)
        try:
            with pytest.raises(UpstreamError) as info:
                await collect(client, ChatRequest([{"role": "user", "content": "x"}]))
        finally:
            await client.aclose()
    assert isinstance(info.value, UpstreamStreamError)
    assert info.value.retryable and not info.value.output_started


async def test_error_event_mid_stream_is_not_retryable() -> None:
    engine = ScriptedChatClient(ScriptedOptions(fail_after_tokens=2))
    async with serve_client(engine) as url:
        client = OpenAICompatClient(url, model="quickturn", timeout_s=5)
        got: list[LLMEvent] = []
        try:
            with pytest.raises(UpstreamStreamError) as info:
                async for event in client.stream(ChatRequest([{"role": "user", "content": "a b"}])):
                    got.append(event)
        finally:
            await client.aclose()
    assert text_of(got) == "Echo: a"
    assert info.value.output_started and not info.value.retryable
    assert "scripted failure" in str(info.value)


def canned(*chunks: dict[str, object] | str) -> httpx.AsyncClient:
    body = "".join(
        f"data: {c if isinstance(c, str) else json.dumps(c)}\n\n" for c in chunks
    ).encode()

    def reply(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    return httpx.AsyncClient(transport=httpx.MockTransport(reply))


def delta(d: dict[str, object], finish: str | None = None) -> dict[str, object]:
    return {"choices": [{"index": 0, "delta": d, "finish_reason": finish}]}


async def test_fragmented_tool_call_deltas_are_accumulated() -> None:
    http = canned(
        delta({"role": "assistant", "content": "Let me book. "}),
        delta(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "c9",
                        "type": "function",
                        "function": {"name": "book", "arguments": ""},
                    }
                ]
            }
        ),
        delta({"tool_calls": [{"index": 0, "function": {"arguments": '{"ro'}}]}),
        delta({"tool_calls": [{"index": 0, "function": {"arguments": 'om": "4"}'}}]}),
        delta({"tool_calls": [{"index": 1, "id": "c10", "function": {"name": "book"}}]}),
        delta({}, "tool_calls"),
        {
            "choices": [],
            "usage": {
                "prompt_tokens": 50,
                "completion_tokens": 9,
                "prompt_tokens_details": {"cached_tokens": 32},
            },
        },
        "[DONE]",
    )
    client = OpenAICompatClient("http://upstream/v1", http_client=http)
    events = await collect(client, ChatRequest([{"role": "user", "content": "x"}], tools=[TOOL]))
    await http.aclose()
    calls = [e.call for e in events if isinstance(e, ToolCallEvent)]
    assert [(c.id, c.name, c.arguments) for c in calls] == [
        ("c9", "book", {"room": "4"}),
        ("c10", "book", {}),
    ]
    assert text_of(events) == "Let me book. "
    done = events[-1]
    assert isinstance(done, Finished) and done.finish_reason == "tool_calls"
    assert (done.usage.prompt_tokens, done.usage.completion_tokens, done.usage.cached_tokens) == (
        50,
        9,
        32,
    )


async def test_cut_stream_is_an_upstream_error() -> None:
    http = canned(delta({"content": "half a sen"}))
    client = OpenAICompatClient("http://upstream/v1", http_client=http)
    with pytest.raises(UpstreamStreamError, match="closed the stream early") as info:
        await collect(client, ChatRequest([{"role": "user", "content": "x"}]))
    assert info.value.output_started


async def test_a_broken_structured_call_costs_only_itself() -> None:
    def part(index: int, arguments: str) -> dict[str, object]:
        fn = {"name": "book", "arguments": arguments}
        return {"tool_calls": [{"index": index, "id": f"id-{index}", "function": fn}]}

    http = canned(
        delta(part(0, "{oops")),  # not an object however leniently read: dropped
        delta(part(1, "{'room': 'A1'")),  # Python quotes, closing brace missing: repaired
        delta(part(2, '{"room": "B2"}')),
        delta({}, "tool_calls"),
    )
    client = OpenAICompatClient("http://upstream/v1", http_client=http)
    events = await collect(client, ChatRequest([{"role": "user", "content": "x"}], tools=[TOOL]))
    calls = [e.call for e in events if isinstance(e, ToolCallEvent)]
    assert [(c.id, c.arguments) for c in calls] == [
        ("id-1", {"room": "A1"}),
        ("id-2", {"room": "B2"}),
    ]


async def test_list_models_reads_the_upstreams_names() -> None:
    async with serve_client(ScriptedChatClient(), GatewayOptions(model_names=("a", "b"))) as url:
        client = OpenAICompatClient(url)
        try:
            assert await client.list_models() == ["a", "b"]
        finally:
            await client.aclose()
    client = OpenAICompatClient("http://127.0.0.1:9/v1", connect_timeout_s=0.5)
    with pytest.raises(UpstreamStreamError):
        await client.list_models()
    await client.aclose()


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ConfigError):
        OpenAICompatClient("localhost:8000")
    with pytest.raises(ConfigError):
        OpenAICompatClient("http://x/v1", timeout_s=0)
