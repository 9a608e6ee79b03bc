"""Piper and espeak-ng on real text: audio that transcribes back, chunking, first-audio latency."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator

import numpy as np
import pytest

from conftest_audio import RATE, model_paths, resample, wer
from quickturn.errors import MissingDependencyError
from quickturn.stt import STT, WhisperOptions, WhisperSTT
from quickturn.tts import TTS, EspeakOptions, EspeakTTS, PiperTTS, TTSChunk

pytestmark = pytest.mark.slow

REPLY = (
    "Certainly, I have booked a double room for you. "
    "Breakfast is served from seven to ten in the morning. Is there anything else?"
)
# Measured: Piper back through tiny.en 0.00-0.05; espeak-ng 0.05-0.15 (robotic voice).
MAX_WER_PIPER = 0.12
MAX_WER_ESPEAK = 0.30


@pytest.fixture(scope="module")
def piper() -> Iterator[PiperTTS]:
    tts = asyncio.run(PiperTTS.create(model_paths()))
    yield tts
    asyncio.run(tts.aclose())


@pytest.fixture(scope="module")
def stt() -> Iterator[WhisperSTT]:
    s = asyncio.run(WhisperSTT.create(WhisperOptions(), model_paths()))
    yield s
    asyncio.run(s.aclose())


async def collect(tts: PiperTTS | EspeakTTS, text: str) -> list[TTSChunk]:
    return [c async for c in tts.synthesize(text)]


async def transcribe_chunks(stt: WhisperSTT, chunks: list[TTSChunk]) -> str:
    rate = chunks[0].sample_rate_hz
    pcm = np.concatenate([c.pcm for c in chunks])
    return (await stt.transcribe(resample(pcm, rate, RATE))).text


async def test_piper_reply_transcribes_back(piper: PiperTTS, stt: WhisperSTT) -> None:
    chunks = await collect(piper, REPLY)
    # The first clause comes alone so playback can start early; then whole sentences.
    assert [c.text for c in chunks] == [
        "Certainly, I have booked a double room for you.",
        "Breakfast is served from seven to ten in the morning.",
        "Is there anything else?",
    ]
    for c in chunks:
        assert c.sample_rate_hz == piper.sample_rate_hz == 22050
        assert c.pcm.dtype == np.int16 and len(c.pcm) > 0.3 * c.sample_rate_hz
        assert 0.3 * 32767 < np.abs(c.pcm).max() <= 0.7 * 32767 + 1  # volume option
    error = wer(REPLY, await transcribe_chunks(stt, chunks))
    print(f"\nPiper -> tiny.en WER {error:.3f}")
    assert error <= MAX_WER_PIPER


async def test_piper_first_audio_latency(piper: PiperTTS) -> None:
    short = "Sure, one moment please."
    await collect(piper, short)  # warm-up
    firsts, totals = [], []
    for _ in range(3):
        t = time.perf_counter()
        gen = piper.synthesize("Sure, one moment please. I am checking the calendar now.")
        first = await anext(gen)
        firsts.append(time.perf_counter() - t)
        await gen.aclose()  # breaking off stops synthesis of the rest
        t = time.perf_counter()
        await collect(piper, short)
        totals.append(time.perf_counter() - t)
        assert first.text == "Sure, one moment please."
    print(
        f"\nPiper first audio: {statistics.median(firsts) * 1000:.0f} ms "
        f"(short sentence, total {statistics.median(totals) * 1000:.0f} ms)"
    )
    assert statistics.median(firsts) < 2.0


async def test_piper_empty_and_punctuation_only_text(piper: PiperTTS) -> None:
    assert await collect(piper, "") == []
    assert await collect(piper, "   ") == []


async def test_espeak_transcribes_back(stt: WhisperSTT) -> None:
    tts = EspeakTTS()
    t = time.perf_counter()
    chunks = await collect(tts, REPLY)
    elapsed = time.perf_counter() - t
    assert len(chunks) == 3 and all(c.sample_rate_hz == 22050 for c in chunks)
    error = wer(REPLY, await transcribe_chunks(stt, chunks))
    print(f"\nespeak-ng: {elapsed * 1000:.0f} ms for 3 chunks, tiny.en WER {error:.3f}")
    assert error <= MAX_WER_ESPEAK
    await tts.aclose()


def test_missing_espeak_binary_is_named() -> None:
    with pytest.raises(MissingDependencyError, match="no-such-espeak"):
        EspeakTTS(EspeakOptions(binary="no-such-espeak"))


async def test_text_that_looks_like_an_option_is_spoken_not_parsed() -> None:
    chunks = await collect(EspeakTTS(), "--help me please.")
    assert len(chunks) == 1 and len(chunks[0].pcm) > 0.3 * 22050


def _engines_satisfy_the_protocols(
    p: PiperTTS, e: EspeakTTS, w: WhisperSTT
) -> tuple[TTS, TTS, STT]:
    return p, e, w  # checked by mypy: the engines are drop-in TTS/STT implementations
