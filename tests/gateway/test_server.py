"""The real gateway (uvicorn on a socket) driven by the official openai client, with the
scripted test engine so every protocol invariant can be asserted exactly."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import openai
import pytest
from openai import AsyncOpenAI
from prometheus_client.parser import text_string_to_metric_families

from quickturn.gateway.admission import AdmissionController, AdmissionOptions, Ticket
from quickturn.gateway.app import create_app
from quickturn.gateway.options import Engine, GatewayOptions
from quickturn.gateway.server import running
from quickturn.gateway.testing import ScriptedChatClient, ScriptedOptions, scripted_reply
from quickturn.llm.types import ChatRequest, Priority

from .conftest import serve_client

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
TIME = {
    "type": "function",
    "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}},
}


_clients: list[AsyncOpenAI] = []


def client_for(url: str, key: str = "unused") -> AsyncOpenAI:
    client = AsyncOpenAI(base_url=url, api_key=key, max_retries=0, timeout=10.0)
    _clients.append(client)
    return client


@pytest.fixture(autouse=True)
async def _close_clients() -> AsyncIterator[None]:
    yield
    while _clients:
        await _clients.pop().close()


async def stream_all(client: AsyncOpenAI, **kw: Any) -> list[Any]:
    stream = await client.chat.completions.create(stream=True, **kw)
    return [chunk async for chunk in stream]


async def test_streamed_equals_non_streamed_and_usage_adds_up() -> None:
    engine = ScriptedChatClient()
    async with serve_client(engine) as url:
        client = client_for(url)
        messages = [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "hello world"},
        ]
        full = await client.chat.completions.create(
            model="quickturn", messages=messages, temperature=0
        )
        chunks = await stream_all(
            client,
            model="quickturn",
            messages=messages,
            temperature=0,
            stream_options={"include_usage": True},
        )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == full.choices[0].message.content == "Echo: hello world. Done."
    finishes = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finishes == ["stop"] == [full.choices[0].finish_reason]
    # usage comes last, on a chunk with no choices, and only there
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert all(c.usage is None for c in chunks[:-1])
    usage = chunks[-1].usage
    assert (
        usage.prompt_tokens == full.usage.prompt_tokens == 6
    )  # words of "system be brief user hello world"
    assert usage.completion_tokens == full.usage.completion_tokens == 4
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    # the second identical prompt was served from the (scripted) prefix cache
    assert usage.prompt_tokens_details.cached_tokens == 6
    assert full.usage.prompt_tokens_details.cached_tokens == 0
    assert {c.id for c in chunks} == {chunks[0].id} and chunks[0].id.startswith("chatcmpl-")


async def test_no_usage_chunk_unless_asked_and_length_finish() -> None:
    async with serve_client(ScriptedChatClient()) as url:
        chunks = await stream_all(
            client_for(url),
            model="quickturn",
            max_tokens=2,
            messages=[{"role": "user", "content": "one two three"}],
        )
    assert all(c.usage is None for c in chunks) and all(c.choices for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Echo: one"
    assert [c.choices[0].finish_reason for c in chunks if c.choices[0].finish_reason] == ["length"]


async def test_tool_calls_are_structured_with_local_indexes() -> None:
    engine = ScriptedChatClient()
    say = '/call get_weather {"city": "Paris"}\n/call get_time'
    async with serve_client(engine) as url:
        client = client_for(url)
        kw: dict[str, Any] = {
            "model": "quickturn",
            "messages": [{"role": "user", "content": say}],
            "tools": [WEATHER, TIME],
        }
        full = await client.chat.completions.create(**kw)
        chunks = await stream_all(client, **kw)
    calls = full.choices[0].message.tool_calls
    assert full.choices[0].finish_reason == "tool_calls"
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_time", {}),
    ]
    deltas = [tc for c in chunks for tc in (c.choices[0].delta.tool_calls or [])]
    assert [d.index for d in deltas] == [0, 1]
    # Ids are random and OpenAI-shaped: unique per call, never repeated by the next response.
    ids = [c.id for c in calls] + [d.id for d in deltas]
    assert all(re.fullmatch(r"call_[0-9a-f]{24}", i) for i in ids)
    assert len(set(ids)) == 4
    assert [c.choices[0].finish_reason for c in chunks if c.choices[0].finish_reason] == [
        "tool_calls"
    ]
    assert engine.requests[0].tools == [WEATHER, TIME]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("none", None),
        ("required", "get_weather"),
        ({"type": "function", "function": {"name": "get_time"}}, "get_time"),
    ],
)
async def test_tool_choice_reaches_the_engine(choice: Any, expected: str | None) -> None:
    engine = ScriptedChatClient()
    async with serve_client(engine) as url:
        full = await client_for(url).chat.completions.create(
            model="quickturn",
            messages=[{"role": "user", "content": "hi"}],
            tools=[WEATHER, TIME],
            tool_choice=choice,
        )
    assert engine.requests[0].tool_choice == choice
    calls = full.choices[0].message.tool_calls or []
    assert [c.function.name for c in calls] == ([expected] if expected else [])


async def test_sampling_fields_and_hints_reach_the_engine() -> None:
    engine = ScriptedChatClient()
    async with serve_client(engine) as url:
        await client_for(url).chat.completions.create(
            model="quickturn",
            messages=[{"role": "user", "content": "hi"}],
            max_completion_tokens=77,
            temperature=0.3,
            top_p=0.9,
            stop=["\n\n", "END"],
            seed=5,
            user="conv-42",
            extra_headers={"X-Quickturn-Priority": "batch"},
            extra_body={"some_future_field": {"x": 1}},
        )
    req = engine.requests[0]
    assert (req.max_tokens, req.temperature, req.top_p, req.stop, req.seed) == (
        77,
        0.3,
        0.9,
        ("\n\n", "END"),
        5,
    )
    assert req.priority == "batch" and req.conversation_id == "conv-42"


async def raw_post(url: str, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.post(
            url + "/chat/completions",
            content=body,
            headers={"content-type": "application/json", **(headers or {})},
        )


def envelope(resp: httpx.Response) -> dict[str, Any]:
    body = resp.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return dict(body["error"])


async def test_error_envelopes() -> None:
    engine = ScriptedChatClient()
    opts = GatewayOptions(max_body_bytes=2048, max_tokens_cap=100, default_max_tokens=50)
    async with serve_client(engine, opts) as url:
        bad_json = await raw_post(url, b'{"model": "quickturn", "messages": [')
        assert bad_json.status_code == 400 and envelope(bad_json)["code"] == "invalid_json"

        missing = await raw_post(url, json.dumps({"model": "quickturn"}).encode())
        assert missing.status_code == 400 and envelope(missing)["param"] == "messages"

        empty = await raw_post(url, json.dumps({"model": "quickturn", "messages": []}).encode())
        assert empty.status_code == 400 and envelope(empty)["param"] == "messages"

        broken_tool = {
            "model": "quickturn",
            "messages": [{"role": "user", "content": "x"}],
            "tools": [
                WEATHER,
                {"type": "function", "function": {"name": "t", "parameters": {"type": "objekt"}}},
            ],
        }
        resp = await raw_post(url, json.dumps(broken_tool).encode())
        err = envelope(resp)
        assert (
            resp.status_code == 400
            and err["param"] == "tools[1]"
            and err["code"] == "invalid_tool_schema"
        )

        unknown_choice = {
            **broken_tool,
            "tools": [WEATHER],
            "tool_choice": {"type": "function", "function": {"name": "nope"}},
        }
        resp = await raw_post(url, json.dumps(unknown_choice).encode())
        assert resp.status_code == 400 and envelope(resp)["param"] == "tool_choice"

        too_many = {
            "model": "quickturn",
            "messages": [{"role": "user", "content": "x"}],
            "max_tokens": 101,
        }
        resp = await raw_post(url, json.dumps(too_many).encode())
        assert resp.status_code == 400 and envelope(resp)["param"] == "max_tokens"

        big = {"model": "quickturn", "messages": [{"role": "user", "content": "x" * 5000}]}
        resp = await raw_post(url, json.dumps(big).encode())
        assert resp.status_code == 413 and envelope(resp)["code"] == "request_too_large"

        with pytest.raises(openai.NotFoundError) as nf:
            await client_for(url).chat.completions.create(
                model="gpt-nope", messages=[{"role": "user", "content": "x"}]
            )
        assert nf.value.code == "model_not_found"
    assert engine.requests == []  # nothing invalid ever reached the engine


async def test_api_key_is_required_when_set() -> None:
    opts = GatewayOptions(api_keys=("sekrit",))
    async with serve_client(ScriptedChatClient(), opts) as url:
        with pytest.raises(openai.AuthenticationError):
            await client_for(url, "wrong").chat.completions.create(
                model="quickturn", messages=[{"role": "user", "content": "x"}]
            )
        with pytest.raises(openai.AuthenticationError):
            await client_for(url, "wrong").models.list()
        ok = await client_for(url, "sekrit").chat.completions.create(
            model="quickturn", messages=[{"role": "user", "content": "x"}]
        )
        assert ok.choices[0].message.content == "Echo: x. Done."
        models = await client_for(url, "sekrit").models.list()
        assert [m.id for m in models.data] == ["quickturn"]


async def test_overload_is_429_with_retry_after_not_a_silent_queue() -> None:
    engine = ScriptedChatClient(ScriptedOptions(stall_after_tokens=1))
    opts = GatewayOptions(admission=AdmissionOptions(max_concurrency=1, queue_budget_s=0.0))
    async with serve_client(engine, opts) as url:
        client = client_for(url)
        stream = await client.chat.completions.create(
            model="quickturn", messages=[{"role": "user", "content": "hold the slot"}], stream=True
        )
        await engine.started.wait()
        with pytest.raises(openai.RateLimitError) as info:
            await client.chat.completions.create(
                model="quickturn", messages=[{"role": "user", "content": "x"}]
            )
        assert int(info.value.response.headers["retry-after"]) >= 1
        assert info.value.code == "overloaded"
        await stream.close()
        await asyncio.wait_for(engine.closed.wait(), 5)


async def test_client_disconnect_cancels_the_generation() -> None:
    engine = ScriptedChatClient(ScriptedOptions(stall_after_tokens=2))
    async with serve_client(engine) as url:
        client = client_for(url)
        stream = await client.chat.completions.create(
            model="quickturn", messages=[{"role": "user", "content": "a long story"}], stream=True
        )
        got = []
        async for chunk in stream:
            got.append(chunk.choices[0].delta.content)
            if len(got) == 3:  # role chunk + two words, then the engine hangs
                break
        assert engine.cancelled == 0
        await stream.close()
        await asyncio.wait_for(engine.closed.wait(), 5)
        assert engine.cancelled == 1
        # the slot came back: the next request is served
        engine.options = ScriptedOptions()
        again = await client.chat.completions.create(
            model="quickturn", messages=[{"role": "user", "content": "x"}]
        )
        assert again.choices[0].message.content == "Echo: x. Done."
        async with httpx.AsyncClient() as http:
            health = (await http.get(url.removesuffix("/v1") + "/health")).json()
            metrics = (await http.get(url.removesuffix("/v1") + "/metrics")).text
    assert health["running"] == 0
    assert 'quickturn_gateway_requests_total{engine="scripted",status="499"} 1' in metrics
    assert 'quickturn_gateway_requests_total{engine="scripted",status="200"} 1' in metrics


async def test_engine_failure_mid_stream_is_an_error_event_then_done() -> None:
    engine = ScriptedChatClient(ScriptedOptions(fail_after_tokens=2))
    async with serve_client(engine) as url:
        async with httpx.AsyncClient(timeout=10) as http:
            resp = await http.post(
                url + "/chat/completions",
                json={
                    "model": "quickturn",
                    "stream": True,
                    "messages": [{"role": "user", "content": "a b c"}],
                },
            )
        events = [line[6:] for line in resp.text.splitlines() if line.startswith("data: ")]
        assert resp.status_code == 200 and events[-1] == "[DONE]"
        error = json.loads(events[-2])["error"]
        assert error["type"] == "engine_error" and "scripted failure" in error["message"]
        assert not any(json.loads(e)["choices"][0]["finish_reason"] for e in events[:-2])
        with pytest.raises(openai.APIError):
            await stream_all(
                client_for(url), model="quickturn", messages=[{"role": "user", "content": "a b c"}]
            )
        # non-streamed: the same failure is a proper 503 envelope
        with pytest.raises(openai.InternalServerError) as info:
            await client_for(url).chat.completions.create(
                model="quickturn", messages=[{"role": "user", "content": "a b c"}]
            )
        assert info.value.status_code == 503


async def test_metrics_report_latency_tokens_and_statuses() -> None:
    async with serve_client(ScriptedChatClient()) as url:
        client = client_for(url)
        for _ in range(2):
            await client.chat.completions.create(
                model="quickturn", messages=[{"role": "user", "content": "hi"}]
            )
        with pytest.raises(openai.BadRequestError):
            await client.chat.completions.create(model="quickturn", messages=[])
        async with httpx.AsyncClient() as http:
            resp = await http.get(url.removesuffix("/v1") + "/metrics")
    text = resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    values = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    e = (("engine", "scripted"),)
    served = (("engine", "scripted"), ("model", "quickturn"), ("upstream", "scripted"))
    assert values[("quickturn_gateway_requests_total", (*e, ("status", "200")))] == 2
    assert values[("quickturn_gateway_requests_total", (*e, ("status", "400")))] == 1
    assert values[("quickturn_gateway_ttft_seconds_count", served)] == 2
    assert values[("quickturn_gateway_ttfs_seconds_count", served)] == 2
    assert values[("quickturn_gateway_queue_wait_seconds_count", e)] == 2
    assert values[("quickturn_gateway_inter_token_seconds_count", served)] == 4  # 2 gaps, twice
    inf_bucket = tuple(sorted((*served, ("le", "+Inf"))))
    assert values[("quickturn_gateway_ttft_seconds_bucket", inf_bucket)] == 2
    assert values[("quickturn_gateway_prompt_tokens_total", served)] == 4
    assert values[("quickturn_gateway_completion_tokens_total", served)] == 6
    assert values[("quickturn_gateway_cached_prompt_tokens_total", served)] == 2
    assert values[("quickturn_gateway_in_flight", e)] == 0
    assert "# TYPE quickturn_gateway_ttft_seconds histogram" in text


def test_scripted_reply_is_the_documented_script() -> None:
    # Guards the test double itself: the exact expectations above rest on it.
    deltas, calls, cut = scripted_reply(ChatRequest([{"role": "user", "content": "hi"}]))
    assert (deltas, calls, cut) == (["Echo:", " hi.", " Done."], [], False)


class WatchedAdmission(AdmissionController):
    """Signals when a queued request is abandoned (the test waits on this, not on time)."""

    def __init__(self, options: AdmissionOptions) -> None:
        super().__init__(options)
        self.abandoned = asyncio.Event()
        self.queued_once = asyncio.Event()

    async def acquire(self, priority: Priority) -> Ticket:
        if self.running >= self.options.max_concurrency:
            self.queued_once.set()
        try:
            return await super().acquire(priority)
        except asyncio.CancelledError:
            self.abandoned.set()
            raise


async def test_client_leaving_the_queue_frees_its_place() -> None:
    engine = ScriptedChatClient(ScriptedOptions(stall_after_tokens=1))
    admission = WatchedAdmission(AdmissionOptions(max_concurrency=1, queue_budget_s=60.0))
    app = create_app(Engine("scripted", engine), GatewayOptions(), admission=admission)
    async with running(app) as base:
        client = client_for(base + "/v1")
        holder = await client.chat.completions.create(
            model="quickturn", messages=[{"role": "user", "content": "hold"}], stream=True
        )
        await engine.started.wait()
        queued = asyncio.create_task(
            client.chat.completions.create(
                model="quickturn", messages=[{"role": "user", "content": "wait"}]
            )
        )
        await asyncio.wait_for(admission.queued_once.wait(), 5)
        assert admission.queued == 1
        queued.cancel()  # the HTTP client gives up while queued
        await asyncio.wait_for(admission.abandoned.wait(), 5)
        assert admission.queued == 0 and admission.running == 1
        assert len(engine.requests) == 1  # the abandoned request never reached the engine
        await holder.close()
        await asyncio.wait_for(engine.closed.wait(), 5)


def test_serve_command_refuses_bad_engine_setups(capsys: pytest.CaptureFixture[str]) -> None:
    from quickturn.cli import main

    assert main(["serve", "--engine", "openai"]) == 2
    assert "needs at least one --upstream" in capsys.readouterr().err
    assert main(["serve", "--engine", "scripted", "--upstream", "http://x/v1"]) == 2
    assert "--upstream needs --engine openai" in capsys.readouterr().err
