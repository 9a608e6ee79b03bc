"""The transport benchmark's bookkeeping: what counts as a held call (the runs themselves are
benchmarks, not tests)."""

from __future__ import annotations

from quickturn.transport.bench import held, summary


def _step(n: int, a2a: list[float | None]) -> dict[str, object]:
    return {"calls_at_once": n, **summary(a2a)}


def test_held_is_the_last_step_before_the_first_past_the_limit() -> None:
    steps = [_step(1, [900, 1000]), _step(2, [1100, 1400]), _step(3, [1200, 1700]),
             _step(4, [1000, 1100])]
    assert held(steps, 1500) == 2  # step 3's p95 passed 1.5 s; step 4 no longer counts
    assert held(steps, 2000) == 4
    assert held(steps, 800) == 0


def test_an_unanswered_turn_fails_its_step() -> None:
    assert held([_step(1, [900]), _step(2, [900, None])], 1500) == 1


def test_summary_reports_the_servers_reply_latency_beside_a2a() -> None:
    server = [{"first_reply_out_ms": 1800.0, "filler": "Okay."},
              {"first_reply_out_ms": 1000.0, "filler": None}]
    out = summary([700, 1000], server)
    assert out["a2a_p50_ms"] == 850 and out["answered"] == 2
    assert out["server_reply_p50_ms"] == 1400 and out["fillers"] == 1
