"""The embedded engine's generation loop under cancellation (a fake slot: orchestration only;
the real model's early close is tested in test_embedded_engine.py)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from quickturn.llm.embedded_client import EmbeddedChatClient, EmbeddedOptions
from quickturn.llm.llama_slot import GenerationResult, SamplingParams, TokenSink


class StubbornSlot:
    """A slot whose worker, once told to stop, finishes its current token only when allowed."""

    def __init__(self) -> None:
        self.index = 0
        self.busy = False
        self.last_used_s = 0.0
        self.stopping = threading.Event()  # the worker has seen the cancel flag
        self.may_finish = threading.Event()
        self.log: list[str] = []

    def reusable_prefix(self, tokens: list[int]) -> int:
        return 0

    async def generate(
        self, tokens: list[int], params: SamplingParams, sink: TokenSink, cancel: threading.Event
    ) -> GenerationResult:
        def work() -> GenerationResult:
            sink("Hello")
            cancel.wait()
            self.stopping.set()
            self.may_finish.wait()  # an uninterruptible llama.cpp step
            self.log.append("worker stopped")
            return GenerationResult(1, "cancelled")

        return await asyncio.to_thread(work)


async def test_a_cancellation_during_cleanup_is_raised_after_the_worker_stops() -> None:
    slot = StubbornSlot()
    client = EmbeddedChatClient(EmbeddedOptions(), [slot], None, lambda s: [], None)  # type: ignore[arg-type,list-item]
    closed_normally: list[bool] = []

    async def consumer() -> None:
        gen = client._generate([1, 2, 3], SamplingParams(max_tokens=8), 0)
        assert await anext(gen) == "Hello"
        # A barge-in closes the stream; the caller's task is cancelled while the close waits
        # for the worker. The cancellation must reach the caller, not vanish in the cleanup.
        await gen.aclose()
        closed_normally.append(True)

    task = asyncio.create_task(consumer())
    await asyncio.to_thread(slot.stopping.wait)
    task.cancel()
    await asyncio.sleep(0)
    assert slot.busy  # the worker still runs: its slot is not handed out yet
    slot.may_finish.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled() and not closed_normally
    assert slot.log == ["worker stopped"] and not slot.busy
