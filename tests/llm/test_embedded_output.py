"""The embedded engine's calls carry ids that never repeat within a conversation."""

from __future__ import annotations

from quickturn.llm.embedded_output import OutputShaper, parse_forced
from quickturn.llm.types import ChatRequest, ToolCallEvent

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "book",
            "description": "Book.",
            "parameters": {
                "type": "object",
                "properties": {"nights": {"type": "integer"}},
                "required": ["nights"],
            },
        },
    }
]
REQUEST = ChatRequest(messages=[{"role": "user", "content": "hi"}], tools=TOOLS)
CALL = '<tool_call>\n{"name": "book", "arguments": {"nights": 2}}\n</tool_call>'


def test_every_parsed_call_gets_its_own_id() -> None:
    # The tool loop finds a call's result by id over the whole conversation: with every reply's
    # first call named call_0, a resumed booking took the router's hand-over as its result.
    ids = []
    for _ in range(2):
        shaper = OutputShaper(REQUEST)
        events = shaper.feed(CALL, 0.0) + shaper.finish(0.0)
        ids += [e.call.id for e in events if isinstance(e, ToolCallEvent)]
    forced = [parse_forced(CALL.removesuffix("\n</tool_call>"), REQUEST, "book") for _ in range(2)]
    ids += [c.id for c in forced if c is not None]
    assert len(ids) == 4 and len(set(ids)) == 4
    assert all(i.startswith("call_") and len(i) >= 16 for i in ids)


def test_a_forced_call_lacking_a_required_argument_goes_to_the_tool_loop_only() -> None:
    # The tool loop asks the caller for what is missing (stop_at_unheard); any other client
    # (the gateway's) gets no half call: the engine decodes again under the grammar.
    empty = '<tool_call>\n{"name": "book", "arguments": {}}'
    loop = ChatRequest(messages=REQUEST.messages, tools=TOOLS, stop_at_unheard=True)
    call = parse_forced(empty, loop, "book")
    assert call is not None and call.arguments == {}
    assert parse_forced(empty, REQUEST, "book") is None
    wrong = '<tool_call>\n{"name": "book", "arguments": {"nights": "two"}}'
    assert parse_forced(wrong, loop, "book") is None  # a wrong type is never passed on
