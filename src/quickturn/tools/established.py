"""Facts the call has already established: values the agent's own tools returned earlier.

A caller who has just booked and then asks for a late checkout does not expect to be asked for
the confirmation code the agent read out a minute ago; a receptionist would use it. Seen with the
0.5B in the demo: right after ``create_booking`` returned ``booking_code: "8S8TRK"``, it called
``request_late_checkout(booking_code="6-character code")`` (the field's description, copied),
and the agent asked "May I have the confirmation code?".

So before a call's caller's facts are checked against what the caller said, a caller's fact that
is blank, a copy of its own description, or never heard is taken from the conversation's earlier
tool results, where exactly one value was returned under the same name (a result nested one
level, ``{"booking": {"booking_code": ...}}``, counts). Two different values (two bookings
found by name) are ambiguous: the caller is asked, as before. Only results that worked count
(no ``error``, not a call still waiting for the caller's yes), and only caller's facts
(``grounding.is_callers_fact``: codes, names, phone numbers; not dates, times or choices, which
are the caller's new request). Nothing here knows any agent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from quickturn.tools.elicit import blank
from quickturn.tools.grounding import ground_call, is_callers_fact, latest_caller_line
from quickturn.tools.types import ToolCall

_SCALAR = (str, int, float)


def established_values(history: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Each name's distinct values in the successful tool results of ``history``, in order."""
    found: dict[str, list[str]] = {}
    for message in history:
        if message.get("role") != "tool":
            continue
        body = _json_object(message.get("content"))
        if body is None or "error" in body or body.get("awaiting_confirmation") is True:
            continue
        for key, value in _scalars(body):
            seen = found.setdefault(key, [])
            if value not in seen:
                seen.append(value)
    return found


def fill_established(
    parameters: Mapping[str, Any], call: ToolCall, history: Sequence[Mapping[str, Any]], heard: str
) -> tuple[ToolCall, str]:
    """``call`` with its unknown caller's facts taken from ``history``'s tool results, and the
    established values it used (to be counted as heard: they are the conversation's own)."""
    props: Mapping[str, Any] = parameters.get("properties", {})
    grounded = ground_call(parameters, call, heard)
    invented = {*grounded.unheard_required, *grounded.dropped}
    values: dict[str, list[str]] | None = None
    filled = dict(call.arguments)
    used: list[str] = []
    for name, schema in props.items():
        if not isinstance(schema, Mapping) or not is_callers_fact(name, schema):
            continue
        value = filled.get(name)
        if not (blank(value) or name in invented or _echoes_description(schema, value)):
            continue
        if blank(value) and name not in parameters.get("required", []):
            continue  # an optional fact the model left out stays out
        values = established_values(history) if values is None else values
        known = values.get(name, [])
        if len(known) == 1:
            filled[name] = known[0]
            used.append(known[0])
    if not used:
        return call, ""
    return replace(call, arguments=filled), "\n".join(used)


def settled_facts(
    parameters: Mapping[str, Any], history: Sequence[Mapping[str, Any]]
) -> dict[str, str]:
    """The required caller's facts of a tool (string fields) that the call has established
    beyond doubt, to be written into a call before the model decodes the rest
    (``ChatRequest.known_arguments``): asked for a late checkout right after a booking, the 0.5B
    spent half its round writing ``"booking_code": "6-character code"``, which
    ``fill_established`` then replaced. A field the caller's latest line may be giving anew (it
    names the field's last word: "the code is...", "my phone is...") is left to the model."""
    props: Mapping[str, Any] = parameters.get("properties", {})
    latest = latest_caller_line(history).lower()
    out: dict[str, str] = {}
    values: dict[str, list[str]] | None = None
    for name in parameters.get("required", []):
        schema = props.get(name)
        if not isinstance(schema, Mapping) or schema.get("type") != "string":
            continue
        if not is_callers_fact(name, schema) or name.rsplit("_", 1)[-1] in latest:
            continue
        values = established_values(history) if values is None else values
        known = values.get(name, [])
        if len(known) == 1:
            out[name] = known[0]
    return out


def _echoes_description(schema: Mapping[str, Any], value: object) -> bool:
    """A value that is the field's own description ("6-character code"): a small model's
    placeholder, not a fact."""
    description = schema.get("description")
    return (
        isinstance(value, str)
        and isinstance(description, str)
        and value.strip().lower() == description.strip().lower()
    )


def _json_object(content: object) -> dict[str, Any] | None:
    if not isinstance(content, str) or not content.lstrip().startswith("{"):
        return None
    try:
        body = json.loads(content)
    except json.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None


def _scalars(body: Mapping[str, Any], depth: int = 0) -> Iterable[tuple[str, str]]:
    for key, value in body.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, _SCALAR) and str(value).strip():
            yield key, str(value)
        elif isinstance(value, Mapping) and depth == 0:
            yield from _scalars(value, depth + 1)
