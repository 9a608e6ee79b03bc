"""Keyword scoring shared by the policy search and lost-and-found search (no model needed)."""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    "a an the and or of to in on at for with is are was were be been do does did can could "
    "would should will i you we my your our me it its this that there what when where how which "
    "who if any have has had please about from by as not no yes hi hello so just like get also "
    "tell know want need".split()
)


def stem(word: str) -> str:
    """A deliberately crude stemmer: enough for 'pets'/'pet', 'cancelling'/'cancel'."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def terms(text: str, extra_stopwords: frozenset[str] = frozenset()) -> list[str]:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))
    return [stem(w) for w in words if w not in STOPWORDS and w not in extra_stopwords]
