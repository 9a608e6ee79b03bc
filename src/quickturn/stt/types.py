"""The STT interface every engine implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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
