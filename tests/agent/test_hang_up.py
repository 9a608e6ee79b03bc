"""The caller hangs up mid-turn (the transport cancels the session): what they said in the turn
stays on record, and nothing of the call (reply, generation, tool call) keeps running."""

from __future__ import annotations

import asyncio
import gc

import pytest

from agent.harness import Harness
from agent.test_session import LONG, NO_PREEMPT, front_desk
from quickturn.agent.events import CallEnded


def _leftover_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


async def test_hang_up_while_the_reply_plays_keeps_the_callers_words() -> None:
    h = Harness(front_desk, options=NO_PREEMPT)
    h.tts.ms_per_char = 20.0  # ~1.6 s per sentence: the reply is still playing at 4.0 s
    s = await h.run([(0.5, "tell me about rooms")], end_s=12.0, hang_up_s=4.0)
    assert s.context.history[0] == {"role": "user", "content": "tell me about rooms"}
    # The answer as far as it was heard, not as far as it was generated.
    [assistant] = [m for m in s.context.history if m["role"] == "assistant"]
    heard = str(assistant["content"])
    assert heard.startswith("Our hotel has three kinds of rooms") and len(heard) < len(LONG)
    assert s.turns == []  # the turn never completed: no metrics are made up for it
    assert not _leftover_tasks()
    assert h.output.frames[-1].captured_at_s <= 4.0  # nothing started playing after it


async def test_hang_up_while_a_tool_runs_keeps_the_words_and_stops_the_tool() -> None:
    h = Harness(front_desk, options=NO_PREEMPT, tool_work_s=3.0, with_fillers=False)
    # The booking runs from ~1.8 s to ~4.8 s; the caller is gone at 3.0 s.
    s = await h.run([(0.5, "book a double room")], end_s=12.0, hang_up_s=3.0)
    # The unanswered tool call is dropped (it would make the next request invalid).
    assert s.context.history == [{"role": "user", "content": "book a double room"}]
    assert h.world.booked == []  # the tool was cancelled with the call, not left running
    assert not _leftover_tasks()


async def test_hang_up_while_the_turn_is_held_open_keeps_the_transcribed_words() -> None:
    h = Harness(front_desk, options=NO_PREEMPT)
    # "... book" is held open 0.8 s by FixedHold; the caller is gone inside that hold.
    s = await h.run([(0.5, "i want to book")], end_s=12.0, hang_up_s=2.2)
    assert s.context.history == [{"role": "user", "content": "i want to book"}]
    assert h.llm.requests == [] and not _leftover_tasks()


async def _end_at(h: Harness, at_s: float) -> None:
    await h.clock.sleep_until(at_s)
    h.session.end("test")


@pytest.mark.parametrize("ending", ["input_ends", "end", "hang_up"])
async def test_no_task_of_the_call_fails_unseen_when_it_ends(ending: str) -> None:
    """Every task of the call has an owner that sees how it ended: the loop never reports a
    "Task exception was never retrieved" (or any other unhandled error) at the call's end."""
    loop = asyncio.get_running_loop()
    unhandled: list[dict[str, object]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: unhandled.append(context))
    try:
        h = Harness(front_desk, options=NO_PREEMPT)
        h.tts.ms_per_char = 20.0
        ender = None
        if ending == "end":

            ender = asyncio.create_task(_end_at(h, 4.0))
        end_s = 4.0 if ending == "input_ends" else 12.0
        hang_up_s = 4.0 if ending == "hang_up" else None
        s = await h.run([(0.5, "tell me about rooms")], end_s=end_s, hang_up_s=hang_up_s)
        if ender is not None:
            await ender
        ended = [e.reason for e in h.events if isinstance(e, CallEnded)]
        assert ended == {"input_ends": ["input_ended"], "end": ["ended"], "hang_up": []}[ending]
        del s, h
        gc.collect()  # an unretrieved exception is reported when its task is collected
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(previous)
    assert unhandled == []
    assert not _leftover_tasks()
