"""`--engine openai`: the gateway in front of real upstream gateways running in subprocesses
(`quickturn serve --engine scripted`), including one that dies mid-stream and one that is down."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import openai
import pytest
from openai import AsyncOpenAI

from quickturn.gateway.routing import ReplicaRouter, RouterOptions
from quickturn.llm.openai_compat import OpenAICompatClient

from .conftest import serve_client, spawn_gateway


def dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"  # nothing listens there


def router(*urls: str) -> ReplicaRouter:
    # A long cooldown: a busy test machine must not let the dead replica "recover" mid-test.
    return ReplicaRouter(
        [(u, OpenAICompatClient(u, timeout_s=5, connect_timeout_s=2)) for u in urls],
        RouterOptions(down_cooldown_s=300),
    )


@pytest.fixture
async def client() -> AsyncIterator[list[AsyncOpenAI]]:
    made: list[AsyncOpenAI] = []
    yield made
    for c in made:
        await c.close()


def openai_client(made: list[AsyncOpenAI], url: str) -> AsyncOpenAI:
    c = AsyncOpenAI(base_url=url, api_key="x", max_retries=0, timeout=15)
    made.append(c)
    return c


async def test_fails_over_from_a_down_replica(client: list[AsyncOpenAI]) -> None:
    async with spawn_gateway("--engine", "scripted") as upstream:
        engine = router(dead_url(), upstream.url)
        try:
            async with serve_client(engine, label="openai") as url:
                api = openai_client(client, url)
                for text in ("first", "second"):
                    reply = await api.chat.completions.create(
                        model="quickturn", messages=[{"role": "user", "content": text}]
                    )
                    assert reply.choices[0].message.content == f"Echo: {text}. Done."
        finally:
            await engine.aclose()
    assert [r.served for r in engine.replicas] == [0, 2]
    assert engine.status()[0]["down_for_s"] > 0  # the dead one is skipped for a while


async def test_upstream_killed_mid_stream_gives_a_clean_error(client: list[AsyncOpenAI]) -> None:
    async with spawn_gateway("--engine", "scripted", "--scripted-stall-after", "2") as upstream:
        engine = router(upstream.url)
        try:
            async with serve_client(engine, label="openai") as url:
                api = openai_client(client, url)
                stream = await api.chat.completions.create(
                    model="quickturn",
                    stream=True,
                    messages=[{"role": "user", "content": "tell me a long story"}],
                )
                words: list[str] = []
                started = time.perf_counter()
                with pytest.raises(openai.APIError, match="upstream"):
                    async with asyncio.timeout(10):  # a bound, not a wait: nothing may hang
                        async for chunk in stream:
                            words.append(chunk.choices[0].delta.content or "")
                            if len(words) == 3:  # role chunk + two words, then it stalls
                                upstream.kill()
                assert "".join(words) == "Echo: tell"
                assert time.perf_counter() - started < 5
                # with its only replica gone, the next request is a 502 envelope
                with pytest.raises(openai.APIStatusError) as info:
                    await api.chat.completions.create(
                        model="quickturn", messages=[{"role": "user", "content": "x"}]
                    )
                assert info.value.status_code == 502
                # streamed too: the failure comes before any byte, so it is a status, not SSE
                with pytest.raises(openai.APIStatusError) as info:
                    await api.chat.completions.create(
                        model="quickturn", stream=True, messages=[{"role": "user", "content": "x"}]
                    )
                assert info.value.status_code == 502
                assert "all 1 upstream replicas failed" in info.value.message
        finally:
            await engine.aclose()


async def test_cli_gateway_routes_a_conversation_back_to_its_replica(
    client: list[AsyncOpenAI],
) -> None:
    # The scripted engine reports as cached the prefix shared with the previous prompt it saw,
    # so a turn routed back to its conversation's replica shows its whole history as cached.
    async with (
        spawn_gateway("--engine", "scripted") as a,
        spawn_gateway("--engine", "scripted") as b,
        spawn_gateway(
            "--engine", "openai", "--upstream", a.url, "--upstream", b.url, "--api-key", "front"
        ) as front,
    ):
        api = AsyncOpenAI(base_url=front.url, api_key="front", max_retries=0, timeout=15)
        client.append(api)
        convo1 = [{"role": "system", "content": "hotel desk"}, {"role": "user", "content": "one"}]
        convo2 = [{"role": "system", "content": "hotel desk"}, {"role": "user", "content": "two"}]
        r1 = await api.chat.completions.create(model="quickturn", messages=convo1)
        r2 = await api.chat.completions.create(model="quickturn", messages=convo2)
        # Without affinity the tie (one request served each) would send this turn to `a`.
        convo2 += [
            {"role": "assistant", "content": r2.choices[0].message.content},
            {"role": "user", "content": "and breakfast?"},
        ]
        r3 = await api.chat.completions.create(model="quickturn", messages=convo2)
        assert r1.usage is not None and r2.usage is not None and r3.usage is not None
        assert r1.usage.prompt_tokens_details.cached_tokens == 0
        assert r2.usage.prompt_tokens_details.cached_tokens == 0  # went to the other replica
        assert r3.usage.prompt_tokens_details.cached_tokens == r2.usage.prompt_tokens
        assert r3.choices[0].message.content == "Echo: and breakfast?. Done."
        bad = AsyncOpenAI(base_url=front.url, api_key="wrong", max_retries=0)
        client.append(bad)
        with pytest.raises(openai.AuthenticationError):
            await bad.models.list()


async def test_upstream_that_stalls_is_cut_off_by_the_read_timeout(
    client: list[AsyncOpenAI],
) -> None:
    async with spawn_gateway("--engine", "scripted", "--scripted-stall-after", "1") as upstream:
        engine = ReplicaRouter([("slow", OpenAICompatClient(upstream.url, timeout_s=1.0))])
        try:
            async with serve_client(engine, label="openai") as url:
                api = openai_client(client, url)
                stream = await api.chat.completions.create(
                    model="quickturn",
                    stream=True,
                    messages=[{"role": "user", "content": "say something"}],
                )
                words: list[str] = []
                with pytest.raises(openai.APIError, match="ReadTimeout"):
                    async with asyncio.timeout(10):
                        async for chunk in stream:
                            words.append(chunk.choices[0].delta.content or "")
                assert "".join(words) == "Echo:"
        finally:
            await engine.aclose()
