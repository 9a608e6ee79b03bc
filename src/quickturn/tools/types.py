"""Tool calls, tool specs and the registry that validates and executes them."""

from __future__ import annotations

import difflib
import functools
import inspect
import json
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import jsonschema

from quickturn.errors import ToolExecutionError, ToolSchemaError
from quickturn.tools.elicit import Elicitation, from_schema_errors, from_tool_error

ToolHandler = Callable[[dict[str, Any]], Any | Awaitable[Any]]
ReadBack = Callable[[dict[str, Any]], str]
"""A call's arguments -> the question that reads it back to the caller ("... Shall I book it?")."""
SpokenResult = Callable[[Any], str | None]
"""A tool's result (parsed JSON) -> what the caller hears, or None to let the model say it."""
OfferNext = Callable[[dict[str, Any], Any], "tuple[str, dict[str, Any]] | None"]
"""A call's arguments and its result (parsed JSON) -> the call its words offer the caller next
("... is free. Shall I book it for you?"): (tool name, the arguments already settled), or None."""


def new_call_id() -> str:
    """An OpenAI-shaped tool-call id: ``call_`` and 24 random alphanumerics."""
    return "call_" + secrets.token_hex(12)


@dataclass(frozen=True)
class ToolCall:
    """One structured call. ``repaired`` is true when it was parsed out of plain text."""

    id: str
    name: str
    arguments: dict[str, Any]
    repaired: bool = False

    def arguments_json(self) -> str:
        return json.dumps(self.arguments, ensure_ascii=False)

    def to_openai(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments_json()},
        }


@dataclass(frozen=True)
class ToolResult:
    """What a call returned (``content`` is what the model reads).

    ``elicitation`` is set on a failed call that only the caller can fix (a missing name, an
    unparseable date): the question to ask them now instead of spending an LLM round on the
    error. See ``quickturn.tools.elicit``. Callers that ignore it see the same result as before.
    """

    call_id: str
    name: str
    content: str
    ok: bool
    elicitation: Elicitation | None = None
    confirmation: str | None = None
    """Set when the call did not run yet: the read-back the caller must say yes to
    (``ToolSpec.confirm``, ``quickturn.llm.confirm``)."""
    refused: bool = False
    """The tool itself refused the call (``ToolExecutionError``: "no suite free on those
    dates"), as opposed to a malformed call or a bug."""

    def to_message(self) -> dict[str, Any]:
        return {"role": "tool", "tool_call_id": self.call_id, "content": self.content}


