"""Test doubles for the latency lab: a virtual clock, a scripted ChatClient, and a tiny
OpenAI-compatible HTTP server (FastAPI + uvicorn on 127.0.0.1) that streams a ChatClient's
events as real SSE chunks."""


import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from quickturn.llm.types import (
    ChatRequest,
    Finished,
    LLMEvent,
    TextDelta,
    ToolCallEvent,
    Usage,
)
from quickturn.tools.types import ToolCall


class VirtualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, dt: float) -> None:
        self.now += dt


# One scripted step: wait `delay_s` of virtual time, then emit text, a call, Finished ("finish"),
# raise an exception, or ("hang",) to block forever.
Step = tuple[float, str | ToolCall | Exception]
Script = Callable[[ChatRequest], list[Step]]


@dataclass
class ScriptedClient:
    """A ChatClient whose replies are scripted per request, on a virtual clock."""

    script: Script
    clock: VirtualClock = field(default_factory=VirtualClock)
    requests: list[ChatRequest] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    closed: int = 0

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        self.requests.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            for delay, item in self.script(request):
                self.clock.advance(delay)
                await asyncio.sleep(0)  # a real await point, so conversations interleave
                if isinstance(item, Exception):
                    raise item
                if isinstance(item, ToolCall):
                    yield ToolCallEvent(item, self.clock())
                elif item == "finish":
                    yield Finished("stop", Usage(100, 10, 80), self.clock())
                elif item == "hang":
                    await asyncio.Event().wait()
                else:
                    yield TextDelta(item, self.clock())
        finally:
            self.in_flight -= 1
            self.closed += 1

    async def aclose(self) -> None:
        pass


def hotel_script(request: ChatRequest) -> list[Step]:
    """Books when asked to book (one tool call, then words); otherwise answers in two sentences."""
    last = request.messages[-1]
    if last["role"] == "tool":
        return [(0.1, "Done."), (0.02, " Anything else?"), (0.01, "finish")]
    text = str(last.get("content", "")).lower()
    if "book" in text and request.tool_choice != "none":
        call = ToolCall(f"call_{len(request.messages)}", "create_reservation", {"guest_name": "M"})
        return [(0.3, call), (0.01, "finish")]
    return [(0.2, "Sure"), (0.05, ", happy to help."), (0.05, " What"), (0.05, " else?"),
            (0.01, "finish")]


# ---------------------------------------------------------------- OpenAI-compatible HTTP server


def openai_app(engine: Any, seen: list[dict[str, Any]]) -> Any:
    """A FastAPI app serving ``engine`` (a ChatClient) as /v1/chat/completions, streaming only."""
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse, StreamingResponse

    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Any:
        body = await request.json()
        seen.append(body)
        if body.get("model") == "broken":
            return JSONResponse({"error": {"message": "no such model", "type": "invalid"}}, 404)
        req = ChatRequest(
            messages=body["messages"],
            tools=body.get("tools") or [],
            tool_choice=body.get("tool_choice", "auto"),
            max_tokens=body.get("max_tokens", 256),
        )

        async def sse() -> AsyncIterator[bytes]:
            def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
                payload = {"id": "c1", "object": "chat.completion.chunk", "created": 0,
                           "model": "fake",
                           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                return f"data: {json.dumps(payload)}\n\n".encode()

            yield chunk({"role": "assistant"})
            index = 0
            async for event in engine.stream(req):
                match event:
                    case TextDelta(text=text):
                        yield chunk({"content": text})
                    case ToolCallEvent(call=call):
                        yield chunk({"tool_calls": [{
                            "index": index, "id": call.id, "type": "function",
                            "function": {"name": call.name, "arguments": call.arguments_json()},
                        }]})
                        index += 1
                    case Finished(finish_reason=reason, usage=usage):
                        yield chunk({}, "tool_calls" if index else reason)
                        usage_payload = {
                            "id": "c1", "object": "chat.completion.chunk", "created": 0,
                            "model": "fake", "choices": [],
                            "usage": {"prompt_tokens": usage.prompt_tokens,
                                      "completion_tokens": usage.completion_tokens,
                                      "total_tokens": usage.total_tokens},
                        }
                        yield f"data: {json.dumps(usage_payload)}\n\n".encode()
            yield b"data: [DONE]\n\n"

        return StreamingResponse(sse(), media_type="text/event-stream")

    return app


@contextmanager
def server_in_thread(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free 127.0.0.1 port from a background thread (for code under test that
    runs its own event loop, like the CLI)."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # Start-up wait only (the server's own readiness flag); no test timing depends on it.
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
