"""Conversation replay on a scripted client and a virtual clock."""

from __future__ import annotations

import json

import pytest
from bench_fakes import ScriptedClient, Step, VirtualClock, hotel_script

from quickturn.bench.conversations import Conversation
from quickturn.bench.results import summarize
from quickturn.bench.runner import RunOptions, Target, run_target, run_targets
from quickturn.bench.workload import load_workload
from quickturn.errors import ConfigError, UpstreamError
from quickturn.llm.types import ChatRequest

WORKLOAD = load_workload("synthetic")


async def test_history_grows_with_real_replies_and_tool_results() -> None:
    client = ScriptedClient(hotel_script, VirtualClock())
    target = Target("fake", "c=1", client, RunOptions(conversations=1, turns=4, warmup_turns=0))
    samples = await run_target(target, WORKLOAD, clock=client.clock)

    # Script "new-booking": turn 0 says "book" -> tool call + follow-up round; others one round.
    assert [(s.turn_index, s.round_index) for s in samples] == [(0, 0), (0, 1), (1, 0), (2, 0),
                                                                (3, 0)]
    first, follow_up = client.requests[0], client.requests[1]
    assert first.messages[0] == {"role": "system", "content": WORKLOAD.system_prompt}
    assert first.tools == WORKLOAD.tools and len(first.tools) == 40
    assert first.conversation_id == "bench-new-booking-r0"
    assert first.tool_choice == "auto" and follow_up.tool_choice == "none"
    # The follow-up carries the assistant's call and a canned result for it.
    assistant, tool = follow_up.messages[-2], follow_up.messages[-1]
    assert assistant["tool_calls"][0]["function"]["name"] == "create_reservation"
    assert tool["role"] == "tool" and tool["tool_call_id"] == assistant["tool_calls"][0]["id"]
    assert json.loads(tool["content"])["status"] == "confirmed"
    # Each later turn's prompt is the previous prompt + the real reply + the new user line.
    turn1 = client.requests[2].messages
    assert turn1[: len(follow_up.messages)] == follow_up.messages
    assert turn1[len(follow_up.messages)] == {"role": "assistant",
                                              "content": "Done. Anything else?"}
    assert turn1[-1]["role"] == "user"
    assert len(client.requests[4].messages) > len(client.requests[3].messages)
    # Timings come from the scripted delays exactly.
    assert samples[0].ttft_s == pytest.approx(0.3) and samples[0].ttfs_s == pytest.approx(0.3)
    assert samples[1].ttft_s == pytest.approx(0.1)
    assert samples[1].ttfs_s == pytest.approx(0.12)  # "Done." confirmed by " Anything"
    assert samples[2].ttfs_s == pytest.approx(0.3)  # "Sure, happy to help." + " What"
    assert samples[2].total_s == pytest.approx(0.36)
    assert samples[2].prompt_tokens == 100 and samples[2].cached_tokens == 80


async def test_failed_request_is_recorded_and_its_turn_dropped() -> None:
    calls = {"n": 0}

    def flaky(request: ChatRequest) -> list[Step]:
        calls["n"] += 1
        if calls["n"] == 2:
            return [(0.1, UpstreamError("503 from replica"))]
        return [(0.2, "Okay."), (0.01, "finish")]

    client = ScriptedClient(flaky, VirtualClock())
    target = Target("fake", "c=1", client, RunOptions(conversations=1, turns=3, warmup_turns=0,
                                                      max_rounds=1))
    samples = await run_target(target, load_workload("synthetic"), clock=client.clock)
    assert [s.ok for s in samples] == [True, False, True]
    assert samples[1].error_type == "UpstreamError"
    assert samples[1].error_message == "503 from replica"
    assert samples[1].ttft_s is None
    # Turn 1 failed: turn 2's prompt holds turn 0 and turn 2 only, no dangling user line.
    roles = [m["role"] for m in client.requests[2].messages]
    assert roles == ["system", "user", "assistant", "user"]
    [summary] = summarize(samples)
    assert (summary.requests, summary.failures) == (3, 1)
    assert summary.errors == {"UpstreamError": 1}
    assert summary.metrics["ttft_s"] is not None and summary.metrics["ttft_s"].count == 2


async def test_warmup_turns_run_first_and_are_excluded() -> None:
    client = ScriptedClient(hotel_script, VirtualClock())
    target = Target("fake", "c=1", client,
                    RunOptions(conversations=2, turns=2, warmup_turns=2, max_rounds=1))
    samples = await run_target(target, WORKLOAD, clock=client.clock)
    assert [s.warmup for s in samples] == [True, True, False, False, False, False]
    assert samples[0].conversation_id == "warmup"
    [summary] = summarize(samples)
    assert summary.requests == 4


