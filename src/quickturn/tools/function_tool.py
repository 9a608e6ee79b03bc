"""``@tool``: a typed Python function (sync or async) becomes a tool the model can call.

The JSON schema comes from the signature through pydantic (type hints, defaults, ``Literal`` for
enums, nested models, ``Annotated[..., Field(...)]``), and each argument's description from the
docstring (Google, reST or NumPy style, parsed by ``docstring_parser``). Arguments are validated
and coerced by the same pydantic model before the function runs. Sync functions run in a worker
thread so a slow tool never stalls the audio loop. Any exception a tool raises becomes a
``ToolExecutionError`` whose message the model sees; it never ends the call.

    @tool
    async def book_table(ctx: ToolContext, party_size: int, time: str) -> str:
        '''Book a table.

        Args:
            party_size: How many people, 1 to 12.
            time: When, as HH:MM in 24-hour time.
        '''
"""

from __future__ import annotations

import asyncio
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, overload

import docstring_parser
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

from quickturn.errors import ToolExecutionError, ToolSchemaError
from quickturn.tools.context import DetachedContext, ToolContext
from quickturn.tools.types import OfferNext, ReadBack, SpokenResult, ToolSpec


@dataclass(frozen=True)
class FunctionTool:
    """A decorated function plus its schema; still callable as the plain function."""

    name: str
    description: str
    parameters: dict[str, Any]
    fn: Callable[..., Any]
    model: type[BaseModel]
    context_param: str | None
    confirm: ReadBack | None = None
    """See ``ToolSpec.confirm``: read the call back, run it on the caller's yes."""
    say: SpokenResult | None = None
    """See ``ToolSpec.say``: the tool's own words for its result."""
    offer: OfferNext | None = None
    """See ``ToolSpec.offer``: the call those words offer the caller next."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    async def invoke(self, arguments: dict[str, Any], context: ToolContext | None = None) -> Any:
        """Validate ``arguments`` against the signature, run the function, return its result
        as plain JSON values."""
        return jsonable(await self.run(arguments, context))

    async def run(self, arguments: dict[str, Any], context: ToolContext | None = None) -> Any:
        """Like ``invoke`` but returns what the function returned, unconverted (the voice
        session looks for an ``Agent`` to hand the call to)."""
        try:
            validated = self.model.model_validate(arguments)
        except ValidationError as exc:
            raise ToolExecutionError(describe_validation_error(exc)) from exc
        kwargs = {key: getattr(validated, key) for key in type(validated).model_fields}
        if self.context_param is not None:
            kwargs[self.context_param] = context if context is not None else DetachedContext()
        try:
            if inspect.iscoroutinefunction(self.fn):
                out = await self.fn(**kwargs)
            else:
                out = await asyncio.to_thread(self.fn, **kwargs)
        except ToolExecutionError:
            raise
        except Exception as exc:  # a tool's bug is the model's error message, not a dead call
            raise ToolExecutionError(f"{self.name} failed: {type(exc).__name__}: {exc}") from exc
        return out

    def spec(self, context: ToolContext | None = None) -> ToolSpec:
        """The registry form of this tool, bound to the context of one call."""

        async def handler(arguments: dict[str, Any]) -> Any:
            return await self.invoke(arguments, context)

        return ToolSpec(
            self.name,
            self.description,
            self.parameters,
            handler,
            self.confirm,
            self.say,
            self.offer,
        )


@overload
def tool(fn: Callable[..., Any], /) -> FunctionTool: ...


@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    confirm: ReadBack | None = None,
    say: SpokenResult | None = None,
    offer: OfferNext | None = None,
) -> Callable[[Callable[..., Any]], FunctionTool]: ...


def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    confirm: ReadBack | None = None,
    say: SpokenResult | None = None,
    offer: OfferNext | None = None,
) -> FunctionTool | Callable[[Callable[..., Any]], FunctionTool]:
    """Turn a typed function into a tool; use bare (``@tool``) or with overrides.

    ``confirm``: arguments -> a read-back question; the call runs only after the caller's yes.
    ``say``: result -> the words the caller hears, instead of the model's summary.
    ``offer``: (arguments, result) -> the call those words offer next, as (tool, arguments)."""

    def wrap(f: Callable[..., Any]) -> FunctionTool:
        return function_tool(
            f, name=name, description=description, confirm=confirm, say=say, offer=offer
        )

    return wrap(fn) if fn is not None else wrap


def function_tool(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    description: str | None = None,
    confirm: ReadBack | None = None,
    say: SpokenResult | None = None,
    offer: OfferNext | None = None,
) -> FunctionTool:
    tool_name = name or fn.__name__
    doc = docstring_parser.parse(inspect.getdoc(fn) or "")
    arg_docs = {p.arg_name: (p.description or "").strip() for p in doc.params}
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except (NameError, TypeError) as exc:
        raise ToolSchemaError(f"tool {tool_name!r}: cannot resolve type hints: {exc}") from exc
    fields: dict[str, Any] = {}
    context_param: str | None = None
    for param in inspect.signature(fn).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ToolSchemaError(f"tool {tool_name!r}: *args/**kwargs cannot be described")
        annotation = hints.get(param.name)
        if annotation is None:
            raise ToolSchemaError(f"tool {tool_name!r}: argument {param.name!r} needs a type hint")
        if _is_context(annotation):
            context_param = param.name
            continue
        fields[param.name] = (annotation, _field(param, arg_docs.get(param.name, "")))
    try:
        model = create_model(  # type: ignore[call-overload]
            f"{tool_name}_arguments", __config__=ConfigDict(extra="forbid"), **fields
        )
        schema = clean_schema(model.model_json_schema())
    except Exception as exc:  # pydantic raises several kinds for types it cannot describe
        raise ToolSchemaError(f"tool {tool_name!r}: cannot build a schema: {exc}") from exc
    summary = " ".join(
        part.strip() for part in (doc.short_description, doc.long_description) if part
    )
    text = (description or summary).strip()
    if not text:
        raise ToolSchemaError(f"tool {tool_name!r}: needs a docstring or a description")
    schema.setdefault("properties", {})
    return FunctionTool(tool_name, text, schema, fn, model, context_param, confirm, say, offer)


def _is_context(annotation: Any) -> bool:
    base = typing.get_origin(annotation) or annotation
    return isinstance(base, type) and (
        base is ToolContext or (base is not object and issubclass(base, DetachedContext))
    )


def _field(param: inspect.Parameter, doc: str) -> FieldInfo:
    default = ... if param.default is inspect.Parameter.empty else param.default
    # Only what the docstring says: an explicit None would erase an Annotated[..., Field()]
    # description, which pydantic merges with this one.
    extra: dict[str, Any] = {"description": doc} if doc else {}
    info: FieldInfo = Field(default, **extra)
    return info


def clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Pydantic's schema without what costs prompt tokens and helps no model: titles, and
    ``$defs`` references (inlined; a small model reads a flat schema better)."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            ref = str(node["$ref"]).rsplit("/", 1)[-1]
            if ref not in defs:
                raise ToolSchemaError(f"unresolvable schema reference {node['$ref']!r}")
            merged = {**defs[ref], **{k: v for k, v in node.items() if k != "$ref"}}
            return walk(merged)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("title", "$defs"):
                continue
            if key == "properties" and isinstance(value, dict):
                out[key] = {prop: walk(sub) for prop, sub in value.items()}
            else:
                out[key] = walk(value)
        return out

    cleaned = walk(schema)
    assert isinstance(cleaned, dict)
    return cleaned


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem, in the words a model can act on."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "arguments"
        kind = err["type"]
        if kind == "missing":
            parts.append(f"{where} is required")
        elif kind == "extra_forbidden":
            parts.append(f"{where} is not an argument of this tool")
        else:
            parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def jsonable(out: Any) -> Any:
    """Models, dataclasses, dates and the like, nested anywhere, as plain JSON values."""
    if isinstance(out, str):
        return out
    return to_jsonable_python(out)
