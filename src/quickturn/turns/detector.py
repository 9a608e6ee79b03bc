"""End-of-turn decision: VAD patience plus a text heuristic over the transcript so far.

Silence alone cannot tell "I'd like to book..." (thinking) from "I'd like to book a room."
(done). The detector adds extra wait when the words so far cannot end a sentence: a trailing
conjunction, article, preposition, filler, comma or ellipsis, or an intent verb still missing
its object. Whisper punctuates its output, so a bare period is weak evidence: strong cues of
incompleteness override it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from quickturn.errors import ConfigError

# Words that cannot end a finished English sentence (or almost never do in speech).
_STRONG_LAST_WORDS = frozenset(
    """
    and or but so because since although though unless until while whereas if than nor plus
    a an the my your his her its our their these those every each another
    um uh er erm ah uhm
    i i'd i'm i'll i've we'd we're we'll you'd you're you'll they're they'll he's she's
    it's there's gonna wanna gotta to
    """.split()
)
# Words that usually continue but can end a sentence ("the room I asked for.", "Yes, I can.",
# "I don't know why."): a shorter hold.
_WEAK_LAST_WORDS = frozenset(
    """
    for with at in on of from into onto by near after before around between through over under
    without within toward towards per via about like
    is are was were am be been will would could should can may might must shall have has had
    what which who where when why how this some any very really just then
    """.split()
)
_INTENT_OPEN = re.compile(
    r"\b(?:like|love|want|need|wanna|going|trying|have|hoping|planning|able)\s+to\s+"
    r"(?:book|reserve|get|make|change|cancel|ask|know|check|order|add|see|find|have|buy|"
    r"move|switch|schedule|rent|use|pay|upgrade|extend|speak|talk)$"
)
_SLOT_NOUNS = r"(?:number|name|email|address|card|code|zip|postcode|surname|phone|reference)"
# A slot the caller is about to fill: "my number is", "the name is", "it's spelled".
_SLOT_OPEN = re.compile(rf"\b{_SLOT_NOUNS}\s+(?:is|was)$|\bspelled$|\bspell\s+it$")
# The same slot as Whisper often hears it at the pause: "my phone number is" comes out as "My
# phone numbers." and "my email is" as "my emails." (labelled set, session 17: 6 of 80 readings
# of the phone and email turns), which read as a finished sentence.
_SLOT_NOUN_ALONE = re.compile(rf"^(?:my|the|our|your)\s+(?:[a-z]+\s+)?{_SLOT_NOUNS}(?:s|'s)$")
_NUMBER_SLOT = re.compile(
    r"\b(?P<slot>phone|number|card|mobile|cell)\b(?P<rest>[^a-z]*(?:is)?[^a-z]*)$"
)
_ENDS_IN_DIGIT = re.compile(r"\d[\s.,-]*$")
_TRAILING_OPEN = re.compile(r"(?:\.\.\.|…|,|;|:|-|–|—)\s*$")
_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class TurnOptions:
    patience_s: float = 0.5
    """VAD silence before the turn is considered at all."""
    incomplete_extra_s: float = 0.6
    """Extra silence when the transcript clearly stops mid-sentence."""
    weak_extra_s: float = 0.25
    """Extra silence when it probably, but not surely, stops mid-sentence."""

    def __post_init__(self) -> None:
        if not 0.0 < self.patience_s <= 10.0:
            raise ConfigError(f"patience_s must be in (0, 10], got {self.patience_s}")
        if not 0.0 <= self.incomplete_extra_s <= 10.0:
            raise ConfigError(
                f"incomplete_extra_s must be in [0, 10], got {self.incomplete_extra_s}"
            )
        if not 0.0 <= self.weak_extra_s <= self.incomplete_extra_s:
            raise ConfigError(
                f"weak_extra_s must be in [0, incomplete_extra_s], got {self.weak_extra_s}"
            )


Completeness = Literal["empty", "complete", "weak", "incomplete"]
"""What the words alone say: nothing heard, a finished sentence, probably unfinished, surely
unfinished."""


def completeness(transcript: str) -> Completeness:
    """Classify a transcript by how it ends (see the module docstring)."""
    text = transcript.strip()
    if not text:
        return "empty"
    if _TRAILING_OPEN.search(text):
        return "incomplete"
    terminal = text[-1]
    if terminal in "?!":
        return "complete"
    lowered = text.lower().replace("’", "'")
    words = _WORD.findall(lowered)
    if not words:
        return "complete"
    last = words[-1]
    if len(words) == 1 and last in _LEAD_INS:
        # "Yes," / "Great," read alone sounds finished, and often is not ("Yes, that's right,
        # please book it." was two turns in the demo, and its answer was talked over).
        return "weak"
    tail = " ".join(words[-4:])
    if last in _STRONG_LAST_WORDS or _INTENT_OPEN.search(tail) or _SLOT_OPEN.search(tail):
        return "incomplete"
    if _digits_short(lowered) or _SLOT_NOUN_ALONE.search(" ".join(_last_sentence_words(lowered))):
        return "incomplete"
    if last in _WEAK_LAST_WORDS:
        return "weak"
    if terminal == ".":
        return "complete"
    # No terminal punctuation: Whisper punctuates finished sentences, so a bare end means
    # the audio may have been cut mid-phrase.
    return "weak"


_LEAD_INS = frozenset(
    "yes yeah yep great okay ok so well sorry hi hello right sure thanks no oh um uh".split()
)


_SENTENCE = re.compile(r"[^.?!]+[.?!]*")
# A closing formula: the caller is saying goodbye, nothing follows ("Great, thank you. Goodbye.").
# "Thank you." alone is not one: "Thank you. [700] Oh, and one more thing" is in the labelled set.
_CLOSING = re.compile(
    r"\b(?:good\s?bye|bye(?:[\s-]bye)?|that'?s all|that is all|that'?s it|take care|see you"
    r"|have a (?:nice|good|great|lovely) (?:day|evening|night|one))\W*$"
)
# A spelled letter or a bare number group: callers read names, codes and numbers in groups with
# pauses between them, so such an end is no sign of the last group. An ordinal ("the 22nd") is a
# date, not a group.
_GROUP_TAIL = re.compile(r"(?:(?<![\w'])[a-z]|\d+)[\s.,-]*$")
_ORDINAL_TAIL = re.compile(r"\d+(?:st|nd|rd|th)\W*$")


def _last_sentence(text: str) -> str:
    parts = [p.strip() for p in _SENTENCE.findall(text.strip())]
    parts = [p for p in parts if p]
    return parts[-1] if parts else ""


def _last_sentence_words(lowered: str) -> list[str]:
    return _WORD.findall(_last_sentence(lowered))


def reads_final(transcript: str, min_words: int = 8) -> bool:
    """Whether words that read finished (``completeness`` "complete") also read like the end of
    a turn, surer than a bare period: a closing formula ("Goodbye."), a question of three words
    or more ("...instead?"; "Can I?" and "So what?" are callers' lead-ins), or a turn of
    ``min_words`` words or more. Not when the last sentence ends on a spelled letter or a bare
    number group (those come in groups). Smart Turn hears such turns as unfinished on the Piper
    voice (docs/turn-taking.md), so ``SmartTurnDetector`` waits less for them."""
    if completeness(transcript) != "complete":
        return False
    lowered = transcript.strip().lower().replace("’", "'")
    last = _last_sentence(lowered)
    if _CLOSING.search(last):
        return True
    if _GROUP_TAIL.search(last) and not _ORDINAL_TAIL.search(last):
        return False
    if last.endswith("?") and len(_WORD.findall(last)) >= 3:
        return True
    return len(_WORD.findall(lowered)) >= min_words


def _digits_short(lowered: str) -> bool:
    """A phone or card number read in groups and not finished yet: "my number is 555 12"."""
    m = _NUMBER_SLOT.search(lowered)
    if m is None:
        return False
    digits: int = sum(ch.isdigit() for ch in str(m.group("rest")))
    if digits == 0 or not _ENDS_IN_DIGIT.search(lowered):
        return False
    # A card has 16 digits; a phone number at least 7 (a local number: "555 0142").
    needed = 16 if re.search(r"\bcard\b", lowered) else 7
    return digits < needed


class TurnDetector:
    """Pure text heuristics; no state, safe to share."""

    def __init__(self, options: TurnOptions | None = None) -> None:
        self.options = options or TurnOptions()

    def hold_s(self, transcript: str) -> float:
        """Extra silence to wait, beyond VAD patience, before confirming the turn."""
        match completeness(transcript):
            case "incomplete":
                return self.options.incomplete_extra_s
            case "weak":
                return self.options.weak_extra_s
            case _:
                return 0.0

    def end_of_turn_delay_s(self, transcript: str) -> float:
        """Total silence after the last speech before the turn counts as finished."""
        return self.options.patience_s + self.hold_s(transcript)

    def is_turn_over(self, transcript: str, silence_s: float) -> bool:
        return silence_s + 1e-9 >= self.end_of_turn_delay_s(transcript)
