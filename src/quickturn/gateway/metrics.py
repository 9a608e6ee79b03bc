"""Gateway metrics, written with ``prometheus-client``.

Latency series are labelled with the engine, the model asked for and the upstream replica that
served it (``embedded``/``scripted`` for in-process engines), so one scrape compares an embedded
model with its upstreams. A :class:`GatewayMetrics` owns its own ``CollectorRegistry`` (one per
app instance): nothing is registered globally.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Latency buckets (s): voice work lives between 50 ms and a few seconds; cold prefills go beyond.
LATENCY_BUCKETS_S: tuple[float, ...] = (
    0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0,
    120.0,
)  # fmt: skip
ITL_BUCKETS_S: tuple[float, ...] = (
    0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.0,
)  # fmt: skip

REQUEST = ("engine",)
SERVED = ("engine", "model", "upstream")


class GatewayMetrics:
    """The gateway's series. Latencies in seconds, measured from request arrival."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        p = "quickturn_gateway_"
        r = self.registry
        self.requests = Counter(
            p + "requests", "Chat requests by engine and final status.", [*REQUEST, "status"],
            registry=r,
        )
        self.ttft = Histogram(
            p + "ttft_seconds", "Arrival to first token (text or tool call).", SERVED,
            buckets=LATENCY_BUCKETS_S, registry=r,
        )
        self.ttfs = Histogram(
            p + "ttfs_seconds", "Arrival to the end of the first sentence.", SERVED,
            buckets=LATENCY_BUCKETS_S, registry=r,
        )
        self.itl = Histogram(
            p + "inter_token_seconds", "Gap between consecutive streamed deltas.", SERVED,
            buckets=ITL_BUCKETS_S, registry=r,
        )
        self.queue_wait = Histogram(
            p + "queue_wait_seconds", "Time spent waiting for admission.", REQUEST,
            buckets=LATENCY_BUCKETS_S, registry=r,
        )
        self.duration = Histogram(
            p + "request_duration_seconds", "Arrival to the last byte.", REQUEST,
            buckets=LATENCY_BUCKETS_S, registry=r,
        )
        self.prompt_tokens = Counter(
            p + "prompt_tokens", "Prompt tokens processed.", SERVED, registry=r
        )
        self.completion_tokens = Counter(
            p + "completion_tokens", "Tokens generated.", SERVED, registry=r
        )
        self.cached_tokens = Counter(
            p + "cached_prompt_tokens", "Prompt tokens served from the KV cache.", SERVED,
            registry=r,
        )
        self.tool_calls = Counter(
            p + "tool_calls", "Tool calls sent, by origin (repaired from text or structured).",
            [*SERVED, "origin"], registry=r,
        )
        self.in_flight = Gauge(p + "in_flight", "Generations running now.", REQUEST, registry=r)
        self.queued = Gauge(
            p + "queued", "Requests waiting for admission now.", REQUEST, registry=r
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
