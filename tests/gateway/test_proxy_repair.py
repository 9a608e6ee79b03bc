"""`quickturn serve --engine openai` repairs what an upstream writes as text, streamed and not,
for every format; the upstream is our stub (`quickturn serve --engine scripted --no-repair`,
which writes `/say TEXT` verbatim in uneven deltas), driven by the official openai client."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import openai
import pytest
import pytest_asyncio
from openai import AsyncOpenAI

from .conftest import Subprocess, spawn_gateway
from .formats import FORMATS, TOOLS

pytestmark = pytest.mark.asyncio(loop_scope="module")
CALL_ID = re.compile(r"call_[0-9a-f]{24}")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def servers() -> AsyncIterator[tuple[Subprocess, Subprocess]]:
    async with spawn_gateway("--engine", "scripted", "--no-repair", "--model-name", "stub-1") as up:
        async with spawn_gateway(
            "--engine", "openai", "--upstream", up.url, "--model-alias", "gpt-4o=stub-1"
        ) as proxy:
            yield up, proxy


def api(url: str) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=url, api_key="x", max_retries=0, timeout=30)


def say(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": "/say " + text.replace("\n", "\\n")}]


Form = tuple[str, list[tuple[str, Any]], str, list[str]]


async def both_forms(url: str, **kw: Any) -> list[Form]:
    """(content, calls, finish_reason, ids) of a non-streamed and of a streamed reply."""
    client = api(url)
    try:
        full = await client.chat.completions.create(**kw)
        message = full.choices[0].message
        calls = message.tool_calls or []
        out = [
            (
                message.content or "",
                [(c.function.name, json.loads(c.function.arguments)) for c in calls],
                str(full.choices[0].finish_reason),
                [c.id for c in calls],
            )
        ]
        text, parts, finish = "", {}, ""
        async for chunk in await client.chat.completions.create(stream=True, **kw):
            for choice in chunk.choices:
                text += choice.delta.content or ""
                for d in choice.delta.tool_calls or []:
                    assert d.id and d.function and d.function.name  # whole calls, never halves
                    parts[d.index] = (d.id, d.function.name, json.loads(d.function.arguments or ""))
                finish = choice.finish_reason or finish
        out.append(
            (
                text,
                [(n, a) for _, n, a in (parts[i] for i in sorted(parts))],
                finish,
                [i for i, _, _ in (parts[k] for k in sorted(parts))],
            )
        )
    finally:
        await client.close()
    return out


@pytest.mark.parametrize("fmt", sorted(FORMATS))
async def test_proxy_repairs_each_format_streamed_and_not(
    servers: tuple[Subprocess, Subprocess], fmt: str
) -> None:
    _, proxy = servers
    text, content, calls = FORMATS[fmt]
    forms = await both_forms(proxy.url, model="quickturn", messages=say(text), tools=TOOLS)
    for got_content, got_calls, finish, ids in forms:
        assert (got_content, got_calls) == (content, calls)
        assert finish == ("tool_calls" if calls else "stop")
        assert all(CALL_ID.fullmatch(i) for i in ids)
    all_ids = forms[0][3] + forms[1][3]
    assert len(set(all_ids)) == len(all_ids)  # unique across calls and responses


async def test_without_the_gateway_the_markup_reaches_the_client(
    servers: tuple[Subprocess, Subprocess],
) -> None:
    """The control: the same upstream called directly gives raw markup and no calls."""
    up, _ = servers
    text, _, _ = FORMATS["hermes"]
    forms = await both_forms(up.url, model="stub-1", messages=say(text), tools=TOOLS)
    content, calls, _, _ = forms[0]
    assert content == text and calls == []


async def test_upstream_model_names_and_aliases_are_served(
    servers: tuple[Subprocess, Subprocess],
) -> None:
    _, proxy = servers
    client = api(proxy.url)
    try:
        listed = [m.id async for m in client.models.list()]
        assert listed == ["quickturn", "stub-1", "gpt-4o"]
        for name in listed:
            reply = await client.chat.completions.create(
                model=name, messages=say("Hi."), max_tokens=20
            )
            assert reply.choices[0].message.content == "Hi." and reply.model == name
        with pytest.raises(openai.NotFoundError, match="stub-1"):
            await client.chat.completions.create(model="gpt-5", messages=say("Hi."))
    finally:
        await client.close()


async def test_parallel_tool_calls_false_and_tool_choice_none(
    servers: tuple[Subprocess, Subprocess],
) -> None:
    _, proxy = servers
    text, _, calls = FORMATS["hermes_two_calls"]
    kw: dict[str, Any] = {"model": "quickturn", "messages": say(text), "tools": TOOLS}
    for content, got, _, _ in await both_forms(proxy.url, parallel_tool_calls=False, **kw):
        assert (content, got) == ("", calls[:1])
    for content, got, finish, _ in await both_forms(proxy.url, tool_choice="none", **kw):
        assert (content, got, finish) == ("", [], "stop")


SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city", "days"],
}


async def test_response_format_is_enforced_on_an_upstream(
    servers: tuple[Subprocess, Subprocess],
) -> None:
    _, proxy = servers
    fmt = {"type": "json_schema", "json_schema": {"name": "trip", "schema": SCHEMA}}
    good = '```json\n{"city": "Paris", "days": 3}\n```'  # a fence is unwrapped
    forms = await both_forms(
        proxy.url, model="quickturn", messages=say(good), response_format=fmt
    )
    assert [f[0] for f in forms] == ['{"city": "Paris", "days": 3}'] * 2
    client = api(proxy.url)
    try:
        with pytest.raises(openai.APIStatusError, match="response_format") as info:
            await client.chat.completions.create(
                model="quickturn", messages=say('{"city": "Paris"}'), response_format=fmt
            )
        assert info.value.status_code == 502
        prose = {"type": "json_object"}
        with pytest.raises(openai.APIStatusError, match="not valid JSON"):
            await client.chat.completions.create(
                model="quickturn", messages=say("Sure thing!"), response_format=prose  # type: ignore[arg-type]
            )
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"response_format": {"type": "xml"}}, "response_format"),
        ({"response_format": {"type": "json_schema", "json_schema": {}}}, "response_format"),
        ({"logprobs": True}, "logprobs"),
        ({"frequency_penalty": 0.5}, "frequency_penalty"),
        ({"response_format": {"type": "json_object"}, "tools": TOOLS}, "response_format"),
    ],
)
async def test_unsupported_parameters_are_a_400_that_says_so(
    servers: tuple[Subprocess, Subprocess], extra: dict[str, Any], param: str
) -> None:
    _, proxy = servers
    body = {"model": "quickturn", "messages": say("x"), **extra}
    async with httpx.AsyncClient(timeout=10) as http:
        resp = await http.post(proxy.url + "/chat/completions", json=body)
    assert resp.status_code == 400
    assert resp.json()["error"]["param"] == param
