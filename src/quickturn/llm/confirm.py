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

from quickturn.llm.asked import answered_question, call_arguments
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


def said_yes(line: str, question: str = "") -> bool:
    """Whether the caller's ``line`` agrees, and only agrees (see the module docstring).

    ``question``: what the caller answers. Its own words do not take a yes back, and its
    "<verb> it" is a yes: asked "Shall I cancel it?", "Yes, cancel it." agrees."""
    asked = {w.lower() for w in re.findall(r"[A-Za-z']+", question)}
    taken_back = [
        m.group(0) for m in _TAKEN_BACK.finditer(line) if m.group(0).lower() not in asked
    ]
    if taken_back:
        return False
    if _YES.search(line):
        return True
    verbs = {v.lower() for v in re.findall(r"\b([A-Za-z]+) it\b", question)}
    said = {v.lower() for v in re.findall(r"\b([A-Za-z]+) it\b", line)}
    return bool(verbs & said)


def answers_yes(history: Sequence[Message]) -> bool:
    """Whether the caller's last line says yes to the agent's line before it."""
    if not history or history[-1].get("role") != "user":
        return False
    before = history[-2].get("content") if len(history) > 1 else None
    question = before if isinstance(before, str) else ""
    return said_yes(str(history[-1].get("content") or ""), question)


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
    """The waiting call, if the history ends with the caller saying yes to its read-back
    (``asked.answered_question``, its result marked as awaiting)."""
    asked = answered_question(history)
    if asked is None or not is_awaiting(asked.result.get("content")):
        return None
    if not answers_yes(history):
        return None
    name, args = asked.name, call_arguments(asked.call)
    if not isinstance(name, str) or name not in registry or args is None:
        return None
    return ToolCall(f"{asked.call.get('id')}_confirmed", name, args)
