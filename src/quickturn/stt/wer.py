"""Word error rate for STT benchmarks and tests: jiwer, after a normalisation that forgives
Whisper's case, punctuation and digits-or-words choice for small numbers."""

from __future__ import annotations

import re

from quickturn.errors import MissingDependencyError

_NUMBERS = {
    str(i): w
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve".split()
    )
}


def normalize_words(text: str) -> list[str]:
    words = re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("-", " ")).split()
    return [_NUMBERS.get(w, w) for w in words]


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate of ``hypothesis`` against ``reference`` (0 when both are empty, 1 per
    inserted word when only the reference is)."""
    try:
        import jiwer
    except ImportError as exc:
        raise MissingDependencyError(
            "jiwer", "pip install jiwer  (or: pip install 'quickturn[stt]')"
        ) from exc
    ref, hyp = normalize_words(reference), normalize_words(hypothesis)
    if not ref:
        return float(len(hyp))
    return float(jiwer.wer(" ".join(ref), " ".join(hyp) if hyp else ""))
