"""VAD options and the events a VAD stream emits.

Times are on the session clock of the frames' ``captured_at_s``. ``at_s`` is when the decision
became possible: the end time of the frame that triggered it.
"""

from __future__ import annotations

from dataclasses import dataclass

from quickturn.audio.frame import PCM16
from quickturn.errors import ConfigError


@dataclass(frozen=True)
class VADOptions:
    threshold: float = 0.5
    """Speech probability that starts (or resumes) speech; silence is below threshold - 0.15."""
    patience_s: float = 0.5
    """Silence that ends an utterance (SpeechEnded)."""
    pause_s: float = 0.2
    """Shorter silence that emits SpeechPaused (for preemptive work); 0 disables it."""
    min_speech_s: float = 0.15
    """Speech shorter than this is dropped as a blip and never starts an utterance."""
    pad_s: float = 0.1
    """Audio kept before the start and after the end of speech in the events' ``audio``."""
    sample_rate_hz: int = 16000
    """Rate of the model and of the events' audio (8000 or 16000); other input is resampled."""
    max_utterance_s: float = 60.0
    """Speech this long is ended (and a new utterance starts), bounding memory and STT cost
    when something talks forever (a TV, a stuck line)."""

    def __post_init__(self) -> None:
        if not 0.15 < self.threshold < 1.0:
            raise ConfigError(f"threshold must be in (0.15, 1), got {self.threshold}")
        if not 0.0 < self.patience_s <= 10.0:
            raise ConfigError(f"patience_s must be in (0, 10], got {self.patience_s}")
        if not 0.0 <= self.pause_s < self.patience_s:
            raise ConfigError(
                f"pause_s must be in [0, patience_s={self.patience_s}), got {self.pause_s}"
            )
        if not 0.0 <= self.min_speech_s <= 2.0:
            raise ConfigError(f"min_speech_s must be in [0, 2], got {self.min_speech_s}")
        if not 0.0 <= self.pad_s <= 1.0:
            raise ConfigError(f"pad_s must be in [0, 1], got {self.pad_s}")
        if not 1.0 <= self.max_utterance_s <= 600.0:
            raise ConfigError(f"max_utterance_s must be in [1, 600], got {self.max_utterance_s}")
        if self.sample_rate_hz not in (8000, 16000):
            raise ConfigError(f"sample_rate_hz must be 8000 or 16000, got {self.sample_rate_hz}")


@dataclass(frozen=True)
class SpeechStarted:
    start_s: float
    """Clock time of the first speech sample (no padding)."""
    at_s: float


@dataclass(frozen=True)
class SpeechPaused:
    end_s: float
    """Clock time just after the last speech sample so far."""
    at_s: float
    audio: PCM16
    """The utterance so far, ``pad_s`` before its start to ``pad_s`` after ``end_s``."""


@dataclass(frozen=True)
class SpeechResumed:
    at_s: float


@dataclass(frozen=True)
class SpeechEnded:
    start_s: float
    end_s: float
    at_s: float
    audio: PCM16
    """The whole utterance with ``pad_s`` of context on both sides."""


VADEvent = SpeechStarted | SpeechPaused | SpeechResumed | SpeechEnded
