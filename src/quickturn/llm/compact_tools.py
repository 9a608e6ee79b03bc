"""Tool schemas rendered compactly for the prompt.

A full JSON schema spends most of its tokens on structure (``"type": "object"``,
``"properties"``, ``"additionalProperties": false``, the ``{"type": "function", "function":``
wrapper), and on this CPU every prompt token slows every decoded token. The compact form keeps
what a model needs to write a call: the name, the description, and per argument one short
phrase (its type, enum values, range, description, and whether it is optional):

    {"name": "get_rates", "description": "Nightly rates for a room type",
     "parameters": {"check_in": "YYYY-MM-DD", "guests": "integer 1-4, optional"}}

It is still one JSON object per tool, so the model's own chat template renders it where it
expects tools. Validation is unaffected: the engine and the registry keep the full schemas.
"""

from __future__ import annotations

from typing import Any


def compact_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """The compact form of one OpenAI tool dict (``{"type": "function", "function": ...}``)."""
    fn = tool.get("function", tool)
    out: dict[str, Any] = {"name": fn.get("name", "")}
    if fn.get("description"):
        out["description"] = fn["description"]
    params = fn.get("parameters") or {}
    props = params.get("properties") or {}
    if props:
        out["parameters"] = _compact_properties(props, params.get("required") or [])
    return out


def compact_tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [compact_tool(t) for t in tools]


def _compact_properties(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, schema in props.items():
        phrase = _describe(schema if isinstance(schema, dict) else {})
        if isinstance(phrase, str) and name not in required:
            phrase += ", optional"
        out[name] = phrase
    return out


def _describe(schema: dict[str, Any]) -> str | dict[str, Any]:
    """One phrase for a property; a nested object keeps its own compact properties."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = "|".join(str(k) for k in kind)
    if "enum" in schema:
        head = "|".join(_enum_value(v) for v in schema["enum"])
    elif "const" in schema:
        head = _enum_value(schema["const"])
    elif kind == "object" and schema.get("properties"):
        return _compact_properties(schema["properties"], schema.get("required") or [])
    elif kind == "array":
        items = schema.get("items")
        inner = _describe(items) if isinstance(items, dict) else "any"
        head = f"list of {inner if isinstance(inner, str) else 'objects'}"
    elif kind == "string" and schema.get("description"):
        return str(schema["description"])  # "YYYY-MM-DD" says string already
    else:
        head = str(kind or "any")
        if kind in ("integer", "number"):
            head += _range(schema)
    description = schema.get("description")
    return f"{head}: {description}" if description else head


def _enum_value(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def _range(schema: dict[str, Any]) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f" {low}-{high}"
    if low is not None:
        return f" >= {low}"
    if high is not None:
        return f" <= {high}"
    return ""
