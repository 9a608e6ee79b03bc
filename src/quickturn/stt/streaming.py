"""Streaming STT over a batch engine: decode the growing utterance while the caller speaks.

Whisper has no incremental decoder, but a short-window decode of the whole utterance so far is
cheap (~0.1-0.2 s for tiny.en), so the stream re-decodes everything pushed each time
``chunk_s`` of new audio has arrived. Scheduling keeps it from starving the other stages on a
2-core machine: at most one decode is in flight (the engine's single-thread executor), and when
one finishes the next starts on the newest audio, so audio that arrived meanwhile is never
decoded on its own (stale work is skipped, not queued).

The final transcript is cheap because the last partial usually already covers all the speech:
the session knows where speech ended (the VAD), and a decode that started after that point is
the final text. Only when none did is the utterance decoded once more.

The decode at the VAD's pause is speculative: it starts as soon as the VAD hears silence
(``speech_paused``), before anyone knows whether the turn is over, and ``finish`` reuses it when
no speech came after it. With ``chunking="utterance"`` it is the only decode before ``finish``
(``decode_at_pause=False``: none, the audit's plain "whole utterance after the VAD").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from quickturn.audio.frame import PCM16
from quickturn.errors import AudioFormatError, ConfigError, QuickturnError
from quickturn.stt.types import CHUNK_S, STT, Chunking, PartialTranscript, Transcript

SAMPLE_RATE_HZ = 16000


@dataclass(frozen=True)
class StreamingOptions:
    chunking: Chunking = "frames-200ms"
    tail_s: float = 0.05
    """A partial is final when it covers the end of speech plus this much audio."""
    max_partial_s: float = 30.0
    """No partials beyond this much audio (the engine switches to slow long-form decoding)."""
    decode_at_pause: bool = True
    """Decode at once when the VAD reports a pause (module docstring), whatever the chunking."""

    def __post_init__(self) -> None:
        if self.chunking not in CHUNK_S:
            raise ConfigError(f"chunking must be one of {sorted(CHUNK_S)}, got {self.chunking!r}")
        if not 0.0 <= self.tail_s <= 1.0:
            raise ConfigError(f"tail_s must be in [0, 1], got {self.tail_s}")
        if not 1.0 <= self.max_partial_s <= 30.0:
            raise ConfigError(f"max_partial_s must be in [1, 30], got {self.max_partial_s}")


@runtime_checkable
class PartialDecoder(Protocol):
    """An engine with a cheaper decode for audio still growing (``WhisperSTT`` has one)."""

    async def transcribe_partial(self, pcm: PCM16) -> tuple[Transcript, bool]: ...


async def _decode_partial(stt: STT, pcm: PCM16) -> tuple[Transcript, bool]:
    if isinstance(stt, PartialDecoder):
        return await stt.transcribe_partial(pcm)
    return await stt.transcribe(pcm), True


class IncrementalSTT:
    """Any batch ``STT`` as a ``StreamingSTT`` (module docstring)."""

    def __init__(self, stt: STT, options: StreamingOptions | None = None) -> None:
        self.stt = stt
        self.options = options or StreamingOptions()

    def stream(self) -> IncrementalStream:
        return IncrementalStream(self.stt, self.options)

    async def transcribe(self, pcm: PCM16) -> Transcript:
        """Batch use passes straight through."""
        return await self.stt.transcribe(pcm)

    async def aclose(self) -> None:
        await self.stt.aclose()


class IncrementalStream:
    """One utterance (see ``STTStream``). Not thread-safe: use it from the event loop."""

    def __init__(self, stt: STT, options: StreamingOptions) -> None:
        self._stt = stt
        self.options = options
        chunk = CHUNK_S[options.chunking]
        self._chunk = None if chunk is None else int(chunk * SAMPLE_RATE_HZ)
        self._parts: list[PCM16] = []
        self._samples = 0
        self._started_upto = 0  # samples covered by the newest decode started
        self._last: PartialTranscript | None = None
        self._last_upto = 0  # samples covered by ``_last``
        self._inflight: asyncio.Task[None] | None = None
        self._queue: asyncio.Queue[PartialTranscript | None] = asyncio.Queue()
        self._closed = False
        self._pause_pending = False
        self._model = ""
        self.decodes = 0
        """Decodes run so far (partials and the final), for benchmarks."""
        self.errors: list[QuickturnError] = []
        """Partial decodes that failed (the final decode retries on all audio)."""

    @property
    def audio_s(self) -> float:
        return self._samples / SAMPLE_RATE_HZ

    def push(self, pcm16k: PCM16) -> None:
        if self._closed:
            raise RuntimeError("push after finish/aclose")
        if pcm16k.dtype != np.int16 or pcm16k.ndim != 1:
            raise AudioFormatError(f"push needs 1-D int16 PCM, got {pcm16k.dtype} {pcm16k.shape}")
        if len(pcm16k) == 0:
            return
        self._parts.append(pcm16k.copy())
        self._samples += len(pcm16k)
        self._schedule(force=False)

    def speech_paused(self) -> None:
        if not self.options.decode_at_pause:
            return
        self._pause_pending = True  # honoured as soon as the decode in flight (if any) is done
        self._schedule(force=True)

    def _audio(self) -> PCM16:
        if len(self._parts) > 1:
            self._parts = [np.concatenate(self._parts)]
        return self._parts[0] if self._parts else np.zeros(0, np.int16)

    def _schedule(self, force: bool) -> None:
        if self._closed or self._inflight is not None:
            return
        force = force or self._pause_pending
        if self._chunk is None and not force:
            return  # "utterance": no partials, only the decode at a pause (and the final)
        fresh = self._samples - self._started_upto
        if fresh <= 0 or (not force and self._chunk is not None and fresh < self._chunk):
            return
        self._pause_pending = False
        if self._samples > self.options.max_partial_s * SAMPLE_RATE_HZ:
            return
        self._started_upto = self._samples
        self._inflight = asyncio.get_running_loop().create_task(
            self._partial(self._audio(), self._samples)
        )

    async def _partial(self, audio: PCM16, upto: int) -> None:
        try:
            tr, reliable = await _decode_partial(self._stt, audio)
        except QuickturnError as exc:
            self.errors.append(exc)
            return
        finally:
            self._inflight = None
        self.decodes += 1
        part = PartialTranscript(tr.text, upto / SAMPLE_RATE_HZ, tr.started_at_s, tr.finished_at_s)
        if reliable:  # a repeating short-window decode is shown, never reused as final
            self._last, self._last_upto = part, upto
        self._queue.put_nowait(part)
        self._model = tr.model
        self._schedule(force=False)  # the newest audio next; what came meanwhile is not stale

    async def text_until(self, speech_end_s: float | None = None) -> Transcript:
        """The text of all speech up to ``speech_end_s`` (None: all audio), without ending the
        stream: the caller may go on after a pause. Reuses a partial that covers it, else
        decodes now (after the decode in flight: the engine has one thread)."""
        started = time.perf_counter()
        need = self._samples
        if speech_end_s is not None:
            need = min(need, int((speech_end_s + self.options.tail_s) * SAMPLE_RATE_HZ))
        while not (self._last is not None and self._last_upto >= need):
            if self._inflight is None:
                if self._chunk is not None:
                    self._schedule(force=True)
                if self._inflight is None:
                    break  # nothing new to decode as a partial (or no partials): decode below
            # Its result may cover the speech; if not, the engine's single thread is busy
            # with it anyway, so a new decode could not start sooner.
            await asyncio.shield(self._inflight)
        if self._last is not None and self._last_upto >= need:
            return Transcript(
                self._last.text,
                self._last_upto / SAMPLE_RATE_HZ,
                started,
                time.perf_counter(),
                self._model,
            )
        tr = await self._stt.transcribe(self._audio())
        self.decodes += 1
        return Transcript(tr.text, tr.audio_s, started, time.perf_counter(), tr.model)

    async def finish(self, speech_end_s: float | None = None) -> Transcript:
        try:
            return await self.text_until(speech_end_s)
        finally:
            self._closed = True
            self._queue.put_nowait(None)

    def __aiter__(self) -> AsyncIterator[PartialTranscript]:
        return self._partials()

    async def _partials(self) -> AsyncIterator[PartialTranscript]:
        while (part := await self._queue.get()) is not None:
            yield part

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(None)
        task = self._inflight
        if task is not None:
            task.cancel()
            await asyncio.wait({task})
