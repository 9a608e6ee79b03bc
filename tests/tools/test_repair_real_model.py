"""The repair parser and the call grammar on the real bundled model (Qwen2.5-Coder-0.5B).

The 0.5B model answers tool requests with plain-text JSON (no runtime turns that into
``tool_calls``); these tests check that what it really writes becomes the right calls, that
chit-chat stays text, and that the grammar from ``tool_call_json_schema`` makes every
constrained reply a valid call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from quickturn.tools.grammar import tool_call_json_schema
from quickturn.tools.repair import parse_tool_calls

from .corpus_data import HOTEL_TOOLS
from .test_repair_corpus import stream

pytestmark = pytest.mark.slow

SYSTEM = (
    "You are the voice receptionist of Hotel Quickturn. Today is 2025-03-10. "
    "Use the tools to answer; keep replies short."
)


@pytest.fixture(scope="module")
def llm(qwen_path: Path) -> Any:
    llama_cpp = pytest.importorskip("llama_cpp")
    # One Llama object: the system prompt + tools prefix is prefilled once and reused.
    return llama_cpp.Llama(str(qwen_path), n_ctx=2048, n_threads=2, verbose=False)


def reply(llm: Any, user: str, *, grammar: Any = None, max_tokens: int = 120) -> str:
    out = llm.create_chat_completion(
        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}],
        tools=HOTEL_TOOLS,
        max_tokens=max_tokens,
        temperature=0.0,
        grammar=grammar,
    )
    text: str = out["choices"][0]["message"]["content"] or ""
    return text


TOOL_REQUESTS = [
    ("Do you have a double room from March 14 to March 16 for two people?", "check_availability"),
    ("Please cancel booking AB12CD, my flight was cancelled.", "cancel_booking"),
    ("Can you look up my booking? The code is HX42QZ.", "get_booking"),
]


def test_free_text_calls_are_repaired_and_chit_chat_stays_text(llm: Any) -> None:
    hits = 0
    for user, tool in TOOL_REQUESTS:
        text = reply(llm, user)
        result = parse_tool_calls(text, HOTEL_TOOLS)
        assert stream(list(text), HOTEL_TOOLS) == result
        if [c.name for c in result.calls] == [tool] and result.notes[0].valid:
            hits += 1
            assert result.content == ""  # no JSON left over to be spoken
    # The 0.5B model sometimes invents a tool name (it wrote "lookup_booking" for a code that
    # get_booking and cancel_booking both take); that one must stay text, not become a guess.
    assert hits >= 2

    chat = reply(llm, "Hi there, how are you today?", max_tokens=40)
    result = parse_tool_calls(chat, HOTEL_TOOLS)
    assert result.calls == () and result.content == chat.strip() and chat.strip()


@pytest.mark.parametrize(
    "user, forced, expected",
    [
        ("Please cancel booking AB12CD, my flight was cancelled.", None, "cancel_booking"),
        ("How much are three nights in a suite?", "quote_price", "quote_price"),
    ],
)
def test_grammar_constrained_reply_is_one_valid_call(
    llm: Any, user: str, forced: str | None, expected: str
) -> None:
    llama_cpp = pytest.importorskip("llama_cpp")
    schema = tool_call_json_schema(HOTEL_TOOLS, forced=forced)
    grammar = llama_cpp.LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    text = reply(llm, user, grammar=grammar)
    assert json.loads(text)["name"] == expected  # the grammar itself yields strict JSON
    result = parse_tool_calls(text, HOTEL_TOOLS)
    assert [c.name for c in result.calls] == [expected]
    assert result.notes[0].valid, result.notes[0].notes
    assert result.content == ""
