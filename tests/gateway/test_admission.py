"""Admission control on virtual time: cap, priority, queue budget, cancellation."""

from __future__ import annotations

import asyncio

import pytest

from quickturn.errors import ConfigError, OverloadedError
from quickturn.gateway.admission import AdmissionController, AdmissionOptions

from .conftest import FakeTimer, settle


def controller(timer: FakeTimer, **kw: float) -> AdmissionController:
    return AdmissionController(AdmissionOptions(**kw), now=timer.now, sleep=timer.sleep)  # type: ignore[arg-type]


async def test_grants_up_to_the_cap_then_queues() -> None:
    timer = FakeTimer()
    adm = controller(timer, max_concurrency=2, queue_budget_s=1.0)
    a = await adm.acquire("interactive")
    b = await adm.acquire("interactive")
    assert adm.running == 2 and a.queue_wait_s == 0.0
    waiter = asyncio.create_task(adm.acquire("interactive"))
    await settle()
    assert not waiter.done() and adm.queued == 1
    await timer.advance(0.25)
    a.release()
    await settle()
    c = waiter.result()
    assert c.queue_wait_s == pytest.approx(0.25)
    assert adm.running == 2 and adm.queued == 0
    b.release()
    c.release()
    c.release()  # idempotent: the slot is returned once
    assert adm.running == 0


async def test_queue_budget_expiry_is_a_429_with_retry_after() -> None:
    timer = FakeTimer()
    adm = controller(timer, max_concurrency=1, queue_budget_s=0.5)
    held = await adm.acquire("interactive")
    waiter = asyncio.create_task(adm.acquire("interactive"))
    await timer.advance(0.49)
    assert not waiter.done()
    await timer.advance(0.02)
    with pytest.raises(OverloadedError) as info:
        waiter.result()
    assert info.value.retry_after_s >= 0.5
    assert adm.queued == 0 and adm.running == 1
    held.release()
    assert adm.running == 0


async def test_interactive_jumps_queued_batch_work() -> None:
    timer = FakeTimer()
    adm = controller(timer, max_concurrency=1, queue_budget_s=10.0)
    held = await adm.acquire("batch")
    order: list[str] = []

    async def take(name: str, priority: str) -> None:
        ticket = await adm.acquire(priority)  # type: ignore[arg-type]
        order.append(name)
        ticket.release()

    tasks = [asyncio.create_task(take("batch1", "batch"))]
    await settle()
    tasks.append(asyncio.create_task(take("batch2", "batch")))
    await settle()
    tasks.append(asyncio.create_task(take("call", "interactive")))
    await settle()
    held.release()
    await asyncio.gather(*tasks)
    assert order == ["call", "batch1", "batch2"]


async def test_batch_cannot_start_ahead_of_a_waiting_call_or_into_the_reserve() -> None:
    timer = FakeTimer()
    adm = controller(timer, max_concurrency=2, queue_budget_s=0.0, interactive_reserve=1)
    batch = await adm.acquire("batch")
    with pytest.raises(OverloadedError):
        await adm.acquire("batch")  # the last slot is reserved for calls
    call = await adm.acquire("interactive")
    assert adm.running == 2
    batch.release()
    call.release()


async def test_cancelled_waiter_leaves_no_trace() -> None:
    timer = FakeTimer()
    adm = controller(timer, max_concurrency=1, queue_budget_s=5.0)
    held = await adm.acquire("interactive")
    gone = asyncio.create_task(adm.acquire("interactive"))
    nxt = asyncio.create_task(adm.acquire("interactive"))
    await settle()
    gone.cancel()
    await settle()
    assert gone.cancelled() and adm.queued == 1
    held.release()
    await settle()
    ticket = nxt.result()  # the slot skipped the departed waiter
    assert adm.running == 1
    ticket.release()
    assert adm.running == 0


async def test_full_queue_refuses_at_once() -> None:
    timer = FakeTimer()
    adm = controller(timer, max_concurrency=1, queue_budget_s=5.0, max_queue=1)
    held = await adm.acquire("interactive")
    waiter = asyncio.create_task(adm.acquire("interactive"))
    await settle()
    with pytest.raises(OverloadedError):
        await adm.acquire("interactive")
    held.release()
    await settle()
    waiter.result().release()


@pytest.mark.parametrize(
    "kw",
    [
        {"max_concurrency": 0},
        {"queue_budget_s": -1.0},
        {"max_queue": -1},
        {"max_concurrency": 1, "interactive_reserve": 1},
    ],
)
def test_options_are_validated(kw: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        AdmissionOptions(**kw)  # type: ignore[arg-type]
