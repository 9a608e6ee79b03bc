"""The FastAPI app: thin routes over :class:`ChatHandler`.

Routes: ``POST /v1/chat/completions``, ``GET /v1/models``, ``GET /health``, ``GET /metrics``.
The app owns no engine lifetime: whoever built the engine closes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from quickturn.gateway.admission import AdmissionController
from quickturn.gateway.handler import ChatHandler
from quickturn.gateway.http import authorize, error_response
from quickturn.gateway.metrics import GatewayMetrics
from quickturn.gateway.options import Engine, GatewayOptions
from quickturn.gateway.routing import ReplicaRouter


def create_app(
    engine: Engine,
    options: GatewayOptions | None = None,
    *,
    admission: AdmissionController | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> FastAPI:
    options = options or GatewayOptions()
    metrics = GatewayMetrics()
    admission = admission or AdmissionController(options.admission)
    handler = ChatHandler(engine, options, admission, metrics, clock=clock)
    app = FastAPI(title="quickturn gateway", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.handler = handler
    app.state.metrics = metrics
    created = int(time.time())

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        return await handler.chat_completions(request)

    @app.get("/v1/models")
    async def models(request: Request) -> Response:
        try:
            authorize(request, options.api_keys)
        except Exception as exc:
            return error_response(exc)
        data: list[dict[str, Any]] = [
            {"id": name, "object": "model", "created": created, "owned_by": "quickturn"}
            for name in options.served_names()
        ]
        return JSONResponse({"object": "list", "data": data})

    @app.get("/health")
    async def health() -> Response:
        body: dict[str, Any] = {
            "status": "ok",
            "engine": engine.label,
            "running": admission.running,
            "queued": admission.queued,
            "max_concurrency": admission.options.max_concurrency,
        }
        if isinstance(engine.client, ReplicaRouter):
            body["replicas"] = engine.client.status()
        return JSONResponse(body)

    @app.get("/metrics")
    async def prometheus() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> Response:
        return JSONResponse(
            {
                "error": {
                    "message": f"no route {request.url.path}",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "not_found",
                }
            },
            status_code=404,
        )

    @app.exception_handler(405)
    async def bad_method(request: Request, exc: Exception) -> Response:
        return JSONResponse(
            {
                "error": {
                    "message": f"method {request.method} not allowed on {request.url.path}",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "method_not_allowed",
                }
            },
            status_code=405,
        )

    return app
