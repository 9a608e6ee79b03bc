"""The session's streaming transcriber: a stream per utterance from the VAD's speech start (with
its preroll), partials reported, the text at a pause and at the end from the stream."""

from __future__ import annotations

import asyncio

import numpy as np

from quickturn.audio.frame import AudioFrame
from quickturn.stt import IncrementalSTT, StreamingOptions, Transcript
from quickturn.stt.session_transcriber import StreamingTranscriber
from quickturn.vad.events import SpeechEnded, SpeechPaused, SpeechStarted

RATE = 16000
FRAME = 320  # 20 ms


class LengthSTT:
    """Text = how much audio it got (in 20 ms frames) and how much of it was speech."""

    def __init__(self) -> None:
        self.calls = 0

    async def transcribe(self, pcm: np.ndarray) -> Transcript:  # type: ignore[type-arg]
        self.calls += 1
        await asyncio.sleep(0)
        voiced = int(np.count_nonzero(pcm) // FRAME)
        return Transcript(f"{len(pcm) // FRAME}f{voiced}v", len(pcm) / RATE, 0.0, 0.0, "len")

    async def aclose(self) -> None:
        pass


def frame(i: int, voiced: bool) -> AudioFrame:
    pcm = np.full(FRAME, 1000 if voiced else 0, np.int16)
    return AudioFrame(pcm, RATE, i * FRAME / RATE)


async def test_stream_per_utterance_with_preroll_partials_and_final() -> None:
    fake = LengthSTT()
    partials: list[str] = []
    tr = StreamingTranscriber(
        IncrementalSTT(fake, StreamingOptions(chunking="frames-200ms")),
        clock=lambda: 0.0,
        on_partial=lambda text, at: partials.append(text),
    )
    for i in range(10):  # 200 ms of silence before the caller speaks
        tr.feed(frame(i, False))
    for i in range(10, 40):  # 600 ms of speech
        tr.feed(frame(i, True))
        if i == 10:
            tr.on_vad(SpeechStarted(start_s=10 * FRAME / RATE, at_s=11 * FRAME / RATE))
        await asyncio.sleep(0)
    for i in range(40, 50):  # 200 ms of silence: the VAD pauses
        tr.feed(frame(i, False))
    end_s = 40 * FRAME / RATE
    pause = SpeechPaused(end_s=end_s, at_s=50 * FRAME / RATE, audio=np.zeros(0, np.int16))
    tr.on_vad(pause)
    text, _ = await tr.final_text(np.zeros(0, np.int16))  # the VAD's audio is not needed
    # 100 ms of preroll (5 frames) + 30 speech frames + the silence so far, all speech kept.
    assert text.endswith("f30v") and int(text.split("f")[0]) >= 35
    tr.on_vad(SpeechEnded(start_s=0.2, end_s=end_s, at_s=1.0, audio=np.zeros(0, np.int16)))
    assert (await tr.final_text(np.zeros(0, np.int16)))[0].endswith("f30v")
    for _ in range(5):
        await asyncio.sleep(0)
    assert partials and all(p.endswith("v") for p in partials)
    await tr.aclose()


async def test_without_a_stream_it_transcribes_the_utterance_audio() -> None:
    fake = LengthSTT()
    tr = StreamingTranscriber(IncrementalSTT(fake), clock=lambda: 5.0)
    text, at = await tr.final_text(np.ones(FRAME * 3, np.int16))
    assert (text, at) == ("3f3v", 5.0)
    await tr.aclose()


async def test_a_held_fragment_joined_to_the_utterance_is_transcribed_with_it() -> None:
    # The caller went on before the first fragment's text was known: the session passes the
    # fragment's audio joined to the new utterance's. The stream holds only the new utterance,
    # so answering from it would lose the fragment's words.
    fake = LengthSTT()
    tr = StreamingTranscriber(
        IncrementalSTT(fake, StreamingOptions(chunking="frames-200ms")), clock=lambda: 0.0
    )
    for i in range(10):
        tr.feed(frame(i, True))
        if i == 0:
            tr.on_vad(SpeechStarted(start_s=0.0, at_s=FRAME / RATE))
        await asyncio.sleep(0)
    utterance = np.ones(10 * FRAME, np.int16)
    fragment = np.ones(20 * FRAME, np.int16)
    tr.on_vad(SpeechEnded(start_s=0.0, end_s=0.2, at_s=0.4, audio=utterance))
    assert (await tr.final_text(utterance))[0].endswith("f10v")  # this utterance: the stream
    text, _ = await tr.final_text(np.concatenate([fragment, utterance]))
    assert text == "30f30v"  # fragment + utterance, every frame heard
    await tr.aclose()
