"""Turn one parsed shape (a JSON value, a Python call, a Gemma ``call:name{...}`` body) into calls.

Each function returns None when the shape is not a call of a declared tool; the caller then
leaves the text as text. A shape that names a declared tool is always a call, even when its
arguments fail the schema after coercion: the registry reports that error to the model, which
can correct itself, whereas dropping the call would make it silently do nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from quickturn.tools.coerce import coerce_arguments, validation_error
from quickturn.tools.repair_head import ARG_KEYS as _ARG_KEYS
from quickturn.tools.repair_head import ENVELOPE_KEYS as _ENVELOPE_KEYS
from quickturn.tools.repair_head import NAME_KEYS as _NAME_KEYS
from quickturn.tools.repair_literal import LiteralError, literal_from_node, parse_lenient
from quickturn.tools.repair_names import ToolIndex


@dataclass(frozen=True)
class RawCall:
    """A recognised call before it gets its response-local id."""

    name: str
    arguments: dict[str, Any]
    valid: bool
    notes: tuple[str, ...]


def make_call(index: ToolIndex, written_name: str, name: str, args: dict[str, Any]) -> RawCall:
    """Coerce and validate ``args`` for the declared tool ``name``; note what was changed."""
    tool = index.tool(name)
    notes: list[str] = []
    if written_name != name:
        notes.append(f"name {written_name!r} mapped to {name!r}")
    coerced = coerce_arguments(args, tool.parameters)
    if coerced != args:
        changed = sorted(k for k in coerced if coerced[k] != args.get(k))
        notes.append(f"coerced arguments: {', '.join(changed)}")
    problem = validation_error(coerced, tool.validator)
    if problem is not None:
        notes.append(f"invalid arguments: {problem}")
    return RawCall(name, coerced, problem is None, tuple(notes))


def calls_from_value(value: Any, index: ToolIndex) -> list[RawCall] | None:
    """Calls from a JSON value: a call object, a non-empty list of them, or ``{"tool_calls": []}``.

    A list counts only if every element is a call (a list mixing calls and data is data).
    """
    if isinstance(value, list):
        if not value:
            return None
        calls: list[RawCall] = []
        for item in value:
            if not isinstance(item, dict):
                return None
            found = calls_from_value(item, index)
            if found is None:
                return None
            calls.extend(found)
        return calls
    if isinstance(value, dict):
        if set(value) == {"tool_calls"} and isinstance(value["tool_calls"], list):
            return calls_from_value(value["tool_calls"], index)
        call = _call_from_dict(value, index)
        return None if call is None else [call]
    return None


def _call_from_dict(obj: dict[str, Any], index: ToolIndex) -> RawCall | None:
    if obj.get("type", "function") != "function":
        return None
    inner = obj.get("function")
    if isinstance(inner, dict):
        # OpenAI wrapper {"type": "function", "id": ..., "function": {"name", "arguments"}}.
        if set(obj) - _ENVELOPE_KEYS - {"function"}:
            return None
        obj = inner
    name_key = next((k for k in _NAME_KEYS if isinstance(obj.get(k), str)), None)
    if name_key is None:
        return None
    written = obj[name_key]
    arg_keys = [k for k in _ARG_KEYS if k in obj]
    rest = [k for k in obj if k != name_key and k not in _ENVELOPE_KEYS and k not in arg_keys]
    notes: list[str] = []
    if len(arg_keys) > 1:
        return None  # "arguments" and "parameters" both given: which one is meant is a guess
    if arg_keys:
        args = _arguments_value(obj[arg_keys[0]])
        if args is None:
            return None
        if rest:
            notes.append(f"ignored keys beside the arguments: {', '.join(rest)}")
    else:
        args = {k: obj[k] for k in rest}
    name = index.resolve(written, fuzzy=True, arg_keys=args.keys())
    if name is None:
        return None
    # Every other key must be a declared parameter (the flat style {"name": "get_booking",
    # "code": "X"}, or one repeated beside the arguments); otherwise it is some other object
    # that happens to have a name, such as a tool result echoed back (repair_head: the same
    # rule decides a streamed object as soon as such a key is complete).
    if any(k not in index.tool(name).property_names for k in rest):
        return None
    call = make_call(index, written, name, args)
    return RawCall(call.name, call.arguments, call.valid, tuple(notes) + call.notes)


def _arguments_value(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return {}
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        if not raw.strip():
            return {}
        try:
            parsed = parse_lenient(raw)
        except LiteralError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def call_from_python(source: str, index: ToolIndex) -> RawCall | None:
    """A call from ``name(arg=1, other="x")`` source; literals only, read with ``ast``.

    Positional arguments map to the declared parameters in schema order (``get_booking("AB12")``).
    """
    tree = _parse_python(source)
    return None if tree is None else _call_from_node(tree.body, index)


def _parse_python(source: str) -> ast.Expression | None:
    try:
        return ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _call_from_node(node: ast.expr, index: ToolIndex) -> RawCall | None:
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        return None
    name = index.resolve(node.func.id, fuzzy=False)
    if name is None:
        return None
    declared = index.tool(name).property_names
    if len(node.args) > len(declared):
        return None
    try:
        args: dict[str, Any] = {}
        for param, arg in zip(declared, node.args, strict=False):
            args[param] = literal_from_node(arg)
        for kw in node.keywords:
            if kw.arg is None or kw.arg in args:
                return None  # **kwargs, or a parameter given twice
            args[kw.arg] = literal_from_node(kw.value)
    except LiteralError:
        return None
    return make_call(index, node.func.id, name, args)


def call_from_gemma(written: str, body: str, index: ToolIndex) -> RawCall | None:
    """A call from Gemma's ``call:name{key:value,...}``; ``body`` is the text between the braces.

    Values are ``<escape>text<escape>``, JSON strings, JSON/Python literals, nested brackets,
    or a bare word (a string, stripped).
    """
    args: dict[str, Any] = {}
    for item in _split_top_level(body):
        if not item.strip():
            continue
        key, sep, raw = item.partition(":")
        key = key.strip().strip("\"'")
        if not sep or not key or key in args:
            return None
        args[key] = _gemma_value(raw.strip())
    name = index.resolve(written, fuzzy=True, arg_keys=args.keys())
    if name is None:
        return None
    return make_call(index, written, name, args)


GEMMA_ESCAPES = ("<escape>", '<|"|>')  # Gemma 3's and Gemma 4's string quotes


def _split_top_level(body: str) -> Sequence[str]:
    items: list[str] = []
    depth = 0
    quote = ""
    start = i = 0
    while i < len(body):
        escape = next((e for e in GEMMA_ESCAPES if body.startswith(e, i)), None)
        if escape is not None:
            end = body.find(escape, i + len(escape))
            i = len(body) if end < 0 else end + len(escape)
            continue
        ch = body[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch == '"':  # not "'": bare Gemma values are prose ("guest's dog")
            quote = ch
        elif ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(body[start:i])
            start = i + 1
        i += 1
    items.append(body[start:])
    return items


def _gemma_value(raw: str) -> Any:
    for escape in GEMMA_ESCAPES:
        if raw.startswith(escape) and raw.endswith(escape) and len(raw) >= 2 * len(escape):
            return raw[len(escape) : -len(escape)]
    try:
        return parse_lenient(raw)
    except LiteralError:
        return raw
