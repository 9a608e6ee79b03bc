"""`quickturn serve` over the embedded engine, started cold: a long prefix (system prompt + tools)
that an earlier process saved is loaded from disk on the first request, not prefilled again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openai import AsyncOpenAI

from quickturn.assets import ModelPaths
from quickturn.llm.embedded_client import (
    MIN_STORED_PREFIX_TOKENS,
    EmbeddedChatClient,
    EmbeddedOptions,
)

from .conftest import serve_client

pytestmark = pytest.mark.slow

# Long enough to be stored (MIN_STORED_PREFIX_TOKENS), short enough to prefill in seconds.
SYSTEM = "You are the front desk of the Harbour Hotel. Be brief. " + " ".join(
    f"Room {n} faces the {'sea' if n % 2 else 'garden'}." for n in range(100, 130)
)


async def ask(engine: EmbeddedChatClient) -> tuple[str, Any]:
    async with serve_client(engine, label="embedded") as url:
        api = AsyncOpenAI(base_url=url, api_key="x", max_retries=0, timeout=300)
        reply = await api.chat.completions.create(
            model="quickturn",
            temperature=0,
            max_tokens=12,
            messages=[
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": "Which way does room 101 face?"},
            ],
        )
        await api.close()
    return reply.choices[0].message.content or "", reply.usage


async def test_a_cold_server_loads_the_saved_prefix_instead_of_prefilling(
    qwen_path: Path, tmp_path: Path
) -> None:
    paths = ModelPaths(tmp_path)
    options = EmbeddedOptions(model_path=qwen_path, n_ctx=2048, repair_calls=False)

    first = await EmbeddedChatClient.create(options, paths)
    try:
        text_a, usage_a = await ask(first)  # never warm()-ed, as `quickturn serve` runs it
        prefix_tokens = len(next(iter(first._prefix_tokens.values())))
    finally:
        await first.aclose()
    assert prefix_tokens >= MIN_STORED_PREFIX_TOKENS
    assert usage_a.prompt_tokens_details.cached_tokens < prefix_tokens  # prefilled here
    assert len(list((tmp_path / "kv").glob("*.kv"))) == 1  # saved by the request itself

    second = await EmbeddedChatClient.create(options, paths)  # a new process, started cold
    try:
        text_b, usage_b = await ask(second)
    finally:
        await second.aclose()
    # The whole prefix came from disk: only the caller's turn (and one re-run token) was
    # computed, and the reply is the one the prefilled engine gave.
    assert usage_b.prompt_tokens_details.cached_tokens >= prefix_tokens - 1
    assert usage_b.prompt_tokens == usage_a.prompt_tokens
    assert text_b == text_a and text_b.strip()
