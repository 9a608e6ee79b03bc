"""One reply as the gateway sends it: the engine's events through the repair stage, with the loop
guard's second round and ``response_format`` enforcement.

The loop guard: a small model, given a tool's result, often calls the same tool with the same
arguments again (and again). When a round holds nothing but calls that were already answered in
this conversation turn, those calls are dropped and the round is asked again with tools off
(``tool_choice`` "none") and a short system note, so the client gets words instead of a call it
would execute a second time. ``GatewayOptions.loop_guard`` (``quickturn serve --no-loop-guard``)
turns it off.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, replace

from quickturn.errors import ConfigError
from quickturn.gateway.json_reply import add_usage, json_reply
from quickturn.gateway.repair_stage import CallRules, RepairStage
from quickturn.gateway.streams import aclose_iter
from quickturn.llm.types import ChatClient, ChatRequest, Finished, LLMEvent

LOOP_NOTE = (
    "The tool results above already answer this request; do not call that tool again. "
    "Answer the user in words now."
)


@dataclass(frozen=True)
class ReplyOptions:
    repair: bool = True  # off: the engine's events go out as they are (a raw pass-through)
    loop_guard: bool = True
    json_retries: int = 1  # extra tries when an upstream's reply fails response_format

    def __post_init__(self) -> None:
        if not 0 <= self.json_retries <= 5:
            raise ConfigError("json_retries must be within 0..5")


async def reply_events(
    client: ChatClient, request: ChatRequest, options: ReplyOptions
) -> AsyncGenerator[LLMEvent, None]:
    """The events the client is sent for ``request`` (the ChatClient stream contract holds)."""
    if not options.repair:
        async for event in _passthrough(client, request):
            yield event
        return
    if request.response_format is not None and request.response_format.get("type") != "text":
        async for event in json_reply(client, request, options.json_retries):
            yield event
        return
    stage = RepairStage(CallRules.for_request(request, loop_guard=options.loop_guard))
    looped: Finished | None = None
    events = stage.run(client.stream(request))
    try:
        async for event in events:
            if isinstance(event, Finished) and stage.only_looped:
                looped = event
                break
            yield event
    finally:
        await aclose_iter(events)
    if looped is None:
        return
    retry = replace(
        request,
        messages=[*request.messages, {"role": "system", "content": LOOP_NOTE}],
        tool_choice="none",
    )
    words = RepairStage(CallRules.for_request(retry, loop_guard=False))
    events = words.run(client.stream(retry))
    try:
        async for event in events:
            if isinstance(event, Finished):
                usage = add_usage(looped.usage, event.usage)
                event = Finished(event.finish_reason, usage, event.at_s)
            yield event
    finally:
        await aclose_iter(events)


async def _passthrough(client: ChatClient, request: ChatRequest) -> AsyncGenerator[LLMEvent, None]:
    events = client.stream(request)
    try:
        async for event in events:
            yield event
    finally:
        await aclose_iter(events)