async def test_concurrency_and_repetitions() -> None:
    client = ScriptedClient(hotel_script, VirtualClock())
    opts = RunOptions(conversations=3, turns=2, concurrency=2, repetitions=2, warmup_turns=0,
                      max_rounds=1)
    samples = await run_target(Target("fake", "c=2", client, opts), WORKLOAD, clock=client.clock)
    assert len(samples) == 3 * 2 * 2
    assert client.max_in_flight == 2
    keys = {(s.conversation_id, s.repetition) for s in samples}
    assert keys == {(c, r) for c in ("new-booking", "change-dates", "late-checkout-and-spa")
                    for r in (0, 1)}


async def test_targets_run_side_by_side_in_order() -> None:
    a = ScriptedClient(hotel_script, VirtualClock())
    b = ScriptedClient(lambda _r: [(0.5, "Slow."), (0.0, "finish")], a.clock)
    opts = RunOptions(conversations=1, turns=2, warmup_turns=0, max_rounds=1)
    samples = await run_targets([Target("a", "c=1", a, opts), Target("b", "c=1", b, opts)],
                                WORKLOAD, clock=a.clock)
    summaries = summarize(samples)
    assert [(s.endpoint, s.requests) for s in summaries] == [("a", 2), ("b", 2)]
    slow = summaries[1].metrics["ttft_s"]
    assert slow is not None and slow.p50 == pytest.approx(0.5)


async def test_interleaved_targets_warm_first_then_take_turns_per_conversation() -> None:
    clock = VirtualClock()
    order: list[str] = []

    def script(name: str) -> ScriptedClient:
        def steps(request: ChatRequest) -> list[Step]:
            order.append(f"{name}:{request.conversation_id}")
            return [(0.1, "Fine."), (0.0, "finish")]

        return ScriptedClient(steps, clock)

    opts = RunOptions(conversations=3, turns=2, warmup_turns=1, max_rounds=1)
    targets = [Target("a", "c=1", script("a"), opts), Target("b", "c=1", script("b"), opts)]
    samples = await run_targets(targets, WORKLOAD, clock=clock, interleave=True)
    warm, convs = "bench-warmup-r0", ["bench-new-booking-r0", "bench-change-dates-r0",
                                      "bench-late-checkout-and-spa-r0"]
    # Both warm up, then each conversation runs whole on one target, the order reversing.
    assert order == [f"a:{warm}", f"b:{warm}",
                     f"a:{convs[0]}", f"a:{convs[0]}", f"b:{convs[0]}", f"b:{convs[0]}",
                     f"b:{convs[1]}", f"b:{convs[1]}", f"a:{convs[1]}", f"a:{convs[1]}",
                     f"a:{convs[2]}", f"a:{convs[2]}", f"b:{convs[2]}", f"b:{convs[2]}"]
    assert [(s.endpoint, s.requests) for s in summarize(samples)] == [("a", 6), ("b", 6)]
    with pytest.raises(ConfigError, match="concurrency 1"):
        await run_targets([Target("a", "c=2", script("a"), RunOptions(concurrency=2))],
                          WORKLOAD, interleave=True)


async def test_an_empty_reply_goes_back_as_empty_content_and_replies_keep_their_head() -> None:
    # llama_cpp.server rejects an assistant message whose content is null and has no calls.
    replies = iter([[(0.1, "finish")], [(0.1, "Sure, room 4 is free."), (0.0, "finish")]])
    client = ScriptedClient(lambda _r: next(replies), VirtualClock())
    opts = RunOptions(conversations=1, turns=2, warmup_turns=0, max_rounds=1)
    samples = await run_target(Target("a", "c=1", client, opts), WORKLOAD, clock=client.clock)
    assert client.requests[1].messages[-2] == {"role": "assistant", "content": ""}
    assert [s.output_head for s in samples] == ["", "Sure, room 4 is free."]


def test_conversation_and_options_validation() -> None:
    with pytest.raises(ConfigError):
        RunOptions(concurrency=0)
    with pytest.raises(ConfigError):
        RunOptions(turns=0)
    with pytest.raises(ConfigError):
        RunOptions(request_timeout_s=0)
    with pytest.raises(ConfigError):
        Conversation("x", ("hello", " "))
    with pytest.raises(ConfigError):
        Target("", "c=1", ScriptedClient(hotel_script))
