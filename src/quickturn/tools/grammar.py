"""The JSON schema of exactly one tool call, for grammar-constrained decoding.

With ``tool_choice`` "required" or a named tool, the engine constrains sampling so the model can
only write ``{"name": <a declared tool>, "arguments": <that tool's parameters>}``; llama.cpp turns
this schema into a GBNF grammar (``llama_cpp.LlamaGrammar.from_json_schema``). The output is
then parsed by ``parse_tool_calls`` like any other JSON call.

The schema keeps ``name`` before ``arguments`` (grammar converters emit properties in order), so
the model commits to the tool first and the arguments branch is chosen by the name's ``const``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from quickturn.errors import ToolSchemaError
from quickturn.tools.repair_names import read_tool

_EMPTY_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}


def tool_call_json_schema(
    tools: Sequence[dict[str, Any]], forced: str | None = None
) -> dict[str, Any]:
    """A schema for one call of one of ``tools`` (OpenAI tool dicts), or of ``forced`` only.

    Raises ToolSchemaError for no tools, a malformed or duplicate tool, or a ``forced`` name
    that is not declared. Like the repair parser it checks the shape of each tool only: this
    runs per request, and meta-checking 40 parameter schemas costs ~0.4 s here; that check
    belongs where tools enter (``validate_tool_schema``), and a schema that is broken anyway
    fails in the grammar converter.
    """
    branches: dict[str, dict[str, Any]] = {}
    for tool in tools:
        name, parameters = read_tool(tool)
        if name in branches:
            raise ToolSchemaError(f"duplicate tool name {name!r}")
        branches[name] = _call_schema(name, parameters)
    if not branches:
        raise ToolSchemaError("a tool-call grammar needs at least one tool")
    if forced is not None:
        if forced not in branches:
            raise ToolSchemaError(f"tool_choice names {forced!r}, which is not a declared tool")
        return branches[forced]
    if len(branches) == 1:
        return next(iter(branches.values()))
    return {"anyOf": list(branches.values())}


def _call_schema(name: str, parameters: dict[str, Any]) -> dict[str, Any]:
    # Copied so the caller's tool dicts are never aliased into (and mutated through) the result.
    arguments = copy.deepcopy(parameters or _EMPTY_PARAMETERS)
    arguments.setdefault("type", "object")
    return {
        "type": "object",
        "properties": {"name": {"const": name}, "arguments": arguments},
        "required": ["name", "arguments"],
        "additionalProperties": False,
    }


def response_format_json_schema(response_format: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema an OpenAI ``response_format`` asks the reply to match, or None for
    ``{"type": "text"}``. ``json_object`` is any JSON object. Raises ToolSchemaError for a
    malformed ``response_format`` (the gateway checks it at the edge with a 400)."""
    kind = response_format.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "object"}
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not isinstance(schema, dict):
            raise ToolSchemaError(
                "response_format json_schema needs json_schema.schema (an object)"
            )
        return copy.deepcopy(schema)
    raise ToolSchemaError(
        f"response_format type {kind!r} is not supported (use text, json_object or json_schema)"
    )
