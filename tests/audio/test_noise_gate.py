"""The noise gate passes speech-level sound and silences hum, hiss and clicks."""

from __future__ import annotations

import numpy as np
import pytest

from conftest_audio import RATE, clicks, fan_hum, frames, pink_noise, sine, white_noise
from quickturn.audio.frame import AudioFrame
from quickturn.audio.noise_gate import NoiseGate, NoiseGateOptions
from quickturn.errors import ConfigError


def gated(pcm: np.ndarray, gate: NoiseGate, frame_s: float = 0.02) -> np.ndarray:
    return np.concatenate([gate.process(f).pcm for f in frames(pcm, frame_s)])


@pytest.mark.parametrize(
    "noise",
    [
        white_noise(3.0, -55),
        pink_noise(3.0, -52),
        fan_hum(3.0, -50),
        clicks(3.0),
        white_noise(3.0, -55) + fan_hum(3.0, -55) + clicks(3.0),
    ],
    ids=["white", "pink", "hum", "clicks", "mix"],
)
def test_noise_is_silenced(noise: np.ndarray) -> None:
    out = gated(noise, NoiseGate())
    assert not out.any()


def test_speech_level_sound_passes_with_its_tail() -> None:
    tone = sine(300, 0.5, RATE, amp=0.1)  # -23 dBFS, far above the floor
    pcm = np.concatenate([np.zeros(RATE // 2, np.int16), tone, np.zeros(RATE, np.int16)])
    gate = NoiseGate(NoiseGateOptions(hold_s=0.3))
    out = gated(pcm, gate)
    loud = np.nonzero(out)[0] / RATE
    # Opens within attack_s + one frame of the onset; holds hold_s (+ one frame) after it.
    assert 0.5 <= loud[0] <= 0.5 + 0.02 + 0.02
    np.testing.assert_array_equal(
        out[int(0.54 * RATE) : int(1.0 * RATE)], pcm[int(0.54 * RATE) : RATE]
    )
    assert gate.is_open is False
    assert not out[int(1.35 * RATE) :].any()


def test_frame_timestamps_and_rate_are_kept() -> None:
    f = AudioFrame(white_noise(0.02, -70), 16000, 12.5)
    out = NoiseGate().process(f)
    assert (out.captured_at_s, out.sample_rate_hz, len(out.pcm)) == (12.5, 16000, len(f.pcm))


@pytest.mark.parametrize("kwargs", [{"floor_dbfs": 3.0}, {"attack_s": -0.1}, {"hold_s": 10.0}])
def test_bad_options(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        NoiseGateOptions(**kwargs)
