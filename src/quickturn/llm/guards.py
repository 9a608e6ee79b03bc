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
from datetime import date
from typing import Any

from quickturn.errors import ConfigError
from quickturn.llm.asked import call_arguments
from quickturn.llm.confirm import is_awaiting
from quickturn.llm.types import Message
from quickturn.tools.elicit import blank
from quickturn.tools.types import ToolCall, ToolResult

_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
_HOLD_MAX_WORDS = 40  # a first "sentence" this long is released anyway


@dataclass(frozen=True)
class GuardOptions:
    parrot_similarity: float = 0.8
    """A reply at least this similar (difflib ratio over normalized words) to an earlier
    assistant turn is a parrot."""
    parrot_min_words: int = 4
    """Shorter replies ("Okay.", "You're welcome!") may repeat naturally."""
    hold_first_sentence: bool = True
    """Hold a reply's first sentence until it is whole and check it for a parrot then."""
    parrot_stop_words: int = 5
    """A reply whose first this-many words are an earlier turn's, verbatim, is a parrot at
    once: its generation stops there (decoding the rest of a 15-word greeting cost ~1 s)."""
    ground_caller_facts: bool = True
    """Check a call's caller's fields (names, phones, e-mails) against what the caller said:
    an invented required value makes the caller be asked, an invented optional one is dropped
    (``quickturn.tools.grounding``)."""
    use_established_facts: bool = True
    """A caller's fact a call lacks (or invented) is taken from an earlier tool result of this
    conversation when exactly one value was returned under its name: the booking just made is
    the one a late checkout is for (``quickturn.tools.established``)."""
    today: date | None = None
    """The agent's calendar date. When set, a call's date the caller never said is replaced by
    the one their words name ("Thursday the 19th", "tomorrow"), resolved against it, and a
    time field the same way ("one in the afternoon": 13:00, not the 0.5B's 14:00)
    (``quickturn.tools.heard_dates``); None leaves dates and times to the model."""

    def __post_init__(self) -> None:
        if not 0.0 < self.parrot_similarity <= 1.0:
            raise ConfigError("parrot_similarity must be within (0, 1]")
        if self.parrot_stop_words < 1:
            raise ConfigError("parrot_stop_words must be >= 1")
        if self.parrot_min_words < 1:
            raise ConfigError("parrot_min_words must be >= 1")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def earlier_replies(history: Sequence[Message]) -> list[str]:
    """The spoken text of every assistant turn in ``history`` (tool-call turns without text
    are skipped), and the caller's last line: echoing it back is parroting too (the 0.5B does
    both)."""
    out: list[str] = []
    for m in history:
        if m.get("role") != "assistant":
            continue
        content = m.get("content")
        if isinstance(content, str) and content.strip():
            out.append(content)
    for m in reversed(history):
        if m.get("role") == "user":
            content = m.get("content")
            if isinstance(content, str) and content.strip():
                out.append(content)
            break
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
        if len(other) < options.parrot_min_words:
            continue
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


class ParrotWatch:
    """Holds back streamed reply text while it could still be a repeat of an earlier turn.

    Text is released as soon as its words stop being the opening of every earlier assistant
    turn (most replies diverge within a few words, so the caller waits for nothing); a reply
    that turns out to be a parrot is never released at all.
    """

    def __init__(self, history: Sequence[Message], options: GuardOptions = GuardOptions()) -> None:
        self._history = list(history)
        # Short lines ("Okay.", "hello there") repeat naturally: only longer ones are watched.
        self._earlier = [
            w
            for w in (_words(t) for t in earlier_replies(history))
            if len(w) >= options.parrot_min_words
        ]
        self._options = options
        self._held: list[str] = []
        self._released = False
        self.certain = False
        """The held words already repeat this many words of an earlier turn verbatim: the
        generation can stop now instead of decoding the rest of the repeat."""

    def feed(self, text: str) -> str:
        """The text that may be spoken now ("" while it is held)."""
        if self._released:
            return text
        self._held.append(text)
        so_far = "".join(self._held)
        words = _words(so_far)
        # The last word may still be growing: compare only the complete ones.
        complete = words[:-1] if so_far and so_far[-1].isalnum() else words
        still = [e for e in self._earlier if e[: len(complete)] == complete]
        if still:
            enough = self._options.parrot_stop_words
            self.certain = any(len(complete) >= min(enough, len(e)) for e in still)
            return ""
        if self._options.hold_first_sentence and self._earlier:
            # A repeat with a new opening ("Anna Miller, this is the front desk, how can I
            # help you?" after the greeting) shows only once its sentence is whole. TTS waits
            # for that sentence anyway, so holding it costs the caller nothing.
            if not _SENTENCE_END.search(so_far) and len(words) < _HOLD_MAX_WORDS:
                return ""
            if parroted_turn(so_far, self._history, self._options) is not None:
                self.certain = True
                return ""
        self._released = True
        self._held = []
        return so_far

    def finish(self) -> tuple[str, bool]:
        """At the end of the reply: the held text, and whether it is a parrot."""
        held = "".join(self._held)
        self._held = []
        if self._released or not held:
            return held, False
        if self.certain:
            return held, True
        return held, parroted_turn(held, self._history, self._options) is not None


def merge_earlier_call(call: ToolCall, history: Sequence[Message]) -> ToolCall:
    """``call`` with the arguments it lacks filled in from the latest earlier call of the same
    tool that failed (the caller was asked for what was missing and answered: a small model
    then often calls again with only the new facts). Its own non-blank values win."""
    for m in reversed(history):
        if m.get("role") != "assistant":
            continue
        for raw in m.get("tool_calls") or []:
            fn = raw.get("function", {})
            if fn.get("name") != call.name or raw.get("id") == call.id:
                continue
            if not _failed(history, raw.get("id")):
                return call  # the last such call succeeded: a new task, nothing to merge
            earlier = call_arguments(raw)
            if earlier is None:
                return call
            merged = dict(call.arguments)
            for key, value in earlier.items():
                if blank(merged.get(key)) and not blank(value):
                    merged[key] = value
            return ToolCall(call.id, call.name, merged, call.repaired)
    return call


def _failed(history: Sequence[Message], call_id: Any) -> bool:
    for m in history:
        if m.get("role") == "tool" and m.get("tool_call_id") == call_id:
            content = m.get("content")
            # A call waiting for the caller's yes has not run either: a corrected call (a
            # suite instead) keeps the rest of what was read back.
            return is_awaiting(content) or (
                isinstance(content, str) and content.lstrip().startswith('{"error"')
            )
    return False
