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
            plain, _ = await client._complete(tokens, client._params(request))
            jumped, done = await client._complete(tokens, client._params(request, walker=walker))
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
