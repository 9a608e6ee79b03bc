"""The OpenAI-compatible gateway behind ``quickturn serve``.

- ``app``: FastAPI routes (thin) over ``handler.ChatHandler`` (validate, admit, stream, fold).
- ``protocol``: request model, validation into a ChatRequest, response chunks and their fold.
- ``chunk_stream``: engine events of one admitted generation turned into response chunks.
- ``admission``: concurrency cap, interactive-over-batch priority, queue budget (429).
- ``routing``: upstream replicas with conversation affinity, least-loaded choice, fail-over.
- ``metrics``: Prometheus text metrics; ``timing``: per-request TTFT, TTFS, ITL, queue wait.
- ``http``: bounded body reads, API keys, disconnect watching, SSE and error responses.
- ``api_errors``: the OpenAI error envelope and the exception-to-status mapping.
- ``options``: GatewayOptions and the Engine (client + metrics label) being served.
- ``streams``: closing event streams, racing work against a client disconnect.
- ``server``: uvicorn in the current event loop; ``command``: the CLI entry point.
- ``testing``: the scripted engine, a deterministic test double (``--engine scripted``).
"""
