"""Sentence-level streaming of LLM token deltas into speakable segments.

A sentence is emitted as soon as its end is certain: terminal punctuation, then whitespace, then
a character that does not continue it (so "e.g. the" and "Dr. Smith" stay whole). The first
segment of a reply may end at a clause break once it has ``min_first_words`` words, so speech
starts early; later sentences longer than ``max_words`` are split at their last clause break.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quickturn.errors import ConfigError

_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st mt vs etc e.g i.e eg ie approx apt dept inc ltd corp
    jan feb aug sep sept oct nov dec tue thu fri a.m p.m u.s u.k tel ext avg rd ave blvd
    """.split()
)
_CLOSERS = "\"')]}”’"
_SENTENCE_END = re.compile(r"([.!?…]+)([" + re.escape(_CLOSERS) + r"]*)(\s+)(\S)")
# "No." and "am." are not listed: as answers they end sentences, and before a number
# ("No. 5", "10 am. 5") the digit rule already keeps them whole.
# A clause break: , ; : followed by whitespace, or a dash standing between words.
_CLAUSE_BREAK = re.compile(r"(?:[,;:](?=\s)|\s[-–—]\s|—)")
_TOKEN_BEFORE = re.compile(r"(\S+)$")


@dataclass(frozen=True)
class SplitterOptions:
    min_first_words: int = 4
    max_words: int = 25

    def __post_init__(self) -> None:
        if self.min_first_words < 1:
            raise ConfigError(f"min_first_words must be >= 1, got {self.min_first_words}")
        if self.max_words < max(2, self.min_first_words):
            raise ConfigError(f"max_words must be >= max(2, min_first_words), got {self.max_words}")


class SentenceSplitter:
    """Feed deltas with ``push``; call ``flush`` at the end of the reply (it also resets)."""

    def __init__(self, min_first_words: int = 4, max_words: int = 25) -> None:
        self.options = SplitterOptions(min_first_words, max_words)
        self._buf = ""
        self._first = True

    def reset(self) -> None:
        self._buf = ""
        self._first = True

    def push(self, delta: str) -> list[str]:
        self._buf += delta
        out: list[str] = []
        while True:
            cut = self._next_cut()
            if cut is None:
                break
            segment, self._buf = self._buf[:cut].strip(), self._buf[cut:].lstrip()
            if segment:
                out.append(segment)
                self._first = False
        return out

    def flush(self) -> list[str]:
        rest = self._buf.strip()
        self.reset()
        return [rest] if rest else []

    def _next_cut(self) -> int | None:
        """Index just after the next complete segment in the buffer, or None to wait."""
        newline = self._buf.find("\n")
        if newline >= 0 and any(c.isalpha() for c in self._buf[:newline]):
            # A line break (list item, paragraph) ends a segment unless a sentence ends first.
            first_end = next(
                (
                    m.end(2)
                    for m in _SENTENCE_END.finditer(self._buf[: newline + 1])
                    if self._is_sentence_end(m)
                ),
                None,
            )
            return first_end if first_end is not None else newline + 1
        for m in _SENTENCE_END.finditer(self._buf):
            if self._is_sentence_end(m):
                end = m.end(2)
                if self._first or _count_words(self._buf[:end]) <= self.options.max_words:
                    return end
                return self._clause_cut(self._buf[:end]) or end
        words = _count_words(self._buf)
        if self._first and words > self.options.min_first_words:
            cut = self._clause_cut(self._buf, self.options.min_first_words, earliest=True)
            if cut is not None:
                return cut
        if words > self.options.max_words:
            cut = self._clause_cut(self._buf)
            if cut is None and words > 2 * self.options.max_words:
                # A run-on with no punctuation at all: cut before the last (maybe partial) word.
                spaces = [m.start() for m in re.finditer(r"\s", self._buf.rstrip())]
                cut = spaces[-1] if spaces else None
            return cut
        return None

    def _is_sentence_end(self, m: re.Match[str]) -> bool:
        punct, follower = m.group(1), m.group(4)
        if punct != ".":
            # ! and ? end a sentence; a trail-off ("Well... let me see") only before a capital.
            return "!" in punct or "?" in punct or not follower.islower()
        before = _TOKEN_BEFORE.search(self._buf[: m.start(1)])
        token = before.group(1).lower().lstrip("(\"'“‘") if before else ""
        if token in _ABBREVIATIONS:
            return False
        if len(token) == 1 and token.isalpha():
            return False  # an initial: "J. Smith"
        if follower.islower() or follower.isdigit():
            return False  # "approx. 5", "etc. and": the sentence goes on
        # "1." alone is a list marker, not a sentence.
        return any(c.isalpha() for c in self._buf[: m.start(1)])

    def _clause_cut(self, text: str, min_words: int = 2, earliest: bool = False) -> int | None:
        """End of the last (or earliest) clause break with >= min_words before it and a word
        after it (the word proves the break is not the tail of a number like "1,000")."""
        best: int | None = None
        for m in _CLAUSE_BREAK.finditer(text):
            end = m.end()
            if _count_words(text[:end]) >= min_words and text[end:].strip():
                best = end
                if earliest:
                    break
        return best


def _count_words(text: str) -> int:
    return len(text.split())
