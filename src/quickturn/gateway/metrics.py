"""Gateway metrics in the Prometheus text format (written here; no prometheus_client needed).

Every series is labelled with the engine, so one scrape compares an embedded model with its
upstream replicas. A :class:`GatewayMetrics` belongs to one app instance: no global registry.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Latency buckets (s): voice work lives between 50 ms and a few seconds; cold prefills go beyond.
LATENCY_BUCKETS_S: tuple[float, ...] = (
    0.01,
    0.025,
    0.05,
    0.1,
    0.15,
    0.2,
    0.3,
    0.4,
    0.5,
    0.75,
    1.0,
    1.5,
    2.0,
    3.0,
    5.0,
    10.0,
    30.0,
    120.0,
)
ITL_BUCKETS_S: tuple[float, ...] = (
    0.005,
    0.01,
    0.02,
    0.03,
    0.05,
    0.075,
    0.1,
    0.15,
    0.2,
    0.3,
    0.5,
    1.0,
    2.0,
)

Labels = tuple[tuple[str, str], ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Labels, extra: Labels = ()) -> str:
    items = labels + extra
    if not items:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in items) + "}"


def _num(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


@dataclass
class Counter:
    name: str
    help: str
    values: dict[Labels, float] = field(default_factory=dict)

    def inc(self, labels: Labels, amount: float = 1.0) -> None:
        if amount < 0:
            raise ValueError("a counter only goes up")
        self.values[labels] = self.values.get(labels, 0.0) + amount

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} counter"
        for labels, value in sorted(self.values.items()):
            yield f"{self.name}{_labels(labels)} {_num(value)}"


@dataclass
class Gauge:
    name: str
    help: str
    values: dict[Labels, float] = field(default_factory=dict)

    def add(self, labels: Labels, amount: float) -> None:
        self.values[labels] = self.values.get(labels, 0.0) + amount

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} gauge"
        for labels, value in sorted(self.values.items()):
            yield f"{self.name}{_labels(labels)} {_num(value)}"


@dataclass
class _Series:
    buckets: list[int]
    sum: float = 0.0
    count: int = 0


@dataclass
class Histogram:
    name: str
    help: str
    buckets: Sequence[float]
    series: dict[Labels, _Series] = field(default_factory=dict)

    def observe(self, labels: Labels, value: float) -> None:
        s = self.series.get(labels)
        if s is None:
            s = self.series[labels] = _Series([0] * len(self.buckets))
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                s.buckets[i] += 1
        s.sum += value
        s.count += 1

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        for labels, s in sorted(self.series.items()):
            for bound, n in zip(self.buckets, s.buckets, strict=True):
                yield f"{self.name}_bucket{_labels(labels, (('le', _num(bound)),))} {n}"
            yield f"{self.name}_bucket{_labels(labels, (('le', '+Inf'),))} {s.count}"
            yield f"{self.name}_sum{_labels(labels)} {_num(s.sum)}"
            yield f"{self.name}_count{_labels(labels)} {s.count}"


class GatewayMetrics:
    """The gateway's series. Latencies in seconds, measured from request arrival."""

    def __init__(self) -> None:
        p = "quickturn_gateway_"
        self.requests = Counter(p + "requests_total", "Chat requests by engine and final status.")
        self.ttft = Histogram(
            p + "ttft_seconds", "Arrival to first token (text or tool call).", LATENCY_BUCKETS_S
        )
        self.ttfs = Histogram(
            p + "ttfs_seconds", "Arrival to the end of the first sentence.", LATENCY_BUCKETS_S
        )
        self.itl = Histogram(
            p + "inter_token_seconds", "Gap between consecutive streamed deltas.", ITL_BUCKETS_S
        )
        self.queue_wait = Histogram(
            p + "queue_wait_seconds", "Time spent waiting for admission.", LATENCY_BUCKETS_S
        )
        self.duration = Histogram(
            p + "request_duration_seconds", "Arrival to the last byte.", LATENCY_BUCKETS_S
        )
        self.prompt_tokens = Counter(p + "prompt_tokens_total", "Prompt tokens processed.")
        self.completion_tokens = Counter(p + "completion_tokens_total", "Tokens generated.")
        self.cached_tokens = Counter(
            p + "cached_prompt_tokens_total", "Prompt tokens served from the KV cache."
        )
        self.in_flight = Gauge(p + "in_flight", "Generations running now.")
        self.queued = Gauge(p + "queued", "Requests waiting for admission now.")

    def render(self) -> str:
        parts = (
            self.requests,
            self.ttft,
            self.ttfs,
            self.itl,
            self.queue_wait,
            self.duration,
            self.prompt_tokens,
            self.completion_tokens,
            self.cached_tokens,
            self.in_flight,
            self.queued,
        )
        return "\n".join(line for metric in parts for line in metric.render()) + "\n"


def engine_labels(engine: str) -> Labels:
    return (("engine", engine),)
