"""The default end-of-turn detector: VAD patience plus the transcript rules of ``TurnDetector``.

It implements ``EndOfTurnDetector``: asked after ``patience_s`` of silence, it holds the turn
open a little longer when the words so far cannot end a sentence ("I'd like to book...").
"""

from __future__ import annotations

from quickturn.audio.frame import PCM16
from quickturn.turns.detector import TurnDetector, TurnOptions


class RuleTurnDetector:
    """``EndOfTurnDetector`` over text rules; no model, no state, safe to share."""

    def __init__(self, options: TurnOptions | None = None) -> None:
        self._rules = TurnDetector(options)

    @property
    def options(self) -> TurnOptions:
        return self._rules.options

    @property
    def min_silence_s(self) -> float:
        return self._rules.options.patience_s

    async def hold_s(self, audio16k: PCM16, transcript: str) -> float:
        return self._rules.hold_s(transcript)
