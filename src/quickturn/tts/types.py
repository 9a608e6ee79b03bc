"""The TTS interface every engine implements."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from quickturn.audio.frame import PCM16

WordEnds = tuple[float, ...]


def joined_word_ends(parts: Sequence[tuple[int, WordEnds | None]]) -> WordEnds | None:
    """The word ends of audio parts played one after another (``(samples, word_ends)`` each),
    as shares of the whole; None if any part's are unknown."""
    total = sum(n for n, _ in parts)
    if total <= 0 or any(ends is None for _, ends in parts):
        return None
    out: list[float] = []
    offset = 0
    for n, ends in parts:
        assert ends is not None
        out += [(offset + e * n) / total for e in ends]
        offset += n
    return tuple(out)


@dataclass(frozen=True)
class TTSChunk:
    pcm: PCM16
    sample_rate_hz: int
    text: str
    """The text this audio speaks (one sentence or clause)."""
    word_ends: WordEnds | None = None
    """Where each word of ``text`` (split on whitespace) ends, as a share of ``pcm`` in (0, 1],
    when the engine knows (Piper's phoneme durations); None: unknown."""


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
