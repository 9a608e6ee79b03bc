"""Filler policy on a virtual clock: decided at the end of the turn from the words and the
engine's recent speed, started within 300 ms, never when the answer is about to start."""

from __future__ import annotations

import asyncio

import pytest

from quickturn.agent.filler_policy import (
    FillerPlan,
    FillerPolicy,
    FillerPolicyOptions,
    run_filler,
)
from quickturn.clock import VirtualClock
from quickturn.errors import ConfigError


def test_a_tool_request_gets_a_fitting_phrase_a_chat_gets_none() -> None:
    policy = FillerPolicy()
    plan = policy.decide("Do you have a double room available next Friday?", decided_at_s=10.0)
    assert plan is not None
    assert plan.reason == "availability" and plan.phrase == "Let me check availability."
    assert plan.start_at_s - 10.0 <= 0.3
    assert policy.decide("Thank you, that's lovely.", decided_at_s=11.0) is None
    cancel = policy.decide("Please cancel my booking for tomorrow.", decided_at_s=12.0)
    assert cancel is not None and cancel.reason == "booking"
    price = policy.decide("How much is the parking per night?", decided_at_s=13.0)
    assert price is not None and price.phrase == "Let me check the rates."


def test_phrases_rotate_within_their_group() -> None:
    policy = FillerPolicy()
    a = policy.decide("Can I book a room?", 0.0)
    b = policy.decide("Can I book a room?", 1.0)
    assert a is not None and b is not None and a.phrase != b.phrase
    assert set(policy.phrases()) >= {a.phrase, b.phrase}


def test_the_engine_s_recent_speed_decides_without_a_tool() -> None:
    policy = FillerPolicy(FillerPolicyOptions(min_wait_s=0.9))
    for s in (0.3, 0.4, 0.35):
        policy.record_first_audio(s)
    assert policy.decide("Tell me about the hotel.", 0.0) is None  # fast engine: no filler
    for s in (1.4, 1.6, 1.5, 1.7):
        policy.record_first_audio(s)
    plan = policy.decide("Tell me about the hotel.", 0.0)  # median now 1.4 s
    assert plan is not None and plan.reason == "slow" and plan.phrase == "Okay."
    assert plan.predicted_wait_s == pytest.approx(1.4)


async def _run(
    plan: FillerPlan, clock: VirtualClock, ready_at: float | None, due_at: float | None
) -> tuple[bool, list[tuple[float, str]]]:
    played: list[tuple[float, str]] = []
    task = asyncio.ensure_future(
        run_filler(
            FillerPolicy(),
            plan,
            clock,
            answer_ready=lambda: ready_at is not None and clock.now() >= ready_at,
            answer_due_s=lambda: due_at,
            play=lambda phrase: played.append((clock.now(), phrase)),
        )
    )
    await clock.run_until_done(task, limit_s=100.0)
    return task.result(), played


async def test_filler_starts_on_time_when_the_answer_is_far() -> None:
    clock = VirtualClock(start_s=5.0)
    plan = FillerPolicy().decide("Is the spa open on Sunday?", decided_at_s=5.0)
    assert plan is not None
    started, played = await _run(plan, clock, ready_at=None, due_at=7.0)
    assert started and played == [(5.15, plan.phrase)]


async def test_no_filler_when_the_answer_is_ready_or_imminent() -> None:
    plan = FillerPlan("Let me check availability.", 5.15, 2.0, "availability")
    started, played = await _run(plan, VirtualClock(start_s=5.0), ready_at=5.1, due_at=None)
    assert not started and played == []
    # Not ready yet but due 200 ms after the filler would start (inside imminent_s = 250 ms).
    started, played = await _run(plan, VirtualClock(start_s=5.0), ready_at=None, due_at=5.35)
    assert not started and played == []
    # Due later than that: the filler fills the gap.
    started, played = await _run(plan, VirtualClock(start_s=5.0), ready_at=None, due_at=5.6)
    assert started and played == [(5.15, plan.phrase)]


async def test_cancelled_before_its_time_it_plays_nothing() -> None:
    clock = VirtualClock(start_s=0.0)
    plan = FillerPlan("Okay.", 0.15, 2.0, "slow")
    played: list[str] = []
    task = asyncio.ensure_future(
        run_filler(FillerPolicy(), plan, clock, lambda: False, lambda: None, played.append)
    )
    await clock.run(until_s=0.1)
    task.cancel()  # the answer's audio arrived first
    await clock.run(until_s=1.0)
    assert task.cancelled() and played == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start_after_s": 0.5},
        {"min_wait_s": 0.0},
        {"history": 0},
        {"phrases": {"slow": ("Okay.",)}},
        {"phrases": {g: ("",) for g in ("booking", "availability", "change", "price",
                                        "schedule", "slow")}},
    ],
)
def test_options_are_validated(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        FillerPolicyOptions(**kwargs)  # type: ignore[arg-type]
