"""Streaming STT scheduling on a scripted engine: one decode in flight, stale audio skipped,
the final reuses a partial that covers the speech, errors lose nothing."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from quickturn.errors import AudioFormatError, ConfigError, EngineError
from quickturn.stt import IncrementalSTT, StreamingOptions, Transcript
from quickturn.stt.types import Chunking

RATE = 16000


class GatedSTT:
    """Each transcribe waits until the test releases it; text = seconds of audio it saw."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.gates: list[asyncio.Event] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.fail_next = False

    async def transcribe(self, pcm: np.ndarray) -> Transcript:  # type: ignore[type-arg]
        self.calls.append(len(pcm))
        gate = asyncio.Event()
        self.gates.append(gate)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await gate.wait()
        finally:
            self.in_flight -= 1
        if self.fail_next:
            self.fail_next = False
            raise EngineError("decoder died")
        return Transcript(f"{len(pcm) / RATE:.2f}s", len(pcm) / RATE, 0.0, 0.0, "fake")

    async def aclose(self) -> None:
        pass

    async def release(self) -> None:
        """Let every started decode finish (after letting scheduled ones start)."""
        for _ in range(5):
            await asyncio.sleep(0)
        for g in self.gates:
            g.set()
        for _ in range(5):
            await asyncio.sleep(0)


def chunk(seconds: float) -> np.ndarray:  # type: ignore[type-arg]
    return np.ones(int(seconds * RATE), np.int16)


def make(chunking: Chunking = "frames-200ms") -> tuple[GatedSTT, IncrementalSTT]:
    fake = GatedSTT()
    return fake, IncrementalSTT(fake, StreamingOptions(chunking=chunking))


async def test_one_decode_in_flight_and_stale_audio_skipped() -> None:
    fake, stt = make()
    stream = stt.stream()
    for _ in range(10):  # 1 s in 100 ms frames while the first decode is stuck
        stream.push(chunk(0.1))
        await asyncio.sleep(0)
    assert fake.calls == [int(0.2 * RATE)]  # the first decode started at 200 ms, alone
    await fake.release()
    # The next decode took all audio so far (1 s): the 0.4, 0.6, 0.8 s snapshots were skipped.
    assert fake.calls == [int(0.2 * RATE), RATE]
    assert fake.max_in_flight == 1
    await fake.release()
    await stream.aclose()


async def test_final_reuses_a_partial_that_covers_the_speech() -> None:
    fake, stt = make()
    stream = stt.stream()
    stream.push(chunk(0.8))  # speech ...
    await asyncio.sleep(0)
    await fake.release()
    stream.push(chunk(0.1))  # ... then silence: not enough new audio for another decode
    final = await stream.finish(speech_end_s=0.7)
    assert final.text == "0.80s"
    assert fake.calls == [int(0.8 * RATE)]
    assert [p.text async for p in stream] == ["0.80s"]


async def test_final_decodes_when_no_partial_covers_the_speech() -> None:
    fake, stt = make()
    stream = stt.stream()
    stream.push(chunk(0.3))
    await asyncio.sleep(0)
    await fake.release()
    stream.push(chunk(0.15))  # speech goes on past the partial
    finishing = asyncio.create_task(stream.finish(speech_end_s=0.45))
    await asyncio.sleep(0)
    await fake.release()
    final = await finishing
    assert final.text == "0.45s"
    assert fake.calls == [int(0.3 * RATE), int(0.45 * RATE)]


async def test_speech_paused_starts_a_decode_at_once() -> None:
    fake, stt = make("frames-500ms")
    stream = stt.stream()
    stream.push(chunk(0.3))
    assert fake.calls == []
    stream.speech_paused()
    await asyncio.sleep(0)
    assert fake.calls == [int(0.3 * RATE)]
    await fake.release()
    final = await stream.finish(speech_end_s=0.2)
    assert final.text == "0.30s" and stream.decodes == 1


async def test_utterance_chunking_without_the_pause_decode_decodes_once_at_the_end() -> None:
    fake = GatedSTT()
    stt = IncrementalSTT(fake, StreamingOptions(chunking="utterance", decode_at_pause=False))
    stream = stt.stream()
    for _ in range(20):
        stream.push(chunk(0.1))
    stream.speech_paused()
    await asyncio.sleep(0)
    assert fake.calls == []
    finishing = asyncio.create_task(stream.finish())
    await asyncio.sleep(0)
    await fake.release()
    assert (await finishing).text == "2.00s"
    assert [p async for p in stream] == []


