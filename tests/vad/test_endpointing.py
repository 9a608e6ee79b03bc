"""The VAD state machine on a scripted model: exact event times from the options, no audio model.

Times are computed from the options and the script (window = 32 ms), so every assertion is
exact; the real Silero network is exercised in test_silero_real.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from quickturn.audio.frame import AudioFrame
from quickturn.errors import ConfigError
from quickturn.vad import (
    SileroVAD,
    SpeechEnded,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    VADEvent,
    VADOptions,
)

RATE = 16000
WIN = 512
WIN_S = WIN / RATE


class ScriptedModel:
    """Returns a scripted speech probability per window (speech where script is 1)."""

    window_size_samples = WIN

    def __init__(self, script: list[float]) -> None:
        self.script = script
        self.calls = 0

    def process(self, data: memoryview) -> float:
        assert len(data) == WIN
        p = self.script[self.calls] if self.calls < len(self.script) else 0.0
        self.calls += 1
        return p

    def reset(self) -> None:
        self.calls = 0


def script(*spans: tuple[int, int], total: int = 120, level: float = 0.9) -> list[float]:
    s = [0.02] * total
    for a, b in spans:
        s[a:b] = [level] * (b - a)
    return s


def run(
    probs: list[float], options: VADOptions | None = None, frame: int = WIN, t0: float = 100.0
) -> list[VADEvent]:
    vad = SileroVAD(options or VADOptions(), model=ScriptedModel(probs))
    pcm = np.zeros(len(probs) * WIN, dtype=np.int16)
    events: list[VADEvent] = []
    for i in range(0, len(pcm), frame):
        events += vad.process(AudioFrame(pcm[i : i + frame], RATE, t0 + i / RATE))
    return events


def windows(seconds: float) -> int:
    return math.ceil(seconds / WIN_S - 1e-9)


def test_one_utterance_exact_times() -> None:
    opts = VADOptions()
    t0 = 100.0
    events = run(script((10, 40)), opts, t0=t0)
    assert [type(e) for e in events] == [SpeechStarted, SpeechPaused, SpeechEnded]
    started, paused, ended = events
    assert isinstance(started, SpeechStarted)
    assert started.start_s == pytest.approx(t0 + 10 * WIN_S)
    assert started.at_s == pytest.approx(t0 + (10 + windows(opts.min_speech_s)) * WIN_S)
    assert isinstance(paused, SpeechPaused)
    assert paused.end_s == pytest.approx(t0 + 40 * WIN_S)
    assert paused.at_s == pytest.approx(t0 + (40 + windows(opts.pause_s)) * WIN_S)
    assert isinstance(ended, SpeechEnded)
    assert (ended.start_s, ended.end_s) == pytest.approx((started.start_s, paused.end_s))
    assert ended.at_s == pytest.approx(t0 + (40 + windows(opts.patience_s)) * WIN_S)
    pad = windows(opts.pad_s)
    assert len(ended.audio) == (30 + 2 * pad) * WIN
    assert len(paused.audio) == len(ended.audio)


def test_pause_then_resume_is_one_utterance() -> None:
    opts = VADOptions(pause_s=0.2, patience_s=0.5)
    gap = windows(0.3)  # longer than pause, shorter than patience
    events = run(script((10, 30), (30 + gap, 50)), opts)
    assert [type(e) for e in events] == [
        SpeechStarted,
        SpeechPaused,
        SpeechResumed,
        SpeechPaused,
        SpeechEnded,
    ]
    resumed, ended = events[2], events[4]
    assert isinstance(resumed, SpeechResumed) and isinstance(ended, SpeechEnded)
    assert resumed.at_s == pytest.approx(100 + (30 + gap + 1) * WIN_S)
    assert ended.start_s == pytest.approx(100 + 10 * WIN_S)
    assert ended.end_s == pytest.approx(100 + 50 * WIN_S)


def test_patience_splits_utterances() -> None:
    opts = VADOptions(patience_s=0.3, pause_s=0.0)
    events = run(script((10, 20), (20 + windows(0.4), 50)), opts)
    assert [type(e) for e in events] == [SpeechStarted, SpeechEnded] * 2


def test_blips_and_silence_emit_nothing() -> None:
    opts = VADOptions(min_speech_s=0.15)
    assert run(script(), opts) == []
    assert run(script((10, 10 + windows(0.15) - 1), (60, 62)), opts) == []


def test_short_dip_keeps_the_candidate() -> None:
    # "What | time": one low window inside the first 150 ms does not restart the count.
    probs = script((10, 13), (14, 20))
    events = run(probs)
    assert isinstance(events[0], SpeechStarted)
    assert events[0].start_s == pytest.approx(100 + 10 * WIN_S)


def test_hysteresis_probability_between_thresholds_continues_speech() -> None:
    probs = script((10, 30))
    probs[30:32] = [0.4, 0.4]  # below threshold 0.5 but above 0.35: speech continues
    ended = [e for e in run(probs) if isinstance(e, SpeechEnded)][0]
    assert ended.end_s == pytest.approx(100 + 32 * WIN_S)  # end of window 31


@pytest.mark.parametrize("frame", [160, 320, 512, 1000, 12 * 512])
def test_frame_size_does_not_change_the_speech_edges(frame: int) -> None:
    reference = run(script((10, 40)))
    events = run(script((10, 40)), frame=frame)
    assert [type(e) for e in events] == [type(e) for e in reference]
    for e, r in zip(events, reference, strict=True):
        if isinstance(e, SpeechEnded) and isinstance(r, SpeechEnded):
            assert (e.start_s, e.end_s) == pytest.approx((r.start_s, r.end_s))
            np.testing.assert_array_equal(e.audio, r.audio)
        # at_s is the end of the frame that carried the deciding window.
        assert r.at_s <= e.at_s < r.at_s + frame / RATE


def test_flush_closes_an_open_utterance() -> None:
    vad = SileroVAD(VADOptions(), model=ScriptedModel(script((2, 100))))
    pcm = np.zeros(20 * WIN, dtype=np.int16)
    events = vad.process(AudioFrame(pcm, RATE, 0.0))
    assert [type(e) for e in events] == [SpeechStarted]
    tail = vad.flush(at_s=20 * WIN_S)
    assert len(tail) == 1 and isinstance(tail[0], SpeechEnded)
    assert tail[0].end_s == pytest.approx(20 * WIN_S)
    assert vad.flush(at_s=1.0) == []


def test_endless_speech_is_cut_at_max_utterance() -> None:
    opts = VADOptions(max_utterance_s=1.0)
    events = run(script((0, 200), total=200), opts)
    ended = [e for e in events if isinstance(e, SpeechEnded)]
    assert len(ended) >= 4  # 6.4 s of speech in utterances of at most 1 s
    for e in ended:
        assert e.end_s - e.start_s <= 1.0 + WIN_S
        assert len(e.audio) / RATE <= 1.0 + opts.pad_s + 2 * WIN_S


def test_energy_refines_the_end_edge() -> None:
    # The model lags by 3 windows after the audio stops; the end follows the audio.
    tone = (np.sin(np.arange(30 * WIN) * 0.2) * 8000).astype(np.int16)
    pcm = np.concatenate([np.zeros(10 * WIN, np.int16), tone, np.zeros(80 * WIN, np.int16)])
    vad = SileroVAD(VADOptions(), model=ScriptedModel(script((10, 43))))
    events = vad.process(AudioFrame(pcm, RATE, 0.0))
    ended = [e for e in events if isinstance(e, SpeechEnded)][0]
    assert ended.end_s == pytest.approx(40 * WIN_S, abs=0.006)


def test_energy_refines_the_start_edge_within_the_pad() -> None:
    # Audio starts 2 windows before the model reacts (a soft onset); a click 40 ms earlier,
    # separated by silence, is not part of the speech.
    tone = (np.sin(np.arange(30 * WIN) * 0.2) * 8000).astype(np.int16)
    pcm = np.zeros(120 * WIN, np.int16)
    pcm[20 * WIN : 50 * WIN] = tone
    pcm[20 * WIN - 700 : 20 * WIN - 680] = 20000
    vad = SileroVAD(VADOptions(pad_s=0.1), model=ScriptedModel(script((22, 50))))
    events = vad.process(AudioFrame(pcm, RATE, 0.0))
    started = events[0]
    assert isinstance(started, SpeechStarted)
    assert started.start_s == pytest.approx(20 * WIN_S, abs=0.006)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": 1.2},
        {"patience_s": 0.0},
        {"pause_s": 0.6, "patience_s": 0.5},
        {"min_speech_s": -1.0},
        {"pad_s": 2.0},
        {"sample_rate_hz": 44100},
        {"max_utterance_s": 0.5},
    ],
)
def test_bad_options(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        VADOptions(**kwargs)  # type: ignore[arg-type]
