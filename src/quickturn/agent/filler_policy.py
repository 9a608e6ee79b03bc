"""When to speak a filler, and which: decided at the end of the turn, started on time.

A filler is for a wait the caller would otherwise sit through in silence. At the moment the turn
is decided the policy knows two things: the words (does the request need a tool? "book",
"availability", "cancel my booking" do; "thank you" does not) and how fast this engine has
answered recently (a rolling median of its time to first audio). From those it predicts the
wait; above ``min_wait_s`` it plans a filler ``start_after_s`` after the decision (well inside
300 ms, so it lands in the gap instead of after it). Just before the filler would start,
``should_start`` checks that the answer is not about to begin (its first audio ready, or due
within ``imminent_s``): a filler then would only delay the answer or talk over it.

The phrase fits the request (checking availability, finding a booking, looking up a price) and
rotates within its group so the agent does not repeat itself. Pure logic on an injected clock.
"""

from __future__ import annotations

import re
import statistics
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from quickturn.clock import Clock
from quickturn.errors import ConfigError

# Request words that usually need a tool round (a lookup or a write) before the answer.
_TOOL_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (group, re.compile(pattern))
    for group, pattern in (
        ("booking", r"\b(?:my|the|our) (?:booking|reservation)\b|\breference\b|\bconfirmation\b"),
        ("availability", r"\b(?:book|reserve|available|availability|vacanc|free room|any rooms?)"),
        ("change", r"\b(?:cancel|change|modify|move|extend|upgrade|switch)\b"),
        ("price", r"\b(?:price|cost|how much|rate|charge|bill|invoice|pay)\b"),
        ("schedule", r"\b(?:table|spa|massage|shuttle|taxi|transfer|appointment|slot|open)\b"),
    )
)


@dataclass(frozen=True)
class FillerPolicyOptions:
    min_wait_s: float = 0.9
    """Predicted silence after the decision above which a filler is worth it."""
    start_after_s: float = 0.15
    """Delay from the decision to the filler (the answer gets a head start to make it moot)."""
    imminent_s: float = 0.25
    """An answer due within this is 'about to start': no filler."""
    tool_wait_s: float = 1.5
    """Added to the predicted wait when the request likely needs a tool round."""
    default_first_audio_s: float = 0.6
    """Assumed time to first answer audio before any turn has been measured."""
    history: int = 8
    """Turns of the engine's recent latency to take the median of."""
    phrases: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "booking": ("Let me pull up your booking.", "One moment, I'll find your booking."),
            "availability": ("Let me check availability.", "One moment, let me check that."),
            "change": ("Sure, let me look at that booking.", "One moment, let me check that."),
            "price": ("Let me check the rates.", "One moment, let me look that up."),
            "schedule": ("Let me see what's free.", "One moment, let me check that."),
            "slow": ("Okay.", "Sure."),
        }
    )

    def __post_init__(self) -> None:
        if not 0.0 < self.min_wait_s <= 10.0:
            raise ConfigError(f"min_wait_s must be in (0, 10], got {self.min_wait_s}")
        if not 0.0 <= self.start_after_s <= 0.3:
            raise ConfigError(f"start_after_s must be in [0, 0.3], got {self.start_after_s}")
        if not 0.0 <= self.imminent_s <= 2.0:
            raise ConfigError(f"imminent_s must be in [0, 2], got {self.imminent_s}")
        if self.tool_wait_s < 0 or self.default_first_audio_s <= 0:
            raise ConfigError("tool_wait_s must be >= 0 and default_first_audio_s > 0")
        if not 1 <= self.history <= 100:
            raise ConfigError(f"history must be in [1, 100], got {self.history}")
        groups = {g for g, _ in _TOOL_CUES} | {"slow"}
        missing = groups - set(self.phrases)
        if missing or any(not p or not all(s.strip() for s in p) for p in self.phrases.values()):
            raise ConfigError(f"phrases need non-empty lists for every group {sorted(groups)}")


@dataclass(frozen=True)
class FillerPlan:
    phrase: str
    start_at_s: float
    """Clock time to start the filler at (unless the answer is about to start)."""
    predicted_wait_s: float
    reason: str
    """The group that chose the phrase: a tool group, or "slow" (the engine alone is slow)."""


class FillerPolicy:
    """One per session: it remembers this engine's recent latency and its phrase rotation."""

    def __init__(self, options: FillerPolicyOptions | None = None) -> None:
        self.options = options or FillerPolicyOptions()
        self._first_audio: deque[float] = deque(maxlen=self.options.history)
        self._turn: dict[str, int] = {}

    def phrases(self) -> list[str]:
        """Every phrase the policy may pick (to synthesise before the call)."""
        seen = dict.fromkeys(p for group in self.options.phrases.values() for p in group)
        return list(seen)

    def record_first_audio(self, seconds: float) -> None:
        """A measured decision-to-first-answer-audio of this engine (feeds the prediction)."""
        if seconds >= 0:
            self._first_audio.append(seconds)

    def expected_first_audio_s(self) -> float:
        if not self._first_audio:
            return self.options.default_first_audio_s
        return statistics.median(self._first_audio)

    @staticmethod
    def tool_group(transcript: str) -> str | None:
        """The kind of tool the request likely needs, None when none."""
        text = transcript.lower().replace("\u2019", "'")
        for group, pattern in _TOOL_CUES:
            if pattern.search(text):
                return group
        return None

    def decide(self, transcript: str, decided_at_s: float) -> FillerPlan | None:
        """At the end of the turn: a filler plan, or None when the answer should come in time."""
        group = self.tool_group(transcript)
        wait = self.expected_first_audio_s() + (self.options.tool_wait_s if group else 0.0)
        if wait < self.options.min_wait_s:
            return None
        reason = group or "slow"
        choices = self.options.phrases[reason]
        i = self._turn.get(reason, 0)
        self._turn[reason] = i + 1
        return FillerPlan(
            choices[i % len(choices)], decided_at_s + self.options.start_after_s, wait, reason
        )

    def should_start(self, now_s: float, answer_ready: bool, answer_due_s: float | None) -> bool:
        """At the plan's start time: False when the answer is ready or due within imminent_s."""
        if answer_ready:
            return False
        return answer_due_s is None or answer_due_s - now_s > self.options.imminent_s


async def run_filler(
    policy: FillerPolicy,
    plan: FillerPlan,
    clock: Clock,
    answer_ready: Callable[[], bool],
    answer_due_s: Callable[[], float | None],
    play: Callable[[str], None],
) -> bool:
    """Wait for the plan's start time, then play its phrase unless the answer is about to start.
    True when it played. Cancel it (the answer started) and it plays nothing."""
    await clock.sleep_until(plan.start_at_s)
    if not policy.should_start(clock.now(), answer_ready(), answer_due_s()):
        return False
    play(plan.phrase)
    return True
