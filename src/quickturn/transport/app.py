"""The talk server's routes: the page, WebRTC signalling, the WebSocket and phone endpoints.

Thin routes: each checks the token, accepts, and hands the connection to its transport. The
app owns the calls in progress (``CallRegistry``) and cancels them on shutdown; it holds no
model and no LLM key: the handler it is given does, and nothing of it reaches the page.
"""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.datastructures import Headers

from quickturn.transport.call import CallHandler, CallRegistry
from quickturn.transport.options import TransportOptions
from quickturn.transport.socket import StarletteSocket
from quickturn.transport.twilio import serve_twilio
from quickturn.transport.websocket import serve_websocket

STATIC_FILES = ("index.html", "talk.js", "waterfall.js", "talk.css")


def token_ok(options: TransportOptions, headers: Headers, params: dict[str, str]) -> bool:
    if not options.token:
        return True
    given = params.get("token", "")
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    return hmac.compare_digest(given.encode(), options.token.encode())


def create_app(handler: CallHandler, options: TransportOptions | None = None) -> FastAPI:
    options = options or TransportOptions()
    registry = CallRegistry()
    web = resources.files("quickturn.transport") / "web"
    webrtc: Any = None

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if webrtc is not None:
            await webrtc.aclose()

    app = FastAPI(title="quickturn talk", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.registry = registry

    def denied() -> Response:
        return JSONResponse({"error": "missing or wrong token"}, status_code=401)

    @app.get("/")
    async def index(request: Request) -> Response:
        if not token_ok(options, request.headers, dict(request.query_params)):
            return denied()
        return FileResponse(str(web / "index.html"), media_type="text/html")

    @app.get("/static/{name}")
    async def static(name: str) -> Response:
        # A fixed list: no path from the request ever reaches the file system.
        if name not in STATIC_FILES:
            return JSONResponse({"error": "not found"}, status_code=404)
        kind = {"js": "text/javascript", "css": "text/css", "html": "text/html"}
        return FileResponse(str(web / name), media_type=kind[name.rsplit(".", 1)[1]])

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "calls": len(registry.active), "total_calls": registry.total}

    @app.post("/offer")
    async def offer(request: Request) -> Response:
        nonlocal webrtc
        if not token_ok(options, request.headers, dict(request.query_params)):
            return denied()
        if len(registry.active) >= options.max_calls:
            return JSONResponse({"error": "too many calls"}, status_code=503)
        try:
            body = await request.json()
            sdp, kind = str(body["sdp"]), str(body["type"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "body must be {sdp, type} JSON"}, status_code=400)
        if webrtc is None:
            from quickturn.transport.webrtc import WebRTCCalls  # aiortc only when used

            webrtc = WebRTCCalls(handler, registry, options)
        answer = await webrtc.answer(sdp, kind)
        if answer is None:
            return JSONResponse({"error": "not an SDP offer with audio"}, status_code=400)
        return JSONResponse(answer)

    async def accept(ws: WebSocket) -> StarletteSocket | None:
        params = dict(ws.query_params)
        if not token_ok(options, ws.headers, params) and ws.url.path != "/twilio":
            await ws.close(1008, "missing or wrong token")
            return None
        if len(registry.active) >= options.max_calls:
            await ws.close(1013, "too many calls")
            return None
        await ws.accept()
        return StarletteSocket(ws)

    @app.websocket("/ws")
    async def websocket(ws: WebSocket) -> None:
        if (sock := await accept(ws)) is not None:
            await serve_websocket(sock, handler, registry, options, dict(ws.query_params))

    @app.websocket("/twilio")
    async def twilio(ws: WebSocket) -> None:
        # A phone provider may pass the token only inside 'start' (customParameters).
        if (sock := await accept(ws)) is not None:
            headers = ws.headers
            await serve_twilio(
                sock, handler, registry, options, dict(ws.query_params),
                authorize=lambda params: token_ok(options, headers, params),
            )

    return app
