"""A caller who goes on while the STT is still busy with the first part loses no words (seen
in the demo on a loaded machine: "Hi, I'd like to book" vanished when its transcript took
longer than the caller's pause). Fakes on a virtual clock (tests/agent/harness.py)."""

from __future__ import annotations

import numpy as np

from agent.fakes import Codebook, EnergyVAD
from agent.harness import FixedHold, Harness
from agent.test_session import NO_PREEMPT, PREEMPT, front_desk
from quickturn.audio.frame import AudioFrame
from quickturn.vad.events import VADEvent


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


class OnsetVAD(EnergyVAD):
    """EnergyVAD that, like Silero, confirms new speech only after ``min_speech_s`` of it and
    says meanwhile that it hears an onset."""

    def __init__(self, min_speech_s: float = 0.15) -> None:
        super().__init__()
        self.min_speech_s = min_speech_s
        self._onset_s: float | None = None

    @property
    def hearing_onset(self) -> bool:
        return self._onset_s is not None

    def process(self, frame: AudioFrame) -> list[VADEvent]:
        if self._speaking:
            return super().process(frame)
        if not np.any(frame.pcm != 0):
            self._onset_s = None
            return super().process(frame)
        if self._onset_s is None:
            self._onset_s = frame.captured_at_s
        if frame.end_s - self._onset_s < self.min_speech_s - 1e-9:
            return []
        self._onset_s = None
        return super().process(frame)


async def test_a_turn_does_not_end_while_the_caller_is_heard_going_on() -> None:
    # "i'd like to book" ends at 1.3 s; FixedHold decides at 1.3 + 0.5 + 0.8 = 2.6 s. The
    # caller goes on at 2.5 s, but the VAD confirms speech only at ~2.66 s: without waiting for
    # the onset the turn was cut (and only rescued by withdrawing the unspoken reply).
    h = Harness(front_desk, options=PREEMPT)
    h.vad = OnsetVAD()
    s = await h.run([(0.5, "i'd like to book | | | | | | a double room")], end_s=12.0)
    assert [t.user_text for t in s.turns] == ["i'd like to book a double room"]
    assert s.stats().continued_turns == 0
