"""A caller who goes on while the STT is still busy with the first part loses no words (seen
in the demo on a loaded machine: "Hi, I'd like to book" vanished when its transcript took
longer than the caller's pause). Fakes on a virtual clock (tests/agent/harness.py)."""

from __future__ import annotations

import numpy as np

from agent.fakes import Codebook
from agent.harness import FixedHold, Harness
from agent.test_session import NO_PREEMPT, PREEMPT, front_desk


async def test_slow_stt_and_a_continued_turn_keep_every_word() -> None:
    for options in (PREEMPT, NO_PREEMPT):
        # 0.6 s pause: the utterance ends (patience 0.5 s) but its STT takes 1.5 s, so the
        # caller is back before its text is known.
        h = Harness(front_desk, options=options, stt_latency_s=1.5)
        s = await h.run([(0.5, "i'd like to book | | | a double room")], end_s=12.0)
        assert [t.user_text for t in s.turns] == ["i'd like to book a double room"]
        assert h.world.booked == [{"room_type": "double"}]


class HearingHold(FixedHold):
    """FixedHold that records what it heard (the Codebook decodes the fakes' audio)."""

    def __init__(self, book: Codebook) -> None:
        super().__init__()
        self.book = book
        self.heard: list[str] = []

    async def hold_s(self, audio16k: object, transcript: str) -> float:
        assert isinstance(audio16k, np.ndarray)
        self.heard.append(self.book.decode(audio16k))
        return await super().hold_s(audio16k, transcript)


async def test_the_detector_hears_the_whole_turn_after_a_continuation() -> None:
    # Fast STT: "i'd like to book" has its text at once and is held open (FixedHold: 0.8 s
    # after "book"); the caller goes on. At the next end the detector must hear the turn from
    # its first word, not only "a double room" (a fragment alone sounds finished more often).
    for options in (PREEMPT, NO_PREEMPT):
        h = Harness(front_desk, options=options, stt_latency_s=0.05)
        h.detector = HearingHold(h.book)
        s = await h.run([(0.5, "i'd like to book | | | a double room")], end_s=12.0)
        assert [t.user_text for t in s.turns] == ["i'd like to book a double room"]
        assert h.detector.heard == ["i'd like to book", "i'd like to book a double room"]
