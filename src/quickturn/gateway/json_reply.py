"""``response_format`` json_object / json_schema, enforced for every engine.

The embedded engine decodes under a JSON-schema grammar, so its reply is valid the first time;
an upstream gets ``response_format`` passed through and its reply is checked here. A reply is
read whole (JSON is for programs, not for speech, so nothing is streamed before it is checked),
a JSON value inside a Markdown fence is unwrapped, and a reply that is not valid JSON or fails
the schema is asked for again, up to ``retries`` times; then the request fails with a 502 that
says why, and nothing invalid was sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncGenerator
from typing import Any

import jsonschema

from quickturn.errors import UpstreamError
from quickturn.gateway.streams import aclose_iter
from quickturn.llm.types import ChatClient, ChatRequest, Finished, LLMEvent, TextDelta, Usage
from quickturn.tools.coerce import validation_error
from quickturn.tools.grammar import response_format_json_schema

_FENCED = re.compile(r"^\s*```[A-Za-z0-9_-]*\s*\n(.*?)\n?```\s*$", re.S)


class InvalidJSONReply(UpstreamError):
    """The engine's reply did not satisfy ``response_format`` after every retry."""


def json_problem(text: str, schema: dict[str, Any]) -> tuple[str, str | None]:
    """The JSON text to send (unfenced, as written) and what is wrong with it, if anything."""
    fenced = _FENCED.match(text)
    candidate = fenced.group(1) if fenced else text
    try:
        value = json.loads(candidate)
    except ValueError as exc:
        return text, f"not valid JSON: {exc}"
    if schema.get("type") == "object" and not isinstance(value, dict):
        return candidate, "not a JSON object"
    validator = jsonschema.Draft202012Validator(schema)
    if isinstance(value, dict):
        return candidate.strip(), validation_error(value, validator)
    return candidate.strip(), None if validator.is_valid(value) else "does not match the schema"


def add_usage(a: Usage, b: Usage) -> Usage:
    return Usage(
        a.prompt_tokens + b.prompt_tokens,
        a.completion_tokens + b.completion_tokens,
        a.cached_tokens + b.cached_tokens,
    )


async def json_reply(
    client: ChatClient, request: ChatRequest, retries: int
) -> AsyncGenerator[LLMEvent, None]:
    """The events of a reply that satisfies ``request.response_format``."""
    assert request.response_format is not None
    schema = response_format_json_schema(request.response_format)
    assert schema is not None
    usage = Usage(0, 0)
    problem: str | None = "no attempt"
    for _ in range(retries + 1):
        parts: list[str] = []
        finished: Finished | None = None
        events = client.stream(request)
        try:
            async for event in events:
                if isinstance(event, TextDelta):
                    parts.append(event.text)
                elif isinstance(event, Finished):
                    finished = event
        finally:
            await aclose_iter(events)
        if finished is None:
            raise UpstreamError("the engine's stream ended without a Finished event")
        usage = add_usage(usage, finished.usage)
        text, problem = json_problem("".join(parts), schema)
        if problem is None:
            yield TextDelta(text, finished.at_s)
            yield Finished(finished.finish_reason, usage, finished.at_s)
            return
    raise InvalidJSONReply(
        f"the reply does not satisfy response_format after {retries + 1} tries: {problem}"
    )
