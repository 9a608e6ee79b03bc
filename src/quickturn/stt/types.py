"""The STT interface every engine implements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol

from quickturn.audio.frame import PCM16


@dataclass(frozen=True)
class Transcript:
    text: str
    audio_s: float
    """Length of the audio that was transcribed."""
    started_at_s: float
    """Clock time (``time.perf_counter``) when inference started."""
    finished_at_s: float
    model: str

    @property
    def latency_s(self) -> float:
        return self.finished_at_s - self.started_at_s


class STT(Protocol):
    async def transcribe(self, pcm: PCM16) -> Transcript:
        """Transcribe one utterance of 16 kHz mono int16 audio."""
        ...

    async def aclose(self) -> None: ...


Chunking = Literal["frames-200ms", "frames-500ms", "utterance"]
"""How often a streaming STT decodes while the caller speaks: every 200 ms or 500 ms of new
audio (partials), or only once, on the whole utterance after the VAD's end of speech."""

CHUNK_S: dict[Chunking, float | None] = {
    "frames-200ms": 0.2,
    "frames-500ms": 0.5,
    "utterance": None,
}


@dataclass(frozen=True)
class PartialTranscript:
    """The text of the utterance so far, from one decode of all audio pushed until then."""

    text: str
    audio_s: float
    """Audio covered (from the first pushed sample)."""
    started_at_s: float
    finished_at_s: float


class STTStream(Protocol):
    """One utterance: push 16 kHz audio as it arrives, read partials, ``finish`` for the final.

    Implementations MUST keep at most one decode in flight, and MUST make ``finish`` return the
    text of all speech pushed (audio after ``speech_end_s`` may be ignored)."""

    def push(self, pcm16k: PCM16) -> None: ...

    def speech_paused(self) -> None:
        """A hint that the caller just went quiet: decode what there is now."""
        ...

    def __aiter__(self) -> AsyncIterator[PartialTranscript]:
        """Partials in order; ends after ``finish`` or ``aclose``."""
        ...

    async def finish(self, speech_end_s: float | None = None) -> Transcript:
        """The final transcript. ``speech_end_s``: where the speech ends in the pushed audio
        (a decode that already covers it is reused); None: all of it counts."""
        ...

    async def aclose(self) -> None: ...


class StreamingSTT(Protocol):
    def stream(self) -> STTStream: ...
