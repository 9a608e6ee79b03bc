"""OpenAI chat-completions shapes: the request model, its translation to a ChatRequest, and the
chunks of a response.

A non-streamed response is built by folding the very chunks a streamed one would send
(:func:`fold_chunks`), so the two can never disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import jsonschema
from pydantic import BaseModel, ConfigDict, ValidationError

from quickturn.errors import ToolSchemaError
from quickturn.gateway.api_errors import APIError, invalid
from quickturn.llm.types import ChatRequest, Priority, Usage
from quickturn.tools.grammar import response_format_json_schema
from quickturn.tools.types import ToolCall, validate_tool_schema

ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
MAX_STOP = 4
# OpenAI parameters the gateway cannot honour, with the value that means "not used": a request
# that sets one to anything else gets a 400 naming it, never a reply that silently ignored it.
UNSUPPORTED_UNLESS: dict[str, tuple[Any, ...]] = {
    "logprobs": (None, False),
    "top_logprobs": (None, 0),
    "logit_bias": (None, {}),
    "frequency_penalty": (None, 0, 0.0),
    "presence_penalty": (None, 0, 0.0),
    "functions": (None, []),
    "function_call": (None, "none", "auto"),
    "audio": (None,),
    "modalities": (None, ["text"]),
    "prediction": (None,),
    "web_search_options": (None,),
}


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """The fields the gateway honours; unknown fields are accepted and ignored, as OpenAI's
    own SDKs send newer fields to older servers."""

    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[dict[str, Any]]
    stream: bool = False
    stream_options: StreamOptions | None = None
    tools: list[Any] | None = None
    tool_choice: str | dict[str, Any] | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: str | list[str] | None = None
    seed: int | None = None
    user: str | None = None
    n: int | None = None
    parallel_tool_calls: bool | None = None
    response_format: dict[str, Any] | None = None
    # quickturn extensions (also settable by headers, see app.py)
    priority: Literal["interactive", "batch"] | None = None
    conversation_id: str | None = None


@dataclass(frozen=True)
class Limits:
    max_tokens_cap: int = 1024
    default_max_tokens: int = 256


def parse_request(body: Any) -> ChatCompletionRequest:
    """Validate a decoded JSON body; a 400 names the first offending field."""
    if not isinstance(body, dict):
        raise invalid("the request body must be a JSON object")
    try:
        return ChatCompletionRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        param = ".".join(str(p) for p in first["loc"]) or None
        if first["type"] == "missing":
            raise invalid(
                f"missing required parameter: {param!r}", param, "missing_required_parameter"
            ) from exc
        raise invalid(f"invalid parameter {param!r}: {first['msg']}", param) from exc


def to_chat_request(
    req: ChatCompletionRequest,
    limits: Limits,
    *,
    priority: Priority,
    conversation_id: str | None,
) -> ChatRequest:
    """Check what pydantic cannot and build the engine request (raises APIError 400)."""
    if not req.messages:
        raise invalid("messages must contain at least one message", "messages")
    _refuse_unsupported(req)
    messages = [_message(i, m) for i, m in enumerate(req.messages)]
    if req.n not in (None, 1):
        raise invalid("only n=1 is supported", "n")
    tools = req.tools or []
    for i, tool in enumerate(tools):
        try:
            validate_tool_schema(tool)
        except ToolSchemaError as exc:
            raise APIError(400, str(exc), param=f"tools[{i}]", code="invalid_tool_schema") from exc
    names = [t["function"]["name"] for t in tools]
    tool_choice = _tool_choice(req.tool_choice, names)
    max_tokens = next(
        (v for v in (req.max_completion_tokens, req.max_tokens) if v is not None),
        limits.default_max_tokens,
    )
    if max_tokens < 1:
        raise invalid("max_tokens must be >= 1", "max_tokens")
    if max_tokens > limits.max_tokens_cap:
        raise invalid(
            f"max_tokens {max_tokens} exceeds this server's limit of {limits.max_tokens_cap}",
            "max_tokens",
        )
    temperature = 1.0 if req.temperature is None else req.temperature
    if not 0.0 <= temperature <= 2.0:
        raise invalid("temperature must be within [0, 2]", "temperature")
    top_p = 1.0 if req.top_p is None else req.top_p
    if not 0.0 < top_p <= 1.0:
        raise invalid("top_p must be within (0, 1]", "top_p")
    stop = (req.stop,) if isinstance(req.stop, str) else tuple(req.stop or ())
    if len(stop) > MAX_STOP:
        raise invalid(f"at most {MAX_STOP} stop sequences", "stop")
    response_format = _response_format(req.response_format)
    if response_format is not None and names and tool_choice != "none":
        raise invalid(
            "response_format json_object/json_schema together with tools is not supported: "
            "send tool_choice 'none' or no tools",
            "response_format",
            "unsupported_parameter",
        )
    return ChatRequest(
        messages=messages,
        tools=tools,
        tool_choice=tool_choice,
        max_tokens=max_tokens,
        temperature=temperature,
        top_p=top_p,
        stop=stop,
        seed=req.seed,
        model=req.model,
        parallel_tool_calls=req.parallel_tool_calls is not False,
        response_format=response_format,
        priority=priority,
        conversation_id=conversation_id,
    )


def _refuse_unsupported(req: ChatCompletionRequest) -> None:
    extra = req.model_extra or {}
    for name, unused in UNSUPPORTED_UNLESS.items():
        if name in extra and extra[name] not in unused:
            raise invalid(
                f"the parameter {name!r} is not supported by this server", name,
                "unsupported_parameter",
            )


def _response_format(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """The response_format to enforce (None for none or "text"); a 400 when it is malformed."""
    if raw is None:
        return None
    try:
        schema = response_format_json_schema(raw)
        if schema is not None:
            jsonschema.Draft202012Validator.check_schema(schema)
    except ToolSchemaError as exc:
        raise invalid(str(exc), "response_format", "unsupported_parameter") from exc
    except jsonschema.SchemaError as exc:
        raise invalid(
            f"response_format json_schema.schema is not a valid JSON schema: {exc.message}",
            "response_format",
        ) from exc
    return None if schema is None else raw


def _message(i: int, message: dict[str, Any]) -> dict[str, Any]:
    """A validated copy; text-part lists become one string, since engines render plain text."""
    role = message.get("role")
    if role not in ROLES:
        raise invalid(f"messages[{i}].role must be one of {sorted(ROLES)}", f"messages[{i}].role")
    content = message.get("content")
    if content is None or isinstance(content, str):
        return message
    where = f"messages[{i}].content"
    if not isinstance(content, list):
        raise invalid(f"{where} must be a string or a list of text parts", where)
    texts = []
    for part in content:
        if not isinstance(part, dict) or part.get("type") != "text":
            raise invalid(f"{where}: only text parts are supported", where, "unsupported_content")
        if not isinstance(part.get("text"), str):
            raise invalid(f"{where}: a text part needs a string 'text'", where)
        texts.append(part["text"])
    return {**message, "content": "\n".join(texts)}


def _tool_choice(raw: str | dict[str, Any] | None, names: list[str]) -> str | dict[str, Any]:
    if raw is None:
        return "auto" if names else "none"
    if isinstance(raw, str):
        if raw not in ("auto", "none", "required"):
            raise invalid(
                "tool_choice must be 'auto', 'none', 'required' or a named tool", "tool_choice"
            )
        if raw == "required" and not names:
            raise invalid("tool_choice 'required' needs tools", "tool_choice")
        return raw
    fn = raw.get("function") if raw.get("type") == "function" else None
    name = fn.get("name") if isinstance(fn, dict) else None
    if not isinstance(name, str):
        raise invalid(
            "a named tool_choice is {'type': 'function', 'function': {'name': ...}}", "tool_choice"
        )
    if name not in names:
        raise invalid(f"tool_choice names {name!r}, which is not in tools", "tool_choice")
    return raw


class ChunkWriter:
    """Builds the ``chat.completion.chunk`` dicts of one response."""

    def __init__(self, completion_id: str, created: int, model: str, include_usage: bool) -> None:
        self._base = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
        }
        self._include_usage = include_usage
        self._next_tool_index = 0

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = dict(self._base)
        out["choices"] = [
            {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        ]
        if self._include_usage:
            out["usage"] = None  # per the spec: null on every chunk but the last
        return out

    def role(self) -> dict[str, Any]:
        return self._chunk({"role": "assistant", "content": ""})

    def text(self, text: str) -> dict[str, Any]:
        return self._chunk({"content": text})

    def tool_call(self, call: ToolCall) -> dict[str, Any]:
        # The index is local to this response: the n-th call made, from 0.
        index = self._next_tool_index
        self._next_tool_index += 1
        item = {"index": index, **call.to_openai()}
        return self._chunk({"tool_calls": [item]})

    def finish(self, reason: str) -> dict[str, Any]:
        return self._chunk({}, reason)

    def usage(self, usage: Usage) -> dict[str, Any]:
        out: dict[str, Any] = dict(self._base)
        out["choices"] = []
        out["usage"] = usage_dict(usage)
        return out


def usage_dict(usage: Usage) -> dict[str, Any]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cached_tokens},
    }


def fold_chunks(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``chat.completion`` a client gets by concatenating ``chunks``."""
    if not chunks:
        raise ValueError("no chunks to fold")
    first = chunks[0]
    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    finish: str | None = None
    usage: dict[str, Any] | None = None
    for chunk in chunks:
        if chunk.get("usage"):
            usage = chunk["usage"]
        for choice in chunk["choices"]:
            delta = choice["delta"]
            if delta.get("content"):
                text.append(delta["content"])
            for part in delta.get("tool_calls") or []:
                call = calls.setdefault(
                    part["index"],
                    {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
                )
                call["id"] = part.get("id") or call["id"]
                call["function"]["name"] += part["function"].get("name") or ""
                call["function"]["arguments"] += part["function"].get("arguments") or ""
            if choice.get("finish_reason"):
                finish = choice["finish_reason"]
    message: dict[str, Any] = {
        "role": "assistant",
        "content": "".join(text) or None,
        "refusal": None,
    }
    if calls:
        message["tool_calls"] = [calls[i] for i in sorted(calls)]
    out: dict[str, Any] = {
        "id": first["id"],
        "object": "chat.completion",
        "created": first["created"],
        "model": first["model"],
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
    }
    if usage is not None:
        out["usage"] = usage
    return out


def sse_event(payload: dict[str, Any] | str) -> bytes:
    data = (
        payload
        if isinstance(payload, str)
        else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    )
    return f"data: {data}\n\n".encode()
