"""Replica routing: affinity, least-loaded, fail-over only before the first token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from quickturn.errors import ConfigError, UpstreamError
from quickturn.gateway.routing import ReplicaRouter, RouterOptions, affinity_key
from quickturn.gateway.testing import ScriptedChatClient
from quickturn.llm.openai_compat import UpstreamStreamError
from quickturn.llm.types import ChatRequest, Finished, LLMEvent, TextDelta, Usage

from .conftest import FakeTimer


class Failing:
    """A replica that fails, before or after its first event."""

    def __init__(self, after_events: int = 0, retryable: bool = True) -> None:
        self.after_events = after_events
        self.retryable = retryable
        self.calls = 0
        self.closed = 0

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        self.calls += 1
        try:
            for i in range(self.after_events):
                yield TextDelta(f"w{i} ", 0.0)
            status = None if self.retryable else 400
            raise UpstreamStreamError(
                "boom", output_started=self.after_events > 0, status_code=status
            )
            yield Finished("stop", Usage(1, 1), 0.0)  # pragma: no cover
        finally:
            self.closed += 1

    async def aclose(self) -> None:
        return None


def req(first_user: str, *later: str, conv: str | None = None) -> ChatRequest:
    messages = [{"role": "system", "content": "sys"}, {"role": "user", "content": first_user}]
    for text in later:
        messages += [{"role": "assistant", "content": "ok"}, {"role": "user", "content": text}]
    return ChatRequest(messages, conversation_id=conv)


async def collect(router: ReplicaRouter, request: ChatRequest) -> list[LLMEvent]:
    return [e async for e in router.stream(request)]


def test_affinity_key_is_stable_across_turns_and_prefers_ids() -> None:
    assert affinity_key(req("hello")) == affinity_key(req("hello", "and then?", "more"))
    assert affinity_key(req("hello")) != affinity_key(req("goodbye"))
    assert affinity_key(req("hello", conv="c1")) == affinity_key(req("other", conv="c1"))


async def test_conversation_returns_to_its_replica_new_ones_spread() -> None:
    a, b = ScriptedChatClient(), ScriptedChatClient()
    router = ReplicaRouter([("a", a), ("b", b)])
    await collect(router, req("first conversation"))
    await collect(router, req("second conversation"))
    assert (len(a.requests), len(b.requests)) == (1, 1)  # least loaded, then fewest served
    home = router.affine_replica(req("first conversation"))
    for turn in ("turn two", "turn three"):
        await collect(router, req("first conversation", turn))
    served = {"a": a, "b": b}[home or ""]
    assert len(served.requests) == 3


async def test_least_loaded_replica_gets_new_work() -> None:
    a, b = ScriptedChatClient(), ScriptedChatClient()
    router = ReplicaRouter([("a", a), ("b", b)])
    held = router.stream(req("long one"))
    await anext(held)  # "a" now has a generation in flight
    assert router.replicas[0].in_flight == 1
    await collect(router, req("another"))
    assert len(b.requests) == 1
    await held.aclose()
    assert router.replicas[0].in_flight == 0


async def test_fails_over_before_first_token_and_remembers_the_new_home() -> None:
    timer = FakeTimer()
    bad, good = Failing(), ScriptedChatClient()
    router = ReplicaRouter(
        [("bad", bad), ("good", good)], RouterOptions(down_cooldown_s=5), clock=timer.now
    )
    events = await collect(router, req("hi"))
    assert isinstance(events[-1], Finished)
    assert bad.calls == 1 and bad.closed == 1 and len(good.requests) == 1
    assert router.affine_replica(req("hi")) == "good"
    # while cooling down the failed replica is tried last, so new work skips it
    await collect(router, req("someone else"))
    assert bad.calls == 1
    await timer.advance(6)
    await collect(router, req("a third"))
    assert bad.calls == 2


async def test_no_fail_over_after_the_first_token() -> None:
    bad, good = Failing(after_events=2), ScriptedChatClient()
    router = ReplicaRouter([("bad", bad), ("good", good)])
    got: list[LLMEvent] = []
    with pytest.raises(UpstreamError) as info:
        async for event in router.stream(req("hi")):
            got.append(event)
    assert len(got) == 2 and good.requests == []
    assert info.value.retryable is False


async def test_client_errors_are_not_retried_elsewhere() -> None:
    bad, good = Failing(retryable=False), ScriptedChatClient()
    router = ReplicaRouter([("bad", bad), ("good", good)])
    with pytest.raises(UpstreamError):
        await collect(router, req("hi"))
    assert good.requests == []


async def test_all_replicas_down_is_one_clear_error() -> None:
    router = ReplicaRouter([("a", Failing()), ("b", Failing())])
    with pytest.raises(UpstreamError, match="all 2 upstream replicas failed"):
        await collect(router, req("hi"))
    assert [r.in_flight for r in router.replicas] == [0, 0]


async def test_closing_the_stream_closes_the_replica_stream() -> None:
    slow = ScriptedChatClient()
    router = ReplicaRouter([("a", slow)])
    stream = router.stream(req("one two three four"))
    await anext(stream)
    await stream.aclose()
    await asyncio.sleep(0)
    assert slow.cancelled == 1


def test_router_options_are_validated() -> None:
    with pytest.raises(ConfigError):
        RouterOptions(affinity_capacity=0)
    with pytest.raises(ConfigError):
        ReplicaRouter([])
    with pytest.raises(ConfigError):
        ReplicaRouter([("a", ScriptedChatClient()), ("a", ScriptedChatClient())])


class Recording:
    """A replica that answers "ok" and keeps the requests it was sent."""

    def __init__(self) -> None:
        self.requests: list[ChatRequest] = []

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        self.requests.append(request)
        yield TextDelta("ok", 0.0)
        yield Finished("stop", Usage(1, 1), 0.0)

    async def aclose(self) -> None:
        return None


async def test_null_content_beside_tool_calls_goes_upstream_as_empty_text() -> None:
    # llama_cpp.server rejects the OpenAI SDK's {"content": null, "tool_calls": [...]} with a 500.
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    messages = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "{}"},
        {"role": "assistant", "content": None},  # no calls: left for the upstream to judge
    ]
    replica = Recording()
    router = ReplicaRouter([("a", replica)])
    await collect(router, ChatRequest(messages))
    sent = replica.requests[0].messages
    assert sent[1] == {"role": "assistant", "content": "", "tool_calls": [call]}
    assert sent[0] == messages[0] and sent[2:] == messages[2:]
    assert messages[1]["content"] is None  # the caller's request is not changed
