"""Real Silero on real speech (Piper and espeak-ng voices) laid out with known silences."""

from __future__ import annotations

import time

import numpy as np
import pytest

from conftest_audio import (
    RATE,
    SENTENCES,
    clicks,
    espeak_speech,
    fan_hum,
    frames,
    pink_noise,
    piper_speech,
    resample,
    silence,
    timeline,
    white_noise,
)
from quickturn.audio.noise_gate import NoiseGate
from quickturn.vad import SileroVAD, SpeechEnded, SpeechStarted, VADEvent, VADOptions

pytestmark = pytest.mark.slow

TOLERANCE_S = 0.1


def run(
    pcm: np.ndarray,
    vad: SileroVAD,
    frame_s: float = 0.02,
    rate: int = RATE,
    gate: NoiseGate | None = None,
) -> list[VADEvent]:
    events: list[VADEvent] = []
    for f in frames(pcm, frame_s, rate):
        events += vad.process(gate.process(f) if gate else f)
    return events


def test_finds_speech_segments_within_100ms() -> None:
    clips = [piper_speech(s) for s in SENTENCES[:5]]
    clips += [espeak_speech(s) for s in SENTENCES[5:8]]
    gaps = [0.8, 1.2, 0.7, 1.0, 0.9, 0.8, 1.5, 0.8]  # all longer than patience (0.5 s)
    tl = timeline(clips, gaps)
    vad = SileroVAD(VADOptions())
    t = time.perf_counter()
    events = run(tl.pcm, vad)
    per_window_ms = (time.perf_counter() - t) / (len(tl.pcm) / 512) * 1000
    ended = [e for e in events if isinstance(e, SpeechEnded)]
    assert len(ended) == len(tl.segments)
    errors = [(e.start_s - a, e.end_s - b) for e, (a, b) in zip(ended, tl.segments, strict=True)]
    worst = np.abs(np.array(errors)).max(axis=0)
    print(
        f"\nVAD edge error: worst start {worst[0] * 1000:.0f} ms, "
        f"worst end {worst[1] * 1000:.0f} ms; "
        f"{per_window_ms:.2f} ms per 32 ms window (incl. framing)"
    )
    assert worst[0] <= TOLERANCE_S and worst[1] <= TOLERANCE_S
    for e, (a, b) in zip(ended, tl.segments, strict=True):
        # The decision comes patience_s after the end, and the audio covers the speech.
        assert e.at_s - e.end_s == pytest.approx(0.5, abs=0.07)
        assert len(e.audio) / RATE >= (b - a) - 2 * TOLERANCE_S


def test_48khz_webrtc_frames_give_the_same_edges() -> None:
    tl = timeline([piper_speech(SENTENCES[0]), piper_speech(SENTENCES[1])], [1.0, 1.0])
    at16 = [e for e in run(tl.pcm, SileroVAD()) if isinstance(e, SpeechEnded)]
    pcm48 = resample(tl.pcm, RATE, 48000)
    at48 = [e for e in run(pcm48, SileroVAD(), rate=48000) if isinstance(e, SpeechEnded)]
    assert len(at48) == len(at16) == 2
    for a, b in zip(at16, at48, strict=True):
        assert abs(a.start_s - b.start_s) <= 0.04 and abs(a.end_s - b.end_s) <= 0.04


def test_silence_yields_nothing() -> None:
    assert run(silence(5.0), SileroVAD()) == []


@pytest.mark.parametrize(
    "noise",
    [
        white_noise(4.0, -50),
        pink_noise(4.0, -48),
        fan_hum(4.0, -46),
        clicks(4.0),
        white_noise(4.0, -55) + fan_hum(4.0, -52) + clicks(4.0),
    ],
    ids=["white", "pink", "hum", "clicks", "mix"],
)
def test_noise_after_the_gate_never_starts_speech(noise: np.ndarray) -> None:
    events = run(noise, SileroVAD(), gate=NoiseGate())
    assert not any(isinstance(e, SpeechStarted) for e in events)


def test_speech_in_noise_still_passes_the_gate() -> None:
    speech = np.concatenate([silence(0.8), piper_speech(SENTENCES[2]), silence(1.0)])
    noisy = speech + white_noise(len(speech) / RATE, -55)
    ended = [e for e in run(noisy, SileroVAD(), gate=NoiseGate()) if isinstance(e, SpeechEnded)]
    assert len(ended) == 1
