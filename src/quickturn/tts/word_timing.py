"""Word timings from a TTS engine's phoneme durations: when each word of the text ends.

Piper (with its alignment output) says how many samples each phoneme took, and its phoneme
words are separated by a space phoneme; but espeak does not keep the text's words one to one
("on the" is read as one phoneme word, "2026" as three). So the text's words are aligned to the
phoneme words monotonically, each step pairing one item of one side with one or more of the
other, at the least difference in length (letters against phonemes, as shares of each side);
words that share one phoneme word share its time by letters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from quickturn.tts.types import WordEnds

_MARKS = re.compile(r"[\sˈˌ^$.,;:!?\"'()\-—…]")
_MAX_GROUP = 6  # a run of text words read as one phoneme word, or the other way round


def phoneme_words(phonemes: Sequence[str], samples: Sequence[int]) -> list[tuple[str, float]]:
    """Piper's alignments as phoneme words: ``(phonemes, end as a share of the audio)``."""
    total = sum(samples)
    out: list[tuple[str, float]] = []
    word, pos = "", 0
    for phoneme, n in zip(phonemes, samples, strict=True):
        if phoneme == " " and word:
            out.append((word, pos / total))
            word = ""
        elif phoneme != " ":
            word += phoneme
        pos += n
    if word or not out:
        out.append((word, 1.0))
    else:
        out[-1] = (out[-1][0], 1.0)
    return out


def word_ends(text: str, spoken: Sequence[tuple[str, float]]) -> WordEnds | None:
    """Where each word of ``text`` ends (shares of the audio), from its phoneme words; None when
    the two sides cannot be paired (more than six to one)."""
    words = text.split()
    if not words or not spoken:
        return None
    t_weight = [_spoken_length(w) for w in words]
    p_weight = [max(1.0, float(len(_MARKS.sub("", p)))) for p, _ in spoken]
    t_share = _shares(t_weight)
    p_share = _shares(p_weight)
    n, m = len(words), len(spoken)

    @cache
    def best(i: int, j: int) -> tuple[float, tuple[tuple[int, int], ...]]:
        """Least cost of pairing words[i:] with spoken[j:], and the group sizes."""
        if i == n and j == m:
            return 0.0, ()
        options = []
        for a, b in [(a, 1) for a in range(1, _MAX_GROUP + 1)] + [
            (1, b) for b in range(2, _MAX_GROUP + 1)
        ]:
            if i + a <= n and j + b <= m:
                cost = abs((t_share[i + a] - t_share[i]) - (p_share[j + b] - p_share[j]))
                rest, groups = best(i + a, j + b)
                options.append((cost + rest, ((a, b), *groups)))
        return min(options, default=(float("inf"), ()))

    cost, groups = best(0, 0)
    if cost == float("inf"):
        return None
    ends: list[float] = []
    i = j = 0
    for a, b in groups:
        start = spoken[j - 1][1] if j else 0.0
        end = spoken[j + b - 1][1]
        letters = t_weight[i : i + a]
        run = 0.0
        for w in letters:  # words read as one phoneme word share its time by letters
            run += w
            ends.append(start + (end - start) * run / sum(letters))
        i, j = i + a, j + b
    best.cache_clear()
    return tuple(ends)


def _spoken_length(word: str) -> float:
    """About how many phonemes a written word becomes: a letter ~1, a digit ~4 ("zero"), a
    capital of an all-capitals code ~2.5 (a letter's name)."""
    code = not any(c.islower() for c in word)
    return max(1.0, sum(4.0 if c.isdigit() else 2.5 if code and c.isalpha() else 1.0
                        for c in word if c.isalnum()))


def _shares(weights: Sequence[float]) -> list[float]:
    total = sum(weights)
    out = [0.0]
    for w in weights:
        out.append(out[-1] + w / total)
    return out
