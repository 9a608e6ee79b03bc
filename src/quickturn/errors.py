"""The one small error tree of quickturn.

QuickturnError
 ├── ConfigError            invalid options or environment (not retryable)
 ├── MissingDependencyError  an optional extra or model package is not installed
 ├── AudioFormatError        audio that cannot be read or converted
 ├── ToolSchemaError         a tool schema that is not valid JSON schema / OpenAI shape
 ├── ToolExecutionError      a tool refused its arguments or failed (message is shown to the model)
 └── EngineError             an LLM engine failed
      ├── UpstreamError      an OpenAI-compatible upstream failed (retryable before first token)
      └── OverloadedError    admission control refused the request (retry after `retry_after_s`)

Foreign exceptions are translated where they enter (``raise X(...) from exc``), never deeper.
"""

from __future__ import annotations


class QuickturnError(Exception):
    """Base of every error quickturn raises on purpose."""

    retryable: bool = False


class ConfigError(QuickturnError):
    pass


class MissingDependencyError(QuickturnError):
    def __init__(self, what: str, install_hint: str) -> None:
        super().__init__(f"{what} is not installed: {install_hint}")
        self.install_hint = install_hint


class AudioFormatError(QuickturnError):
    pass


class ToolSchemaError(QuickturnError):
    pass


class ToolExecutionError(QuickturnError):
    pass


class EngineError(QuickturnError):
    pass


class UpstreamError(EngineError):
    retryable = True


class OverloadedError(EngineError):
    retryable = True

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
