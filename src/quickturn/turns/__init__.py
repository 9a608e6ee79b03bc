"""End-of-turn detection: the ``EndOfTurnDetector`` protocol and its default (text rules)."""

from quickturn.turns.detector import TurnDetector, TurnOptions
from quickturn.turns.rules import RuleTurnDetector
from quickturn.turns.types import EndOfTurnDetector

__all__ = ["EndOfTurnDetector", "RuleTurnDetector", "TurnDetector", "TurnOptions"]
