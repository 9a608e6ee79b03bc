"""Hands agent speech to the transport's ``AudioOutput`` and learns what was really heard.

The speaker never paces audio: it captures frames as fast as TTS makes them (the transport plays
them in real time), ends the speech with ``flush``, and on barge-in the handle's interruption
calls ``clear_buffer`` at once, so playback stops within one output frame of the decision. The
``PlayoutResult`` the output reports (seconds played, when playback started) is mapped back onto
the segments; ``SpeechHandle.heard_text`` turns that into words.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from quickturn.agent.speech import SpeechHandle
from quickturn.audio.frame import AudioFrame
from quickturn.clock import Clock
from quickturn.errors import ConfigError
from quickturn.transport.io import AudioOutput, PlayoutResult


@dataclass(frozen=True)
class SpeakerOptions:
    frame_ms: int = 20

    def __post_init__(self) -> None:
        if not 5 <= self.frame_ms <= 100:
            raise ConfigError("frame_ms must be within [5, 100]")


class Speaker:
    """Plays one SpeechHandle at a time into an AudioOutput."""

    def __init__(
        self, output: AudioOutput, clock: Clock, options: SpeakerOptions = SpeakerOptions()
    ) -> None:
        self.output = output
        self._clock = clock
        self.options = options

    @property
    def sample_rate_hz(self) -> int:
        return self.output.sample_rate_hz

    async def play(
        self,
        handle: SpeechHandle,
        on_first_audio: Callable[[SpeechHandle, float], None] | None = None,
    ) -> None:
        """Play until the handle's input ends or it is interrupted; sets ``handle.done``."""
        rate = self.output.sample_rate_hz
        step = rate * self.options.frame_ms // 1000
        captured = 0
        watcher: asyncio.Task[None] | None = None
        try:
            while (segment := await handle.next_segment()) is not None:
                segment.offset = captured
                segment.captured_at_s = self._clock.now()
                pcm = segment.pcm
                for start in range(0, len(pcm), step):
                    if handle.should_stop():
                        break
                    chunk = pcm[start : start + step]
                    if len(chunk) < step:
                        chunk = np.concatenate([chunk, np.zeros(step - len(chunk), np.int16)])
                    if captured == 0:
                        # From the first captured frame on, a barge-in drops the output's queue.
                        handle.on_interrupt(self.output.clear_buffer)
                        watcher = asyncio.create_task(self._watch_start(handle, on_first_audio))
                    await self.output.capture_frame(AudioFrame(chunk, rate, self._clock.now()))
                    captured += step
                if handle.should_stop():
                    break
            if captured:
                if not handle.interrupted:
                    self.output.flush()
                result = await self.output.wait_for_playout()
                self._account(handle, result, rate)
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            handle.done.set()

    async def _watch_start(
        self, handle: SpeechHandle, on_first_audio: Callable[[SpeechHandle, float], None] | None
    ) -> None:
        at = await self.output.wait_for_playback_start()
        if at is not None:
            handle.first_audio_at_s = at
            if on_first_audio is not None:
                on_first_audio(handle, at)

    @staticmethod
    def _account(handle: SpeechHandle, result: PlayoutResult, rate: int) -> None:
        played = int(round(result.played_s * rate))
        if result.started_at_s is not None and handle.first_audio_at_s is None:
            handle.first_audio_at_s = result.started_at_s
        first = handle.segments[0] if handle.segments else None
        # The transport's delay between taking a frame and playing it (0 for the simulated call).
        lag = 0.0
        if first is not None and first.captured_at_s is not None and result.started_at_s:
            lag = max(0.0, result.started_at_s - first.captured_at_s)
        for segment in handle.segments:
            if segment.offset < 0:
                continue
            segment.played_samples = min(len(segment.pcm), max(0, played - segment.offset))
            if (
                segment.kind == "reply"
                and handle.first_reply_at_s is None
                and segment.played_samples > 0
                and result.started_at_s is not None
                and segment.captured_at_s is not None
            ):
                # After an underrun (the reply came after a filler had finished) playback
                # restarts when the segment arrived; otherwise it follows the audio before it.
                handle.first_reply_at_s = max(
                    segment.captured_at_s + lag, result.started_at_s + segment.offset / rate
                )
