"""Phantom turns: what noise and background voices make the front end (noise gate, VAD, STT)
believe the caller said.

Noise must cause none. Background speech (a TV, a room of people) is real speech, so at a high
enough level it passes any gate; the clips come at levels around and below the gate's floor to
show where that line is. Each clip is counted with the gate on and off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from quickturn.audio.frame import PCM16, AudioFrame
from quickturn.audio.noise_gate import NoiseGate
from quickturn.audio.resample import resample
from quickturn.turns.replay import FRAME_S, SAMPLE_RATE_HZ, Transcribe
from quickturn.vad.events import SpeechEnded
from quickturn.vad.silero import SileroVAD

_TV_LINES = (
    "Tonight on the news, heavy rain is expected across the north of the country.",
    "The match ended two one after a late goal in extra time.",
    "Stay with us after the break for the weather forecast.",
    "Scientists say the new bridge will open to traffic next spring.",
)
_ROOM_LINES = (
    "Did you see where I put the keys?",
    "We should leave at around seven tomorrow.",
    "I think the soup needs a little more salt.",
    "Honestly, that film was far too long.",
    "Can you pass me the bread, please?",
    "She said she would call back later tonight.",
)


class Reader(Protocol):
    def read(self, text: str) -> PCM16: ...


@dataclass(frozen=True)
class PhantomClip:
    name: str
    level_dbfs: float
    """RMS over the clip's active (non-silent) part."""
    pcm: PCM16


def _scaled(x: np.ndarray[Any, Any], dbfs: float) -> PCM16:
    active = x[np.abs(x) > 1e-3 * np.abs(x).max()]
    rms = float(np.sqrt(np.mean(active.astype(np.float64) ** 2)))
    y = x * (32768.0 * 10 ** (dbfs / 20) / rms)
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def _noise(kind: str, seconds: float, seed: int = 7) -> np.ndarray[Any, Any]:
    n = int(seconds * SAMPLE_RATE_HZ)
    rng = np.random.default_rng(seed)
    if kind == "white":
        return rng.standard_normal(n)
    if kind == "pink":
        spectrum = np.fft.rfft(rng.standard_normal(n))
        f = np.fft.rfftfreq(n, 1 / SAMPLE_RATE_HZ)
        spectrum[1:] /= np.sqrt(f[1:])
        spectrum[0] = 0
        return np.fft.irfft(spectrum, n)
    t = np.arange(n) / SAMPLE_RATE_HZ
    if kind == "hum":  # a fan motor: 50 Hz and falling harmonics
        return sum(np.sin(2 * np.pi * 50 * k * t + k) / k for k in range(1, 8))  # type: ignore[return-value]
    x = np.zeros(n)  # clicks: 1 ms decaying ticks every 0.7 s
    for start in np.arange(0.3, seconds - 0.01, 0.7):
        i = int(start * SAMPLE_RATE_HZ)
        x[i : i + 16] = np.exp(-np.arange(16) / 4.0)
    return x


def _voices(reader: Reader, lines: tuple[str, ...], talkers: int) -> np.ndarray[Any, Any]:
    """``talkers`` overlapping streams; each is the one voice at another speed and pitch
    (resampled), so a room of people is not one voice in unison."""
    streams = []
    for k in range(talkers):
        speech = [reader.read(line) for line in lines[k::talkers]]
        parts = []
        for s in speech:
            parts += [s, np.zeros(int(0.25 * SAMPLE_RATE_HZ), np.int16)]
        x = np.concatenate(parts).astype(np.float64)
        factor = 1.0 + 0.12 * (k - (talkers - 1) / 2)  # -18 % .. +18 %
        if talkers > 1 and abs(factor - 1.0) > 1e-6:
            x = resample(x.astype(np.int16), int(SAMPLE_RATE_HZ * factor), SAMPLE_RATE_HZ).astype(
                np.float64
            )
        streams.append(np.concatenate([np.zeros(int(0.4 * k * SAMPLE_RATE_HZ)), x]))
    out = np.zeros(max(len(s) for s in streams))
    for s in streams:
        out[: len(s)] += s
    return out


def phantom_clips(reader: Reader) -> list[PhantomClip]:
    clips = [
        PhantomClip("white noise", -50, _scaled(_noise("white", 10), -50)),
        PhantomClip("pink noise", -45, _scaled(_noise("pink", 10), -45)),
        PhantomClip("fan hum", -40, _scaled(_noise("hum", 10), -40)),
        PhantomClip("clicks", -20, _scaled(_noise("clicks", 10), -20)),
    ]
    tv = _voices(reader, _TV_LINES, 1)
    room = _voices(reader, _ROOM_LINES, 3)
    for level in (-35, -50):
        clips.append(PhantomClip("tv (one voice)", level, _scaled(tv, level)))
        clips.append(PhantomClip("room (3 voices)", level, _scaled(room, level)))
    return clips


async def count_turns(pcm: PCM16, gate: bool, transcribe: Transcribe) -> tuple[int, int]:
    """(VAD utterances, utterances with words) for one clip through the default front end."""
    vad = SileroVAD()
    noise_gate = NoiseGate() if gate else None
    n = int(FRAME_S * SAMPLE_RATE_HZ)
    ended: list[SpeechEnded] = []
    for i in range(0, len(pcm) - n + 1, n):
        frame = AudioFrame(pcm[i : i + n], SAMPLE_RATE_HZ, i / SAMPLE_RATE_HZ)
        if noise_gate is not None:
            frame = noise_gate.process(frame)
        ended += [e for e in vad.process(frame) if isinstance(e, SpeechEnded)]
    ended += [e for e in vad.flush(len(pcm) / SAMPLE_RATE_HZ) if isinstance(e, SpeechEnded)]
    worded = 0
    for e in ended:
        text, _ = await transcribe(e.audio)
        worded += bool(text.strip())
    return len(ended), worded


async def phantom_turns(clips: list[PhantomClip], transcribe: Transcribe) -> list[dict[str, Any]]:
    rows = []
    for clip in clips:
        for gate in (True, False):
            utterances, turns = await count_turns(clip.pcm, gate, transcribe)
            rows.append(
                {
                    "clip": clip.name,
                    "level_dbfs": clip.level_dbfs,
                    "gate": gate,
                    "seconds": len(clip.pcm) / SAMPLE_RATE_HZ,
                    "utterances": utterances,
                    "turns": turns,
                }
            )
    return rows
