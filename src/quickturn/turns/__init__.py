"""End-of-turn detection."""

from quickturn.turns.detector import TurnDetector, TurnOptions

__all__ = ["TurnDetector", "TurnOptions"]
