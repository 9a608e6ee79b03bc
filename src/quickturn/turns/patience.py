"""Plain VAD patience behind the end-of-turn protocol: the turn ends after a fixed silence."""

from __future__ import annotations

from quickturn.audio.frame import PCM16
from quickturn.errors import ConfigError


class PatienceDetector:
    """The turn is over after ``patience_s`` of silence; audio and words are not consulted."""

    def __init__(self, patience_s: float = 0.5) -> None:
        if not 0.0 < patience_s <= 10.0:
            raise ConfigError(f"patience_s must be in (0, 10], got {patience_s}")
        self._patience_s = patience_s

    @property
    def min_silence_s(self) -> float:
        return self._patience_s

    async def hold_s(self, audio16k: PCM16, transcript: str) -> float:
        return 0.0
