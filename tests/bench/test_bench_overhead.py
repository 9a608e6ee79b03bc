"""Gateway overhead: the real gateway app in this process vs the same engine called directly."""

from __future__ import annotations

import json

import pytest
from bench_fakes import ScriptedClient, VirtualClock, hotel_script

from quickturn.bench.overhead import (
    OverheadOptions,
    format_overhead,
    gateway_overhead,
    measure_overhead,
)
from quickturn.bench.workload import load_workload
from quickturn.errors import ConfigError, UpstreamError
from quickturn.llm.types import ChatRequest

WORKLOAD = load_workload("synthetic")


async def test_abba_order_and_exact_per_route_stats() -> None:
    clock = VirtualClock()
    order: list[str] = []

    def script_for(route: str, ttft: float):  # type: ignore[no-untyped-def]
        def script(_req: ChatRequest) -> list[tuple[float, str]]:
            order.append(route)
            return [(ttft, "Sure."), (0.1, " Bye."), (0.0, "finish")]
        return script

    direct = ScriptedClient(script_for("d", 0.2), clock)
    gateway = ScriptedClient(script_for("g", 0.25), clock)
    result = await measure_overhead(direct, gateway, WORKLOAD, OverheadOptions(pairs=3),
                                    clock=clock)
    assert order == ["d", "g", "g", "d", "d", "g", "g", "d"]  # warmup pair + ABBA
    assert direct.requests[1] == gateway.requests[1]  # a pair shares one request
    assert len(direct.requests[1].tools) == 40
    assert result.overhead_s("ttft_s") == pytest.approx(0.05)
    assert result.overhead_s("total_s") == pytest.approx(0.05)
    assert len(result.replies) == 6 and result.failures("gateway") == 0
    assert json.loads(json.dumps(result.to_json()))["overhead_p50_s"]["ttft_s"] == pytest.approx(
        0.05)
    assert "+50.0 ms" in format_overhead(result)


async def test_failures_are_counted_not_raised() -> None:
    clock = VirtualClock()
    ok = ScriptedClient(lambda _r: [(0.1, "Hi."), (0.0, "finish")], clock)
    broken = ScriptedClient(lambda _r: [(0.1, UpstreamError("down"))], clock)
    result = await measure_overhead(ok, broken, WORKLOAD, OverheadOptions(pairs=2, warmup_pairs=0),
                                    clock=clock)
    assert result.failures("gateway") == 2 and result.failures("direct") == 0
    assert result.overhead_s("ttft_s") is None
    assert "gateway overhead, ttft p50: -" in format_overhead(result)


async def test_paired_mean_cancels_the_cache_advantage_of_going_second() -> None:
    # Whichever route goes second in a pair finds the prompt cached (0.1 s instead of 1.0 s);
    # the gateway adds 0.02 s. With two pairs the p50s mix both clusters; the pairs do not.
    clock = VirtualClock()
    seen: set[int] = set()

    def script_for(extra: float):  # type: ignore[no-untyped-def]
        def script(req: ChatRequest) -> list[tuple[float, str]]:
            key = id(req)
            cold = key not in seen
            seen.add(key)
            return [((1.0 if cold else 0.1) + extra, "Sure."), (0.0, "finish")]
        return script

    direct = ScriptedClient(script_for(0.0), clock)
    gateway = ScriptedClient(script_for(0.02), clock)
    result = await measure_overhead(direct, gateway, WORKLOAD,
                                    OverheadOptions(pairs=2, warmup_pairs=0), clock=clock)
    assert result.paired_overhead_s("ttft_s") == pytest.approx(0.02)
    assert result.to_json()["overhead_paired_mean_s"]["total_s"] == pytest.approx(0.02)
    assert "ttft paired mean: +20.0 ms" in format_overhead(result)


def test_options_validation() -> None:
    with pytest.raises(ConfigError):
        OverheadOptions(pairs=0)
    with pytest.raises(ConfigError):
        OverheadOptions(max_tokens=0)


async def test_real_gateway_adds_measurable_but_small_overhead() -> None:
    pytest.importorskip("fastapi", reason="the gateway needs quickturn[server]")
    engine = ScriptedClient(hotel_script)  # instant replies: what remains is the gateway's cost
    result = await gateway_overhead(engine, WORKLOAD, OverheadOptions(pairs=6, max_tokens=16))
    assert result.failures("direct") == 0 and result.failures("gateway") == 0
    texts = {route: {r.text for name, r in result.replies if name == route}
             for route in ("direct", "gateway")}
    assert texts["direct"] == texts["gateway"]  # the same engine answered both routes
    ttft = result.overhead_s("ttft_s")
    assert ttft is not None
    # HTTP + JSON + SSE on loopback must cost something, and far less than a model turn.
    assert 0 < ttft < 0.5
    print(format_overhead(result))
