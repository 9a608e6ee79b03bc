"""End-of-turn detection: plain patience, transcript rules and the Smart Turn model, all behind
the ``EndOfTurnDetector`` protocol."""

from quickturn.turns.detector import TurnDetector, TurnOptions, completeness
from quickturn.turns.patience import PatienceDetector
from quickturn.turns.rules import RuleTurnDetector
from quickturn.turns.smart_turn import SmartTurnDetector, SmartTurnModel, SmartTurnOptions
from quickturn.turns.types import EndOfTurnDetector

__all__ = [
    "EndOfTurnDetector",
    "PatienceDetector",
    "RuleTurnDetector",
    "SmartTurnDetector",
    "SmartTurnModel",
    "SmartTurnOptions",
    "TurnDetector",
    "TurnOptions",
    "completeness",
]
