"""Simulated callers for the audio-to-audio benchmark: scripts, voices and speaking styles.

A call is one of the bench's caller scripts (``bench.conversations.SCRIPTS``) spoken by one of a
few caller personas that differ where end-of-turn detection and STT feel it: voice (Piper, or
espeak-ng's very different formant voice), pace (the gap before answering), and mid-sentence
pauses (a line split at its first comma, with silence between the halves). A long call (more
turns than a script holds) continues with the next script's lines, as one long conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

from quickturn.bench.conversations import SCRIPTS
from quickturn.errors import ConfigError
from quickturn.transport.simulated import CallerLine


@dataclass(frozen=True)
class Persona:
    name: str
    voice: str  # "piper" or "espeak"
    gap_s: float
    pause_s: float | None
    """Silence inside a line split at its first comma; None: lines are spoken in one go."""


PERSONAS: tuple[Persona, ...] = (
    Persona("brisk", "piper", gap_s=0.4, pause_s=None),
    Persona("hesitant", "espeak", gap_s=0.8, pause_s=0.6),
    Persona("slow", "piper", gap_s=1.2, pause_s=None),
    Persona("pauser", "piper", gap_s=0.6, pause_s=0.7),
)


@dataclass(frozen=True)
class CallSpec:
    id: str
    persona: Persona
    lines: tuple[CallerLine, ...]


def _line(text: str, persona: Persona) -> CallerLine:
    head, comma, tail = text.partition(", ")
    if persona.pause_s is not None and comma and head.strip() and tail.strip():
        return CallerLine((head + ",", tail), pause_s=persona.pause_s, gap_s=persona.gap_s)
    return CallerLine((text,), gap_s=persona.gap_s)


def build_calls(calls: int, turns: int) -> list[CallSpec]:
    """``calls`` calls of ``turns`` caller lines each, rotating scripts and personas."""
    if calls < 1 or turns < 1:
        raise ConfigError("need at least one call of at least one turn")
    # A long call leaves out each script's last line: that is where its caller wraps up ("Thanks
    # for your help."), and a real agent answers a goodbye by ending the call (a 60-turn run on
    # the model ended at turn 27 that way).
    pool = [line for script in SCRIPTS for line in script.user_turns[:-1]]
    out: list[CallSpec] = []
    for i in range(calls):
        persona = PERSONAS[i % len(PERSONAS)]
        script = SCRIPTS[i % len(SCRIPTS)]
        if turns <= len(script.user_turns):
            texts = list(script.user_turns[:turns])
        else:
            start = pool.index(script.user_turns[0])
            texts = [pool[(start + k) % len(pool)] for k in range(turns)]
        lines = tuple(_line(t, persona) for t in texts)
        out.append(CallSpec(f"call{i}-{script.id}-{persona.name}", persona, lines))
    return out


# Canned replies for `--llm canned`: the voice pipeline without a model (no tools, no TTFT).
CANNED_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("book",), "Of course. I can book that for you. Which dates would you like?"),
    (("cancel",), "I'm sorry to hear that. I can cancel it for you right away."),
    (("refund",), "Yes. The flexible rate is refunded in full, within five business days."),
    (("checkout",), "Checkout is at eleven. Late checkout until two costs fifty dollars."),
    (("spa",), "The spa is open until nine tonight. Shall I reserve a time for you?"),
    (("parking",), "We have covered parking for twenty five dollars a night."),
    (("name",), "Thank you. I have noted the name on the reservation."),
    (("thank",), "You're very welcome. Is there anything else I can help with?"),
)
CANNED_FALLBACK = "Certainly. Let me take care of that for you. Anything else?"
