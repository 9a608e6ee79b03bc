"""Band-limited resampling (Kaiser-windowed sinc, polyphase), numpy only.

The ratio is reduced to ``up/down``; output sample ``k`` sits at input position ``k*down/up``,
so the fractional offset repeats with period ``up`` and one filter per phase is precomputed.
The streaming ``Resampler`` keeps the input history its filter needs, so chunked and one-shot
resampling give the same samples.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from quickturn.audio.frame import PCM16
from quickturn.errors import AudioFormatError

_ZERO_CROSSINGS = 16  # filter half-width in (cutoff-scaled) input samples: ~-80 dB stopband
_KAISER_BETA = 8.0
_ROLLOFF = 0.94  # cutoff as a fraction of the lower Nyquist, leaves room for the transition band
_BLOCK = 8192  # outputs per vectorised block, bounds memory for long inputs

Float64 = npt.NDArray[np.float64]


def resample(pcm: PCM16, from_hz: int, to_hz: int) -> PCM16:
    """Resample a whole signal; returns ``ceil(len(pcm) * to_hz / from_hz)`` samples."""
    if from_hz == to_hz:
        _check_pcm(pcm)
        return pcm.copy()
    r = Resampler(from_hz, to_hz)
    head = r.process(pcm)
    tail = r.flush()
    return np.concatenate([head, tail])


def _check_pcm(pcm: PCM16) -> None:
    if pcm.dtype != np.int16 or pcm.ndim != 1:
        raise AudioFormatError(f"resample needs 1-D int16 PCM, got {pcm.dtype} {pcm.shape}")


class Resampler:
    """Streaming resampler: ``process`` chunks in order, ``flush`` once at the end of input.

    Output lags input by the filter half-width (under 1 ms at common rates); ``flush`` pads
    with silence to emit the samples still owed.
    """

    def __init__(self, from_hz: int, to_hz: int) -> None:
        if from_hz <= 0 or to_hz <= 0:
            raise AudioFormatError(f"bad sample rates {from_hz} -> {to_hz}")
        g = math.gcd(from_hz, to_hz)
        self.from_hz = from_hz
        self.to_hz = to_hz
        self._up = to_hz // g
        self._down = from_hz // g
        self._half, self._bank = _filter_bank(self._up, self._down)
        # Input history; absolute index of _buf[0]. Starts with ``half`` virtual zeros before
        # sample 0 so the first outputs see a silent past.
        self._buf: Float64 = np.zeros(self._half, dtype=np.float64)
        self._buf_start = -self._half
        self._n_in = 0
        self._next_out = 0

    def process(self, pcm: PCM16) -> PCM16:
        _check_pcm(pcm)
        if self.from_hz == self.to_hz:
            self._n_in += len(pcm)
            return pcm.copy()
        self._buf = np.concatenate([self._buf, pcm.astype(np.float64)])
        self._n_in += len(pcm)
        # Output k needs inputs up to floor(k*down/up) + half.
        available = self._buf_start + len(self._buf)
        last_k = ((available - self._half - 1) * self._up) // self._down
        return self._emit(last_k + 1)

    def flush(self) -> PCM16:
        """Emit the outputs still owed for the input seen so far, then start a fresh stream."""
        if self.from_hz == self.to_hz:
            self._n_in = 0
            return np.zeros(0, dtype=np.int16)
        self._buf = np.concatenate([self._buf, np.zeros(self._half + 1, dtype=np.float64)])
        total = -(-self._n_in * self._up // self._down)
        out = self._emit(total)
        self._buf = np.zeros(self._half, dtype=np.float64)
        self._buf_start = -self._half
        self._n_in = 0
        self._next_out = 0
        return out

    def _emit(self, stop_k: int) -> PCM16:
        pieces: list[Float64] = []
        taps_offsets = np.arange(-self._half + 1, self._half + 1)
        k = self._next_out
        while k < stop_k:
            ks = np.arange(k, min(stop_k, k + _BLOCK), dtype=np.int64)
            pos = ks * self._down
            base = pos // self._up
            phase = pos % self._up
            idx = base[:, None] + taps_offsets[None, :] - self._buf_start
            pieces.append(np.einsum("ij,ij->i", self._buf[idx], self._bank[phase]))
            k = int(ks[-1]) + 1
        self._next_out = max(k, self._next_out)
        # Drop history no future output can reach.
        keep_from = (self._next_out * self._down) // self._up - self._half + 1
        drop = keep_from - self._buf_start
        if drop > 0:
            self._buf = self._buf[drop:]
            self._buf_start = keep_from
        if not pieces:
            return np.zeros(0, dtype=np.int16)
        y = np.concatenate(pieces)
        return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def _filter_bank(up: int, down: int) -> tuple[int, Float64]:
    """``up`` phases of a windowed-sinc low-pass, each normalised to unit DC gain."""
    cutoff = min(1.0, up / down) * _ROLLOFF  # relative to the input Nyquist
    half = int(math.ceil(_ZERO_CROSSINGS / cutoff))
    j = np.arange(-half + 1, half + 1, dtype=np.float64)
    frac = np.arange(up, dtype=np.float64)[:, None] / up
    d = frac - j[None, :]  # distance from the output position to each tap, in input samples
    taps = cutoff * np.sinc(cutoff * d)
    x = np.clip(d / half, -1.0, 1.0)
    taps *= np.i0(_KAISER_BETA * np.sqrt(1.0 - x * x)) / np.i0(_KAISER_BETA)
    taps /= taps.sum(axis=1, keepdims=True)
    return half, taps
