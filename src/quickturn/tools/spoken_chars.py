"""Codes, plates and numbers as callers say them: "H K four five nine two" is ``HK4592``.

A caller reads a confirmation code or a licence plate one character at a time, and STT writes
what it heard: letters as letters, digits as words ("four five"), digits, "oh" for zero, "double
five" for ``55``. A tool that takes a code turns that back into characters with
``spoken_characters`` before checking it; the model copies the caller's words into the call (the
0.5B wrote ``"booking_code": "H K four five nine two"``) and the code was refused. Nothing here
knows any agent.
"""

from __future__ import annotations

import re

_DIGIT_WORDS = {
    w: str(i)
    for i, w in enumerate("zero one two three four five six seven eight nine".split())
}
_DIGIT_WORDS["oh"] = "0"
_REPEATS = {"double": 2, "triple": 3}
_TOKEN = re.compile(r"[A-Za-z]+|\d+")


def spoken_characters(text: str) -> str | None:
    """``text`` as the characters it spells ("H K four five nine two" -> ``HK4592``), or None
    when it is not spelled out: any word that is neither a letter, capitals ("HX"), a digit
    word nor "double"/"triple" before one. Separators (spaces, dashes, commas, dots) are dropped."""
    tokens = _TOKEN.findall(text)
    if not tokens or re.search(r"[^\w\s,.\-]", text):
        return None
    out: list[str] = []
    repeat = 1
    for token in tokens:
        word = token.lower()
        if word in _REPEATS:
            if repeat != 1:
                return None
            repeat = _REPEATS[word]
            continue
        if token.isdigit():
            char = token
        elif word in _DIGIT_WORDS:
            char = _DIGIT_WORDS[word]
        elif len(token) == 1 or token.isupper():
            char = token.upper()  # a letter, or letters written as a code ("HX")
        else:
            return None  # a word: a name, not a spelled code
        out.append(char * repeat if len(char) == 1 else char)
        repeat = 1
    return None if repeat != 1 else "".join(out)
