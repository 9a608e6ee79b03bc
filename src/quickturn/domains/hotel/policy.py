"""The policy handbook (policies/*.md) and its keyword search.

Each ``## `` heading starts a section; an optional ``Keywords:`` line under it adds search terms
that a caller might use but the prose does not ("dog" for the pet policy). Scoring is TF-free
BM25-lite: a query term counts more in the title and keywords than in the body, and rare terms
count more than common ones, which is enough for a few dozen short sections.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from importlib import resources

from quickturn.domains.hotel.text_match import terms
from quickturn.errors import ConfigError

TITLE_WEIGHT = 3.0
KEYWORD_WEIGHT = 2.0
BODY_WEIGHT = 1.0


@dataclass(frozen=True)
class PolicySection:
    source: str
    title: str
    body: str
    keywords: str = ""

    def __post_init__(self) -> None:
        if not self.title or not self.body:
            raise ConfigError(f"policy section in {self.source} needs a title and a body")


def parse_sections(source: str, markdown: str) -> list[PolicySection]:
    sections: list[PolicySection] = []
    title: str | None = None
    keywords = ""
    body: list[str] = []

    def flush() -> None:
        if title is not None:
            sections.append(
                PolicySection(source, title, " ".join(" ".join(body).split()), keywords)
            )

    for line in markdown.splitlines():
        if line.startswith("## "):
            flush()
            title, keywords, body = line[3:].strip(), "", []
        elif title is not None and line.startswith("Keywords:"):
            keywords = line.removeprefix("Keywords:").strip()
        elif title is not None and not line.startswith("# "):
            body.append(line)
    flush()
    return sections


def load_sections() -> list[PolicySection]:
    folder = resources.files("quickturn.domains.hotel").joinpath("policies")
    sections: list[PolicySection] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".md"):
            sections.extend(parse_sections(entry.name, entry.read_text("utf-8")))
    if not sections:
        raise ConfigError("the hotel policy handbook is empty")
    return sections


class PolicyBook:
    """Immutable after construction; build once and share between conversations."""

    def __init__(self, sections: list[PolicySection]) -> None:
        self.sections = tuple(sections)
        self._fields = [
            (set(terms(s.title)), set(terms(s.keywords)), set(terms(s.body))) for s in self.sections
        ]
        df: Counter[str] = Counter()
        for title, kw, body in self._fields:
            df.update(title | kw | body)
        n = len(self.sections)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}

    @classmethod
    def load(cls) -> PolicyBook:
        return cls(load_sections())

    def search(self, question: str, limit: int = 1) -> list[tuple[float, PolicySection]]:
        """Best sections first; only sections sharing at least one term with the question."""
        query = set(terms(question))
        scored: list[tuple[float, int]] = []
        for i, (title, kw, body) in enumerate(self._fields):
            score = 0.0
            for t in query:
                weight = (
                    TITLE_WEIGHT * (t in title)
                    + KEYWORD_WEIGHT * (t in kw)
                    + BODY_WEIGHT * (t in body)
                )
                score += weight * self._idf.get(t, 0.0)
            if score > 0:
                scored.append((score, i))
        scored.sort(key=lambda p: (-p[0], p[1]))
        return [(score, self.sections[i]) for score, i in scored[:limit]]
