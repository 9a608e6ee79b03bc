"""HTTP plumbing: bounded body reading, API-key checks, disconnect watching, SSE and error
responses. Nothing here knows about chat."""

from __future__ import annotations

import hmac
import json
from collections.abc import AsyncIterator
from typing import Any, Protocol

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.types import Receive, Scope, Send

from quickturn.gateway.api_errors import APIError, ClientGone, invalid, to_error_body
from quickturn.gateway.protocol import sse_event


def authorize(request: Request, api_keys: tuple[str, ...]) -> None:
    """Raise 401 unless the request carries one of ``api_keys`` as a Bearer token."""
    if not api_keys:
        return
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    # compare_digest on every key: the time taken does not leak which key nearly matched.
    ok = scheme.lower() == "bearer" and any(
        hmac.compare_digest(token.encode(), key.encode()) for key in api_keys
    )
    if not ok:
        raise APIError(401, "invalid or missing API key", code="invalid_api_key")


async def read_json_body(request: Request, max_bytes: int) -> Any:
    """The decoded JSON body; 413 as soon as it grows past ``max_bytes`` (never buffered whole)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    raw = bytearray()
    try:
        async for piece in request.stream():
            raw += piece
            if len(raw) > max_bytes:
                raise _too_large(max_bytes)
    except ClientDisconnect as exc:
        raise ClientGone("client disconnected while sending the body") from exc
    if not raw:
        raise invalid("the request body is empty; expected JSON")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid(f"the request body is not valid JSON: {exc}", code="invalid_json") from exc


def _too_large(max_bytes: int) -> APIError:
    return APIError(413, f"request body exceeds {max_bytes} bytes", code="request_too_large")


async def wait_disconnect(request: Request) -> None:
    """Return once the client has gone away (call only after the body was read)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


def error_response(exc: BaseException) -> JSONResponse:
    body = to_error_body(exc)
    return JSONResponse(body.envelope, status_code=body.status, headers=body.headers)


class ClosableChunks(Protocol):
    def __aiter__(self) -> AsyncIterator[dict[str, Any]]: ...

    async def aclose(self) -> None: ...


class SSEResponse(StreamingResponse):
    """Server-sent events from a chunk stream: each chunk as ``data:``, then ``data: [DONE]``.

    An error after the first byte cannot change the status any more, so it goes out as an
    error event (the OpenAI SDKs raise it) followed by ``[DONE]``: the client never hangs.
    The chunk stream is closed however the response ends, so a client that disconnects
    cancels the generation at once rather than whenever the garbage collector runs.
    """

    def __init__(self, chunks: ClosableChunks) -> None:
        self._chunks = chunks
        super().__init__(
            self._events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def _events(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._chunks:
                yield sse_event(chunk)
        except Exception as exc:
            yield sse_event(to_error_body(exc).envelope)
        yield sse_event("[DONE]")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._chunks.aclose()
