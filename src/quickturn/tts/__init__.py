"""Text to speech: the TTS interface, Piper and espeak-ng engines, the sentence splitter."""

from quickturn.tts.espeak import EspeakOptions, EspeakTTS
from quickturn.tts.piper import PiperOptions, PiperTTS
from quickturn.tts.splitter import SentenceSplitter, SplitterOptions
from quickturn.tts.types import TTS, Splitter, TTSChunk

__all__ = [
    "TTS",
    "EspeakOptions",
    "EspeakTTS",
    "PiperOptions",
    "PiperTTS",
    "SentenceSplitter",
    "Splitter",
    "SplitterOptions",
    "TTSChunk",
]
