"""Catch values a model invented for facts only the caller can give.

A small model calls ``create_booking`` with ``guest_name="John Doe"`` and
``email="anna.miller@example.com"`` before the caller said either (seen with the 0.5B on this
machine, on most booking turns). Schema validation passes, so neither the tool nor elicitation
notices, and the world changes under a made-up name. This module checks every caller's field
(``elicit.is_callers``: names, phone numbers, e-mail addresses...) against what the caller
actually said in the conversation. Dates and times are left out: the model is supposed to convert
"March twentieth" into ``2026-03-20``, so their text need not appear. A caller's count (people,
passengers, adults: an integer field marked as the caller's) must be heard as a number, a
number word or a phrase that means it ("myself", "a couple"): the 0.5B wrote a taxi for 10
passengers and a table for 10 when nobody had said how many.

A required field whose value was never heard is treated as missing (the caller is asked for it,
by ``elicit``); an optional one is dropped from the call. Nothing here knows any agent.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from quickturn.tools.elicit import ASK_CALLER, blank, is_callers
from quickturn.tools.repair_names import read_tool
from quickturn.tools.types import ToolCall

_WORD = re.compile(r"[a-z0-9]+")
_DIGITS = re.compile(r"\d")
_DATE_OR_TIME = re.compile(r"YYYY|HH:MM|\bdate\b|\btime\b|\bday\b", re.I)
# A value this digit-heavy is a number (a phone, a card) and is compared digit by digit, so
# "555-0142" matches "five five five, zero one four two" once STT wrote "555 0142".
_NUMBER_SHARE = 0.5
# A word of the value counts as heard when a heard word is this close (difflib ratio): STT and
# the model may spell a name differently ("Ana"/"Anna", "Miler"/"Miller").
_CLOSE_WORD = 0.75


@dataclass(frozen=True)
class Grounding:
    call: ToolCall
    """The call with unheard optional values removed."""
    unheard_required: tuple[str, ...]
    """Required caller's fields whose values the caller never said: ask for them."""
    dropped: tuple[str, ...]
    """Optional caller's fields removed because the caller never said them."""


def heard_text(messages: Iterable[Mapping[str, Any]]) -> str:
    """Everything the caller said in ``messages`` (the user turns), as one string."""
    return "\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "user")


def latest_caller_line(messages: Sequence[Mapping[str, Any]]) -> str:
    """What the caller said last in ``messages`` ("" before they spoke)."""
    return next(
        (str(m.get("content") or "") for m in reversed(messages) if m.get("role") == "user"), ""
    )


def ground_call(parameters: Mapping[str, Any], call: ToolCall, heard: str) -> Grounding:
    """Check ``call``'s caller's fields against ``heard`` (see the module docstring)."""
    props: Mapping[str, Any] = parameters.get("properties", {})
    required = set(parameters.get("required", []))
    said = _Heard(heard)
    unheard: list[str] = []
    dropped: list[str] = []
    for name, value in call.arguments.items():
        if said.invented(name, props.get(name), value):
            (unheard if name in required else dropped).append(name)
    if not dropped:
        return Grounding(call, tuple(unheard), ())
    kept = {k: v for k, v in call.arguments.items() if k not in dropped}
    return Grounding(replace(call, arguments=kept), tuple(unheard), tuple(dropped))


def heard_check(tools: Sequence[Mapping[str, Any]], heard: str) -> Callable[[str, str, str], bool]:
    """``(tool, argument, value) -> ok`` for an engine that checks values as it decodes them
    (``jump_forward.ValueCheck``): False for a required caller's field of ``tools`` (OpenAI
    tool dicts) whose value was never in ``heard``. Optional ones pass: ``ground_call`` drops
    them afterwards, and the arguments written after them are kept."""
    params: dict[str, Mapping[str, Any]] = {}
    for tool in tools:
        name, parameters = read_tool(tool)
        params[name] = parameters or {}
    said = _Heard(heard)

    def ok(tool: str, argument: str, value: str) -> bool:
        parameters = params.get(tool, {})
        if argument not in parameters.get("required", ()):
            return True
        return not said.invented(argument, parameters.get("properties", {}).get(argument), value)

    return ok


_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()
# Words that say a count without a number (English, as the rest of the caller's words here).
_COUNT_PHRASES = {1: ("myself", "alone", "just me", "only me"), 2: ("couple", "both of us")}


class _Heard:
    """What the caller said, as words and as one run of digits."""

    def __init__(self, heard: str) -> None:
        self.text = heard.lower()
        self.words = set(_WORD.findall(self.text))
        self.digits = "".join(_DIGITS.findall(heard))

    def invented(self, name: str, schema: object, value: object) -> bool:
        """Whether ``value`` of argument ``name`` is a caller's fact the caller never said."""
        if not isinstance(schema, Mapping) or not is_callers_fact(name, schema):
            return False
        if isinstance(value, int) and not isinstance(value, bool):
            return schema.get("type") == "integer" and not self.count_heard(value)
        if not isinstance(value, str) or blank(value):
            return False
        return not _was_heard(value, self.words, self.digits)

    def count_heard(self, n: int) -> bool:
        if str(n) in self.words or (0 <= n < len(_NUMBER_WORDS) and _NUMBER_WORDS[n] in self.words):
            return True
        return any(phrase in self.text for phrase in _COUNT_PHRASES.get(n, ()))


def is_callers_fact(name: str, schema: Mapping[str, Any]) -> bool:
    """A caller's free-text fact: not a date or time the model converts, nor a choice from an
    enum (the model maps "two double beds" to ``double``)."""
    if "enum" in schema or "const" in schema or not is_callers(name, schema):
        return False
    phrase = schema.get(ASK_CALLER)
    if isinstance(phrase, str) and _DATE_OR_TIME.search(phrase):
        return False
    if schema.get("format") in ("date", "time", "date-time"):
        return False
    text = f"{name.replace('_', ' ')} {schema.get('description', '')}"
    return not _DATE_OR_TIME.search(text)


def _was_heard(value: str, words: set[str], digits: str) -> bool:
    value_digits = "".join(_DIGITS.findall(value))
    letters = sum(c.isalpha() for c in value)
    if value_digits and len(value_digits) >= _NUMBER_SHARE * (len(value_digits) + letters):
        return value_digits in digits
    tokens = [t for t in _WORD.findall(value.lower()) if len(t) > 1 or t.isdigit()]
    return bool(tokens) and all(_heard_word(t, words) for t in tokens)


def _heard_word(token: str, words: set[str]) -> bool:
    if token in words:
        return True
    if token.isdigit() or len(token) < 3:
        return False
    return bool(difflib.get_close_matches(token, words, n=1, cutoff=_CLOSE_WORD))
