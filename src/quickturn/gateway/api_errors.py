"""The OpenAI error envelope, and the one place exceptions become HTTP statuses.

``{"error": {"message", "type", "param", "code"}}`` with the status OpenAI clients expect:
400 invalid request, 401 bad key, 404 unknown model, 413 too large, 429 overloaded (with
Retry-After), 502 upstream failed, 503 engine unavailable, 500 a bug.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

from quickturn.errors import (
    ConfigError,
    EngineError,
    OverloadedError,
    QuickturnError,
    ToolSchemaError,
    UpstreamError,
)

log = logging.getLogger(__name__)


class APIError(QuickturnError):
    """A request the gateway answers with an error envelope (raised by validation and auth)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers or {}


class ClientGone(QuickturnError):
    """The HTTP client disconnected before the answer was ready; the work was cancelled."""


@dataclass(frozen=True)
class ErrorBody:
    status: int
    envelope: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def invalid(message: str, param: str | None = None, code: str | None = None) -> APIError:
    return APIError(400, message, param=param, code=code)


def to_error_body(exc: BaseException) -> ErrorBody:
    """Map any exception to its status and envelope; unknown exceptions are logged as bugs."""
    match exc:
        case APIError():
            return _body(exc.status, exc.message, exc.type, exc.param, exc.code, exc.headers)
        case ClientGone():
            # Nobody reads this answer; the status only labels the metrics.
            return _body(499, str(exc), "client_closed_request", None, None)
        case OverloadedError():
            retry = str(max(1, math.ceil(exc.retry_after_s)))
            return _body(
                429, str(exc), "rate_limit_error", None, "overloaded", {"Retry-After": retry}
            )
        case ToolSchemaError():
            return _body(400, str(exc), "invalid_request_error", "tools", "invalid_tool_schema")
        case ConfigError():
            return _body(400, str(exc), "invalid_request_error", None, None)
        case UpstreamError():
            return _body(502, str(exc), "upstream_error", None, "upstream_failed")
        case EngineError():
            return _body(503, str(exc), "engine_error", None, "engine_unavailable")
        case _:
            log.exception("unexpected error in the gateway", exc_info=exc)
            return _body(500, "internal error", "server_error", None, None)


def _body(
    status: int,
    message: str,
    type_: str,
    param: str | None,
    code: str | None,
    headers: dict[str, str] | None = None,
) -> ErrorBody:
    envelope = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    return ErrorBody(status, envelope, headers or {})
