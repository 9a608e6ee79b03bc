"""A caller who goes on while the STT is still busy with the first part loses no words (seen
in the demo on a loaded machine: "Hi, I'd like to book" vanished when its transcript took
longer than the caller's pause). Fakes on a virtual clock (tests/agent/harness.py)."""

from __future__ import annotations

from agent.harness import Harness
from agent.test_session import NO_PREEMPT, PREEMPT, front_desk


async def test_slow_stt_and_a_continued_turn_keep_every_word() -> None:
    for options in (PREEMPT, NO_PREEMPT):
        # 0.6 s pause: the utterance ends (patience 0.5 s) but its STT takes 1.5 s, so the
        # caller is back before its text is known.
        h = Harness(front_desk, options=options, stt_latency_s=1.5)
        s = await h.run([(0.5, "i'd like to book | | | a double room")], end_s=12.0)
        assert [t.user_text for t in s.turns] == ["i'd like to book a double room"]
        assert h.world.booked == [{"room_type": "double"}]
