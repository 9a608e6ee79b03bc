"""``desk_tool``: ``@tool`` for the hotel's per-conversation closures, with the schema built once.

Every conversation gets its own database copy, so its tools are closures over that connection
(``hotel_tools(conn)``). Building a tool's pydantic model and schema costs milliseconds (~6 ms
here), which for 40 tools and one fresh set per conversation (every eval scenario, every test)
adds up; the schema depends only on the function's signature and docstring, which are the same
for every closure of one ``def``. So the first closure's schema is kept, keyed by the function's
code object, and later closures only swap in their own function.

Defaults are dropped from the schema the model sees: they are the tool's business ("pass only the
arguments you know", says the prompt) and each one costs prompt tokens.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from types import CodeType
from typing import Any

from quickturn.tools.function_tool import FunctionTool, function_tool
from quickturn.tools.types import OfferNext, ReadBack, SpokenResult

# A memo, not state: bounded by the number of tool definitions in this package (about 40), like
# the validator cache in ``quickturn.tools.types``. A race builds one schema twice, harmlessly.
_TEMPLATES: dict[CodeType, FunctionTool] = {}


def desk_tool(
    fn: Callable[..., Any],
    confirm: ReadBack | None = None,
    say: SpokenResult | None = None,
    offer: OfferNext | None = None,
) -> FunctionTool:
    """``fn`` as a FunctionTool; its schema is built on the first call for this ``def``.
    ``confirm``/``say``/``offer``: see ``ToolSpec`` (the read-back before it runs, its words
    after, the call those words offer next)."""
    template = _TEMPLATES.get(fn.__code__)
    if template is None:
        built = function_tool(fn)
        # The template holds no function, so it never keeps a conversation's connection alive.
        template = dataclasses.replace(
            built, fn=_unbound, parameters=_without_defaults(built.parameters)
        )
        _TEMPLATES[fn.__code__] = template
    return dataclasses.replace(template, fn=fn, confirm=confirm, say=say, offer=offer)


def _unbound(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a tool template is never called; desk_tool binds a function first")


def _without_defaults(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_without_defaults(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "default":
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _without_defaults(sub) for name, sub in value.items()}
        else:
            out[key] = _without_defaults(value)
    return out