@dataclass(frozen=True)
class ToolSpec:
    """A tool: OpenAI function schema plus the handler that runs it.

    Handlers take the validated argument dict and return anything JSON-serialisable (or a str).
    They raise ToolExecutionError with a message meant for the model ("no double room free on
    those nights"); any other exception is a bug and is reported to the model as an internal error.
    """

    name: str
    description: str
    parameters: dict[str, Any]
    handler: ToolHandler = field(compare=False)
    confirm: ReadBack | None = field(default=None, compare=False)
    """A tool that changes the world for the caller (a booking, a payment) reads the call back
    and runs only after the caller says yes (``quickturn.llm.confirm``)."""
    say: SpokenResult | None = field(default=None, compare=False)
    """The tool's own words for its result, spoken instead of another model round: a small
    model's summary of a booking is slower (a round) and often wrong."""
    offer: OfferNext | None = field(default=None, compare=False)
    """The call the tool's words offer next (``say`` ends with the question). The caller's
    answer goes into that call (``quickturn.llm.pending``): a yes, or the facts it still lacks.
    A yes to a call that needs nothing more runs it as offered, without its ``confirm``
    read-back: the offer's words were the question, and the caller answered it."""

    def __post_init__(self) -> None:
        validate_tool_schema(self.schema())

    @property
    def validator(self) -> jsonschema.protocols.Validator:
        """One compiled validator per parameters schema (validating through
        ``jsonschema.validate`` re-checks the schema itself on every call: ~10 ms)."""
        return _validator_for(json.dumps(self.parameters, sort_keys=True))

    def schema(self) -> dict[str, Any]:
        """The OpenAI tool the model sees: ``x-`` extension keys (tool-layer hints such as
        ``x-ask-caller``) are dropped, as they would cost prompt tokens and tell the model
        nothing."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self._model_parameters,
            },
        }

    @functools.cached_property
    def _model_parameters(self) -> dict[str, Any]:
        # Once per spec: schema() runs on every model round, for every tool.
        view: dict[str, Any] = _model_view(self.parameters)
        return view


# Keys whose values map names to subschemas: their keys are property names, never keywords.
_NAMED_SUBSCHEMAS = frozenset({"properties", "patternProperties", "$defs", "definitions"})


def _model_view(schema: Any, named: bool = False) -> Any:
    if isinstance(schema, list):
        return [_model_view(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if named:
        return {name: _model_view(sub) for name, sub in schema.items()}
    return {
        key: _model_view(value, key in _NAMED_SUBSCHEMAS)
        for key, value in schema.items()
        if not key.startswith("x-")
    }


def validate_tool_schema(tool: Any) -> None:
    """Raise ToolSchemaError unless ``tool`` is a well-formed OpenAI function tool."""
    if not isinstance(tool, dict) or tool.get("type") != "function":
        raise ToolSchemaError(f"tool must be an object with type 'function': {tool!r:.200}")
    fn = tool.get("function")
    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not fn["name"]:
        raise ToolSchemaError("tool.function.name must be a non-empty string")
    params = fn.get("parameters", {"type": "object", "properties": {}})
    if not isinstance(params, dict):
        raise ToolSchemaError(f"tool {fn['name']!r}: parameters must be a JSON schema object")
    try:
        params_json = json.dumps(params, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise ToolSchemaError(f"tool {fn['name']!r}: parameters are not JSON: {exc}") from exc
    error = _schema_error(params_json)
    if error is not None:
        raise ToolSchemaError(f"tool {fn['name']!r}: invalid parameters schema: {error}")


# Checking a schema costs milliseconds and every conversation builds the same ~40 tools, so the
# verdict and the compiled validator are memoised by the schema's canonical JSON (immutable keys;
# bounded so a server that sees arbitrary client schemas cannot grow them without limit).
@functools.lru_cache(maxsize=4096)
def _schema_error(params_json: str) -> str | None:
    try:
        jsonschema.Draft202012Validator.check_schema(json.loads(params_json))
    except jsonschema.SchemaError as exc:
        return str(exc.message)
    return None


@functools.lru_cache(maxsize=4096)
def _validator_for(params_json: str) -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(json.loads(params_json))


Reads = Literal["all", "since_entry"]

ToolPicker = Callable[[str], str | None]
"""The caller's line -> the tool a router's first round must call, or None to let the model
choose (``quickturn.agent.keyword_router``)."""
"""How much of the conversation an agent's model reads: all of it, or from the exchange before
the hand-over that gave it the call."""


class ToolRegistry:
    """The tools one conversation may call; built per conversation (handlers close over it)."""

    def __init__(
        self,
        specs: Iterable[ToolSpec],
        tool_choice: Literal["auto", "required"] = "auto",
        reads: Reads = "all",
        picks: ToolPicker | None = None,
    ) -> None:
        self._specs: dict[str, ToolSpec] = {}
        for spec in specs:
            if spec.name in self._specs:
                raise ToolSchemaError(f"duplicate tool name {spec.name!r}")
            self._specs[spec.name] = spec
        if tool_choice not in ("auto", "required"):
            raise ToolSchemaError(f"tool_choice must be 'auto' or 'required', not {tool_choice!r}")
        self.tool_choice: Literal["auto", "required"] = tool_choice
        """The first round of a reply: may answer in words (auto) or must call a tool."""
        if reads not in ("all", "since_entry"):
            raise ToolSchemaError(f"reads must be 'all' or 'since_entry', not {reads!r}")
        self.reads: Reads = reads
        """What the model of the agent using these tools reads of the conversation (see
        ``Agent.reads``)."""
        self.picks = picks
        """Picks the first round's tool from the caller's line before the model does (see
        ``Agent.picks``)."""

    def with_tool_choice(
        self,
        tool_choice: Literal["auto", "required"],
        reads: Reads | None = None,
        picks: ToolPicker | None = None,
    ) -> ToolRegistry:
        """This registry's tools under ``tool_choice`` (and ``reads``, ``picks``; itself when
        unchanged)."""
        reads = self.reads if reads is None else reads
        picks = self.picks if picks is None else picks
        if tool_choice == self.tool_choice and reads == self.reads and picks is self.picks:
            return self
        return ToolRegistry(
            self._specs.values(), tool_choice=tool_choice, reads=reads, picks=picks
        )

    @property
    def names(self) -> list[str]:
        return list(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __len__(self) -> int:
        return len(self._specs)

    def spec(self, name: str) -> ToolSpec:
        return self._specs[name]

    def schemas(self) -> list[dict[str, Any]]:
        return [s.schema() for s in self._specs.values()]

    async def execute(self, call: ToolCall) -> ToolResult:
        """Validate and run one call. Never raises for the model's mistakes: the result says why."""
        spec = self._specs.get(call.name)
        if spec is None:
            message = f"unknown tool {call.name!r}"
            close = difflib.get_close_matches(call.name, self.names, n=3, cutoff=0.4)
            if close:
                message += f"; did you mean {' or '.join(close)}?"
            return ToolResult(call.id, call.name, _error(message), ok=False)
        errors = list(spec.validator.iter_errors(call.arguments))
        error = jsonschema.exceptions.best_match(errors)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "arguments"
            ask = from_schema_errors(spec.parameters, call, errors)
            content = _error(f"{where}: {error.message}")
            return ToolResult(call.id, call.name, content, ok=False, elicitation=ask)
        try:
            out = spec.handler(call.arguments)
            if inspect.isawaitable(out):
                out = await out
        except ToolExecutionError as exc:
            ask = from_tool_error(spec.parameters, call, exc)
            return ToolResult(
                call.id, call.name, _error(str(exc)), ok=False, elicitation=ask, refused=True
            )
        except Exception as exc:  # a handler's bug is reported to the model; the call goes on
            message = f"internal error in {call.name}: {type(exc).__name__}: {exc}"
            return ToolResult(call.id, call.name, _error(message), ok=False)
        content = out if isinstance(out, str) else json.dumps(out, ensure_ascii=False, default=str)
        return ToolResult(call.id, call.name, content, ok=True)


_HANDOFF = re.compile(r"^Transferred to [\w .-]{1,80}\.$")


def handoff_note(agent_name: str) -> str:
    """What a tool that hands the call to another agent returns to the model."""
    return f"Transferred to {agent_name}."


def is_handoff_note(content: object) -> bool:
    return isinstance(content, str) and bool(_HANDOFF.match(content))


def _error(message: str) -> str:
    return json.dumps({"error": message}, ensure_ascii=False)


def error_of(content: str) -> str | None:
    """The message of a failed call's content (what ``_error`` wrote), or None."""
    try:
        body = json.loads(content)
    except (json.JSONDecodeError, TypeError):
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, str):
        return None
    return error.strip() or None
