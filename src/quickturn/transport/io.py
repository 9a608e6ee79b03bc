"""The transport seam: where caller audio comes from and where agent audio goes.

Every transport (the simulated call, WebSocket, WebRTC, phone media streams) implements these
two shapes, and the voice session depends on nothing else of it:

- ``AudioInput``: an async stream of caller frames, in real time, ending when the caller hangs up.
- ``AudioOutput``: takes the agent's frames *ahead of real time* (``capture_frame``), ends one
  speech with ``flush``, drops what is queued on barge-in (``clear_buffer``) and reports back when
  the first sample really played and how much of the speech was heard. Pacing lives in the
  transport; the agent's event loop never sleeps per frame.

The session turns ``PlayoutResult.played_s`` into the text the caller heard, so history holds only
that. Implementations call ``on_playback_started`` / ``on_playback_finished`` (and, as frames
play, ``on_playback_progress``, which live captions follow); the base class keeps the
bookkeeping, so a transport writes only its buffer and its clocking.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

from quickturn.audio.frame import AudioFrame
from quickturn.errors import ConfigError


class AudioInput(Protocol):
    def frames(self) -> AsyncIterator[AudioFrame]:
        """Caller audio as it is captured, one frame per ~10-32 ms, on the session clock
        (``captured_at_s``). The iterator ends when the caller hangs up or the peer vanishes."""
        ...


@dataclass(frozen=True)
class PlayoutResult:
    """How one speech (the frames between two ``flush``/``clear_buffer`` calls) played out."""

    played_s: float
    """Seconds of audio that reached the caller."""
    interrupted: bool
    """``clear_buffer`` dropped some of it before it played."""
    started_at_s: float | None
    """Session-clock time of its first played sample; None when nothing played."""


class AudioOutput(abc.ABC):
    """Agent audio out. One speech at a time: frames, then ``flush`` (or ``clear_buffer``), then
    ``wait_for_playout``. Implementations MUST call ``on_playback_started`` when a speech's first
    sample is played and ``on_playback_finished`` exactly once per speech."""

    def __init__(self, sample_rate_hz: int) -> None:
        if sample_rate_hz <= 0:
            raise ConfigError(f"output sample rate must be > 0, got {sample_rate_hz}")
        self.sample_rate_hz = sample_rate_hz
        self._started: asyncio.Future[float | None] | None = None
        self._finished: asyncio.Future[PlayoutResult] | None = None
        self._start_s: float | None = None
        self._progress: Callable[[float], None] | None = None

    # -- what a transport implements -----------------------------------------------------------
    @abc.abstractmethod
    async def capture_frame(self, frame: AudioFrame) -> None:
        """Queue one frame of the current speech. May return before it plays; may await to
        apply back-pressure. ``frame.sample_rate_hz`` equals ``sample_rate_hz``."""

    @abc.abstractmethod
    def flush(self) -> None:
        """The current speech has no more frames; what is queued still plays."""

    @abc.abstractmethod
    def clear_buffer(self) -> None:
        """Barge-in: drop everything queued and not yet played, at once, and finish the speech
        (``on_playback_finished(..., interrupted=True)``)."""

    # -- what a transport calls ----------------------------------------------------------------
    def on_playback_started(self, at_s: float) -> None:
        self._start_s = at_s
        started = self._ensure_started()
        if not started.done():
            started.set_result(at_s)

    def on_playback_progress(self, played_s: float) -> None:
        """``played_s`` of the current speech have played so far (called as frames play)."""
        if self._progress is not None:
            self._progress(played_s)

    def on_playback_finished(self, played_s: float, interrupted: bool) -> None:
        started = self._ensure_started()
        if not started.done():
            started.set_result(None)
        finished = self._ensure_finished()
        if not finished.done():
            at = self._start_s if played_s > 0 else None
            finished.set_result(PlayoutResult(played_s, interrupted, at))

    # -- what the session calls ----------------------------------------------------------------
    def watch_progress(self, callback: Callable[[float], None] | None) -> None:
        """Call ``callback(played_s)`` as the current speech plays (None: stop). A transport
        that does not report progress never calls it; the speech still finishes normally."""
        self._progress = callback

    async def wait_for_playback_start(self) -> float | None:
        """When the current speech's first sample played (None: it ended with nothing played)."""
        return await asyncio.shield(self._ensure_started())

    async def wait_for_playout(self) -> PlayoutResult:
        """Wait until the current speech finished playing (or was cleared); resets for the next
        speech."""
        result = await asyncio.shield(self._ensure_finished())
        self._started = self._finished = None
        self._start_s = None
        return result

    def cut(self) -> PlayoutResult | None:
        """The call is torn down mid-speech: drop what is queued (``clear_buffer``) and say at
        once how far the speech played (None if the output reported nothing); resets like
        ``wait_for_playout``."""
        self.clear_buffer()
        finished = self._finished
        self._started = self._finished = None
        self._start_s = None
        return finished.result() if finished is not None and finished.done() else None

    def _ensure_started(self) -> asyncio.Future[float | None]:
        if self._started is None:
            self._started = asyncio.get_running_loop().create_future()
        return self._started

    def _ensure_finished(self) -> asyncio.Future[PlayoutResult]:
        if self._finished is None:
            self._finished = asyncio.get_running_loop().create_future()
        return self._finished
