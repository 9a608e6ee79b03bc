"""coerce_arguments: fixes only what the schema makes unambiguous, drops nothing."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from quickturn.errors import ToolSchemaError
from quickturn.tools.coerce import coerce_arguments, validation_error


def obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


@pytest.mark.parametrize(
    "schema, given, expected",
    [
        ({"type": "integer"}, "2", 2),
        ({"type": "integer"}, " +3 ", 3),
        ({"type": "integer"}, "2.0", 2),
        ({"type": "integer"}, "2.5", "2.5"),  # not an integer: left for validation to report
        ({"type": "integer"}, "two", "two"),
        ({"type": "integer"}, True, True),  # a bool is never an int here
        ({"type": "number"}, "2.5", 2.5),
        ({"type": "number"}, "2", 2),
        ({"type": "number"}, "1e3", 1000.0),
        ({"type": "number"}, "1e999", "1e999"),  # infinity is not a JSON number
        ({"type": "number"}, "nan", "nan"),
        ({"type": "boolean"}, "true", True),
        ({"type": "boolean"}, "FALSE", False),
        ({"type": "boolean"}, "yes", "yes"),
        ({"type": "boolean"}, 1, 1),
        ({"type": "string"}, 42, "42"),
        ({"type": "string"}, 2.5, "2.5"),
        ({"type": "string"}, False, False),
        ({"type": ["integer", "null"]}, "null", None),
        ({"type": ["string", "null"]}, "null", "null"),  # a string is already allowed
        ({"type": ["integer", "string"]}, "7", "7"),  # already valid: never changed
        ({"type": "array", "items": {"type": "string"}}, "crib", ["crib"]),
        ({"type": "array", "items": {"type": "integer"}}, "3", [3]),
        ({"type": "array", "items": {"type": "integer"}}, '[1, "2"]', [1, 2]),
        ({"type": "array"}, None, None),
        ({"type": "string", "enum": ["single", "double"]}, " Double ", "double"),
        ({"type": "string", "enum": ["a", "A"]}, "a ", "a "),  # ambiguous by case: unchanged
        ({"enum": [1, 2, 3]}, 2, 2),
        ({"type": "integer", "enum": [1, 2, 3]}, "2", 2),
        ({"anyOf": [{"type": "integer"}, {"type": "boolean"}]}, "3", 3),
        ({"anyOf": [{"type": "integer"}, {"type": "number"}]}, "3", 3),  # both agree on 3
        (
            {"anyOf": [{"type": "integer"}, {"type": "array", "items": {"type": "string"}}]},
            "3",
            "3",  # 3 or ["3"]: a guess, so unchanged
        ),
        ({"oneOf": [{"type": "integer"}, {"type": "string"}]}, "3", "3"),  # valid as is
    ],
)
def test_value_coercion(schema: dict[str, Any], given: Any, expected: Any) -> None:
    out = coerce_arguments({"v": given}, obj(v=schema))
    assert out == {"v": expected}
    assert type(out["v"]) is type(expected)


def test_nested_objects_and_object_in_a_string() -> None:
    schema = obj(
        stay=obj(nights={"type": "integer"}, guests=obj(adults={"type": "integer"})),
        rooms={"type": "array", "items": obj(floor={"type": "integer"})},
    )
    given = {"stay": '{"nights": "2", "guests": {"adults": "3"}}', "rooms": [{"floor": "4"}]}
    assert coerce_arguments(given, schema) == {
        "stay": {"nights": 2, "guests": {"adults": 3}},
        "rooms": [{"floor": 4}],
    }


def test_unknown_keys_are_kept_and_input_is_not_mutated() -> None:
    given = {"nights": "2", "mood": "happy", "tags": ["a"]}
    schema = obj(nights={"type": "integer"})
    out = coerce_arguments(given, schema)
    assert out == {"nights": 2, "mood": "happy", "tags": ["a"]}
    assert given == {"nights": "2", "mood": "happy", "tags": ["a"]}


def test_additional_properties_schema_is_used_for_extra_keys() -> None:
    schema = {"type": "object", "additionalProperties": {"type": "integer"}}
    assert coerce_arguments({"a": "1", "b": "x"}, schema) == {"a": 1, "b": "x"}


def test_bad_inputs_raise_clear_errors() -> None:
    with pytest.raises(TypeError, match="must be a dict"):
        coerce_arguments(["x"], obj())  # type: ignore[arg-type]
    with pytest.raises(ToolSchemaError, match="must be an object"):
        coerce_arguments({}, "integer")  # type: ignore[arg-type]


def test_validation_error_names_the_path() -> None:
    schema = obj(stay=obj(nights={"type": "integer", "minimum": 1}))
    validator = jsonschema.Draft202012Validator(schema)
    assert validation_error({"stay": {"nights": 2}}, validator) is None
    message = validation_error({"stay": {"nights": 0}}, validator)
    assert message is not None and message.startswith("stay/nights:")
