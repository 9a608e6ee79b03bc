"""The call walker: what the union of tool schemas allows and forces, character by character."""

from __future__ import annotations

import json

import pytest

from quickturn.llm.call_walker import CallWalker, WalkState

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_rates",
            "parameters": {
                "type": "object",
                "properties": {
                    "check_in": {"type": "string"},
                    "room_type": {"type": "string", "enum": ["double", "deluxe", "suite"]},
                    "guests": {"type": "integer"},
                    "late": {"type": "boolean"},
                },
                "required": ["check_in"],
            },
        },
    },
    {"type": "function", "function": {"name": "get_room_types", "parameters": {}}},
    {
        "type": "function",
        "function": {
            "name": "note",
            "parameters": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "extra": {},
                    "where": {"type": "object", "properties": {"x": {"type": "number"}}},
                },
            },
        },
    },
]


@pytest.fixture
def walker() -> CallWalker:
    return CallWalker(TOOLS)


def walk(walker: CallWalker, text: str) -> WalkState | None:
    return walker.feed(walker.start(), text)


@pytest.mark.parametrize(
    "call",
    [
        {"name": "get_rates", "arguments": {"check_in": "2026-03-20", "guests": 2}},
        {"name": "get_rates", "arguments": {"room_type": "suite", "late": True, "check_in": "x"}},
        {"name": "get_room_types", "arguments": {}},
        {"name": "note", "arguments": {"text": 'say "hi"\\n', "extra": [1, {"a": "]}"}]}},
        {"name": "note", "arguments": {"where": {"x": -1.5e3}, "extra": None}},
        {"name": "get_rates", "arguments": {}},  # missing required: left to the registry
    ],
)
def test_canonical_json_of_every_valid_call_walks_to_done(walker: CallWalker, call: dict) -> None:
    state = walk(walker, json.dumps(call))
    assert state is not None and state.mode == "done"


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "book_spa"',  # not a declared tool
        '{"name": "get_rates", "arguments": {"nights": 2',  # not a property
        '{"name": "get_rates", "arguments": {"room_type": "single"',  # not in the enum
        '{"name": "get_rates", "arguments": {"guests": 2.5',  # an integer
        '{"name": "get_rates", "arguments": {"late": "yes"',  # a boolean
        '{"name": "get_rates", "arguments": {"guests": 1, "guests": 2',  # a key twice
        '{"name": "note", "arguments": {"text": "a\nb"',  # raw newline inside a string
        '{"name": "get_room_types", "arguments": {}}}',  # past the end
    ],
)
def test_text_the_schemas_do_not_allow_is_refused(walker: CallWalker, text: str) -> None:
    assert walk(walker, text) is None


def test_forced_text_covers_punctuation_keys_and_unique_names(walker: CallWalker) -> None:
    forced, state = walker.forced(walker.start())
    assert forced == '{"name": "'
    state = walker.feed(state, "get_ro")  # unique now: the rest of the name is forced
    assert state is not None
    forced, state = walker.forced(state)
    assert forced == 'om_types", "arguments": {}}'  # no properties: the object closes itself
    assert state.mode == "done"


def test_nothing_is_forced_where_the_model_chooses(walker: CallWalker) -> None:
    state = walk(walker, '{"name": "get_')  # get_rates or get_room_types
    assert state is not None
    assert walker.forced(state)[0] == "r"
    state = walk(walker, '{"name": "get_rates", "arguments": {"check_in": "2026')
    assert state is not None and walker.forced(state)[0] == ""


def test_keys_and_enum_values_complete_once_unique(walker: CallWalker) -> None:
    state = walk(walker, '{"name": "get_rates", "arguments": {"ch')
    assert state is not None
    forced, state = walker.forced(state)
    assert forced == 'eck_in": "'
    state = walker.feed(state, 'x", "room_type": "de')
    assert state is not None
    assert walker.forced(state)[0] == 'luxe"'


