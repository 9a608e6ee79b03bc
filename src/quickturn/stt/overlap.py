"""Text that two overlapping pieces of audio both transcribed, said once.

Two places join transcripts of neighbouring audio: Whisper's continuation passes (a pass starts
at the last timestamp, which can fall inside the last word) and the session's held-open turn
fragments (the next utterance's audio starts with the VAD's preroll, which can hold the tail of
the fragment's last word). Both produced doubled words in the demo ("Great. Great thank you").
"""

from __future__ import annotations


def _norm_word(word: str) -> str:
    return "".join(c for c in word.lower() if c.isalnum())


def drop_overlap(earlier: str, text: str, max_words: int = 3) -> str:
    """``text`` without the words it opens with that ``earlier`` ends with: a continuation
    pass starts at the last timestamp, which can fall inside the last word ("Great." then
    "Great, thank you.")."""
    before = [_norm_word(w) for w in earlier.split()]
    words = text.split()
    after = [_norm_word(w) for w in words]
    for k in range(min(max_words, len(before), len(after)), 0, -1):
        if before[-k:] == after[:k]:
            return " ".join(words[k:])
    return text
