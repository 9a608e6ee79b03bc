"""Audio frames, WAV I/O, resampling and the pre-STT noise gate."""

from quickturn.audio.frame import PCM16, AudioFrame
from quickturn.audio.noise_gate import NoiseGate, NoiseGateOptions
from quickturn.audio.resample import Resampler, resample
from quickturn.audio.wav import (
    load_pipeline_audio,
    parse_wav_bytes,
    read_audio,
    read_wav,
    write_wav,
)

__all__ = [
    "PCM16",
    "AudioFrame",
    "NoiseGate",
    "NoiseGateOptions",
    "Resampler",
    "load_pipeline_audio",
    "parse_wav_bytes",
    "read_audio",
    "read_wav",
    "resample",
    "write_wav",
]
