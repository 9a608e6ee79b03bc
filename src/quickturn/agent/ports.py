"""The narrow shapes the voice session needs from each stage.

Structural protocols, so the real engines (``quickturn.vad``, ``quickturn.stt``,
``quickturn.tts``, ``quickturn.turns``) and small test fakes plug in alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from quickturn.audio.frame import PCM16, AudioFrame


class HasText(Protocol):
    @property
    def text(self) -> str: ...


class AudioChunk(Protocol):
    @property
    def pcm(self) -> PCM16: ...

    @property
    def sample_rate_hz(self) -> int: ...


class VADStream(Protocol):
    """Push one caller frame, get the VAD events it caused (SpeechStarted, SpeechPaused, ...)."""

    def process(self, frame: AudioFrame) -> Sequence[object]: ...


class SpeechToText(Protocol):
    async def transcribe(self, pcm16k: PCM16) -> HasText: ...


class TextToSpeech(Protocol):
    @property
    def sample_rate_hz(self) -> int: ...

    def synthesize(self, text: str) -> AsyncIterator[AudioChunk]: ...


class SentenceSplitter(Protocol):
    """Cuts streamed text into speakable segments; ``flush`` is a hard segment boundary."""

    def push(self, delta: str) -> list[str]: ...

    def flush(self) -> list[str]: ...


class TurnDetector(Protocol):
    def hold_s(self, transcript: str) -> float: ...


class AudioOutput(Protocol):
    """Where played agent audio goes (a speaker, a WebRTC track, a recording).

    ``write`` is called once per frame at the frame's play time; ``frame.captured_at_s`` is that
    time on the session clock.
    """

    async def write(self, frame: AudioFrame) -> None: ...
