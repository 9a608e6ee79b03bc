"""Calls the caller confirms before they run: read back, then run on "yes" without an LLM round.

A tool declared with ``confirm`` (``@tool(confirm=...)``: a booking, a payment, a cancellation)
does not run when the model first calls it with everything it needs. The caller hears the
tool's own read-back of the call ("A double room from March 20 to 22 ... Shall I book it?") and
the call waits in the history, its result marked as waiting. On the next turn a plain yes runs
that very call at once: no model round (with the 0.5B a round that re-writes a booking call
costs ~100 tokens, 5.7 s), and the model cannot change the details the caller just agreed to.
Anything else (a no, a correction, a new question) goes to the model as usual, which sees the
read-back and the caller's answer.

Whether a line is a yes is read from its words (English): a yes word and no word that takes
it back ("no", "wait", "actually", "instead"...). A caller who is unclear is not taken as yes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from quickturn.llm.types import Message
from quickturn.tools.types import ToolCall, ToolRegistry

AWAITING_KEY = "awaiting_confirmation"

_YES = re.compile(
    r"\b(yes|yeah|yep|yup|sure|correct|right|exactly|absolutely|definitely|perfect|"
    r"ok|okay|alright|please do|go ahead|do it|book it|sounds good|that works|confirm(ed)?)\b",
    re.IGNORECASE,
)
_TAKEN_BACK = re.compile(
    r"\b(no|nope|not|don't|do not|wait|hold on|actually|instead|change|rather|but|wrong|"
    r"cancel|different|another)\b|n't\b|\?",
    re.IGNORECASE,
)


def said_yes(line: str) -> bool:
    """Whether the caller's ``line`` agrees, and only agrees (see the module docstring)."""
    return bool(_YES.search(line)) and not _TAKEN_BACK.search(line)


def awaiting_result(call: ToolCall) -> str:
    """What the model reads as the result of a call that waits for the caller's yes."""
    return json.dumps(
        {"not_done_yet": f"{call.name} runs once the caller confirms", AWAITING_KEY: True}
    )


def is_awaiting(content: object) -> bool:
    """Whether a tool message's ``content`` is that of a call waiting for confirmation."""
    if not isinstance(content, str) or AWAITING_KEY not in content:
        return False
    try:
        body = json.loads(content)
    except json.JSONDecodeError:
        return False
    return isinstance(body, dict) and body.get(AWAITING_KEY) is True


def confirmed_call(history: Sequence[Message], registry: ToolRegistry) -> ToolCall | None:
    """The waiting call, if the history ends with the caller saying yes to its read-back:
    ... assistant(tool_calls) -> tool(awaiting) -> assistant(read-back) -> user(yes)."""
    if len(history) < 4 or history[-1].get("role") != "user":
        return None
    readback, result = history[-2], history[-3]
    if readback.get("role") != "assistant" or readback.get("tool_calls"):
        return None
    if result.get("role") != "tool" or not is_awaiting(result.get("content")):
        return None
    if not said_yes(str(history[-1].get("content") or "")):
        return None
    call_id = result.get("tool_call_id")
    for m in reversed(history[:-3]):
        for raw in m.get("tool_calls") or []:
            if raw.get("id") != call_id:
                continue
            fn = raw.get("function", {})
            name, args = fn.get("name"), _arguments(fn.get("arguments"))
            if not isinstance(name, str) or name not in registry or args is None:
                return None
            return ToolCall(f"{call_id}_confirmed", name, args)
    return None


def _arguments(raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw or "{}")
        except json.JSONDecodeError:
            return None
    return raw if isinstance(raw, dict) else None
