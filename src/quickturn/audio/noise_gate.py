"""Pre-VAD/STT noise gate: frames below an RMS floor become silence.

Fan hum and line noise sit under the floor; a click is loud but short, so the gate opens only
after the level has stayed above the floor for ``attack_s`` (measured on 5 ms blocks, carried
across frames). Once open it holds for ``hold_s`` after the last loud block so word tails and
short gaps between words pass untouched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from quickturn.audio.frame import AudioFrame
from quickturn.errors import ConfigError

_BLOCK_S = 0.005


@dataclass(frozen=True)
class NoiseGateOptions:
    floor_dbfs: float = -45.0
    """RMS level (dB relative to int16 full scale) a 5 ms block must exceed to count as loud."""
    attack_s: float = 0.02
    """Loud time in a row needed to open; longer than a click, shorter than any syllable."""
    hold_s: float = 0.3
    """How long the gate stays open after the last loud block."""

    def __post_init__(self) -> None:
        if not -120.0 < self.floor_dbfs < 0.0:
            raise ConfigError(f"floor_dbfs must be in (-120, 0), got {self.floor_dbfs}")
        if not 0.0 <= self.attack_s <= 1.0:
            raise ConfigError(f"attack_s must be in [0, 1], got {self.attack_s}")
        if not 0.0 <= self.hold_s <= 5.0:
            raise ConfigError(f"hold_s must be in [0, 5], got {self.hold_s}")


class NoiseGate:
    """Stateful per-stream gate; frames must arrive in order."""

    def __init__(self, options: NoiseGateOptions | None = None) -> None:
        self.options = options or NoiseGateOptions()
        self._floor_sq = (32768.0 * 10 ** (self.options.floor_dbfs / 20.0)) ** 2
        self._open = False
        self._run_s = 0.0  # loud time in a row, ending at the last block seen
        self._hold_left_s = 0.0

    @property
    def is_open(self) -> bool:
        return self._open

    def reset(self) -> None:
        self._open = False
        self._run_s = 0.0
        self._hold_left_s = 0.0

    def process(self, frame: AudioFrame) -> AudioFrame:
        n = len(frame.pcm)
        if n == 0:
            return frame
        block = max(1, int(round(_BLOCK_S * frame.sample_rate_hz)))
        n_blocks = math.ceil(n / block)
        padded = np.zeros(n_blocks * block, dtype=np.float64)
        padded[:n] = frame.pcm
        counts = np.full(n_blocks, block, dtype=np.float64)
        counts[-1] = n - block * (n_blocks - 1)
        mean_sq = (padded.reshape(n_blocks, block) ** 2).sum(axis=1) / counts
        loud = mean_sq > self._floor_sq
        passed = self._open
        for is_loud, count in zip(loud.tolist(), counts.tolist(), strict=True):
            dur = count / frame.sample_rate_hz
            if is_loud:
                self._run_s += dur
                if self._run_s >= self.options.attack_s:
                    self._open = True
                    self._hold_left_s = self.options.hold_s
            else:
                self._run_s = 0.0
                if self._open:
                    self._hold_left_s -= dur
                    if self._hold_left_s <= 0.0:
                        self._open = False
            passed = passed or self._open
        if passed:
            return frame
        return AudioFrame(np.zeros(n, dtype=np.int16), frame.sample_rate_hz, frame.captured_at_s)
