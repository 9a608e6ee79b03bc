"""One bot utterance as an object: its audio segments, its interruption and what was heard.

The reply generator pushes segments in; the speaker (``playout.Speaker``) pulls them out, hands
their frames to the transport's ``AudioOutput`` and, from what the output reports as played,
records per segment how many samples really reached the caller. ``heard_text`` maps those samples
back to characters, so the chat history keeps only what the caller actually heard.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from quickturn.audio.frame import PCM16
from quickturn.tts.types import WordEnds

SegmentKind = Literal["reply", "filler", "heartbeat", "say"]
_ids = itertools.count(1)


@dataclass
class Segment:
    """Audio of one spoken text segment at the output rate; ``round`` is the tool-loop round of
    the assistant message that the text belongs to."""

    text: str
    pcm: PCM16
    kind: SegmentKind = "reply"
    round: int = 1
    played_samples: int = field(default=0)
    offset: int = field(default=-1)
    """Where the segment starts in its speech's output stream (samples, frame-padded); -1
    until the speaker captures its first frame."""
    captured_at_s: float | None = field(default=None)
    word_ends: WordEnds | None = field(default=None)
    """Where each word of ``text`` ends, as a share of ``pcm`` (the TTS engine's timings);
    None: words share the time in proportion to their characters."""

    @property
    def fully_played(self) -> bool:
        return self.played_samples >= len(self.pcm)

    def heard_text(self) -> str:
        """The prefix of ``text`` that was played, cut back to a whole word."""
        return heard_prefix(self.text, self.played_samples, len(self.pcm), self.word_ends)


def heard_prefix(
    text: str, played_samples: int, total_samples: int, word_ends: WordEnds | None = None
) -> str:
    """The words of ``text`` heard once ``played_samples`` of its ``total_samples`` played: the
    words whose end (``word_ends``, shares of the audio) has played, or without timings the same
    share of its characters, cut back to a whole word."""
    if played_samples >= total_samples or not text:
        return text if played_samples >= total_samples else ""
    if played_samples <= 0:
        return ""
    spans = [m.end() for m in re.finditer(r"\S+", text)]
    if word_ends is not None and len(word_ends) == len(spans):
        heard = sum(1 for end in word_ends if end * total_samples <= played_samples)
        return text[: spans[heard - 1]].strip() if heard else ""
    chars = int(len(text) * played_samples / total_samples)
    cut = text[:chars]
    if chars < len(text) and not text[chars].isspace():
        cut = cut.rsplit(" ", 1)[0] if " " in cut else ""
    return cut.strip()


_END = object()


class SpeechHandle:
    """Per-utterance handle: ``interrupt()`` stops it within one audio frame."""

    def __init__(self, *, allow_interruptions: bool = True) -> None:
        self.id = next(_ids)
        self.allow_interruptions = allow_interruptions
        self.segments: list[Segment] = []
        self.interrupted_at_s: float | None = None
        self.first_audio_at_s: float | None = None
        self.first_reply_at_s: float | None = None  # first frame of a "reply" segment
        self.done = asyncio.Event()
        self._queue: asyncio.Queue[Segment | object] = asyncio.Queue()
        self._interrupt = asyncio.Event()
        self._closed = False
        self._on_interrupt: list[Callable[[], None]] = []

    # -- producer side ---------------------------------------------------------------------------
    def push(self, segment: Segment) -> None:
        if self._closed:
            raise RuntimeError(f"speech {self.id}: push after end_input")
        if len(segment.pcm):
            self._queue.put_nowait(segment)

    def end_input(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(_END)

    @property
    def input_ended(self) -> bool:
        return self._closed

    @property
    def pending_segments(self) -> int:
        """Segments queued and not yet taken by the player."""
        return self._queue.qsize() - (1 if self._closed and self._queue.qsize() else 0)

    # -- consumer side ---------------------------------------------------------------------------
    async def next_segment(self) -> Segment | None:
        """The next segment to play, or None at the end of input or on interruption."""
        if self._interrupt.is_set():
            return None
        get = asyncio.ensure_future(self._queue.get())
        stop = asyncio.ensure_future(self._interrupt.wait())
        try:
            await asyncio.wait({get, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not get.done():
                get.cancel()
        if self._interrupt.is_set() or not get.done() or get.cancelled():
            return None
        item = get.result()
        if item is _END or not isinstance(item, Segment):
            return None
        self.segments.append(item)
        return item

    # -- control ---------------------------------------------------------------------------------
    def interrupt(self, at_s: float | None = None) -> None:
        if self.interrupted_at_s is None and not self.done.is_set():
            self.interrupted_at_s = at_s
            self._interrupt.set()
            # Synchronously: the transport drops its queued audio in the same instant.
            for callback in self._on_interrupt:
                callback()

    def on_interrupt(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` at the moment of an interruption (the speaker clears the output)."""
        self._on_interrupt.append(callback)

    @property
    def interrupted(self) -> bool:
        return self._interrupt.is_set()

    def should_stop(self) -> bool:
        return self._interrupt.is_set()

    @property
    def answer_started(self) -> bool:
        """Whether the player has taken a segment of the answer (not a filler or heartbeat)."""
        return any(s.kind in ("reply", "say") for s in self.segments)

    # -- results ---------------------------------------------------------------------------------
    def heard_text(self, kinds: tuple[SegmentKind, ...] = ("reply", "say")) -> str:
        return " ".join(t for s in self.segments if s.kind in kinds and (t := s.heard_text()))

    def heard_by_round(self) -> dict[int, str]:
        out: dict[int, list[str]] = {}
        for s in self.segments:
            if s.kind == "reply" and (t := s.heard_text()):
                out.setdefault(s.round, []).append(t)
        return {r: " ".join(parts) for r, parts in out.items()}

    @property
    def played_s_samples(self) -> int:
        return sum(s.played_samples for s in self.segments)
