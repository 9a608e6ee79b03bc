"""A ChatClient over any OpenAI-compatible ``/v1/chat/completions`` (vLLM, SGLang, llama.cpp
server, another quickturn gateway, a hosted API).

One SSE reader, one choke point for failures: every transport, HTTP and protocol failure becomes
an :class:`UpstreamStreamError` that says whether output had already reached the caller. Before
the first event it is retryable (a router may fail over to another replica); after it, it is not
(the caller has already spoken part of the reply).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from quickturn.errors import ConfigError, UpstreamError
from quickturn.llm.types import (
    ChatRequest,
    Finished,
    LLMEvent,
    TextDelta,
    ToolCallEvent,
    Usage,
)
from quickturn.tools.types import ToolCall

FinishReason = Literal["stop", "length", "tool_calls", "cancelled"]

# Statuses worth another try elsewhere: the request itself was fine, the server was not.
_RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_MAX_ERROR_BODY = 64 * 1024
log = logging.getLogger(__name__)


class UpstreamStreamError(UpstreamError):
    """An upstream failure, with what the caller already received when it happened."""

    def __init__(
        self, message: str, *, output_started: bool, status_code: int | None = None
    ) -> None:
        super().__init__(message)
        self.output_started = output_started
        self.status_code = status_code
        transient = status_code is None or status_code in _RETRYABLE_STATUS
        self.retryable = transient and not output_started


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: str = ""


class OpenAICompatClient:
    """Streams chat completions from ``base_url`` (the part before ``/chat/completions``,
    e.g. ``http://127.0.0.1:8000/v1``).

    ``timeout_s`` bounds every wait on the network (connect, and each gap between bytes), so
    a dead upstream is an error within that time, never a hang. ``http_client`` lets callers
    share one connection pool; the client closes only a pool it created.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        model: str | None = None,
        timeout_s: float = 60.0,
        *,
        connect_timeout_s: float = 5.0,
        http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"upstream URL must start with http:// or https://: {base_url!r}")
        if timeout_s <= 0 or connect_timeout_s <= 0:
            raise ConfigError("upstream timeouts must be > 0")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._api_key = api_key
        self._clock = clock
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            # Streams are long-lived; the pool must not be the bottleneck of a busy gateway.
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=32),
        )

    def __repr__(self) -> str:
        return f"OpenAICompatClient({self.base_url!r}, model={self.model!r})"

    def request_body(self, request: ChatRequest) -> dict[str, Any]:
        """The JSON body sent upstream for ``request``."""
        body: dict[str, Any] = {
            # A model configured for this upstream wins over the name the caller asked for,
            # which is the gateway's public name and may mean nothing upstream.
            "model": self.model or request.model or "default",
            "messages": request.messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
        }
        if request.tools:
            body["tools"] = request.tools
            body["tool_choice"] = request.tool_choice
            if not request.parallel_tool_calls:
                body["parallel_tool_calls"] = False
        if request.response_format is not None:
            body["response_format"] = request.response_format
        if request.stop:
            body["stop"] = list(request.stop)
        if request.seed is not None:
            body["seed"] = request.seed
        if request.conversation_id is not None:
            # `user` is what a downstream quickturn gateway routes on for cache affinity.
            body["user"] = request.conversation_id
        return body

    def _headers(self, request: ChatRequest) -> dict[str, str]:
        headers = {"Accept": "text/event-stream"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        if request.priority == "batch":
            headers["X-Quickturn-Priority"] = "batch"
        return headers

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        started = False
        try:
            async for event in self._stream(request):
                started = True
                yield event
        except UpstreamStreamError:
            raise
        except (
            httpx.HTTPError,
            httpx.StreamError,
            httpx.InvalidURL,
            ValueError,
            KeyError,
            TypeError,
        ) as exc:
            # The choke point: every foreign failure is mapped here, once.
            what = type(exc).__name__
            raise UpstreamStreamError(
                f"upstream {self.base_url} failed: {what}: {exc}", output_started=started
            ) from exc

    async def _stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        url = f"{self.base_url}/chat/completions"
        body = self.request_body(request)
        async with self._http.stream(
            "POST", url, json=body, headers=self._headers(request)
        ) as response:
            if response.status_code != 200:
                raise await _status_error(self.base_url, response)
            calls: dict[int, _PartialCall] = {}
            finish: str | None = None
            usage: Usage | None = None
            produced = False
            async for data in _sse_data(response):
                if data == "[DONE]":
                    break
                chunk = json.loads(data)
                if not isinstance(chunk, dict):
                    raise ValueError(f"SSE data is not an object: {data[:200]!r}")
                if "error" in chunk:
                    raise UpstreamStreamError(
                        f"upstream {self.base_url} failed mid-stream: {_error_message(chunk)}",
                        output_started=produced,
                    )
                for choice in chunk.get("choices") or []:
                    delta = choice.get("delta") or {}
                    text = delta.get("content")
                    if text:
                        produced = True
                        yield TextDelta(text, self._clock())
                    for part in delta.get("tool_calls") or []:
                        _merge_call(calls, part)
                    if choice.get("finish_reason"):
                        finish = choice["finish_reason"]
                raw_usage = chunk.get("usage")
                if isinstance(raw_usage, dict):
                    usage = _usage(raw_usage)
            else:
                if finish is None:
                    # The body ended with neither [DONE] nor a finish_reason: a cut connection.
                    raise UpstreamStreamError(
                        f"upstream {self.base_url} closed the stream early",
                        output_started=produced or bool(calls),
                    )
            for index in sorted(calls):
                call = _finish_call(calls[index], index)
                if call is None:
                    continue  # broken arguments cost only that call, never its siblings
                produced = True
                yield ToolCallEvent(call, self._clock())
            yield Finished(_finish_reason(finish, bool(calls)), usage or Usage(0, 0), self._clock())

    async def list_models(self) -> list[str]:
        """The model ids the upstream serves (``GET /models``); raises UpstreamStreamError."""
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        try:
            response = await self._http.get(f"{self.base_url}/models", headers=headers)
            if response.status_code != 200:
                raise UpstreamStreamError(
                    f"upstream {self.base_url}/models answered {response.status_code}",
                    output_started=False,
                    status_code=response.status_code,
                )
            data = response.json().get("data")
            return [str(m["id"]) for m in data if isinstance(m, dict) and m.get("id")]
        except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UpstreamStreamError(
                f"upstream {self.base_url}/models failed: {type(exc).__name__}: {exc}",
                output_started=False,
            ) from exc

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()


async def _sse_data(response: httpx.Response) -> AsyncIterator[str]:
    """The ``data`` payloads of an SSE body, one per event (multi-line data joined by ``\\n``)."""
    lines: list[str] = []
    async for line in response.aiter_lines():
        if not line:
            if lines:
                yield "\n".join(lines)
                lines = []
            continue
        if line.startswith(":"):
            continue  # an SSE comment (keep-alive)
        field, _, value = line.partition(":")
        if field == "data":
            lines.append(value[1:] if value.startswith(" ") else value)
    if lines:
        yield "\n".join(lines)


async def _status_error(base_url: str, response: httpx.Response) -> UpstreamStreamError:
    raw = b""
    async for piece in response.aiter_bytes():
        raw += piece
        if len(raw) > _MAX_ERROR_BODY:
            break
    try:
        message = _error_message(json.loads(raw))
    except ValueError:
        message = raw[:300].decode("utf-8", "replace") or response.reason_phrase
    return UpstreamStreamError(
        f"upstream {base_url} answered {response.status_code}: {message}",
        output_started=False,
        status_code=response.status_code,
    )


def _error_message(body: Any) -> str:
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return str(err["message"])
        if isinstance(err, str):
            return err
    return json.dumps(body)[:300]


def _merge_call(calls: dict[int, _PartialCall], part: dict[str, Any]) -> None:
    """Fold one streamed ``tool_calls`` delta into the call it continues (keyed by index)."""
    index = part.get("index")
    if not isinstance(index, int):
        index = len(calls)
    call = calls.setdefault(index, _PartialCall())
    if part.get("id"):
        call.id = str(part["id"])
    fn = part.get("function") or {}
    if fn.get("name"):
        call.name += str(fn["name"])
    if fn.get("arguments"):
        call.arguments += str(fn["arguments"])


def _finish_call(call: _PartialCall, index: int) -> ToolCall | None:
    """The structured call, or None when it cannot be made whole: no name, or arguments that
    are not an object even when read leniently (single quotes, a missing closing brace)."""
    if not call.name:
        log.warning("dropped upstream tool call %d: no function name", index)
        return None
    arguments = _arguments(call.arguments)
    if arguments is None:
        log.warning(
            "dropped upstream tool call %r: arguments are not a JSON object: %.200r",
            call.name,
            call.arguments,
        )
        return None
    return ToolCall(id=call.id or f"call_{index}", name=call.name, arguments=arguments)


def _arguments(raw: str) -> dict[str, Any] | None:
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        value = _lenient(raw)
    return value if isinstance(value, dict) else None


def _lenient(raw: str) -> Any:
    from quickturn.tools.repair_literal import (
        LiteralError,
        close_truncated,
        parse_lenient,
        scan_brackets,
    )

    try:
        return parse_lenient(raw)
    except LiteralError:
        pass
    start = raw.find("{")
    if start < 0:
        return None
    closed = close_truncated(raw[start:], scan_brackets(raw[start:], 0, len(raw) - start))
    try:
        return None if closed is None else parse_lenient(closed)
    except LiteralError:
        return None


def _usage(raw: dict[str, Any]) -> Usage:
    details = raw.get("prompt_tokens_details") or {}
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    return Usage(
        prompt_tokens=int(raw.get("prompt_tokens") or 0),
        completion_tokens=int(raw.get("completion_tokens") or 0),
        cached_tokens=int(cached or 0),
    )


def _finish_reason(raw: str | None, made_calls: bool) -> FinishReason:
    if made_calls or raw in ("tool_calls", "function_call"):
        return "tool_calls"
    if raw == "length":
        return "length"
    return "stop"
