"""The one place the voice session calls STT.

Every caller frame passes ``feed`` (after the noise gate), every VAD event ``on_vad``, and each
candidate turn asks ``final_text`` for the text of its utterance; ``aclose`` ends the call.
``BatchTranscriber`` wraps a batch ``STT``: it ignores the frames and events and transcribes the
utterance audio when asked. A streaming STT implements
``UtteranceTranscriber`` itself (consume the frames as they come, answer ``final_text`` from what it
already decoded) and is passed as ``AgentSession(stt=...)`` like any engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from quickturn.audio.frame import PCM16, AudioFrame
from quickturn.errors import ConfigError
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

    def on_vad(self, event: object) -> None:
        """A VAD event (``quickturn.vad.events``), before the session acts on it: a streaming
        STT starts its stream and hints its decodes with them
        (``quickturn.stt.session_transcriber``)."""
        ...

    async def aclose(self) -> None:
        """The call is over: stop background work (decodes in flight)."""
        ...


class BatchTranscriber:
    def __init__(self, stt: STT, clock: Callable[[], float]) -> None:
        self.stt = stt
        self._clock = clock

    def feed(self, frame: AudioFrame) -> None:
        """A batch engine needs none of the frames."""

    def on_vad(self, event: object) -> None:
        """A batch engine needs no VAD events either."""

    async def aclose(self) -> None:
        """Stop background work (a batch engine has none)."""

    async def final_text(self, audio16k: PCM16) -> tuple[str, float]:
        transcript = await self.stt.transcribe(audio16k)
        return transcript.text, self._clock()


def transcriber_for(
    stt: STT | UtteranceTranscriber, clock: Callable[[], float]
) -> UtteranceTranscriber:
    if isinstance(stt, UtteranceTranscriber):
        return stt
    if hasattr(stt, "final_text"):
        # Half a streaming transcriber would fail at the first utterance, deep in the call.
        missing = [m for m in ("feed", "on_vad", "aclose") if not hasattr(stt, m)]
        raise ConfigError(f"{type(stt).__name__} has final_text but lacks {', '.join(missing)}"
                          " (UtteranceTranscriber)")
    return BatchTranscriber(stt, clock)
