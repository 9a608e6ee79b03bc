"""Agent audio out, paced by the transport: a frame queue plus the driver that drains it.

``SpeechBuffer`` is the ``AudioOutput`` every network transport shares: the session hands it
frames ahead of real time, it cuts them into fixed frames (20 ms) and keeps the playback
bookkeeping. A driver pulls one frame per frame period: ``pace`` does it for WebSocket and phone
streams (one ``send`` per frame, on the wall clock), the WebRTC track does it from ``recv()``.
Whatever the driver has pulled counts as played; ``clear_buffer`` drops the rest at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

import numpy as np

from quickturn.audio.frame import PCM16, AudioFrame
from quickturn.errors import AudioFormatError, ConfigError
from quickturn.transport.io import AudioOutput

Now = Callable[[], float]


class SpeechBuffer(AudioOutput):
    def __init__(
        self,
        sample_rate_hz: int,
        frame_ms: int = 20,
        now: Now = time.perf_counter,
        on_clear: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(sample_rate_hz)
        if not 10 <= frame_ms <= 60:
            raise ConfigError(f"frame_ms must be within [10, 60], got {frame_ms}")
        self.frame_samples = sample_rate_hz * frame_ms // 1000
        self.frame_s = self.frame_samples / sample_rate_hz
        self._now = now
        self._on_clear = on_clear
        self._frames: deque[PCM16] = deque()
        self._tail = np.zeros(0, np.int16)  # less than one frame, waiting for more
        self._active = False  # a speech has frames queued or playing
        self._flushed = False
        self._played = 0
        self._wake = asyncio.Event()
        self.cleared = 0

    # -- AudioOutput -----------------------------------------------------------------------------
    async def capture_frame(self, frame: AudioFrame) -> None:
        if frame.sample_rate_hz != self.sample_rate_hz:
            raise AudioFormatError(
                f"output runs at {self.sample_rate_hz} Hz, got a {frame.sample_rate_hz} Hz frame"
            )
        if self._flushed:
            # A new speech after a flushed one that has not drained yet: keep it queued behind.
            self._flushed = False
        self._active = True
        pcm = np.concatenate([self._tail, frame.pcm]) if len(self._tail) else frame.pcm
        n = self.frame_samples
        whole = len(pcm) // n * n
        for start in range(0, whole, n):
            self._frames.append(pcm[start : start + n])
        self._tail = pcm[whole:].copy()
        self._wake.set()

    def flush(self) -> None:
        if len(self._tail):
            pad = np.zeros(self.frame_samples - len(self._tail), np.int16)
            self._frames.append(np.concatenate([self._tail, pad]))
            self._tail = np.zeros(0, np.int16)
        if self._active:
            self._flushed = True
        self._wake.set()

    def clear_buffer(self) -> None:
        was_active = self._active
        self._frames.clear()
        self._tail = np.zeros(0, np.int16)
        self.cleared += 1
        if was_active:
            self._end_speech(interrupted=True)
        if self._on_clear is not None:
            self._on_clear()
        self._wake.set()

    # -- the driver's side -----------------------------------------------------------------------
    @property
    def queued_s(self) -> float:
        return (len(self._frames) * self.frame_samples + len(self._tail)) / self.sample_rate_hz

    def next_frame(self) -> PCM16 | None:
        """The frame to play now, or None (nothing queued). Ends a flushed speech once drained."""
        if self._frames:
            frame = self._frames.popleft()
            if self._played == 0:
                self.on_playback_started(self._now())
            self._played += len(frame)
            self.on_playback_progress(self._played / self.sample_rate_hz)
            return frame
        if self._active and self._flushed:
            self._end_speech(interrupted=False)
        return None

    async def wait_for_audio(self) -> None:
        while not self._frames and not (self._active and self._flushed):
            self._wake.clear()
            await self._wake.wait()

    def _end_speech(self, interrupted: bool) -> None:
        played_s = self._played / self.sample_rate_hz
        self._active = self._flushed = False
        self._played = 0
        self.speech_ended(played_s, interrupted)

    def speech_ended(self, played_s: float, interrupted: bool) -> None:
        """A speech stopped playing; a transport that learns the real play-out later (phone
        marks) overrides this."""
        self.on_playback_finished(played_s, interrupted)


async def pace(buffer: SpeechBuffer, send: Callable[[PCM16], Awaitable[None]]) -> None:
    """Send one frame per frame period on the wall clock, until cancelled. After an underrun the
    schedule restarts from now instead of bursting the backlog out faster than real time."""
    next_due: float | None = None
    while True:
        frame = buffer.next_frame()
        if frame is None:
            next_due = None
            await buffer.wait_for_audio()
            continue
        now = time.perf_counter()
        if next_due is None or next_due < now - buffer.frame_s:
            next_due = now
        await send(frame)
        next_due += buffer.frame_s
        await asyncio.sleep(max(0.0, next_due - time.perf_counter()))
