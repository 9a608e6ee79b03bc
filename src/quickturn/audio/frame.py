"""The audio frame that flows through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from quickturn.errors import AudioFormatError

PCM16 = npt.NDArray[np.int16]


@dataclass(frozen=True)
class AudioFrame:
    """PCM16 mono samples plus the clock time of the first sample.

    ``captured_at_s`` is on the session's clock (``time.perf_counter`` in real time, a virtual
    clock in tests); every latency is measured against that one clock.
    """

    pcm: PCM16
    sample_rate_hz: int
    captured_at_s: float

    def __post_init__(self) -> None:
        if self.pcm.dtype != np.int16 or self.pcm.ndim != 1:
            raise AudioFormatError(
                f"AudioFrame needs 1-D int16 PCM, got {self.pcm.dtype} with shape {self.pcm.shape}"
            )
        if self.sample_rate_hz <= 0:
            raise AudioFormatError(f"bad sample rate {self.sample_rate_hz}")

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / self.sample_rate_hz

    @property
    def end_s(self) -> float:
        """Clock time just after the last sample."""
        return self.captured_at_s + self.duration_s
