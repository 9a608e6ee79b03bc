"""Wire codecs and the paced speech buffer."""

from __future__ import annotations

import numpy as np
import pytest
from tests.transport.beep_agent import tone

from quickturn.audio.frame import AudioFrame
from quickturn.errors import AudioFormatError, ConfigError
from quickturn.transport.codec import (
    StreamResampler,
    pcm16_from_bytes,
    pcm16_to_bytes,
    ulaw_decode,
    ulaw_encode,
)
from quickturn.transport.playout import SpeechBuffer


def test_mulaw_matches_g711_reference_points() -> None:
    # G.711: 0 -> 0xFF, the largest magnitudes -> 0x80 / 0x00, and decoding is symmetric.
    coded = ulaw_encode(np.array([0, 32767, -32768, 1000, -1000], np.int16))
    assert list(coded[:3]) == [0xFF, 0x80, 0x00]
    assert ulaw_decode(coded[3:4])[0] == -ulaw_decode(coded[4:5])[0]
    assert set(ulaw_encode(ulaw_decode(bytes(range(256))))) == set(range(256)) - {0x7F}  # -0


def test_mulaw_round_trip_keeps_speech_band_quality() -> None:
    x = tone(1.0, 440, 8000, 8000)
    y = ulaw_decode(ulaw_encode(x)).astype(np.float64)
    snr_db = 10 * np.log10(np.sum(x.astype(np.float64) ** 2) / np.sum((x - y) ** 2))
    assert snr_db > 35  # G.711 gives ~38 dB on a loud tone


def test_pcm16_bytes_round_trip_and_odd_length_is_an_error() -> None:
    x = np.array([1, -2, 32767, -32768], np.int16)
    assert np.array_equal(pcm16_from_bytes(pcm16_to_bytes(x)), x)
    with pytest.raises(AudioFormatError, match="even number"):
        pcm16_from_bytes(b"\x00\x01\x02")


@pytest.mark.parametrize(("src", "dst"), [(8000, 16000), (16000, 8000), (48000, 16000)])
def test_streaming_resampler_is_smooth_per_20ms_chunk(src: int, dst: int) -> None:
    r = StreamResampler(src, dst)
    x = tone(1.0, 440, 8000, src)
    outs = [r.process(x[i : i + src // 50]) for i in range(0, len(x), src // 50)]
    sizes = [len(o) for o in outs[2:]]
    # A 20 ms chunk in gives (about) 20 ms out: no block-sized bursts.
    assert max(sizes) - min(sizes) <= 2 and abs(np.mean(sizes) - dst / 50) < 1
    y = np.concatenate(outs)
    peak_hz = np.argmax(np.abs(np.fft.rfft(y))) * dst / len(y)
    assert abs(peak_hz - 440) < 3


async def test_speech_buffer_frames_flush_and_playout() -> None:
    buf = SpeechBuffer(16000, 20)
    await buf.capture_frame(AudioFrame(tone(0.05), 16000, 0.0))  # 2.5 frames
    assert buf.next_frame() is not None and buf.next_frame() is not None
    assert buf.next_frame() is None  # half a frame waits for more, or for flush
    buf.flush()
    last = buf.next_frame()
    assert last is not None and len(last) == 320 and not last[160:].any()  # padded
    assert buf.next_frame() is None  # drained: the speech ends here
    result = await buf.wait_for_playout()
    assert result.played_s == pytest.approx(0.06) and not result.interrupted


async def test_speech_buffer_clear_drops_the_rest_and_reports_interrupted() -> None:
    cleared: list[bool] = []
    buf = SpeechBuffer(16000, 20, on_clear=lambda: cleared.append(True))
    await buf.capture_frame(AudioFrame(tone(1.0), 16000, 0.0))
    for _ in range(5):
        buf.next_frame()
    buf.clear_buffer()
    result = await buf.wait_for_playout()
    assert result.interrupted and result.played_s == pytest.approx(0.1)
    assert cleared == [True] and buf.next_frame() is None and buf.queued_s == 0


async def test_speech_buffer_refuses_a_wrong_rate() -> None:
    with pytest.raises(ConfigError):
        SpeechBuffer(16000, 5)
    with pytest.raises(AudioFormatError):
        await SpeechBuffer(16000).capture_frame(AudioFrame(tone(0.1, rate=8000), 8000, 0.0))


def test_downsampling_filters_what_would_alias() -> None:
    # A 6 kHz tone has no place at 8 kHz (Nyquist 4 kHz): unfiltered it would fold to 2 kHz.
    r = StreamResampler(16000, 8000)
    x = tone(1.0, 6000, 8000, 16000)
    y = np.concatenate([r.process(x[i : i + 320]) for i in range(0, len(x), 320)])
    speech = tone(1.0, 1000, 8000, 16000)
    r2 = StreamResampler(16000, 8000)
    z = np.concatenate([r2.process(speech[i : i + 320]) for i in range(0, len(speech), 320)])
    rms = lambda a: float(np.sqrt(np.mean(a[400:].astype(np.float64) ** 2)))  # noqa: E731
    assert rms(y) < 0.05 * rms(z)  # the alias is >26 dB down; 1 kHz passes
    assert rms(z) > 0.6 * 8000 / np.sqrt(2)
