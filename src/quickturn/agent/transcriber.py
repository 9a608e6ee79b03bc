"""The one place the voice session calls STT.

Every caller frame passes ``feed`` (after the noise gate) and each candidate turn asks
``final_text`` for the text of its utterance. ``BatchTranscriber`` wraps a batch ``STT``: it ignores
the frames and transcribes the utterance audio when asked. A streaming STT implements
``UtteranceTranscriber`` itself (consume the frames as they come, answer ``final_text`` from what it
already decoded) and is passed as ``AgentSession(stt=...)`` like any engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from quickturn.audio.frame import PCM16, AudioFrame
from quickturn.stt.types import STT


@runtime_checkable
class UtteranceTranscriber(Protocol):
    def feed(self, frame: AudioFrame) -> None:
        """A caller frame, in capture order."""
        ...

    async def final_text(self, audio16k: PCM16) -> tuple[str, float]:
        """The text of the utterance ``audio16k`` (VAD start to end, 16 kHz) and the clock time
        it was ready; raises QuickturnError. Called at a pause (preemptively) and at the end."""
        ...


class BatchTranscriber:
    def __init__(self, stt: STT, clock: Callable[[], float]) -> None:
        self.stt = stt
        self._clock = clock

    def feed(self, frame: AudioFrame) -> None:
        """A batch engine needs none of the frames."""

    async def final_text(self, audio16k: PCM16) -> tuple[str, float]:
        transcript = await self.stt.transcribe(audio16k)
        return transcript.text, self._clock()


def transcriber_for(
    stt: STT | UtteranceTranscriber, clock: Callable[[], float]
) -> UtteranceTranscriber:
    return stt if isinstance(stt, UtteranceTranscriber) else BatchTranscriber(stt, clock)
