"""The chat-completions handler: validate, admit, start the engine, stream or fold chunks.

Order of work for one request: authenticate, read the bounded body, validate, wait for
admission (429 when the queue budget runs out), start the engine and wait for its first event,
and only then answer. Errors up to that point get a real HTTP status (an upstream that is down
is a 502, not a 200 with an error inside); later ones go out in-band. A client that disconnects
at any point cancels what is running for it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import replace

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from quickturn.errors import EngineError
from quickturn.gateway.admission import AdmissionController
from quickturn.gateway.api_errors import APIError
from quickturn.gateway.chunk_stream import CLIENT_CLOSED, ChunkStream
from quickturn.gateway.http import (
    SSEResponse,
    authorize,
    error_response,
    read_json_body,
    wait_disconnect,
)
from quickturn.gateway.metrics import GatewayMetrics
from quickturn.gateway.options import Engine, GatewayOptions
from quickturn.gateway.protocol import (
    ChatCompletionRequest,
    ChunkWriter,
    fold_chunks,
    parse_request,
    to_chat_request,
)
from quickturn.gateway.reply import reply_events
from quickturn.gateway.routing import ReplicaRouter
from quickturn.gateway.streams import aclose_iter, race_cancel
from quickturn.gateway.timing import RequestTimer
from quickturn.llm.types import ChatRequest, Priority

PRIORITY_HEADER = "x-quickturn-priority"
CONVERSATION_HEADER = "x-quickturn-conversation-id"


class ChatHandler:
    def __init__(
        self,
        engine: Engine,
        options: GatewayOptions,
        admission: AdmissionController,
        metrics: GatewayMetrics,
        *,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.engine = engine
        self.options = options
        self.admission = admission
        self.metrics = metrics
        self._clock = clock
        self._engine = engine.label

    async def chat_completions(self, request: Request) -> Response:
        arrived_s = self._clock()
        timer = RequestTimer(self.metrics, self._engine, arrived_s, self._clock)
        try:
            authorize(request, self.options.api_keys)
            parsed = parse_request(await read_json_body(request, self.options.max_body_bytes))
            chat = self._chat_request(parsed, request)
            finished, stream = await race_cancel(
                self.start(chat, parsed, timer), wait_disconnect(request)
            )
        except Exception as exc:
            response = error_response(exc)
            timer.done(str(response.status_code))
            return response
        if not finished or stream is None:
            timer.done(CLIENT_CLOSED)
            return Response(status_code=499)
        if parsed.stream:
            return SSEResponse(stream)
        try:
            finished, chunks = await race_cancel(stream.collect(), wait_disconnect(request))
        except Exception as exc:  # the stream has already counted its own status
            return error_response(exc)
        if not finished or chunks is None:
            return Response(status_code=499)
        return JSONResponse(fold_chunks(chunks))

    def _chat_request(self, parsed: ChatCompletionRequest, request: Request) -> ChatRequest:
        engine_model = self.options.engine_model(parsed.model)
        if engine_model is None:
            raise APIError(
                404,
                f"the model {parsed.model!r} does not exist; this server serves "
                f"{self.options.served_names()}",
                param="model",
                code="model_not_found",
            )
        priority: Priority = parsed.priority or "interactive"
        header = request.headers.get(PRIORITY_HEADER)
        if header is not None:
            if header not in ("interactive", "batch"):
                raise APIError(400, f"{PRIORITY_HEADER} must be 'interactive' or 'batch'")
            priority = "batch" if header == "batch" else "interactive"
        conversation = (
            request.headers.get(CONVERSATION_HEADER) or parsed.conversation_id or parsed.user
        )
        chat = to_chat_request(
            parsed, self.options.limits, priority=priority, conversation_id=conversation
        )
        return replace(chat, model=engine_model)

    async def start(
        self, chat: ChatRequest, parsed: ChatCompletionRequest, timer: RequestTimer
    ) -> ChunkStream:
        """Admit the request and wait for the engine's first event (fail-over happens inside
        the engine); everything acquired is released if this does not return."""
        queued = self.metrics.queued.labels(self._engine)
        queued.inc()
        try:
            ticket = await self.admission.acquire(chat.priority)
        finally:
            queued.dec()
        timer.queue_wait(ticket.queue_wait_s)
        in_flight = self.metrics.in_flight.labels(self._engine)
        in_flight.inc()
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                in_flight.dec()
                ticket.release()

        events = reply_events(self.engine.client, chat, self.options.reply)
        try:
            first = await anext(events, None)
            if first is None:
                raise EngineError("the engine's stream ended without any event")
        except BaseException:
            try:
                await aclose_iter(events)
            finally:
                release()
            raise
        timer.serving(parsed.model, self._upstream(chat))
        include_usage = bool(parsed.stream_options and parsed.stream_options.include_usage)
        writer = ChunkWriter(
            f"chatcmpl-{uuid.uuid4().hex[:24]}",
            int(time.time()),
            parsed.model,
            include_usage=include_usage or not parsed.stream,
        )
        return ChunkStream(
            writer, events, first, release, timer, include_usage or not parsed.stream
        )

    def _upstream(self, chat: ChatRequest) -> str:
        """The replica that took the request (the router has just remembered it)."""
        client = self.engine.client
        if isinstance(client, ReplicaRouter):
            return client.affine_replica(chat) or self._engine
        return self._engine
