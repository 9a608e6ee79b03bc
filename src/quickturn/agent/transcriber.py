"""The one place the voice session calls STT.

Every caller frame passes ``feed`` (after the noise gate) and each candidate turn asks
``transcribe`` for the text of its utterance. The batch engine ignores the frames and transcribes
the utterance audio when asked; a streaming STT slots in here by consuming the frames as they
come and answering ``transcribe`` from what it already decoded.
"""

from __future__ import annotations

from collections.abc import Callable

from quickturn.audio.frame import PCM16, AudioFrame
from quickturn.stt.types import STT


class Transcriber:
    def __init__(self, stt: STT, clock: Callable[[], float]) -> None:
        self.stt = stt
        self._clock = clock

    def feed(self, frame: AudioFrame) -> None:
        """A caller frame, in capture order (a batch engine needs none of them)."""

    async def transcribe(self, audio16k: PCM16) -> tuple[str, float]:
        """The utterance's text and the clock time it was ready; raises QuickturnError."""
        transcript = await self.stt.transcribe(audio16k)
        return transcript.text, self._clock()
