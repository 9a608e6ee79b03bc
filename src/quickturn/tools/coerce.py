"""Coerce a model's tool arguments to the types its JSON schema declares.

Small models quote numbers (``"guests": "2"``), write booleans as strings, pass one value where a
list is wanted, or send a nested object as a JSON string. ``coerce_arguments`` fixes exactly
those, and only where the schema makes the intent unambiguous:

- a value that already has an allowed type is never changed (recursing into objects/arrays);
- integer <- ``"2"``, ``"+2"``, ``"2.0"``; number <- ``"2.5"``, ``"2"``, ``"1e3"``;
- boolean <- ``"true"``/``"false"`` (any case; not "yes", "1");
- string <- a number (``2`` -> ``"2"``; never a bool);
- null <- ``"null"``/``"None"`` where null is allowed and string is not;
- array <- a JSON array in a string, else one non-null value wrapped as ``[value]``;
- object <- a JSON (or Python-literal) object in a string;
- enum: a string equal to exactly one member ignoring case and surrounding spaces;
- ``anyOf``/``oneOf``: used only if exactly one branch validates after coercion.

Nothing is dropped: keys the schema does not know are kept as they are, and a value that cannot be
coerced is returned unchanged so that validation reports it to the model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import jsonschema

from quickturn.errors import ToolSchemaError
from quickturn.tools.repair_literal import LiteralError, parse_lenient

_INT_TEXT = re.compile(r"[+-]?\d+(?:\.0*)?")
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


class _NoCoercion(Exception):
    pass


def coerce_arguments(args: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``args`` with values coerced to ``schema`` (an object schema); see module doc."""
    if not isinstance(args, dict):
        raise TypeError(f"tool arguments must be a dict, got {type(args).__name__}")
    if not isinstance(schema, dict):
        raise ToolSchemaError(f"a parameters schema must be an object, got {schema!r:.100}")
    return _coerce_object(args, schema)


def validation_error(args: dict[str, Any], validator: jsonschema.protocols.Validator) -> str | None:
    """The most relevant schema violation as ``"path: message"``, or None when ``args`` is valid."""
    try:
        error = jsonschema.exceptions.best_match(validator.iter_errors(args))
    except Exception as exc:  # noqa: BLE001
        # The tool's own schema is broken (it is not meta-checked per reply, see ToolIndex), and
        # jsonschema then raises anything from UnknownType to AttributeError or re.error.
        return f"arguments: the tool's parameters schema is unusable: {exc}"
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "arguments"
    return f"{where}: {error.message}"


def _coerce(value: Any, schema: Any) -> Any:
    if not isinstance(schema, dict):
        return value
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            return _coerce_union(value, branches)
    types = _declared_types(schema)
    if types and not any(_has_type(value, t) for t in types):
        for t in types:
            try:
                value = _CONVERTERS[t](value)
            except (_NoCoercion, KeyError):
                continue
            break
    if isinstance(value, dict):
        value = _coerce_object(value, schema)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        value = [_coerce(v, schema["items"]) for v in value]
    enum = schema.get("enum")
    if isinstance(enum, list):
        value = _coerce_enum(value, enum)
    return value


def _coerce_object(value: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    props = schema.get("properties")
    props = props if isinstance(props, dict) else {}
    extra = schema.get("additionalProperties")
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in props:
            out[key] = _coerce(item, props[key])
        elif isinstance(extra, dict):
            out[key] = _coerce(item, extra)
        else:
            out[key] = item
    return out


def _coerce_union(value: Any, branches: list[Any]) -> Any:
    dict_branches = [b for b in branches if isinstance(b, dict)]
    if any(_is_valid(value, b) for b in dict_branches):
        return value
    fits = []
    for branch in dict_branches:
        candidate = _coerce(value, branch)
        if _is_valid(candidate, branch) and candidate not in fits:
            fits.append(candidate)
    return fits[0] if len(fits) == 1 else value


def _is_valid(value: Any, schema: dict[str, Any]) -> bool:
    try:
        return bool(jsonschema.Draft202012Validator(schema).is_valid(value))
    except Exception:  # noqa: BLE001  a broken branch schema (see validation_error) fits nothing
        return False


def _coerce_enum(value: Any, enum: list[Any]) -> Any:
    if value in enum or not isinstance(value, str):
        return value
    wanted = value.strip().lower()
    matches = [e for e in enum if isinstance(e, str) and e.lower() == wanted]
    return matches[0] if len(matches) == 1 else value


def _declared_types(schema: dict[str, Any]) -> list[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    if isinstance(schema.get("properties"), dict):
        return ["object"]
    return []


def _has_type(value: Any, type_name: str) -> bool:
    if type_name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if type_name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    python_type = _PYTHON_TYPES.get(type_name)
    if python_type is None:
        return True  # an unknown type name: leave the value to the validator
    return isinstance(value, python_type)


_PYTHON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "boolean": bool,
    "array": list,
    "object": dict,
    "null": type(None),
}


def _to_integer(value: Any) -> int:
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(float(value)) if "." in value else int(value)
    raise _NoCoercion


def _to_number(value: Any) -> int | float:
    if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value.strip()):
        text = value.strip()
        if any(c in text for c in ".eE"):
            number = float(text)
            if math.isfinite(number):
                return number
            raise _NoCoercion
        return int(text)
    raise _NoCoercion


def _to_boolean(value: Any) -> bool:
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _NoCoercion


def _to_string(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _NoCoercion


def _to_null(value: Any) -> None:
    if isinstance(value, str) and value.strip() in ("null", "None"):
        return None
    raise _NoCoercion


def _to_array(value: Any) -> list[Any]:
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            parsed = parse_lenient(value)
        except LiteralError:
            parsed = None
        if isinstance(parsed, list):
            return parsed
    if value is None:
        raise _NoCoercion
    return [value]


def _to_object(value: Any) -> dict[str, Any]:
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            parsed = parse_lenient(value)
        except LiteralError:
            raise _NoCoercion from None
        if isinstance(parsed, dict):
            return parsed
    raise _NoCoercion


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "integer": _to_integer,
    "number": _to_number,
    "boolean": _to_boolean,
    "string": _to_string,
    "null": _to_null,
    "array": _to_array,
    "object": _to_object,
}
