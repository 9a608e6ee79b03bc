"""Pick a router's tool from the caller's words before the model does, when they leave no doubt.

A small model routes on surface words: the 0.5B sent "could we get two more towels in room 501?"
to the room-booking task and "cancel my massage" to the booking changes, because "room" and
"cancel" are what it matches. The agent's author knows the words callers use for each request
("towels", "massage", "wake-up call"); each route lists them as phrases. A phrase matches when
every one of its word stems (Snowball's English stemmer: "towels" = "towel") is in the caller's
line, in any order. A route scores the sum of its matched phrases' stems, each weighted by how
rare it is among the routes (inverse document frequency: "room" in many routes counts little,
"massage" in one counts much). The best route is picked only when it scores at least ``margin``
times the second; otherwise the model chooses, as before. The picked tool becomes the round's
named ``tool_choice``: the model still writes its arguments.

A line of several sentences is decided by its last sentence that names any route: a caller who
barges in goes on with what they now want, and the two lines reach the agent joined ("What time
is checkout? Sorry, can I check out at one instead?" asks for a late checkout, not the policy).
Only when no sentence alone names a route does the whole line count (a phrase split over two).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import snowballstemmer

from quickturn.errors import ConfigError

# Words that say nothing about which request it is (function words and greetings). "my" and
# "our" are kept: "my booking" is one the caller has, and as a stop word it reduced to "book", so
# "Hi, I'd like to book" went to the booking changes.
STOP_WORDS = frozenset(
    "a an the your i we you me us to for of on in at is are be it this that and or with "
    "can could would please like need want do does hi hello hey some any just get have has "
    "i'd i'm we'd we're it's there".split()
)

_WORD = re.compile(r"[a-z0-9']+")
# A sentence ends at . ? or ! followed by space (not "7.30" or "a.m.").
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def _stemmer() -> Any:  # the package has no type hints
    return snowballstemmer.stemmer("english")


def stems(text: str, stemmer: Any = None) -> tuple[str, ...]:
    """The content-word stems of ``text``, in order ("Two more towels!" -> ("two", "more",
    "towel")); hyphens split words ("wake-up" -> "wake", "up")."""
    st = stemmer or _stemmer()
    words = _WORD.findall(text.lower().replace("-", " ").replace("\u2019", "'"))
    return tuple(st.stemWord(w.strip("'")) for w in words if w not in STOP_WORDS and w.strip("'"))


@dataclass(frozen=True)
class KeywordRouter:
    """Tool name -> the phrases callers use for it; ``pick`` a tool for one caller line."""

    phrases: Mapping[str, Sequence[str]]
    margin: float = 1.5
    _stemmer: Any = field(default_factory=_stemmer, repr=False, compare=False)
    _routes: dict[str, tuple[tuple[str, ...], ...]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _idf: dict[str, float] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.margin < 1.0:
            raise ConfigError(f"a keyword router's margin must be >= 1, not {self.margin}")
        for tool, phrases in self.phrases.items():
            if isinstance(phrases, str):
                raise ConfigError(f"keywords of {tool!r} must be a list of phrases, not a string")
            stemmed = tuple(dict.fromkeys(self._phrase(p, tool) for p in phrases))
            if stemmed:
                self._routes[tool] = stemmed
        seen: dict[str, int] = {}
        for stemmed in self._routes.values():
            for s in {s for phrase in stemmed for s in phrase}:
                seen[s] = seen.get(s, 0) + 1
        n = len(self._routes)
        self._idf.update({s: math.log(1 + n / count) for s, count in seen.items()})

    def _phrase(self, phrase: str, tool: str) -> tuple[str, ...]:
        stemmed = tuple(dict.fromkeys(stems(phrase, self._stemmer)))
        if not stemmed:
            raise ConfigError(f"keyword {phrase!r} of {tool!r} has no content word")
        return stemmed

    def scores(self, text: str) -> dict[str, float]:
        """Each route's score for ``text`` (routes with no matched phrase left out)."""
        have = set(stems(text, self._stemmer))
        out: dict[str, float] = {}
        for tool, stemmed in self._routes.items():
            score = sum(self._weight(p) for p in stemmed if all(s in have for s in p))
            if score > 0:
                out[tool] = score
        return out

    def _weight(self, phrase: Iterable[str]) -> float:
        return sum(self._idf[s] for s in phrase)

    def pick(self, text: str) -> str | None:
        """The one tool ``text`` names beyond doubt, or None (no phrase, or a close second);
        the last sentence that names a route decides (module docstring)."""
        for sentence in reversed(_SENTENCE_END.split(text.strip())):
            scores = self.scores(sentence)
            if scores:
                return self._beyond_doubt(scores)
        return self._beyond_doubt(self.scores(text))

    def _beyond_doubt(self, scores: Mapping[str, float]) -> str | None:
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        if not ranked:
            return None
        if len(ranked) > 1 and ranked[0][1] < self.margin * ranked[1][1]:
            return None
        return ranked[0][0]
