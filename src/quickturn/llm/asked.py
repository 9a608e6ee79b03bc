"""The call whose question the caller's latest line answers.

Both an elicitation (``llm.pending``: "May I have your name?") and a read-back (``llm.confirm``:
"... Shall I book it?") leave the history ending the same way: the call, its result, the
question, the caller's answer. This finds that call, so each reads its own marker off the result.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from quickturn.llm.types import Message


@dataclass(frozen=True)
class AnsweredQuestion:
    call: dict[str, Any]
    """The call as the history holds it (OpenAI ``tool_calls`` entry)."""
    result: Message
    """Its tool message."""

    @property
    def name(self) -> object:
        return self.call.get("function", {}).get("name")


def answered_question(history: Sequence[Message]) -> AnsweredQuestion | None:
    """The call, if the history ends: ... assistant(tool_calls) -> tool(its result) ->
    assistant(question, no calls) -> user."""
    if len(history) < 4 or history[-1].get("role") != "user":
        return None
    question, result = history[-2], history[-3]
    if question.get("role") != "assistant" or question.get("tool_calls"):
        return None
    if result.get("role") != "tool":
        return None
    call_id = result.get("tool_call_id")
    for m in reversed(history[:-3]):
        for raw in m.get("tool_calls") or []:
            if raw.get("id") == call_id:
                return AnsweredQuestion(raw, result)
    return None


def call_arguments(raw: dict[str, Any]) -> dict[str, Any] | None:
    """A history call's arguments as a dict (the history holds them as a JSON string), or
    None when they do not parse into an object."""
    args = raw.get("function", {}).get("arguments")
    if isinstance(args, str):
        try:
            args = json.loads(args or "{}")
        except json.JSONDecodeError:
            return None
    return args if isinstance(args, dict) else None
