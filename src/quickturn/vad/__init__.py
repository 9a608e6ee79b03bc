"""Voice activity detection: Silero VAD with endpointing (pause, patience)."""

from quickturn.vad.events import (
    SpeechEnded,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    VADEvent,
    VADOptions,
)
from quickturn.vad.silero import SileroVAD, VADModel
from quickturn.vad.types import VADStream

__all__ = [
    "SileroVAD",
    "VADModel",
    "SpeechEnded",
    "SpeechPaused",
    "SpeechResumed",
    "SpeechStarted",
    "VADEvent",
    "VADOptions",
    "VADStream",
]
