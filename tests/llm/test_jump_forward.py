"""Jump-forward decoding on the real bundled model: same calls as plain greedy, fewer samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from quickturn.assets import ModelPaths
from quickturn.llm.call_walker import CallWalker
from quickturn.llm.embedded_client import EmbeddedChatClient, EmbeddedOptions
from quickturn.llm.types import ChatRequest

from .test_embedded_engine import BOOKING_TOOLS

pytestmark = pytest.mark.slow

# The first writes a bare JSON call here, the second plain words (fenced, pretty-printed calls
# are not constrained: nothing to compare there).
PROMPTS = ["What is your cancellation policy?", "Hi! How are you today?"]


def _is_valid_call(walker: CallWalker, text: str) -> bool:
    body = text.strip().removeprefix("<tool_call>").removesuffix("</tool_call>").strip()
    state = walker.feed(walker.start(), body)
    return state is not None and state.mode == "done"


async def test_jump_forward_writes_the_calls_plain_greedy_writes(
    qwen_path: Path, tmp_path: Path
) -> None:
    client = await EmbeddedChatClient.create(
        EmbeddedOptions(model_path=qwen_path, n_ctx=2048, persist_prefixes=False),
        ModelPaths(tmp_path),
    )
    walker = CallWalker(BOOKING_TOOLS)
    compared = forced_total = 0
    try:
        for prompt in PROMPTS:
            request = ChatRequest(
                messages=[
                    {"role": "system", "content": "You are a hotel assistant. Use the tools."},
                    {"role": "user", "content": prompt},
                ],
                tools=BOOKING_TOOLS,
                max_tokens=80,
            )
            tokens, _ = await client.prompt_tokens(request)
            plain, _ = await client._complete(tokens, client._params(request), 0)
            jumped, done = await client._complete(tokens, client._params(request, walker=walker), 0)
            if _is_valid_call(walker, plain):
                compared += 1
                forced_total += done.result.forced_tokens
                assert jumped == plain, prompt
                # Forced tokens were evaluated in batches, not sampled one by one.
                assert done.result.forced_tokens > 0
            elif "{" not in plain:
                assert jumped == plain  # no call: nothing is constrained
    finally:
        await client.aclose()
    assert compared >= 1
    assert forced_total >= 6


CALLER_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "book_room",
            "description": "Book a room for the caller.",
            "parameters": {
                "type": "object",
                "properties": {
                    "room_type": {"type": "string", "enum": ["double", "suite"]},
                    "check_in": {"type": "string", "description": "YYYY-MM-DD"},
                    "guest_name": {"type": "string", "description": "guest's full name"},
                    "phone": {"type": "string", "description": "guest's phone number"},
                },
                "required": ["room_type", "check_in", "guest_name", "phone"],
            },
        },
    }
]


async def _forced_call(client: EmbeddedChatClient, request: ChatRequest) -> tuple[dict, int]:
    from quickturn.llm.types import Finished, ToolCallEvent

    args: dict = {}
    tokens = 0
    async for ev in client.stream(request):
        if isinstance(ev, ToolCallEvent):
            args = ev.call.arguments
        elif isinstance(ev, Finished):
            tokens = ev.usage.completion_tokens
    return args, tokens


async def test_a_call_ends_at_the_first_callers_value_nobody_said(
    qwen_path: Path, tmp_path: Path
) -> None:
    from dataclasses import replace

    client = await EmbeddedChatClient.create(
        EmbeddedOptions(model_path=qwen_path, n_ctx=2048, persist_prefixes=False),
        ModelPaths(tmp_path),
    )

    def request(line: str) -> ChatRequest:
        return ChatRequest(
            messages=[
                {"role": "system", "content": "You are a hotel assistant. Use the tools."},
                {"role": "user", "content": line},
            ],
            tools=CALLER_TOOLS,
            tool_choice={"type": "function", "function": {"name": "book_room"}},
            max_tokens=80,
        )

    try:
        unsaid = request("Book a double room from 2027-03-20.")
        whole, whole_tokens = await _forced_call(client, unsaid)
        cut, cut_tokens = await _forced_call(client, replace(unsaid, stop_at_unheard=True))
        said = request("Book a double room from 2027-03-20. I'm Anna Miller, phone 555 0142.")
        kept, _ = await _forced_call(client, replace(said, stop_at_unheard=True))
        plain_said, _ = await _forced_call(client, said)
    finally:
        await client.aclose()
    # Left alone, the model invents the guest (the case this is for) ...
    assert whole.get("guest_name") and "Anna" not in whole["guest_name"]
    # ... and with the check the call ends right after the invented name, as greedy wrote it.
    keys = list(whole)
    assert cut == {k: whole[k] for k in keys[: keys.index("guest_name") + 1]}
    assert "phone" not in cut and cut_tokens < whole_tokens
    # What the caller said is never cut.
    assert kept == plain_said and "Anna" in kept.get("guest_name", "")


async def test_a_call_past_its_time_closes_after_its_next_value(
    qwen_path: Path, tmp_path: Path
) -> None:
    """``close_call_by`` (the tool loop's deadline): a call still being written then keeps
    what it has up to its next complete string value, so the caller can be asked the rest."""
    import time
    from dataclasses import replace

    client = await EmbeddedChatClient.create(
        EmbeddedOptions(model_path=qwen_path, n_ctx=2048, persist_prefixes=False),
        ModelPaths(tmp_path),
    )
    request = ChatRequest(
        messages=[
            {"role": "system", "content": "You are a hotel assistant. Use the tools."},
            {"role": "user", "content": "Book a double room from 2027-03-20, I'm Anna Miller."},
        ],
        tools=CALLER_TOOLS,
        tool_choice={"type": "function", "function": {"name": "book_room"}},
        max_tokens=80,
    )
    try:
        whole, whole_tokens = await _forced_call(client, request)
        late, late_tokens = await _forced_call(
            client, replace(request, close_call_by=time.monotonic())
        )
        timely, _ = await _forced_call(
            client, replace(request, close_call_by=time.monotonic() + 600)
        )
    finally:
        await client.aclose()
    # Closed at the first string value the model chose (an enum value the schema completes
    # is not a choice): the start of greedy's own call, nothing invented after it.
    keys = list(whole)
    assert 0 < len(late) < len(whole) and late == {k: whole[k] for k in keys[: len(late)]}
    assert isinstance(late[keys[len(late) - 1]], str)
    assert late_tokens < whole_tokens and timely == whole


async def test_a_resumed_call_decodes_only_what_the_caller_was_asked(
    qwen_path: Path, tmp_path: Path
) -> None:
    import copy

    tools = copy.deepcopy(CALLER_TOOLS)
    params = tools[0]["function"]["parameters"]
    params["properties"]["email"] = {"type": "string", "description": "guest's e-mail"}
    params["properties"]["rate_plan"] = {"type": "string", "enum": ["flexible", "nonrefundable"]}
    client = await EmbeddedChatClient.create(
        EmbeddedOptions(model_path=qwen_path, n_ctx=2048, persist_prefixes=False),
        ModelPaths(tmp_path),
    )
    known = {"room_type": "double", "check_in": "2027-03-20"}
    request = ChatRequest(
        messages=[
            {"role": "system", "content": "You are a hotel assistant. Use the tools."},
            {"role": "user", "content": "Book a double room from 2027-03-20."},
            {"role": "assistant", "content": "May I have your full name and a phone number?"},
            {"role": "user", "content": "Anna Miller, 555 0142."},
        ],
        tools=tools,
        tool_choice={"type": "function", "function": {"name": "book_room"}},
        max_tokens=80,
        known_arguments=known,
        asked_arguments=("guest_name", "phone"),
    )
    try:
        args, tokens = await _forced_call(client, request)
    finally:
        await client.aclose()
    assert set(args) == {"room_type", "check_in", "guest_name", "phone"}  # nothing else
    assert {k: args[k] for k in known} == known and "Anna" in args["guest_name"]
    assert tokens <= 30


def test_a_resumed_call_also_decodes_required_fields_still_missing() -> None:
    from quickturn.llm.embedded_client import _resumed_keys

    request = ChatRequest(
        messages=[{"role": "user", "content": "Anna Miller, 555 0142."}],
        tools=CALLER_TOOLS,
        tool_choice={"type": "function", "function": {"name": "book_room"}},
        known_arguments={"room_type": "double"},
        asked_arguments=("guest_name", "phone"),
    )
    # check_in was left out of the first call and never asked: decoded now, or the resumed call
    # fails its schema again.
    assert _resumed_keys(request) == {"room_type", "guest_name", "phone", "check_in"}
