"""Turn-taking knobs of one voice session, and the counters it reports."""

from __future__ import annotations

from dataclasses import dataclass

from quickturn.errors import ConfigError


@dataclass(frozen=True)
class SessionOptions:
    preemptive: bool = True
    """Start STT + LLM on SpeechPaused, before the turn is confirmed."""
    turn_lock: bool = False
    """Ignore the caller while the agent speaks (no barge-in)."""
    min_interrupt_s: float = 0.0
    """Caller speech needed during agent speech before it interrupts (0: at once)."""
    idle_s: float | None = 10.0
    """Speak the heartbeat after this much silence on both sides (None: never)."""
    max_heartbeats: int = 2

    def __post_init__(self) -> None:
        if self.min_interrupt_s < 0:
            raise ConfigError("min_interrupt_s must be >= 0")
        if self.idle_s is not None and self.idle_s <= 0:
            raise ConfigError("idle_s must be > 0 or None")
        if self.max_heartbeats < 0:
            raise ConfigError("max_heartbeats must be >= 0")


@dataclass(frozen=True)
class SessionStats:
    preemptive_started: int
    preemptive_discarded: int
    preemptive_reused: int
    continued_turns: int
    """Confirmed turns the caller went on with before the agent spoke (reply withdrawn)."""
    barge_ins: int
    ignored_utterances: int
    heartbeats: int
