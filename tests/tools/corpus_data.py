"""Shared data for the tool tests: the hotel tools and the repair corpus (repair_corpus.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CORPUS_PATH = Path(__file__).with_name("repair_corpus.yaml")


def load_corpus() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(CORPUS_PATH.read_text(encoding="utf-8"))
    return data


CORPUS = load_corpus()
HOTEL_TOOLS: list[dict[str, Any]] = CORPUS["tools"]
CASES: list[dict[str, Any]] = CORPUS["cases"]
