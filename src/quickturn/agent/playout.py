"""Plays agent speech frame by frame in real time and counts what was really played.

Frames are written at their play time on the session clock (``sleep_until``), never ahead, so an
interruption decided at time t stops the audio at the next frame boundary: within one frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from quickturn.agent.clock import Clock
from quickturn.agent.ports import AudioOutput
from quickturn.agent.speech import SpeechHandle
from quickturn.audio.frame import AudioFrame
from quickturn.errors import ConfigError


@dataclass(frozen=True)
class PlayerOptions:
    sample_rate_hz: int = 16_000
    frame_ms: int = 20

    def __post_init__(self) -> None:
        if self.sample_rate_hz <= 0:
            raise ConfigError("sample_rate_hz must be > 0")
        if not 5 <= self.frame_ms <= 100:
            raise ConfigError("frame_ms must be within [5, 100]")

    @property
    def frame_samples(self) -> int:
        return self.sample_rate_hz * self.frame_ms // 1000


class Player:
    """Plays one SpeechHandle at a time into an AudioOutput."""

    def __init__(
        self,
        output: AudioOutput,
        clock: Clock,
        options: PlayerOptions = PlayerOptions(),
    ) -> None:
        self._output = output
        self._clock = clock
        self.options = options

    async def play(
        self,
        handle: SpeechHandle,
        on_first_audio: Callable[[SpeechHandle, float], None] | None = None,
    ) -> None:
        """Play until the handle's input ends or it is interrupted; sets ``handle.done``."""
        step = self.options.frame_samples
        frame_s = step / self.options.sample_rate_hz
        next_due: float | None = None
        try:
            while (segment := await handle.next_segment()) is not None:
                now = self._clock.now()
                # After an underrun (the next segment came late) the schedule restarts from now
                # instead of bursting the backlog out faster than real time.
                if next_due is None or next_due < now:
                    next_due = now
                pcm = segment.pcm
                for start in range(0, len(pcm), step):
                    await self._clock.sleep_until(next_due)
                    if handle.should_stop():
                        return
                    chunk = pcm[start : start + step]
                    if len(chunk) < step:
                        chunk = np.concatenate([chunk, np.zeros(step - len(chunk), np.int16)])
                    frame = AudioFrame(chunk, self.options.sample_rate_hz, next_due)
                    if handle.first_audio_at_s is None:
                        handle.first_audio_at_s = next_due
                        if on_first_audio is not None:
                            on_first_audio(handle, next_due)
                    if segment.kind == "reply" and handle.first_reply_at_s is None:
                        handle.first_reply_at_s = next_due
                    await self._output.write(frame)
                    segment.played_samples = min(len(pcm), start + step)
                    next_due += frame_s
            if next_due is not None:
                # The last frame is still sounding until its end.
                await self._clock.sleep_until(next_due)
        finally:
            handle.done.set()
