"""Resampling keeps frequencies and levels, removes what cannot be represented, and streams."""

from __future__ import annotations

import numpy as np
import pytest

from conftest_audio import dominant_hz, sine
from quickturn.audio.resample import Resampler, resample
from quickturn.errors import AudioFormatError

PAIRS = [(48000, 16000), (44100, 16000), (22050, 16000), (8000, 16000), (16000, 48000)]


@pytest.mark.parametrize("src,dst", PAIRS)
def test_sine_keeps_frequency_and_level(src: int, dst: int) -> None:
    x = sine(1234.5, 1.0, src, amp=0.5)
    y = resample(x, src, dst)
    assert len(y) == dst
    assert dominant_hz(y, dst) == pytest.approx(1234.5, abs=0.5)
    t = np.arange(len(y)) / dst
    expected = 0.5 * 32767 * np.sin(2 * np.pi * 1234.5 * t)
    # Away from the edges the result matches the ideal sine to within a few LSB.
    err = np.abs(y[200:-200] - expected[200:-200])
    assert err.max() < 8


def test_content_above_new_nyquist_is_removed() -> None:
    x = sine(9000, 1.0, 48000, amp=0.5)  # not representable at 16 kHz
    y = resample(x, 48000, 16000)
    rms = np.sqrt(np.mean(y[200:-200].astype(np.float64) ** 2))
    assert 20 * np.log10(max(rms, 1e-9) / (0.5 * 32767 / np.sqrt(2))) < -60


@pytest.mark.parametrize("chunk", [1, 37, 320, 5000])
def test_streaming_matches_one_shot(chunk: int) -> None:
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(22050) * 3000).astype(np.int16)
    r = Resampler(22050, 16000)
    parts = [r.process(x[i : i + chunk]) for i in range(0, len(x), chunk)]
    streamed = np.concatenate([*parts, r.flush()])
    np.testing.assert_array_equal(streamed, resample(x, 22050, 16000))


def test_same_rate_is_identity_and_bad_input_raises() -> None:
    x = sine(440, 0.1, 16000)
    np.testing.assert_array_equal(resample(x, 16000, 16000), x)
    with pytest.raises(AudioFormatError):
        resample(x.astype(np.float32), 16000, 8000)
    with pytest.raises(AudioFormatError):
        Resampler(0, 16000)
    assert len(resample(np.zeros(0, dtype=np.int16), 48000, 16000)) == 0
