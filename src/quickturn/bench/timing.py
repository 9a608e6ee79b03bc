"""The one timing wrapper: stream a request, stamp send / first token / first sentence / finish.

Definitions (all on the caller's clock, ``time.perf_counter`` unless a test passes another):

- TTFT: send -> the first TextDelta or ToolCallEvent.
- TTFS: send -> the first complete sentence: a ``.``, ``!`` or ``?`` (closing quotes or brackets
  may follow) that is followed by whitespace or by the end of the stream, or the first tool call,
  whichever comes first. A terminator that ends a delta is confirmed only by what follows (the
  next delta's first character, or Finished), because "3." may still become "3.5"; a speech
  splitter downstream has to wait for the same evidence. A reply with no terminator at all is one
  sentence, complete at Finished.
- total: send -> Finished.

Failures (any exception from the client, a stream that ends without Finished, a timeout) are
returned as data, never raised: a benchmark carries on past a bad request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from quickturn.llm.types import (
    ChatClient,
    ChatRequest,
    Finished,
    LLMEvent,
    TextDelta,
    ToolCallEvent,
    Usage,
)
from quickturn.tools.types import ToolCall

_TERMINATORS = ".!?"
_CLOSERS = "\"')]»”’"


class SentenceWatch:
    """Finds the first complete sentence in streamed text, one delta at a time."""

    def __init__(self) -> None:
        self._text = ""
        self._scanned = 0  # characters before this index hold no confirmed boundary
        self.found = False

    def feed(self, delta: str) -> bool:
        """Add streamed text; true once a sentence is known to be complete."""
        if self.found:
            return True
        self._text += delta
        text = self._text
        i = self._scanned
        while i < len(text):
            if text[i] in _TERMINATORS:
                j = i + 1
                while j < len(text) and (text[j] in _TERMINATORS or text[j] in _CLOSERS):
                    j += 1
                if j == len(text):
                    # Unconfirmed: rescan from this terminator when more text arrives.
                    self._scanned = i
                    return False
                if text[j].isspace():
                    self.found = True
                    return True
                i = j
                continue
            i += 1
        self._scanned = len(text)
        return False

    def finish(self) -> bool:
        """The stream ended: any text at all now forms a complete sentence."""
        self.found = self.found or bool(self._text.strip())
        return self.found


@dataclass(frozen=True)
class TimedReply:
    """One request's timings (seconds since send) and what came back."""

    sent_at_s: float
    ttft_s: float | None
    ttfs_s: float | None
    total_s: float | None
    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    usage: Usage | None = None
    error_type: str | None = None
    error_message: str | None = None
    text_deltas: int = field(default=0)
    status_code: int | None = None
    """The HTTP status of a refused request (429 from admission control), when the client's
    error carries one."""

    @property
    def ok(self) -> bool:
        return self.error_type is None


async def timed_stream(
    client: ChatClient,
    request: ChatRequest,
    *,
    clock: Callable[[], float] = time.perf_counter,
    timeout_s: float | None = None,
) -> TimedReply:
    """Stream ``request`` through ``client`` and time it; never raises for the endpoint's faults."""
    sent = clock()
    first: float | None = None
    sentence: float | None = None
    done: float | None = None
    parts: list[str] = []
    calls: list[ToolCall] = []
    finished: Finished | None = None
    deltas = 0
    watch = SentenceWatch()
    error: BaseException | None = None
    stream: AsyncIterator[LLMEvent] | None = None
    try:
        async with asyncio.timeout(timeout_s):
            # Inside the try: a client that is not an async generator may fail on the call itself.
            stream = client.stream(request)
            async for event in stream:
                now = clock()
                match event:
                    case TextDelta(text=text):
                        deltas += 1
                        if first is None:
                            first = now
                        parts.append(text)
                        if sentence is None and watch.feed(text):
                            sentence = now
                    case ToolCallEvent(call=call):
                        if first is None:
                            first = now
                        if sentence is None:
                            sentence = now
                        calls.append(call)
                    case Finished():
                        finished = event
                        done = now
                        if sentence is None and watch.finish():
                            sentence = now
                        break
    except Exception as exc:  # noqa: BLE001 - every endpoint fault is a data point, by design
        error = exc
    finally:
        # Closing early (after Finished, a timeout or an error) must cancel the generation.
        aclose = getattr(stream, "aclose", None) if stream is not None else None
        if aclose is not None:
            try:
                await aclose()
            except Exception as exc:  # noqa: BLE001 - a failing close must not hide the result
                error = error or exc
    if error is None and finished is None:
        error = _IncompleteStream("the stream ended without a Finished event")
    error_type = error_message = None
    if error is not None:
        error_type = "Timeout" if isinstance(error, TimeoutError) else type(error).__name__
        error_message = str(error) or (f"no Finished within {timeout_s} s" if timeout_s else "")
    return TimedReply(
        sent_at_s=sent,
        ttft_s=None if first is None else first - sent,
        ttfs_s=None if sentence is None else sentence - sent,
        total_s=None if done is None or error is not None else done - sent,
        text="".join(parts),
        tool_calls=tuple(calls),
        finish_reason=None if finished is None else finished.finish_reason,
        usage=None if finished is None else finished.usage,
        error_type=error_type,
        error_message=error_message,
        text_deltas=deltas,
        status_code=_status_code(error),
    )


def _status_code(error: BaseException | None) -> int | None:
    code = getattr(error, "status_code", None)
    return code if isinstance(code, int) else None


class _IncompleteStream(Exception):
    """Marks a stream that stopped early; only its name is recorded."""
