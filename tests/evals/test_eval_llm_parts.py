"""The LLM caller and the LLM judge through the official openai client (HTTP mocked at the
transport, so requests and responses go through the real client code)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openai import AsyncOpenAI

from quickturn.errors import ConfigError, UpstreamError
from quickturn.evals.callers.llm import HANGUP, EndpointConfig, LLMCaller, persona_prompt
from quickturn.evals.judge import LLMJudge, parse_verdicts
from quickturn.evals.records import Conversation, ToolCallRecord, Utterance
from quickturn.evals.scenarios import parse_scenario

SCENARIO = parse_scenario(
    {
        "id": "l",
        "title": "llm",
        "tags": ["cancellation", "medium"],
        "opening": "I need to cancel my booking.",
        "persona": "Tired traveller, short answers.",
        "facts": {"name": "Priya Raman", "reservation": "QMZ6ZY"},
        "steps": [{"say": "Please cancel anyway.", "when": "price"}],
        "reactions": {"price": "ask_cheaper", "confirm": True},
        "expect": {"judge": ["The agent states the fee.", "The agent is polite."]},
    },
    "inline",
)


def fake_openai(replies: list[str], seen: list[dict[str, Any]], status: int = 200) -> AsyncOpenAI:
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body)
        if status != 200:
            return httpx.Response(status, json={"error": {"message": "boom", "type": "server"}})
        text = replies[min(len(seen) - 1, len(replies) - 1)]
        return httpx.Response(
            200,
            json={
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": text},
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return AsyncOpenAI(base_url="http://sim.test/v1", api_key="k", http_client=http, max_retries=0)


async def test_llm_caller_plays_persona_and_hangs_up() -> None:
    seen: list[dict[str, Any]] = []
    client = fake_openai(["It's Priya Raman.", f"Thanks, bye. {HANGUP}"], seen)
    caller = LLMCaller(SCENARIO, client, "sim-model")
    assert caller.opening() == "I need to cancel my booking."
    assert await caller.respond("Sure, what's your name?") == "It's Priya Raman."
    assert await caller.respond("Done, goodbye!") == "Thanks, bye."
    assert await caller.respond("Goodbye!") is None
    assert len(seen) == 2  # hanging up needs no request
    system = seen[0]["messages"][0]["content"]
    assert "Priya Raman" in system and "QMZ6ZY" in system and "Tired traveller" in system
    assert "ask once whether there is anything cheaper" in system
    # Roles are mirrored: the agent is the caller-model's user, its own lines are assistant.
    assert [m["role"] for m in seen[1]["messages"]] == [
        "system",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert seen[1]["model"] == "sim-model"


async def test_llm_caller_maps_endpoint_errors_and_turn_limit() -> None:
    caller = LLMCaller(SCENARIO, fake_openai([], [], status=500), "m")
    with pytest.raises(UpstreamError, match="simulated caller endpoint failed"):
        await caller.respond("Hello?")
    limited = LLMCaller(SCENARIO, fake_openai(["ok"], []), "m", max_turns=1)
    assert await limited.respond("a") == "ok"
    assert await limited.respond("b") is None


def conversation() -> Conversation:
    return Conversation(
        transcript=(
            Utterance("caller", "Cancel please.", 1),
            Utterance("agent", "The fee is 179 dollars.", 1),
        ),
        tool_calls=(
            ToolCallRecord(
                "quote_cancellation",
                {"booking_code": "QMZ6ZY"},
                True,
                '{"fee_usd": 179}',
                False,
                True,
                1,
            ),
        ),
        turns=(),
        ended_by="caller",
    )


async def test_judge_sends_transcript_and_parses_verdicts() -> None:
    seen: list[dict[str, Any]] = []
    answer = json.dumps(
        {
            "verdicts": [
                {"n": 1, "met": True, "reason": "said 179"},
                {"n": 2, "met": False, "reason": "curt"},
            ]
        }
    )
    judge = LLMJudge(fake_openai([f"Here you go:\n{answer}"], seen), "judge-model")
    verdicts = await judge.judge(SCENARIO.expect.judge, conversation())
    assert [(v.expectation, v.met) for v in verdicts] == [
        ("The agent states the fee.", True),
        ("The agent is polite.", False),
    ]
    prompt = seen[0]["messages"][1]["content"]
    assert "AGENT: The fee is 179 dollars." in prompt
    assert "quote_cancellation" in prompt and "1. The agent states the fee." in prompt


@pytest.mark.parametrize("answer", ["not json at all", '{"verdicts": [{"n": 1}]}', "{}"])
def test_unparseable_or_missing_verdicts_never_pass(answer: str) -> None:
    verdicts = parse_verdicts(answer, ["a", "b"])
    assert [v.met for v in verdicts] == [False, False]


def test_persona_prompt_and_endpoint_validation() -> None:
    prompt = persona_prompt(SCENARIO)
    assert "Please cancel anyway. (say this when the agent asks you to price)" in prompt
    bad: list[Callable[[], object]] = [
        lambda: EndpointConfig("localhost:8000", "m"),
        lambda: EndpointConfig("http://x/v1", ""),
        lambda: EndpointConfig("http://x/v1", "m", timeout_s=0),
    ]
    for make in bad:
        with pytest.raises(ConfigError):
            make()
