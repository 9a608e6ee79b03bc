"""Wire codecs: PCM16 little-endian bytes, G.711 mu-law, and streaming resampling (soxr).

mu-law is the ITU-T G.711 table computed with numpy (``audioop`` is gone in Python 3.13).
Resampling keeps filter state between 20 ms chunks, so they come out as one continuous signal.
soxr's filtered presets work in blocks: fed 20 ms chunks, 16 -> 8 kHz "MQ" returned nothing for
100 ms and then 108 ms at once ("LQ" 59 ms bursts); a burst like that is latency on every turn.
So: going up, soxr "QQ" (cubic interpolation, smooth 20 ms out per 20 ms in; the images it leaves
above the old Nyquist do not bother STT); going down, where aliasing would reach the caller's
ear, quickturn's own streaming polyphase filter (``quickturn.audio.resample``, ~1 ms delay).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from quickturn.audio.frame import PCM16
from quickturn.audio.resample import Resampler
from quickturn.errors import AudioFormatError, MissingDependencyError

_BIAS = 0x84
_CLIP = 32635


def pcm16_from_bytes(data: bytes) -> PCM16:
    """Little-endian PCM16 bytes as samples; an odd byte count is malformed audio."""
    if len(data) % 2:
        raise AudioFormatError(f"PCM16 needs an even number of bytes, got {len(data)}")
    return np.frombuffer(data, dtype="<i2").astype(np.int16)


def pcm16_to_bytes(pcm: PCM16) -> bytes:
    return pcm.astype("<i2").tobytes()


def _build_decode_table() -> npt.NDArray[np.int16]:
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


_DECODE = _build_decode_table()


def ulaw_decode(data: bytes) -> PCM16:
    """G.711 mu-law bytes (one per sample) to PCM16."""
    return _DECODE[np.frombuffer(data, dtype=np.uint8)]


def ulaw_encode(pcm: PCM16) -> bytes:
    """PCM16 to G.711 mu-law bytes, one per sample."""
    x = pcm.astype(np.int32)
    sign = np.where(x < 0, 0x80, 0)
    mag = np.minimum(np.abs(x), _CLIP) + _BIAS
    # The segment (exponent) is the position of the highest set bit above bit 7.
    exponent = np.floor(np.log2(mag)).astype(np.int32) - 7
    exponent = np.clip(exponent, 0, 7)
    mantissa = (mag >> (exponent + 3)) & 0x0F
    coded: npt.NDArray[np.uint8] = (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)
    return coded.tobytes()


class StreamResampler:
    """Chunked PCM16 resampling that keeps its state between chunks (see the module notes)."""

    def __init__(self, from_hz: int, to_hz: int) -> None:
        if from_hz <= 0 or to_hz <= 0:
            raise AudioFormatError(f"bad sample rates {from_hz} -> {to_hz}")
        self.from_hz = from_hz
        self.to_hz = to_hz
        self._up: Any = None
        self._down: Resampler | None = None
        if to_hz > from_hz:
            try:
                import soxr
            except ImportError as exc:
                raise MissingDependencyError("soxr", "pip install 'quickturn[talk]'") from exc
            self._up = soxr.ResampleStream(from_hz, to_hz, 1, dtype="int16", quality="QQ")
        elif to_hz < from_hz:
            self._down = Resampler(from_hz, to_hz)

    def process(self, pcm: PCM16) -> PCM16:
        if self._up is not None:
            return np.asarray(self._up.resample_chunk(pcm), dtype=np.int16).reshape(-1)
        if self._down is not None:
            return self._down.process(pcm)
        return pcm
