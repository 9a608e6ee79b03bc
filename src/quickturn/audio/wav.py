"""Audio files in and out with every conversion the pipeline needs, and one clear error.

``read_audio`` (alias ``read_wav``) decodes any format libsndfile reads (WAV in every sample
format, FLAC, OGG/Vorbis, ...) through ``soundfile``, converts to int16 and averages channels down
to mono. libsndfile silently reads a truncated WAV as a shorter one, so a RIFF file's declared
data size is checked first: a cut-off file is an error, not a quietly shorter call.
``parse_wav_bytes`` decodes WAV bytes in memory, including the placeholder sizes of writers
that stream to a pipe (espeak-ng).
"""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile

from quickturn.audio.frame import PCM16
from quickturn.audio.resample import resample
from quickturn.errors import AudioFormatError

_PCM = 0x0001
_FLOAT = 0x0003
_EXTENSIBLE = 0xFFFE
# Writers that stream to a pipe (espeak-ng --stdout, ffmpeg) cannot seek back to fill in the
# data size, so they leave a placeholder; only ``streaming=True`` accepts it.
_STREAMING_SIZES = (0, 0x7FFFF000, 0x7FFFFFFF, 0xFFFFFFFF)


def read_audio(path: str | Path) -> tuple[PCM16, int]:
    """Mono int16 samples and the sample rate of the audio file at ``path``."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise AudioFormatError(f"cannot read {p}: {exc}") from exc
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        _locate_data(data, str(p), streaming=False)  # raises on a truncated or broken header
    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float64", always_2d=True)
    except (soundfile.SoundFileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioFormatError(f"{p}: not a readable audio file ({exc})") from exc
    if samples.shape[0] and not np.all(np.isfinite(samples)):
        raise AudioFormatError(f"{p}: audio contains NaN or infinity")
    # libsndfile scales integer PCM by 1/32768, so this is exact for 16-bit files.
    mono = np.clip(samples, -1.0, 1.0).mean(axis=1) * 32768.0
    return np.clip(np.round(mono), -32768, 32767).astype(np.int16), int(rate)


read_wav = read_audio


def parse_wav_bytes(
    data: bytes, name: str = "<bytes>", streaming: bool = False
) -> tuple[PCM16, int]:
    """Decode WAV bytes in memory.

    ``streaming=True`` accepts a placeholder data size from a writer that could not seek; the
    data chunk then runs to the end of ``data``.
    """
    fmt, body, size = _locate_data(data, name, streaming)
    return _decode(data[body : body + size], fmt, name)


def _locate_data(
    data: bytes, name: str, streaming: bool
) -> tuple[tuple[int, int, int, int], int, int]:
    """The fmt of a RIFF/WAVE file and where its sample data lies (offset, size)."""
    if len(data) < 12 or data[0:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioFormatError(f"{name}: not a WAV file (no RIFF/WAVE header)")
    fmt: tuple[int, int, int, int] | None = None
    pos = 12
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        body = pos + 8
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(data[body : body + size], name)
        elif chunk_id == b"data":
            if fmt is None:
                raise AudioFormatError(f"{name}: data chunk comes before the fmt chunk")
            available = len(data) - body
            if size > available:
                if not (streaming and size in _STREAMING_SIZES):
                    raise AudioFormatError(
                        f"{name}: truncated WAV: data chunk declares {size} bytes, "
                        f"only {available} present"
                    )
                size = available
            elif streaming and size == 0:
                size = available
            return fmt, body, size
        pos = body + size + (size & 1)  # chunks are word-aligned
    if fmt is None:
        raise AudioFormatError(f"{name}: truncated or malformed WAV: no fmt chunk")
    raise AudioFormatError(f"{name}: truncated or malformed WAV: no data chunk")


def _parse_fmt(body: bytes, name: str) -> tuple[int, int, int, int]:
    if len(body) < 16:
        raise AudioFormatError(f"{name}: fmt chunk is {len(body)} bytes, needs at least 16")
    tag, channels, rate, _, block_align, bits = struct.unpack_from("<HHIIHH", body, 0)
    if tag == _EXTENSIBLE:
        if len(body) < 26:
            raise AudioFormatError(f"{name}: WAVE_FORMAT_EXTENSIBLE fmt chunk is too short")
        # The sub-format GUID starts with the plain format tag.
        (tag,) = struct.unpack_from("<H", body, 24)
    if tag not in (_PCM, _FLOAT):
        raise AudioFormatError(f"{name}: unsupported WAV encoding (format tag {tag:#06x})")
    if channels < 1 or rate <= 0:
        raise AudioFormatError(f"{name}: bad WAV header ({channels} channels at {rate} Hz)")
    supported = {_PCM: (8, 16, 24, 32), _FLOAT: (32, 64)}[tag]
    if bits not in supported:
        kind = "float" if tag == _FLOAT else "integer"
        raise AudioFormatError(f"{name}: unsupported {bits}-bit {kind} WAV")
    if block_align != channels * bits // 8:
        raise AudioFormatError(f"{name}: inconsistent WAV header (block align {block_align})")
    return tag, channels, rate, bits


def _decode(raw: bytes, fmt: tuple[int, int, int, int], name: str) -> tuple[PCM16, int]:
    tag, channels, rate, bits = fmt
    frame_bytes = channels * bits // 8
    usable = len(raw) - len(raw) % frame_bytes  # a torn last frame is dropped, not misread
    raw = raw[:usable]
    samples: npt.NDArray[np.float64]
    if tag == _FLOAT:
        dtype = np.dtype("<f4") if bits == 32 else np.dtype("<f8")
        floats = np.frombuffer(raw, dtype=dtype).astype(np.float64)
        if not np.all(np.isfinite(floats)):
            raise AudioFormatError(f"{name}: float WAV contains NaN or infinity")
        samples = np.clip(floats, -1.0, 1.0) * 32767.0
    elif bits == 8:
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) * 256.0
    elif bits == 16:
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float64)
    elif bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        ints = np.where(ints & 0x800000, ints - (1 << 24), ints)
        samples = ints.astype(np.float64) / 256.0
    else:
        samples = np.frombuffer(raw, dtype="<i4").astype(np.float64) / 65536.0
    mono = samples.reshape(-1, channels).mean(axis=1)
    return np.clip(np.round(mono), -32768, 32767).astype(np.int16), rate


def load_pipeline_audio(path: str | Path, target_rate_hz: int = 16000) -> PCM16:
    """Read an audio file as mono int16 at ``target_rate_hz`` (what VAD and STT take)."""
    pcm, rate = read_audio(path)
    return resample(pcm, rate, target_rate_hz)


def write_wav(path: str | Path, pcm: PCM16, sample_rate_hz: int) -> None:
    """Write int16 samples: 1-D is mono, a 2-D ``(n, 2)`` array is interleaved stereo."""
    if pcm.dtype != np.int16:
        raise AudioFormatError(f"write_wav needs int16 samples, got {pcm.dtype}")
    if pcm.ndim == 1:
        channels = 1
    elif pcm.ndim == 2 and pcm.shape[1] == 2:
        channels = 2
    else:
        raise AudioFormatError(f"write_wav takes shape (n,) or (n, 2), got {pcm.shape}")
    if sample_rate_hz <= 0:
        raise AudioFormatError(f"bad sample rate {sample_rate_hz}")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(sample_rate_hz)
        out.writeframes(np.ascontiguousarray(pcm).astype("<i2").tobytes())
