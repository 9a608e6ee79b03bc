"""The TTS interface every engine implements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from quickturn.audio.frame import PCM16


@dataclass(frozen=True)
class TTSChunk:
    pcm: PCM16
    sample_rate_hz: int
    text: str
    """The text this audio speaks (one sentence or clause)."""


class TTS(Protocol):
    @property
    def sample_rate_hz(self) -> int: ...

    def synthesize(self, text: str) -> AsyncIterator[TTSChunk]:
        """Audio for ``text``, one chunk per sentence or clause, as each is ready.

        Breaking out of the iteration (or cancelling it) stops synthesis after the chunk in
        progress.
        """
        ...

    async def aclose(self) -> None: ...


class Splitter(Protocol):
    """Cuts streamed text into speakable segments (``SentenceSplitter`` is the engine).

    ``flush`` MUST be treated as a hard segment boundary: a reply's round ends there."""

    def push(self, delta: str) -> list[str]: ...

    def flush(self) -> list[str]: ...
