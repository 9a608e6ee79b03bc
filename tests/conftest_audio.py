"""Shared helpers for the audio-stage tests: real speech made with Piper (and espeak-ng),
noise generators, a tiny WER, and pure-tone utilities.

Not a conftest (pytest does not load it by itself): the area conftests import it. Synthesized
speech is cached per process, so VAD, STT and TTS tests synthesize each sentence once.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

import numpy as np

from quickturn.assets import ModelPaths, default_cache_dir
from quickturn.audio.frame import PCM16, AudioFrame
from quickturn.audio.resample import resample
from quickturn.audio.wav import parse_wav_bytes

# One WER for tests and benchmarks (jiwer, after Whisper-friendly normalisation).
from quickturn.stt.wer import normalize_words as normalize_words
from quickturn.stt.wer import wer as wer

RATE = 16000

# Hotel-desk sentences of varied length, with numbers and names (what the agent will hear).
SENTENCES = [
    "I would like to book a double room for two nights.",
    "What time is breakfast served in the morning?",
    "My name is John Smith and I have a reservation.",
    "Can you tell me how far the hotel is from the airport?",
    "Please cancel my booking for next Friday.",
    "Is there a swimming pool or a gym in the building?",
    "We will arrive late in the evening, around eleven.",
    "Thank you very much, that is all I needed.",
]


def model_paths() -> ModelPaths:
    return ModelPaths(default_cache_dir())


@functools.lru_cache(maxsize=1)
def _piper_voice() -> Any:
    from piper import PiperVoice

    return PiperVoice.load(str(model_paths().piper_voice()))


@functools.lru_cache(maxsize=64)
def piper_speech(text: str) -> PCM16:
    """``text`` spoken by the bundled Piper voice, at 16 kHz, peak about -6 dBFS.

    Steady (Piper's sampled noise off): a text always reads the same, so a test hears the same
    audio every run (with the noise on, tiny.en misheard one sentence of the WER test in about
    one full run in five)."""
    from piper import SynthesisConfig

    voice = _piper_voice()
    steady = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    audio = np.concatenate([c.audio_float_array for c in voice.synthesize(text, steady)])
    pcm = np.round(audio * 0.5 * 32767).astype(np.int16)
    return resample(pcm, voice.config.sample_rate, RATE)


@functools.lru_cache(maxsize=64)
def espeak_speech(text: str) -> PCM16:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed")
    out = subprocess.run([exe, "--stdout", text], capture_output=True, check=True).stdout
    pcm, rate = parse_wav_bytes(out, streaming=True)
    return resample(pcm, rate, RATE)


def speech_bounds(pcm: PCM16, rel: float = 0.01) -> tuple[float, float]:
    """First and last time (s) where the 10 ms RMS envelope exceeds ``rel`` of its maximum:
    the ground-truth edges of the speech in a clip made by TTS."""
    hop = RATE // 100
    n = len(pcm) // hop
    env = np.sqrt((pcm[: n * hop].astype(np.float64).reshape(n, hop) ** 2).mean(axis=1))
    loud = np.nonzero(env > rel * env.max())[0]
    return loud[0] * hop / RATE, (loud[-1] + 1) * hop / RATE


def silence(seconds: float) -> PCM16:
    return np.zeros(int(round(seconds * RATE)), dtype=np.int16)


def frames(
    pcm: PCM16, frame_s: float = 0.02, rate: int = RATE, t0: float = 0.0
) -> list[AudioFrame]:
    n = int(round(frame_s * rate))
    return [AudioFrame(pcm[i : i + n], rate, t0 + i / rate) for i in range(0, len(pcm) - n + 1, n)]


def dbfs_to_amp(dbfs: float) -> float:
    return 32768.0 * 10 ** (dbfs / 20)


def white_noise(seconds: float, rms_dbfs: float, seed: int = 1) -> PCM16:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(int(seconds * RATE)) * dbfs_to_amp(rms_dbfs)
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def pink_noise(seconds: float, rms_dbfs: float, seed: int = 2) -> PCM16:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    spectrum[1:] /= np.sqrt(f[1:])
    spectrum[0] = 0
    x = np.fft.irfft(spectrum, n)
    x *= dbfs_to_amp(rms_dbfs) / np.sqrt(np.mean(x**2))
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def fan_hum(seconds: float, rms_dbfs: float) -> PCM16:
    t = np.arange(int(seconds * RATE)) / RATE
    x = np.zeros_like(t)
    for k in range(1, 8):  # 50 Hz and its harmonics, falling off like a motor's
        x += np.sin(2 * np.pi * 50 * k * t + k) / k
    x *= dbfs_to_amp(rms_dbfs) / np.sqrt(np.mean(x**2))
    return np.round(x).astype(np.int16)


def clicks(seconds: float, every_s: float = 0.7, peak: float = 0.6) -> PCM16:
    x = np.zeros(int(seconds * RATE))
    for start in np.arange(0.3, seconds - 0.01, every_s):
        i = int(start * RATE)
        x[i : i + 16] = peak * 32767 * np.exp(-np.arange(16) / 4.0)  # 1 ms decaying click
    return np.round(x).astype(np.int16)


def sine(freq_hz: float, seconds: float, rate: int, amp: float = 0.5) -> PCM16:
    t = np.arange(int(seconds * rate)) / rate
    return np.round(amp * 32767 * np.sin(2 * np.pi * freq_hz * t)).astype(np.int16)


def dominant_hz(pcm: PCM16, rate: int) -> float:
    x = pcm.astype(np.float64) * np.hanning(len(pcm))
    mag = np.abs(np.fft.rfft(x))
    k = int(np.argmax(mag))
    # Parabolic interpolation of the peak bin for sub-bin accuracy.
    a, b, c = np.log(mag[k - 1 : k + 2] + 1e-12)
    return float((k + 0.5 * (a - c) / (a - 2 * b + c)) * rate / len(pcm))


@dataclass(frozen=True)
class Timeline:
    """Speech clips laid out with known silences; ``segments`` are the true speech edges."""

    pcm: PCM16
    segments: list[tuple[float, float]]


def timeline(clips: list[PCM16], gaps_s: list[float], lead_s: float = 0.5) -> Timeline:
    parts = [silence(lead_s)]
    segments = []
    t = lead_s
    for clip, gap in zip(clips, gaps_s, strict=True):
        a, b = speech_bounds(clip)
        segments.append((t + a, t + b))
        parts += [clip, silence(gap)]
        t += len(clip) / RATE + gap
    return Timeline(np.concatenate(parts), segments)
