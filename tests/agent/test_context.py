"""The bounded chat context: recent turns verbatim, older ones as an extractive summary."""

from __future__ import annotations

import json

import pytest

from quickturn.errors import ConfigError
from quickturn.llm.context import ChatContext, ContextOptions, approx_tokens


def booking_turn(i: int) -> list[dict[str, object]]:
    call = {
        "id": f"c{i}",
        "type": "function",
        "function": {"name": "create_booking", "arguments": json.dumps({"guest": f"Guest {i}"})},
    }
    result = {"booking_code": f"HB-{1000 + i}", "guest_name": f"Guest {i}",
              "check_in": "2026-12-0" + str(i % 9 + 1), "internal_rate_plan": "BAR-7"}
    return [
        {"role": "user", "content": f"Please book a room for Guest {i}. " + "blah " * 30},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": f"c{i}", "content": json.dumps(result)},
        {"role": "assistant", "content": f"Booked. Your code is HB-{1000 + i}. Anything else?"},
    ]


def test_context_stays_bounded_and_keeps_key_facts() -> None:
    ctx = ChatContext("You are a front desk.", ContextOptions(max_tokens=600, max_turns=3))
    for i in range(8):
        ctx.extend(booking_turn(i))
    view = ctx.messages()
    assert ctx.token_count() <= 600
    assert view[0] == {"role": "system", "content": "You are a front desk."}  # prefix intact
    summary = view[1]["content"]
    # The newest turn is verbatim; the oldest live on in the summary as facts.
    assert view[-1]["content"].startswith("Booked. Your code is HB-1007")
    assert view[1]["role"] == "system" and summary.startswith("Earlier in this call")
    assert "booking_code=HB-1000" in summary and "guest_name=Guest 0" in summary
    assert "internal_rate_plan" not in summary  # not a key fact
    assert len(ctx.history) == 32  # nothing is lost from the full record


def test_tool_calls_never_separated_from_results() -> None:
    ctx = ChatContext("sys", ContextOptions(max_tokens=300, max_turns=2, summary_tokens=50))
    for i in range(5):
        ctx.extend(booking_turn(i))
    view = ctx.messages()[2:]
    assert view[0]["role"] == "user"  # the window starts at a turn boundary
    ids = {c["id"] for m in view for c in m.get("tool_calls") or []}
    answered = {m["tool_call_id"] for m in view if m["role"] == "tool"}
    assert ids == answered and ids


def test_single_huge_turn_stays_whole() -> None:
    ctx = ChatContext("sys", ContextOptions(max_tokens=100, max_turns=4, summary_tokens=20))
    ctx.extend(booking_turn(1))
    roles = [m["role"] for m in ctx.messages()]
    assert roles == ["system", "user", "assistant", "tool", "assistant"]
    assert approx_tokens({"role": "user", "content": "x" * 40}) == 14


def test_bad_input_is_refused_clearly() -> None:
    with pytest.raises(ConfigError, match="system prompt"):
        ChatContext("  ")
    with pytest.raises(ConfigError, match="max_turns"):
        ContextOptions(max_turns=0)
    ctx = ChatContext("sys")
    with pytest.raises(ConfigError, match="role 'system'"):
        ctx.add({"role": "system", "content": "x"})
    assert ctx.history == []


def test_earlier_turns_keep_their_words_and_lose_their_tool_traffic() -> None:
    from quickturn.llm.context import spoken_past

    call = {"id": "c1", "type": "function", "function": {"name": "book", "arguments": "{}"}}
    said = [
        {"role": "system", "content": "You are the desk."},
        {"role": "user", "content": "Book it."},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": '{"code": "AB1"}'},
        {"role": "assistant", "content": "Booked, code AB1."},
        {"role": "user", "content": "Thanks. When is checkout?"},
        {"role": "assistant", "content": None, "tool_calls": [{**call, "id": "c2"}]},
        {"role": "tool", "tool_call_id": "c2", "content": '{"policy": "11 am"}'},
    ]
    seen = spoken_past(said)
    assert seen == [said[0], said[1], said[4], *said[5:]]  # the current turn stays whole
    # A turn whose tools ran but whose answer was never said keeps its calls: the world changed.
    unsaid = [*said[:4], *said[5:]]
    assert spoken_past(unsaid) == unsaid
    one_turn = said[:3]
    assert spoken_past(one_turn) == one_turn and spoken_past(one_turn) is not one_turn  # a copy


def test_an_agent_that_reads_since_entry_sees_its_own_part_of_the_call() -> None:
    from quickturn.llm.context import since_entry

    system = {"role": "system", "content": "You change bookings."}
    early = [
        {"role": "assistant", "content": "Harbor Light, how can I help?"},
        {"role": "user", "content": "Book a double."},
        {"role": "assistant", "content": "Booked, code AB12CD."},
        {"role": "user", "content": "Thanks."},
        {"role": "assistant", "content": "You're welcome."},
    ]
    entry = [
        {"role": "user", "content": "Can I check out late?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c9", "type": "function",
         "function": {"name": "start_change", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c9", "content": "Transferred to change."},
    ]
    history = [system, *early, *entry]
    # The exchange before the hand-over's line stays; earlier turns go.
    assert since_entry(history) == [system, *early[3:], *entry]
    assert since_entry(history, exchanges_before=0) == [system, *entry]
    later = [*history, {"role": "assistant", "content": "Which time?"},
             {"role": "user", "content": "One pm."}]
    assert since_entry(later) == [system, *early[3:], *later[len(history) - len(entry):]]
    no_handoff = [system, *early]
    assert since_entry(no_handoff) == no_handoff