def test_the_last_property_closes_the_object(walker: CallWalker) -> None:
    text = '{"name": "get_rates", "arguments": {"check_in": "a", "room_type": "suite", '
    text += '"guests": 1, "late": false'
    state = walk(walker, text)
    assert state is not None
    forced, state = walker.forced(state)
    assert forced == "}}" and state.mode == "done"


def test_a_lead_before_the_call_is_forced_too(walker: CallWalker) -> None:
    assert walker.forced(walker.start("\n"))[0] == '\n{"name": "'


def test_fenced_and_pretty_printed_openings_are_walked_as_calls() -> None:
    from quickturn.llm.jump_forward import JumpForwardDecoder

    walker = CallWalker(
        [
            {
                "type": "function",
                "function": {
                    "name": "book",
                    "parameters": {"type": "object", "properties": {"n": {"type": "integer"}}},
                },
            }
        ]
    )
    decoder = JumpForwardDecoder(None, walker, lambda _: [], frozenset(), frozenset())
    # The 0.5B's own openings, token by token: a fence, then pretty-printed JSON.
    assert decoder._bare_opening("", "```") is None
    assert decoder._bare_opening("```", "```json\n") is None
    assert decoder._bare_opening("```json\n", "```json\n{\n") is not None
    assert decoder._bare_opening("", '{\n  "') is not None
    # Another fence, or prose that mentions JSON later, is left alone.
    assert decoder._bare_opening("```python\n", "```python\n{") is None
    assert decoder._bare_opening("Here is", 'Here is {"') is None


def test_a_finished_top_level_string_is_recorded_with_its_key(walker: CallWalker) -> None:
    state = walk(walker, '{"name": "note", "arguments": {"text": "say \\"hi\\"')
    assert state is not None and state.finished is None  # still open
    state = walker.step(state, '"')
    assert state is not None and state.finished == ("text", 'say \\"hi\\"')  # raw, as written
    # A string inside a nested value is not an argument of its own.
    nested = walk(walker, '{"name": "note", "arguments": {"extra": ["a"], "where": {"x": 1}')
    assert nested is not None and nested.finished is None
    # An enum choice is not a free string either; a later string replaces the record.
    rates = walk(walker, '{"name": "get_rates", "arguments": {"room_type": "suite", ')
    rates = walker.feed(rates, '"check_in": "x"') if rates is not None else None
    assert rates is not None and rates.finished == ("check_in", "x")


def _one_tool(properties: dict) -> CallWalker:
    params = {"type": "object", "properties": properties}
    return CallWalker([{"type": "function", "function": {"name": "f", "parameters": params}}])


def test_a_string_at_its_max_length_can_only_close() -> None:
    w = _one_tool({"reason": {"type": "string", "maxLength": 5}, "n": {"type": "integer"}})
    s = w.feed(w.start(), '{"name": "f", "arguments": {"reason": "bye, x')
    assert s is None  # six characters do not fit
    s = w.feed(w.start(), '{"name": "f", "arguments": {"reason": "hello')
    assert s is not None and w.step(s, "x") is None
    forced, after = w.forced(s)
    assert forced.startswith('"') and after.finished == ("reason", "hello")


def test_a_value_may_not_open_with_its_fields_description() -> None:
    w = _one_tool({
        "time": {"type": "string", "description": "HH:MM, 24-hour"},
        "name": {"type": "string", "description": "guest name"},
    })
    at_time = w.feed(w.start(), '{"name": "f", "arguments": {"time": "')
    assert at_time is not None
    assert w.echoes_description(at_time, "HH")
    assert w.echoes_description(at_time, 'HH:MM, 24-hour"')
    assert not w.echoes_description(at_time, "13")
    assert not w.echoes_description(at_time, "H")  # one character: a real value may start so
    later = w.feed(at_time, "1")
    assert later is not None and not w.echoes_description(later, "HH")  # only the first token
    at_name = w.feed(w.start(), '{"name": "f", "arguments": {"name": "')
    assert at_name is not None
    assert not w.echoes_description(at_name, "Gu")  # case counts: "Gus" is a name
    assert w.echoes_description(at_name, "guest")
