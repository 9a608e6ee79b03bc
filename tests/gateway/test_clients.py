"""Real clients through `quickturn serve`: LiveKit Agents' OpenAI LLM and Pipecat's
OpenAILLMService, in proxy mode (in front of our stub upstream, which writes tool calls as text)
and in embedded mode (the real 0.5B model; marked slow). Their own tool-calling paths must fire:
LiveKit's ``execute_function_call``, Pipecat's registered function handlers."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import pytest_asyncio

from .conftest import serve_embedded, spawn_gateway
from .formats import FORMATS

lk_llm = pytest.importorskip("livekit.agents.llm", reason="needs the clients test extra")
lk_openai = pytest.importorskip("livekit.plugins.openai")
pytest.importorskip("pipecat.services.openai.llm")

pytestmark = pytest.mark.asyncio(loop_scope="module")

WEATHER_CALL = FORMATS["hermes"][0]
TIME_CALL = '<|tool_call>call:get_time{tz:<|"|>CET<|"|>,hours:2}<tool_call|>'


@asynccontextmanager
async def proxy_gateway() -> AsyncIterator[str]:
    async with spawn_gateway("--engine", "scripted", "--no-repair") as up:
        async with spawn_gateway("--engine", "openai", "--upstream", up.url) as gateway:
            yield gateway.url


@pytest_asyncio.fixture(
    loop_scope="module",
    scope="module",
    params=["proxy", pytest.param("embedded", marks=pytest.mark.slow)],
)
async def served(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, str]]:
    """(mode, /v1 URL) of `quickturn serve` in proxy mode or over the embedded engine."""
    mode: str = request.param
    if mode == "proxy":
        async with proxy_gateway() as url:
            yield mode, url
    else:
        async with serve_embedded() as (_, url):
            yield mode, url


MAX_TOKENS = 48  # a greeting or one call; keeps the real model's turns short
SYSTEM = "You are a weather assistant. Use the tools to answer. Be brief."
PLAIN = {"proxy": "/say Hello there! How can I help you today?", "embedded": "Say hello."}
ASK_WEATHER = {"proxy": "/say " + WEATHER_CALL, "embedded": "What is the weather in Paris?"}


# --- LiveKit Agents ---------------------------------------------------------------------------


@lk_llm.function_tool
async def get_weather(city: str) -> str:
    """Get the current weather in a city.

    Args:
        city: The city name.
    """
    return f"sunny, 21 C in {city}"


@lk_llm.function_tool
async def get_time(tz: str, hours: int) -> str:
    """Get the time in a time zone, some hours from now.

    Args:
        tz: The time zone.
        hours: Hours from now.
    """
    return f"{tz} +{hours}h: 14:00"


def livekit_llm(url: str) -> Any:
    # A cold prefill of the tool prompt on a busy 2-core machine takes longer than LiveKit's
    # default 10 s timeout; a retry would then only queue behind the first attempt.
    return lk_openai.LLM(
        model="quickturn",
        base_url=url,
        api_key="x",
        temperature=0.0,
        max_completion_tokens=MAX_TOKENS,
        timeout=httpx.Timeout(300),
    )


async def livekit_turn(llm: Any, ctx: Any, tools: list[Any]) -> tuple[str, list[Any]]:
    from livekit.agents import APIConnectOptions

    text, calls = "", []
    once = APIConnectOptions(max_retry=0, timeout=300)
    async with llm.chat(chat_ctx=ctx, tools=tools, conn_options=once) as stream:
        async for chunk in stream:
            if chunk.delta is not None:
                text += chunk.delta.content or ""
                calls.extend(chunk.delta.tool_calls)
    return text, calls


async def test_livekit_streams_a_plain_answer(served: tuple[str, str]) -> None:
    mode, url = served
    llm = livekit_llm(url)
    ctx = lk_llm.ChatContext()
    ctx.add_message(role="user", content=PLAIN[mode])
    text, calls = await livekit_turn(llm, ctx, [])
    assert calls == []
    if mode == "proxy":
        assert text == "Hello there! How can I help you today?"
    else:
        assert len(text.split()) >= 1 and "<tool_call>" not in text


async def test_livekit_tool_call_fires_its_own_execution(served: tuple[str, str]) -> None:
    mode, url = served
    llm = livekit_llm(url)
    ctx = lk_llm.ChatContext()
    ctx.add_message(role="system", content=SYSTEM)
    ctx.add_message(role="user", content=ASK_WEATHER[mode])
    text, calls = await livekit_turn(llm, ctx, [get_weather])
    assert [c.name for c in calls] == ["get_weather"], text
    assert "<tool_call>" not in text and "{" not in text
    result = await lk_llm.utils.execute_function_call(calls[0], lk_llm.ToolContext([get_weather]))
    assert result.fnc_call_out is not None and not result.fnc_call_out.is_error
    assert "sunny" in result.fnc_call_out.output
    if mode == "proxy":
        assert json.loads(calls[0].arguments) == {"city": "Paris"}


async def test_livekit_keeps_two_turns_of_tool_calls_in_its_history(
    served: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    mode, url = served
    if mode != "proxy":
        pytest.skip("scripted turns need the stub upstream")
    llm = livekit_llm(url)
    tools = [get_weather, get_time]
    ctx = lk_llm.ChatContext()
    ids = []
    for say in (WEATHER_CALL, TIME_CALL):
        ctx.add_message(role="user", content="/say " + say)
        _, calls = await livekit_turn(llm, ctx, tools)
        assert len(calls) == 1
        result = await lk_llm.utils.execute_function_call(calls[0], lk_llm.ToolContext(tools))
        ctx.insert([result.fnc_call, result.fnc_call_out])
        ids.append(calls[0].call_id)
    assert len(set(ids)) == 2
    with caplog.at_level(logging.WARNING):
        messages, _ = ctx.to_provider_format("openai")
    assert "missing the corresponding" not in caplog.text
    sent_calls = [c["id"] for m in messages for c in m.get("tool_calls", [])]
    outputs = [m["tool_call_id"] for m in messages if m["role"] == "tool"]
    assert sent_calls == ids and outputs == ids
    # The whole history goes back through the gateway, and the answer is words.
    ctx.add_message(role="user", content="/say Paris is sunny; it is 14:00 in two hours.")
    text, calls = await livekit_turn(llm, ctx, tools)
    assert (text, calls) == ("Paris is sunny; it is 14:00 in two hours.", [])


# --- Pipecat ----------------------------------------------------------------------------------


async def pipecat_run(url: str, user: str, *, tools: bool) -> tuple[str, list[dict[str, Any]]]:
    """One LLMContextFrame through a pipeline [OpenAILLMService, collector]; returns the text
    frames and the calls Pipecat made to our registered function handler."""
    from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
    from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
    from pipecat.frames.frames import (
        EndFrame,
        Frame,
        FunctionCallResultFrame,
        LLMContextFrame,
        LLMFullResponseEndFrame,
        LLMTextFrame,
    )
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.pipeline.worker import PipelineWorker
    from pipecat.processors.aggregators.llm_context import LLMContext
    from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
    from pipecat.services.llm_service import FunctionCallParams
    from pipecat.services.openai.llm import OpenAILLMService
    from pipecat.workers.runner import WorkerRunner

    texts: list[str] = []
    called: list[dict[str, Any]] = []
    done = asyncio.Event()

    class Collector(FrameProcessor):
        async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
            await super().process_frame(frame, direction)
            if isinstance(frame, LLMTextFrame):
                texts.append(frame.text)
            if isinstance(frame, FunctionCallResultFrame) or (
                isinstance(frame, LLMFullResponseEndFrame) and not tools
            ):
                done.set()
            await self.push_frame(frame, direction)

    async def weather(params: FunctionCallParams) -> None:
        called.append(dict(params.arguments))
        await params.result_callback({"conditions": "sunny", "temperature_c": 21})

    settings = OpenAILLMService.Settings(
        model="quickturn", system_instruction=SYSTEM, max_tokens=MAX_TOKENS, temperature=0.0
    )
    llm = OpenAILLMService(api_key="x", base_url=url, settings=settings)
    schema = ToolsSchema(
        standard_tools=[
            FunctionSchema(
                name="get_weather",
                description="Get the current weather in a city.",
                properties={"city": {"type": "string", "description": "The city name."}},
                required=["city"],
            )
        ]
    )
    messages: list[Any] = [{"role": "user", "content": user}]
    context = LLMContext(messages, schema) if tools else LLMContext(messages)
    if tools:
        llm.register_function("get_weather", weather)
    task = PipelineWorker(Pipeline([llm, Collector()]))
    worker_runner = WorkerRunner(handle_sigint=False)
    await worker_runner.add_workers(task)
    runner = asyncio.create_task(worker_runner.run())
    try:
        await task.queue_frame(LLMContextFrame(context))
        await asyncio.wait_for(done.wait(), timeout=300)
        await task.queue_frame(EndFrame())
        await asyncio.wait_for(runner, timeout=30)
    finally:
        if not runner.done():
            runner.cancel()
    return "".join(texts), called


async def test_pipecat_streams_a_plain_answer(served: tuple[str, str]) -> None:
    mode, url = served
    text, called = await pipecat_run(url, PLAIN[mode], tools=False)
    assert called == []
    if mode == "proxy":
        assert text == "Hello there! How can I help you today?"
    else:
        assert text.strip() and "<tool_call>" not in text


async def test_pipecat_calls_its_registered_function(served: tuple[str, str]) -> None:
    mode, url = served
    text, called = await pipecat_run(url, ASK_WEATHER[mode], tools=True)
    assert len(called) == 1 and "city" in called[0], text
    assert "<tool_call>" not in text and '"name"' not in text
    if mode == "proxy":
        assert called == [{"city": "Paris"}]
