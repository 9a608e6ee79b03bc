"""The embedded llama.cpp engine on the real bundled model (Qwen2.5-Coder-0.5B)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from quickturn.assets import ModelPaths
from quickturn.errors import EngineError
from quickturn.llm.embedded_client import EmbeddedChatClient, EmbeddedOptions
from quickturn.llm.types import ChatRequest, Finished, LLMEvent, TextDelta, ToolCallEvent

pytestmark = pytest.mark.slow

SYSTEM = (
    "You are the front desk of the Harbor Light Hotel. Check-in is from 3 pm, check-out by 11 am. "
    "Breakfast is served from 7 to 10 am in the Tide Room. Answer in one short sentence."
)


def req(*turns: str, system: str = SYSTEM, **kw: object) -> ChatRequest:
    msgs: list[dict[str, object]] = [{"role": "system", "content": system}]
    for i, t in enumerate(turns):
        msgs.append({"role": "user" if i % 2 == 0 else "assistant", "content": t})
    return ChatRequest(messages=msgs, **kw)  # type: ignore[arg-type]


async def collect(stream: AsyncIterator[LLMEvent]) -> tuple[str, list[LLMEvent]]:
    events = [ev async for ev in stream]
    text = "".join(ev.text for ev in events if isinstance(ev, TextDelta))
    return text, events


@pytest.fixture
async def client(qwen_path: Path, tmp_path: Path) -> AsyncIterator[EmbeddedChatClient]:
    c = await EmbeddedChatClient.create(
        EmbeddedOptions(model_path=qwen_path, n_ctx=2048, slots=2), ModelPaths(tmp_path)
    )
    yield c
    await c.aclose()


async def test_stream_ends_with_one_finished_and_is_deterministic(
    client: EmbeddedChatClient,
) -> None:
    request = req("What time is check-in?", max_tokens=30)
    text1, events1 = await collect(client.stream(request))
    text2, _ = await collect(client.stream(request))
    finished = [ev for ev in events1 if isinstance(ev, Finished)]
    assert len(finished) == 1 and events1[-1] is finished[0]
    assert finished[0].finish_reason in ("stop", "length")
    assert text1.strip() and text1 == text2
    tokens, _ = await client.prompt_tokens(request)
    assert finished[0].usage.prompt_tokens == len(tokens)
    assert 0 < finished[0].usage.completion_tokens <= 30


async def test_second_turn_reuses_the_cached_prefix(client: EmbeddedChatClient) -> None:
    first = req("Hi, when is breakfast?", max_tokens=24)
    reply, events = await collect(client.stream(first))
    usage1 = next(ev for ev in events if isinstance(ev, Finished)).usage
    second = req("Hi, when is breakfast?", reply, "And check-out?", max_tokens=24)
    _, events2 = await collect(client.stream(second))
    usage2 = next(ev for ev in events2 if isinstance(ev, Finished)).usage
    assert usage2.cached_tokens > usage1.prompt_tokens - 5
    assert usage2.cached_tokens < usage2.prompt_tokens


async def test_warm_prefix_persists_to_disk_and_loads_in_a_new_engine(
    qwen_path: Path, tmp_path: Path
) -> None:
    request = req("What time is check-out?", max_tokens=20)
    paths = ModelPaths(tmp_path)
    opts = EmbeddedOptions(model_path=qwen_path, n_ctx=2048)
    a = await EmbeddedChatClient.create(opts, paths)
    report_a = await a.warm(request)
    text_a, _ = await collect(a.stream(request))
    await a.aclose()
    assert report_a.source == "computed" and report_a.prefix_tokens > 40
    assert list((tmp_path / "kv").glob("*.kv"))

    # A different context size shares the stored prefix.
    b = await EmbeddedChatClient.create(EmbeddedOptions(model_path=qwen_path, n_ctx=3072), paths)
    report_b = await b.warm(request)
    text_b, events = await collect(b.stream(request))
    await b.aclose()
    assert report_b.source == "disk" and report_b.prefix_tokens == report_a.prefix_tokens
    assert text_b == text_a
    usage = next(ev for ev in events if isinstance(ev, Finished)).usage
    assert usage.cached_tokens >= report_b.prefix_tokens - 1


async def test_corrupt_prefix_file_is_recomputed(qwen_path: Path, tmp_path: Path) -> None:
    request = req("Hello?", max_tokens=5)
    paths = ModelPaths(tmp_path)
    opts = EmbeddedOptions(model_path=qwen_path, n_ctx=2048)
    a = await EmbeddedChatClient.create(opts, paths)
    await a.warm(request)
    await a.aclose()
    for kv in (tmp_path / "kv").glob("*.kv"):
        kv.write_bytes(b"garbage")
    b = await EmbeddedChatClient.create(opts, paths)
    report = await b.warm(request)
    text, _ = await collect(b.stream(request))
    await b.aclose()
    assert report.source == "computed" and text.strip()


async def test_closing_the_stream_early_cancels_and_frees_the_slot(
    client: EmbeddedChatClient,
) -> None:
    stream = client.stream(req("Tell me a very long story about the sea.", max_tokens=400))
    async for ev in stream:
        if isinstance(ev, TextDelta):
            break
    await stream.aclose()  # type: ignore[attr-defined]
    assert client.stats().busy_slots == 0
    # The freed slot serves the next request normally.
    text, _ = await collect(client.stream(req("What time is check-in?", max_tokens=16)))
    assert text.strip()


async def test_two_conversations_keep_their_own_slots(client: EmbeddedChatClient) -> None:
    a = req("When is breakfast?", max_tokens=8, system=SYSTEM)
    b = req("Do you allow pets?", max_tokens=8, system="You are a pet shop assistant. " * 10)
    for request in (a, b):
        await collect(client.stream(request))
    # Both run concurrently, then A again: its whole prompt is still cached in its slot.
    await asyncio.gather(collect(client.stream(a)), collect(client.stream(b)))
    _, events = await collect(client.stream(a))
    usage = next(ev for ev in events if isinstance(ev, Finished)).usage
    assert usage.cached_tokens == usage.prompt_tokens - 1


async def test_stop_string_ends_generation_without_leaking_it(client: EmbeddedChatClient) -> None:
    request = req("Count from one to ten in words, separated by commas.", max_tokens=60)
    full, _ = await collect(client.stream(request))
    assert "four" in full.lower()
    cut = full.lower().index("four")
    stop = full[cut : cut + 4]
    text, events = await collect(
        client.stream(
            req("Count from one to ten in words, separated by commas.", max_tokens=60, stop=(stop,))
        )
    )
    assert text == full[:cut]
    assert next(ev for ev in events if isinstance(ev, Finished)).finish_reason == "stop"


async def test_prompt_larger_than_context_is_a_clear_error(client: EmbeddedChatClient) -> None:
    with pytest.raises(EngineError, match="does not fit the context"):
        await collect(client.stream(req("word " * 3000, max_tokens=5)))
    assert client.stats().busy_slots == 0


async def test_prompt_lookup_speculation_gives_the_same_text_as_plain_greedy(
    qwen_path: Path, tmp_path: Path
) -> None:
    records = "; ".join(
        f"booking HX{i:03d}K for guest Anna Lindqvist-{i}, arriving 2026-03-{10 + i % 15}"
        for i in range(12)
    )
    request = req(
        "List bookings HX003K to HX006K with guest names and arrival dates.",
        system=SYSTEM + " Records: " + records,
        max_tokens=80,
    )
    texts = []
    for draft in (0, 4):
        c = await EmbeddedChatClient.create(
            EmbeddedOptions(model_path=qwen_path, n_ctx=2048, lookup_draft_tokens=draft),
            ModelPaths(tmp_path),
        )
        text, events = await collect(c.stream(request))
        await c.aclose()
        assert next(ev for ev in events if isinstance(ev, Finished)).usage.completion_tokens > 20
        texts.append(text)
    assert texts[0] == texts[1]
    assert "HX004K" in texts[1]


BOOKING_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "check_availability",
            "description": "Check which rooms are free for a stay.",
            "parameters": {
                "type": "object",
                "properties": {
                    "check_in": {"type": "string", "description": "YYYY-MM-DD"},
                    "check_out": {"type": "string", "description": "YYYY-MM-DD"},
                    "guests": {"type": "integer"},
                },
                "required": ["check_in", "check_out", "guests"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "lookup_policy",
            "description": "Look up a hotel policy by topic.",
            "parameters": {
                "type": "object",
                "properties": {"topic": {"type": "string"}},
                "required": ["topic"],
            },
        },
    },
]


@pytest.mark.parametrize("strategy", ["lead", "grammar"])
async def test_named_tool_choice_always_yields_a_schema_valid_call(
    qwen_path: Path, tmp_path: Path, strategy: str
) -> None:
    import jsonschema

    c = await EmbeddedChatClient.create(
        EmbeddedOptions(model_path=qwen_path, n_ctx=2048, forced_calls=strategy),
        ModelPaths(tmp_path),
    )
    request = req(
        "Is a room free for two people from 2026-03-20 to 2026-03-22?",
        tools=BOOKING_TOOLS,
        tool_choice={"type": "function", "function": {"name": "check_availability"}},
        max_tokens=60,
    )
    _, events = await collect(c.stream(request))
    await c.aclose()
    calls = [ev.call for ev in events if isinstance(ev, ToolCallEvent)]
    assert len(calls) == 1 and calls[0].name == "check_availability"
    schema = BOOKING_TOOLS[0]["function"]["parameters"]  # type: ignore[index]
    jsonschema.validate(calls[0].arguments, schema)
    assert events[-1].finish_reason == "tool_calls"  # type: ignore[union-attr]


async def test_required_tool_choice_picks_a_declared_tool(client: EmbeddedChatClient) -> None:
    request = req(
        "What is your pet policy?", tools=BOOKING_TOOLS, tool_choice="required", max_tokens=40
    )
    _, events = await collect(client.stream(request))
    calls = [ev.call for ev in events if isinstance(ev, ToolCallEvent)]
    assert len(calls) == 1 and calls[0].name in ("check_availability", "lookup_policy")


async def test_auto_tool_call_written_as_text_becomes_a_structured_call(
    client: EmbeddedChatClient,
) -> None:
    request = req(
        "Look up the pet policy for me please.",
        system="You are a hotel assistant. Use the tools when they help.",
        tools=BOOKING_TOOLS,
        max_tokens=60,
    )
    text, events = await collect(client.stream(request))
    calls = [ev.call for ev in events if isinstance(ev, ToolCallEvent)]
    assert [c.name for c in calls] == ["lookup_policy"]
    assert calls[0].repaired and "<tool_call>" not in text and "{" not in text
    assert events[-1].finish_reason == "tool_calls"  # type: ignore[union-attr]


def _foreign(text: str) -> list[str]:
    return [ch for ch in text if ch.isalpha() and ord(ch) > 0x024F]


async def test_latin_only_bars_other_scripts_at_every_step(client: EmbeddedChatClient) -> None:
    # Asked for Chinese, the 0.5B writes it (as it did unasked after tool results in the eval).
    ask = "Say 'thank you for calling' in Chinese characters."
    plain, _ = await collect(client.stream(req(ask, system="You are a translator.", max_tokens=24)))
    assert _foreign(plain), plain
    for tools in ([], BOOKING_TOOLS):  # plain decoding and the jump-forward decoder
        barred, _ = await collect(
            client.stream(
                req(ask, system="You are a translator.", max_tokens=24, latin_only=True,
                    tools=tools, tool_choice="none" if tools else "auto")
            )
        )
        assert barred.strip() and not _foreign(barred), barred
