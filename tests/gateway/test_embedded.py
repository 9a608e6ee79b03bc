"""The gateway over the real embedded engine (Qwen2.5-Coder-0.5B in llama.cpp), driven by the
official openai client: the protocol invariants must hold for a real model too."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from openai import AsyncOpenAI

from .conftest import serve_embedded

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

BOOK = {
    "type": "function",
    "function": {
        "name": "book_room",
        "description": "Book a hotel room",
        "parameters": {
            "type": "object",
            "properties": {
                "nights": {"type": "integer"},
                "room_type": {"type": "string", "enum": ["single", "double"]},
            },
            "required": ["nights", "room_type"],
        },
    },
}
SYSTEM = {"role": "system", "content": "You are the front desk of the Harbour Hotel. Be brief."}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def served() -> AsyncIterator[tuple[AsyncOpenAI, Any, str]]:
    async with serve_embedded() as (engine, url):
        client = AsyncOpenAI(base_url=url, api_key="x", max_retries=0, timeout=300)
        yield client, engine, url
        await client.close()


@pytest.fixture
def api(served: tuple[AsyncOpenAI, Any, str]) -> AsyncOpenAI:
    return served[0]


async def test_streamed_equals_non_streamed_at_temperature_zero(api: AsyncOpenAI) -> None:
    kw: dict[str, Any] = {
        "model": "quickturn",
        "temperature": 0,
        "max_tokens": 24,
        "messages": [SYSTEM, {"role": "user", "content": "What time is breakfast?"}],
    }
    full = await api.chat.completions.create(**kw)
    stream = await api.chat.completions.create(
        stream=True, stream_options={"include_usage": True}, **kw
    )
    chunks = [c async for c in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text and text == full.choices[0].message.content
    finishes = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert len(finishes) == 1 and finishes[0] == full.choices[0].finish_reason
    assert finishes[0] in ("stop", "length")
    usage = chunks[-1].usage
    assert usage is not None and full.usage is not None
    assert usage.prompt_tokens == full.usage.prompt_tokens > 20
    assert usage.completion_tokens == full.usage.completion_tokens
    assert 0 < usage.completion_tokens <= 24
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


async def test_tool_request_yields_a_structured_call(api: AsyncOpenAI) -> None:
    reply = await api.chat.completions.create(
        model="quickturn",
        temperature=0,
        max_tokens=64,
        messages=[SYSTEM, {"role": "user", "content": "Book me a double room for 3 nights."}],
        tools=[BOOK],
        tool_choice={"type": "function", "function": {"name": "book_room"}},
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls or []
    assert len(calls) == 1 and calls[0].function.name == "book_room"
    args = json.loads(calls[0].function.arguments)
    assert set(args) >= {"nights", "room_type"} and args["room_type"] in ("single", "double")


async def test_second_turn_reuses_the_cached_prefix(api: AsyncOpenAI) -> None:
    messages: list[dict[str, Any]] = [
        SYSTEM,
        {"role": "user", "content": "Do you have parking for guests?"},
    ]
    first = await api.chat.completions.create(
        model="quickturn", temperature=0, max_tokens=16, messages=messages
    )
    messages += [
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "How much per night?"},
    ]
    second = await api.chat.completions.create(
        model="quickturn", temperature=0, max_tokens=16, messages=messages
    )
    assert first.usage is not None and second.usage is not None
    cached1 = first.usage.prompt_tokens_details.cached_tokens
    cached2 = second.usage.prompt_tokens_details.cached_tokens
    assert cached2 > cached1
    # the whole first prompt is a prefix of the second one, so nearly all of it is reused
    assert cached2 >= first.usage.prompt_tokens - 2


async def test_disconnect_mid_stream_frees_the_engine_slot(
    served: tuple[AsyncOpenAI, Any, str],
) -> None:
    api, engine, url = served
    stream = await api.chat.completions.create(
        model="quickturn",
        temperature=0,
        max_tokens=400,
        stream=True,
        messages=[SYSTEM, {"role": "user", "content": "Tell me a very long story about the sea."}],
    )
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            break
    assert engine.stats().busy_slots == 1
    await stream.close()
    # The slot is released only by the engine stream's own cleanup, after its worker stopped;
    # poll the server's view (bounded) rather than guess a delay.
    async with httpx.AsyncClient() as http:
        async with asyncio.timeout(60):
            while True:
                metrics = (await http.get(url.removesuffix("/v1") + "/metrics")).text
                if 'status="499"' in metrics:
                    break
                await asyncio.sleep(0.05)
    assert engine.stats().busy_slots == 0
    assert 'quickturn_gateway_in_flight{engine="embedded"} 0.0' in metrics


async def test_response_format_json_schema_is_decoded_under_a_grammar(api: AsyncOpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {
            "room_type": {"type": "string", "enum": ["single", "double"]},
            "nights": {"type": "integer"},
        },
        "required": ["room_type", "nights"],
        "additionalProperties": False,
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "b", "schema": schema}}
    for stream in (False, True):
        kw: dict[str, Any] = {
            "model": "quickturn",
            "temperature": 0,
            "max_tokens": 40,
            "messages": [SYSTEM, {"role": "user", "content": "A double room for 3 nights."}],
            "response_format": fmt,
        }
        if stream:
            chunks = [c async for c in await api.chat.completions.create(stream=True, **kw)]
            text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        else:
            text = (await api.chat.completions.create(**kw)).choices[0].message.content or ""
        value = json.loads(text)
        assert set(value) == {"room_type", "nights"} and value["room_type"] in ("single", "double")
        assert isinstance(value["nights"], int)


async def test_the_models_text_calls_are_repaired_by_the_gateway(api: AsyncOpenAI) -> None:
    """tool_choice auto: the 0.5B writes its call as text; the client gets a structured call
    (or, if the model answers in prose, prose without any call markup)."""
    reply = await api.chat.completions.create(
        model="quickturn",
        temperature=0,
        max_tokens=64,
        messages=[SYSTEM, {"role": "user", "content": "Book me a double room for 3 nights."}],
        tools=[BOOK],
    )
    message = reply.choices[0].message
    assert message.tool_calls, message.content
    assert message.tool_calls[0].function.name == "book_room"
    assert "<tool_call>" not in (message.content or "") and '"name"' not in (message.content or "")
