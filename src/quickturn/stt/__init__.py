"""Speech to text: the STT interface, the short-window faster-whisper engine, and streaming
(incremental decoding of the growing utterance) over it."""

from quickturn.stt.streaming import IncrementalStream, IncrementalSTT, StreamingOptions
from quickturn.stt.types import (
    CHUNK_S,
    STT,
    Chunking,
    PartialTranscript,
    StreamingSTT,
    STTStream,
    Transcript,
)
from quickturn.stt.whisper import WhisperOptions, WhisperSTT

__all__ = [
    "CHUNK_S",
    "STT",
    "Chunking",
    "IncrementalSTT",
    "IncrementalStream",
    "PartialTranscript",
    "STTStream",
    "StreamingOptions",
    "StreamingSTT",
    "Transcript",
    "WhisperOptions",
    "WhisperSTT",
]
