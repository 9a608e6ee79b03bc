"""WAV I/O: every sample format the reader promises, and clear errors for everything else."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from conftest_audio import dominant_hz, sine
from quickturn.audio.wav import (
    load_pipeline_audio,
    parse_wav_bytes,
    read_audio,
    read_wav,
    write_wav,
)
from quickturn.errors import AudioFormatError


def riff(
    fmt_tag: int,
    channels: int,
    rate: int,
    bits: int,
    data: bytes,
    extensible: bool = False,
    data_size: int | None = None,
) -> bytes:
    block = channels * bits // 8
    if extensible:
        fmt = struct.pack("<HHIIHH", 0xFFFE, channels, rate, rate * block, block, bits)
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", fmt_tag) + b"\x00" * 14
    else:
        fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, rate * block, block, bits)
    size = len(data) if data_size is None else data_size
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"LIST" + struct.pack("<I", 3) + b"abc\x00"  # odd-sized chunk: tests word padding
    body += b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


REF = np.array([0, 1000, -1000, 32767, -32768, 12345], dtype=np.int16)


def test_roundtrip_mono(tmp_path: Path) -> None:
    write_wav(tmp_path / "a.wav", REF, 16000)
    pcm, rate = read_wav(tmp_path / "a.wav")
    assert rate == 16000
    np.testing.assert_array_equal(pcm, REF)


def test_stereo_is_downmixed(tmp_path: Path) -> None:
    stereo = np.stack([REF, np.zeros_like(REF)], axis=1)
    write_wav(tmp_path / "s.wav", stereo, 22050)
    pcm, rate = read_wav(tmp_path / "s.wav")
    assert rate == 22050
    np.testing.assert_array_equal(pcm, np.round(REF.astype(float) / 2).astype(np.int16))


def test_8_bit_unsigned() -> None:
    raw = bytes([128, 255, 0, 192])
    pcm, _ = parse_wav_bytes(riff(1, 1, 8000, 8, raw))
    np.testing.assert_array_equal(pcm, [0, 127 * 256, -128 * 256, 64 * 256])


def test_24_bit() -> None:
    values = [0, 1 << 22, -(1 << 22), (1 << 23) - 1, -(1 << 23)]
    raw = b"".join(v.to_bytes(3, "little", signed=True) for v in values)
    pcm, _ = parse_wav_bytes(riff(1, 1, 48000, 24, raw))
    np.testing.assert_array_equal(pcm, [0, 16384, -16384, 32767, -32768])


def test_32_bit_int_extensible() -> None:
    raw = np.array([0, 1 << 30, -(1 << 31)], dtype="<i4").tobytes()
    pcm, _ = parse_wav_bytes(riff(1, 1, 16000, 32, raw, extensible=True))
    np.testing.assert_array_equal(pcm, [0, 16384, -32768])


@pytest.mark.parametrize("bits,dtype", [(32, "<f4"), (64, "<f8")])
def test_float(bits: int, dtype: str) -> None:
    raw = np.array([0.0, 0.5, -0.5, 1.5, -1.0], dtype=dtype).tobytes()
    pcm, _ = parse_wav_bytes(riff(3, 1, 16000, bits, raw))
    np.testing.assert_array_equal(pcm, [0, 16384, -16384, 32767, -32767])


def test_float_stereo_extensible() -> None:
    raw = np.array([0.5, 0.5, -0.25, 0.25], dtype="<f4").tobytes()
    pcm, _ = parse_wav_bytes(riff(3, 2, 16000, 32, raw, extensible=True))
    np.testing.assert_array_equal(pcm, [16384, 0])


@pytest.mark.parametrize(
    "data,match",
    [
        (b"", "not a WAV"),
        (b"ID3\x03\x00\x00\x00 this is an mp3", "not a WAV"),
        (b"RIFF\x10\x00\x00\x00WAVE", "no fmt chunk"),
        (riff(1, 1, 16000, 16, b"\x00\x01" * 10, data_size=4000), "truncated"),
        (riff(2, 1, 16000, 16, b"\x00\x00"), "unsupported WAV encoding"),
        (riff(1, 1, 16000, 12, b"\x00\x00"), "unsupported 12-bit"),
        (riff(3, 1, 16000, 16, b"\x00\x00"), "unsupported 16-bit float"),
        (riff(1, 0, 16000, 16, b""), "bad WAV header"),
        (riff(3, 1, 16000, 32, np.array([np.nan], dtype="<f4").tobytes()), "NaN"),
    ],
)
def test_malformed(data: bytes, match: str) -> None:
    with pytest.raises(AudioFormatError, match=match):
        parse_wav_bytes(data)


def test_truncated_file_on_disk(tmp_path: Path) -> None:
    write_wav(tmp_path / "t.wav", sine(440, 1.0, 16000), 16000)
    data = (tmp_path / "t.wav").read_bytes()
    (tmp_path / "t.wav").write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioFormatError, match="truncated"):
        read_wav(tmp_path / "t.wav")
    with pytest.raises(AudioFormatError, match="cannot read"):
        read_wav(tmp_path / "missing.wav")


def test_streaming_placeholder_size_only_when_allowed() -> None:
    data = riff(1, 1, 22050, 16, REF.tobytes(), data_size=0x7FFFF000)
    with pytest.raises(AudioFormatError, match="truncated"):
        parse_wav_bytes(data)
    pcm, rate = parse_wav_bytes(data, streaming=True)
    np.testing.assert_array_equal(pcm, REF)
    assert rate == 22050


def test_write_rejects_bad_input(tmp_path: Path) -> None:
    with pytest.raises(AudioFormatError, match="int16"):
        write_wav(tmp_path / "x.wav", REF.astype(np.float32), 16000)
    with pytest.raises(AudioFormatError, match="shape"):
        write_wav(tmp_path / "x.wav", np.zeros((4, 3), dtype=np.int16), 16000)
    with pytest.raises(AudioFormatError, match="sample rate"):
        write_wav(tmp_path / "x.wav", REF, 0)
    assert not (tmp_path / "x.wav").exists()


def test_load_pipeline_audio_resamples(tmp_path: Path) -> None:
    write_wav(tmp_path / "s.wav", np.stack([sine(1000, 1.0, 44100)] * 2, axis=1), 44100)
    pcm = load_pipeline_audio(tmp_path / "s.wav")
    assert len(pcm) == 16000
    assert dominant_hz(pcm, 16000) == pytest.approx(1000, abs=1)


@pytest.mark.parametrize("fmt", ["FLAC", "OGG"])
def test_flac_and_ogg_are_read_too(tmp_path: Path, fmt: str) -> None:
    import soundfile

    t = np.arange(16_000) / 16_000
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    path = tmp_path / f"caller.{fmt.lower()}"
    soundfile.write(path, np.stack([tone, tone], axis=1), 16_000, format=fmt)
    pcm, rate = read_audio(path)
    assert rate == 16_000 and pcm.dtype == np.int16 and len(pcm) == 16_000
    # Lossy Vorbis keeps the level, not the samples.
    assert np.abs(pcm).max() == pytest.approx(0.3 * 32768, rel=0.05)


def test_a_file_that_is_no_audio_gets_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.flac").write_bytes(b"fLaC but not really")
    with pytest.raises(AudioFormatError, match=r"notes\.flac: not a readable audio file"):
        read_audio(tmp_path / "notes.flac")
