"""The chunks of one admitted generation, from the engine's events."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

from quickturn.errors import EngineError
from quickturn.gateway.api_errors import to_error_body
from quickturn.gateway.protocol import ChunkWriter
from quickturn.gateway.streams import aclose_iter
from quickturn.gateway.timing import RequestTimer
from quickturn.llm.types import Finished, LLMEvent, TextDelta, ToolCallEvent

CLIENT_CLOSED = "499"  # nginx's code for "client closed the request", as a metrics label


class ChunkStream:
    """The chunks of one admitted generation. Holds the admission ticket and the engine stream
    until it ends or is closed; closing it early cancels the generation."""

    def __init__(
        self,
        writer: ChunkWriter,
        events: AsyncIterator[LLMEvent],
        first: LLMEvent,
        release: Callable[[], None],
        timer: RequestTimer,
        include_usage: bool,
    ) -> None:
        self._writer = writer
        self._events = events
        self._first = first
        self._release = release
        self._timer = timer
        self._include_usage = include_usage
        self._status: str | None = None
        self._closed = False
        self._gen = self._run()

    def __aiter__(self) -> AsyncGenerator[dict[str, Any], None]:
        return self._gen

    async def _run(self) -> AsyncGenerator[dict[str, Any], None]:
        made_calls = False
        try:
            yield self._writer.role()
            event: LLMEvent | None = self._first
            while event is not None:
                self._timer.event(event)
                match event:
                    case TextDelta(text=text):
                        if text:
                            yield self._writer.text(text)
                    case ToolCallEvent(call=call):
                        made_calls = True
                        yield self._writer.tool_call(call)
                    case Finished(finish_reason=reason, usage=usage):
                        # Exactly one finish_reason, and "tool_calls" whenever calls were made.
                        if made_calls:
                            reason = "tool_calls"
                        elif reason == "cancelled":
                            reason = "stop"
                        yield self._writer.finish(reason)
                        if self._include_usage:
                            yield self._writer.usage(usage)
                        self._status = "200"
                        return
                event = await anext(self._events, None)
            raise EngineError("the engine's stream ended without a Finished event")
        except Exception as exc:
            self._status = str(to_error_body(exc).status)
            raise
        finally:
            await self._finish()

    async def collect(self) -> list[dict[str, Any]]:
        try:
            return [chunk async for chunk in self._gen]
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        await self._gen.aclose()
        await self._finish()  # a stream never iterated has no generator frame to clean up

    async def _finish(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await aclose_iter(self._events)
        finally:
            self._release()
            self._timer.done(self._status or CLIENT_CLOSED)
