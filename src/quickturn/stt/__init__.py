"""Speech to text: the STT interface and the short-window faster-whisper engine."""

from quickturn.stt.types import STT, Transcript
from quickturn.stt.whisper import WhisperOptions, WhisperSTT

__all__ = ["STT", "Transcript", "WhisperOptions", "WhisperSTT"]
