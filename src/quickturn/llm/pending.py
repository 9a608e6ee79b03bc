"""A call waiting for the caller's answer, found in the history, so the answer goes back into it.

When a call lacked what only the caller can give, the tool loop asked them (``tools.elicit``)
and marked the failed call's result with the fields it asked for. On the next turn the tool
loop forces that same tool for its first round: the 0.5B, left to itself, answered "Anna
Miller, my phone number is..." by repeating the caller's words instead of calling again. The
forced call is accepted only if it uses the caller's new line for one of the asked fields;
otherwise the caller changed the subject and the round is decoded as usual.

A tool's words may also offer a call ("A double room is free ... Shall I book it for you?",
``ToolSpec.offer``): its result is marked with the offered call, and the caller's answer goes
into that call the same way, with the offer's arguments settled and the fields it still lacks
asked. Seen with the 0.5B: offered a booking, it answered the caller's name and phone with
"I'm sorry, but I can't assist with that."
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from quickturn.llm.asked import answered_question
from quickturn.llm.guards import merge_earlier_call
from quickturn.llm.types import Message
from quickturn.tools.elicit import blank, missing_required
from quickturn.tools.grounding import ground_call, latest_caller_line
from quickturn.tools.types import ToolCall, ToolRegistry

ASKED_KEY = "asked_caller"
OFFER_KEY = "offered_call"


def mark_asked(message: Message, fields: Sequence[str]) -> Message:
    """The tool result ``message`` of a call whose missing ``fields`` the caller was asked for."""
    return _marked(message, ASKED_KEY, list(fields))


def mark_offered(message: Message, tool: str, arguments: dict[str, Any]) -> Message:
    """The tool result ``message`` whose words offer the caller a call of ``tool``."""
    return _marked(message, OFFER_KEY, {"name": tool, "arguments": arguments})


def _marked(message: Message, key: str, value: object) -> Message:
    content = message.get("content")
    try:
        body = json.loads(content) if isinstance(content, str) else None
    except json.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        body = {"result": content}
    return {**message, "content": json.dumps({**body, key: value}, ensure_ascii=False)}


@dataclass(frozen=True)
class PendingTool:
    tool: str
    fields: tuple[str, ...]
    parameters: dict[str, Any]
    offered: dict[str, Any] | None = None
    """The settled arguments of an offered call (``mark_offered``); None for an asked-about
    call, whose settled arguments are those of its earlier call in the history."""

    def known_arguments(self, history: Sequence[Message]) -> dict[str, Any]:
        """The asked-about call's arguments minus the asked fields (and blanks): settled."""
        earlier = (
            self.offered
            if self.offered is not None
            else merge_earlier_call(ToolCall("pending", self.tool, {}), history).arguments
        )
        return {k: v for k, v in earlier.items() if k not in self.fields and not blank(v)}

    def answered_by(self, call: ToolCall, history: Sequence[Message]) -> bool:
        """Whether ``call`` takes one of the asked fields from the caller's latest line."""
        if call.name != self.tool:
            return False
        latest = latest_caller_line(history)
        asked = {k: v for k, v in call.arguments.items() if k in self.fields and not blank(v)}
        if not asked:
            return False
        grounded = ground_call(self.parameters, ToolCall(call.id, call.name, asked), latest)
        unheard = {*grounded.unheard_required, *grounded.dropped}
        # A field the grounding check does not read (a date, a number) counts when it is set.
        return bool(set(asked) - unheard)


def pending_call(history: Sequence[Message], registry: ToolRegistry) -> PendingTool | None:
    """The call the caller was just asked about, if the history ends with their answer to it
    (``asked.answered_question``) and its result is marked with the fields asked, or with the
    call its words offered."""
    asked = answered_question(history)
    if asked is None:
        return None
    try:
        body = json.loads(str(asked.result.get("content") or ""))
    except json.JSONDecodeError:
        return None
    if isinstance(body, dict) and isinstance(body.get(OFFER_KEY), dict):
        return _offered(body[OFFER_KEY], registry)
    fields = body.get(ASKED_KEY) if isinstance(body, dict) else None
    if not isinstance(fields, list) or not fields:
        return None
    name = asked.name
    if not isinstance(name, str) or name not in registry:
        return None
    params = registry.spec(name).parameters
    return PendingTool(name, tuple(str(f) for f in fields), dict(params))


def _offered(offer: dict[str, Any], registry: ToolRegistry) -> PendingTool | None:
    """The offered call: its settled arguments, and the required fields it still lacks."""
    name, arguments = offer.get("name"), offer.get("arguments")
    if not isinstance(name, str) or name not in registry or not isinstance(arguments, dict):
        return None
    params = dict(registry.spec(name).parameters)
    lacking = tuple(missing_required(params, arguments))
    return PendingTool(name, lacking, params, offered=dict(arguments))
