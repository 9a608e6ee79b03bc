"""Gateway overhead: the same requests on the same engine, through the gateway and directly.

Both routes run in this process against one engine, so the difference is what the gateway adds
(HTTP, JSON, SSE framing, admission, routing), not the model. Requests are production-shaped (the
workload's system prompt and tools plus one caller line) and run one at a time, in ABBA order
over pairs that share a request: whichever route goes second in a pair finds the whole prompt in
the engine's prefix cache, and alternating the order gives each route that advantage equally.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quickturn.bench.stats import Distribution, distributions
from quickturn.bench.timing import TimedReply, timed_stream
from quickturn.bench.workload import Workload, conversations
from quickturn.errors import ConfigError, MissingDependencyError
from quickturn.llm.types import ChatClient, ChatRequest

ROUTES = ("direct", "gateway")
_METRICS = ("ttft_s", "total_s")


@dataclass(frozen=True)
class OverheadOptions:
    pairs: int = 10
    warmup_pairs: int = 1
    max_tokens: int = 32
    request_timeout_s: float | None = 300.0

    def __post_init__(self) -> None:
        if self.pairs < 1 or self.warmup_pairs < 0:
            raise ConfigError("pairs must be >= 1 and warmup_pairs >= 0")
        if self.max_tokens < 1:
            raise ConfigError("max_tokens must be >= 1")


@dataclass(frozen=True)
class OverheadResult:
    """Per-route distributions of TTFT and total time (seconds), plus every raw reply."""

    routes: dict[str, dict[str, Distribution | None]] = field(hash=False)
    replies: list[tuple[str, TimedReply]] = field(hash=False)

    def overhead_s(self, metric: str = "ttft_s", stat: str = "p50") -> float | None:
        """gateway minus direct for one statistic; None if either route has no successes."""
        gateway = self.routes["gateway"].get(metric)
        direct = self.routes["direct"].get(metric)
        if gateway is None or direct is None:
            return None
        value: float = getattr(gateway, stat) - getattr(direct, stat)
        return value

    def paired_overhead_s(self, metric: str = "ttft_s") -> float | None:
        """Mean over pairs of gateway minus direct. In ABBA order the pair's second request finds
        the whole prompt cached, so the per-route p50s of a few pairs fall between a fast and a
        slow cluster and their difference mostly measures which route went second; the paired
        mean cancels that. None when no pair has both routes measured."""
        diffs: list[float] = []
        for i in range(0, len(self.replies) - 1, 2):
            pair = dict(self.replies[i : i + 2])
            g, d = pair.get("gateway"), pair.get("direct")
            if g is None or d is None or not (g.ok and d.ok):
                continue
            a, b = getattr(g, metric), getattr(d, metric)
            if a is not None and b is not None:
                diffs.append(a - b)
        return sum(diffs) / len(diffs) if diffs else None

    def failures(self, route: str) -> int:
        return sum(1 for r, reply in self.replies if r == route and not reply.ok)

    def to_json(self) -> dict[str, Any]:
        return {
            "routes": {
                route: {m: None if d is None else d.to_json() for m, d in metrics.items()}
                for route, metrics in self.routes.items()
            },
            "overhead_p50_s": {m: self.overhead_s(m) for m in _METRICS},
            "overhead_paired_mean_s": {m: self.paired_overhead_s(m) for m in _METRICS},
            "failures": {route: self.failures(route) for route in ROUTES},
        }


def _requests(workload: Workload, count: int, max_tokens: int) -> list[ChatRequest]:
    lines = [line for conv in conversations(5) for line in conv.user_turns]
    prefix = workload.first_messages()
    return [
        ChatRequest(
            messages=[*prefix, {"role": "user", "content": lines[i % len(lines)]}],
            tools=workload.tools,
            max_tokens=max_tokens,
            conversation_id=f"overhead-{i}",
        )
        for i in range(count)
    ]


async def measure_overhead(
    direct: ChatClient,
    gateway: ChatClient,
    workload: Workload,
    options: OverheadOptions = OverheadOptions(),
    *,
    clock: Callable[[], float] = time.perf_counter,
) -> OverheadResult:
    """Time ``pairs`` requests on each route; the first ``warmup_pairs`` pairs are discarded."""
    clients = {"direct": direct, "gateway": gateway}
    total = options.warmup_pairs + options.pairs
    replies: list[tuple[str, TimedReply]] = []
    for i, request in enumerate(_requests(workload, total, options.max_tokens)):
        order = ROUTES if i % 2 == 0 else ROUTES[::-1]
        for route in order:
            reply = await timed_stream(
                clients[route], request, clock=clock, timeout_s=options.request_timeout_s
            )
            if i >= options.warmup_pairs:
                replies.append((route, reply))
    routes = {
        route: distributions(
            ({"ttft_s": r.ttft_s, "total_s": r.total_s} for name, r in replies
             if name == route and r.ok),
            _METRICS,
        )
        for route in ROUTES
    }
    return OverheadResult(routes, replies)


def format_overhead(result: OverheadResult) -> str:
    lines = ["route     ttft p50  ttft p95  total p50  total p95  failures"]
    for route in ROUTES:
        cells = []
        for metric in _METRICS:
            d = result.routes[route].get(metric)
            cells += ["-", "-"] if d is None else [f"{d.p50 * 1000:.1f}", f"{d.p95 * 1000:.1f}"]
        lines.append(
            f"{route:<8}{cells[0]:>10}{cells[1]:>10}{cells[2]:>11}{cells[3]:>11}"
            f"{result.failures(route):>10}"
        )
    for metric in _METRICS:
        diff = result.overhead_s(metric)
        shown = "-" if diff is None else f"{diff * 1000:+.1f} ms"
        lines.append(f"gateway overhead, {metric.removesuffix('_s')} p50: {shown}")
        paired = result.paired_overhead_s(metric)
        shown = "-" if paired is None else f"{paired * 1000:+.1f} ms"
        lines.append(f"gateway overhead, {metric.removesuffix('_s')} paired mean: {shown}")
    return "\n".join(lines)


async def gateway_overhead(
    engine: ChatClient,
    workload: Workload,
    options: OverheadOptions = OverheadOptions(),
    *,
    engine_label: str = "bench",
    clock: Callable[[], float] = time.perf_counter,
) -> OverheadResult:
    """Serve ``engine`` through the real gateway on a loopback port of this process and compare
    it with calling ``engine`` directly. The engine is not closed (its owner closes it)."""
    # Imported here: the gateway pulls in FastAPI and uvicorn, which only this benchmark needs.
    try:
        from quickturn.gateway.app import create_app
        from quickturn.gateway.options import Engine, GatewayOptions
        from quickturn.gateway.server import running
    except ImportError as exc:
        raise MissingDependencyError("the gateway", "pip install 'quickturn[server]'") from exc
    from quickturn.llm.openai_compat import OpenAICompatClient

    gateway_options = GatewayOptions()
    app = create_app(Engine(engine_label, engine), gateway_options)
    async with running(app) as url:
        timeout = options.request_timeout_s or 300.0
        model = gateway_options.model_names[0]
        via = OpenAICompatClient(f"{url}/v1", model=model, timeout_s=timeout)
        try:
            return await measure_overhead(engine, via, workload, options, clock=clock)
        finally:
            await via.aclose()
