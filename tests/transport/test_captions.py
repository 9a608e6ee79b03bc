"""Live agent captions (``AgentSpeechProgress``) on a virtual clock: the words appear one by one
as their audio plays, and a barge-in stops them where the audio stopped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np
import pytest

from agent.fakes import FRAME_S, ToneTTS, words
from agent.harness import Harness
from quickturn.agent.events import AgentSpeechFinished, AgentSpeechProgress, AgentSpeechStarted
from quickturn.agent.session import SessionOptions
from quickturn.llm.types import ChatRequest
from quickturn.tts.types import TTSChunk

LONG = (
    "Our hotel has three kinds of rooms for you. The single room is the cheapest one. "
    "The double room has a view of the old harbour."
)
OPTIONS = SessionOptions(preemptive=False, idle_s=None)


def rooms(_req: ChatRequest) -> list[str]:
    return words(LONG)


def _speech(h: Harness) -> tuple[list[AgentSpeechProgress], AgentSpeechFinished]:
    finished = next(e for e in h.events if isinstance(e, AgentSpeechFinished))  # the reply
    progress = [e for e in h.events
                if isinstance(e, AgentSpeechProgress) and e.speech_id == finished.speech_id]
    return progress, finished


def _played_chars(h: Harness, at_s: float) -> float:
    """Characters' worth of reply audio that had started playing by ``at_s``."""
    played = [f for f in h.output.frames if f.captured_at_s <= at_s + 1e-9]
    return len(played) * FRAME_S * 1000 / h.tts.ms_per_char


async def test_captions_grow_word_by_word_with_the_audio() -> None:
    h = Harness(rooms, options=OPTIONS, with_fillers=False)
    h.tts.ms_per_char = 20.0  # one character per 20 ms frame
    await h.run([(0.5, "tell me about rooms")], end_s=12.0)
    progress, finished = _speech(h)
    assert finished.text == LONG and not finished.interrupted
    final_words = LONG.split()
    # One event per word, each the caption so far: the first k words, k = 1, 2, 3, ...
    assert [p.text for p in progress] == [
        " ".join(final_words[:k]) for k in range(1, len(final_words) + 1)
    ]
    assert [p.at_s for p in progress] == sorted(p.at_s for p in progress)
    longest = max(len(w) for w in final_words)
    for p in progress:
        # Never ahead of the audio, never more than a word behind it (segment joins are the
        # spaces that take no audio).
        chars = _played_chars(h, p.at_s)
        joins = p.text.count(". ")
        assert chars - longest - 2 <= len(p.text) <= chars + joins + 1, (p, chars)
        assert p.played_s * 1000 / h.tts.ms_per_char == pytest.approx(chars)


async def test_barge_in_ends_the_caption_where_the_audio_was_cut() -> None:
    h = Harness(rooms, options=OPTIONS, with_fillers=False)
    h.tts.ms_per_char = 20.0
    barge_at = 4.2  # ~1.9 s into the reply: inside its second sentence
    await h.run([(0.5, "tell me about rooms"), (barge_at, "wait stop")], end_s=9.0)
    progress, finished = _speech(h)
    assert finished.interrupted
    assert progress[-1].text == finished.text  # the caption's last words are the heard ones
    assert LONG.startswith(finished.text) and 0 < len(finished.text) < len(LONG)
    assert finished.text.startswith("Our hotel has three kinds of rooms for you.")
    decision = barge_at + FRAME_S  # the first voiced frame of the interjection is complete
    assert all(p.at_s <= decision + 1e-9 for p in progress)


async def test_no_caption_without_audio() -> None:
    # A transport that never reports progress (or a speech that never played): no captions,
    # and the speech still finishes with what was heard.
    h = Harness(rooms, options=OPTIONS, with_fillers=False)
    h.output.on_playback_progress = lambda _played_s: None  # type: ignore[method-assign]
    await h.run([(0.5, "tell me about rooms")], end_s=12.0)
    progress, finished = _speech(h)
    assert progress == [] and finished.text == LONG


@dataclass
class EvenTTS(ToneTTS):
    """Every word takes ``word_s`` whatever its length, and the chunk says where each ends (as
    Piper's phoneme durations do)."""

    word_s: float = 0.3

    async def synthesize(self, text: str) -> AsyncIterator[TTSChunk]:
        await self.clock.sleep(self.latency_s)
        n = len(text.split())
        pcm = np.full(int(n * self.word_s * self.sample_rate_hz), 300, np.int16)
        yield TTSChunk(pcm, self.sample_rate_hz, text, tuple((i + 1) / n for i in range(n)))


async def test_captions_follow_the_engines_word_timings() -> None:
    h = Harness(rooms, options=OPTIONS, with_fillers=False)
    h.tts = EvenTTS(h.clock)
    await h.run([(0.5, "tell me about rooms")], end_s=16.0)
    progress, finished = _speech(h)
    assert finished.text == LONG
    start = next(e for e in h.events if isinstance(e, AgentSpeechStarted)).at_s
    # Word k is shown as the frame that completes its 0.3 s starts playing, whatever its
    # length: "Our" and "kinds" take as long as "harbour."
    assert [p.text.split()[-1] for p in progress] == LONG.split()
    for k, p in enumerate(progress, start=1):
        assert p.at_s == pytest.approx(start + k * 0.3 - FRAME_S), (k, p)
