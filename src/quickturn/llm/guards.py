"""Guards against two habits of small models: parroting and call loops.

- Parroting: a reply that repeats one of the agent's own earlier turns (the 0.5B does this when it
  is lost). The caller must never hear it: the tool loop decodes again or speaks what it has.
- Call loops: a tool call identical to one already answered in this reply (the 0.5B called the
  same tool again after getting its result 5 of 5 times). It must not run twice; the loop speaks
  the earlier result instead of spending another round.

Pure functions over plain messages and calls: no engine, no clock, no domain knowledge.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from quickturn.errors import ConfigError
from quickturn.llm.types import Message
from quickturn.tools.types import ToolCall, ToolResult

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class GuardOptions:
    parrot_similarity: float = 0.9
    """A reply at least this similar (difflib ratio over normalized words) to an earlier
    assistant turn is a parrot."""
    parrot_min_words: int = 4
    """Shorter replies ("Okay.", "You're welcome!") may repeat naturally."""

    def __post_init__(self) -> None:
        if not 0.0 < self.parrot_similarity <= 1.0:
            raise ConfigError("parrot_similarity must be within (0, 1]")
        if self.parrot_min_words < 1:
            raise ConfigError("parrot_min_words must be >= 1")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def earlier_replies(history: Sequence[Message]) -> list[str]:
    """The spoken text of every assistant turn in ``history`` (tool-call turns without text
    are skipped)."""
    out: list[str] = []
    for m in history:
        if m.get("role") != "assistant":
            continue
        content = m.get("content")
        if isinstance(content, str) and content.strip():
            out.append(content)
    return out


def parroted_turn(
    reply: str, history: Sequence[Message], options: GuardOptions = GuardOptions()
) -> str | None:
    """The earlier assistant turn that ``reply`` repeats, or None."""
    words = _words(reply)
    if len(words) < options.parrot_min_words:
        return None
    for earlier in earlier_replies(history):
        other = _words(earlier)
        if other == words:
            return earlier
        ratio = difflib.SequenceMatcher(a=words, b=other, autojunk=False).ratio()
        if ratio >= options.parrot_similarity:
            return earlier
    return None


def call_key(call: ToolCall) -> str:
    """Identity of a call for loop detection: its name and canonical arguments (key order and
    whitespace never make two calls different)."""
    return call.name + "\x00" + json.dumps(call.arguments, sort_keys=True, ensure_ascii=False)


class AnsweredCalls:
    """The calls answered so far in one reply, to catch the model asking again."""

    def __init__(self) -> None:
        self._results: dict[str, ToolResult] = {}

    def record(self, call: ToolCall, result: ToolResult) -> None:
        self._results[call_key(call)] = result

    def earlier(self, call: ToolCall) -> ToolResult | None:
        """The result already given to an identical call, or None."""
        return self._results.get(call_key(call))

    def __len__(self) -> int:
        return len(self._results)