async def test_a_failed_partial_loses_nothing() -> None:
    fake, stt = make()
    stream = stt.stream()
    fake.fail_next = True
    stream.push(chunk(0.5))
    await asyncio.sleep(0)
    await fake.release()
    assert len(stream.errors) == 1
    finishing = asyncio.create_task(stream.finish())
    await asyncio.sleep(0)
    await fake.release()
    assert (await finishing).text == "0.50s"


async def test_bad_input_and_use_after_finish() -> None:
    fake, stt = make()
    stream = stt.stream()
    with pytest.raises(AudioFormatError):
        stream.push(np.zeros(160, np.float32))  # type: ignore[arg-type]
    with pytest.raises(AudioFormatError):
        stream.push(np.zeros((2, 160), np.int16))
    stream.push(np.zeros(0, np.int16))  # empty frames are fine
    finishing = asyncio.create_task(stream.finish())
    await asyncio.sleep(0)
    await fake.release()
    assert (await finishing).text == "0.00s"
    with pytest.raises(RuntimeError):
        stream.push(chunk(0.1))


async def test_aclose_cancels_the_decode_in_flight() -> None:
    fake, stt = make()
    stream = stt.stream()
    stream.push(chunk(0.4))
    await asyncio.sleep(0)
    assert fake.in_flight == 1
    await stream.aclose()
    assert fake.in_flight == 0
    assert [p async for p in stream] == []


def test_options_are_validated() -> None:
    with pytest.raises(ConfigError):
        StreamingOptions(chunking="frames-100ms")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        StreamingOptions(tail_s=-1)


async def test_a_pause_during_a_decode_is_decoded_right_after_it() -> None:
    fake, stt = make("frames-500ms")
    stream = stt.stream()
    stream.push(chunk(0.5))
    await asyncio.sleep(0)
    assert fake.calls == [int(0.5 * RATE)]
    stream.push(chunk(0.2))  # less than a chunk of new audio, then the caller pauses
    stream.speech_paused()
    await fake.release()
    assert fake.calls == [int(0.5 * RATE), int(0.7 * RATE)]  # at once, not a chunk later
    await fake.release()
    final = await stream.finish(speech_end_s=0.6)
    assert final.text == "0.70s" and len(fake.calls) == 2


async def test_text_at_a_pause_keeps_the_stream_open() -> None:
    fake, stt = make()
    stream = stt.stream()
    stream.push(chunk(0.3))
    at_pause = asyncio.create_task(stream.text_until(speech_end_s=0.25))
    await fake.release()
    assert (await at_pause).text == "0.30s"
    stream.push(chunk(0.3))  # the caller went on
    finishing = asyncio.create_task(stream.finish())
    await fake.release()
    await fake.release()
    assert (await finishing).text == "0.60s"


async def test_utterance_chunking_decodes_at_the_pause_and_reuses_it() -> None:
    # The speculative final: decoded when the VAD hears silence, before the turn is decided;
    # finish() after it costs no decode when no speech came back.
    fake, stt = make("utterance")
    stream = stt.stream()
    for _ in range(10):
        stream.push(chunk(0.1))
    await asyncio.sleep(0)
    assert fake.calls == []  # no partials while the caller speaks
    stream.speech_paused()
    await asyncio.sleep(0)
    assert fake.calls == [int(1.0 * RATE)]
    stream.push(chunk(0.1))  # silence after the pause, before the decision
    await fake.release()
    final = await stream.finish(speech_end_s=0.9)
    assert final.text == "1.00s" and len(fake.calls) == 1


async def test_speech_after_the_pause_decode_is_decoded_again() -> None:
    fake, stt = make("utterance")
    stream = stt.stream()
    stream.push(chunk(0.5))
    stream.speech_paused()
    await asyncio.sleep(0)
    await fake.release()
    stream.push(chunk(0.5))  # the caller went on: the pause decode does not cover it
    finishing = asyncio.create_task(stream.finish(speech_end_s=0.9))
    await asyncio.sleep(0)
    await fake.release()
    assert (await finishing).text == "1.00s" and len(fake.calls) == 2
