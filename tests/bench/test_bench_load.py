"""`quickturn bench load`: the real gateway in this process over the scripted engine, driven by
the real OpenAI client code; admission on refuses (429) what admission off queues."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from quickturn.bench.load import LevelResult, LoadOptions, LoadSample, QueueSnapshot
from quickturn.bench.load_report import capacity, format_load_table, summarize_level
from quickturn.bench.scrape import parse_histogram
from quickturn.cli import main
from quickturn.errors import ConfigError

pytest.importorskip("fastapi", reason="the gateway needs quickturn[server]")
pytest.importorskip("matplotlib", reason="charts need quickturn[bench]")


def test_load_against_the_in_process_gateway(tmp_path: Path) -> None:
    out = tmp_path / "load"
    code = main([
        "bench", "load", "--engine", "scripted", "--scripted-delay-ms", "15",
        "--concurrency", "1,3", "--requests", "6", "--workload", "synthetic",
        "--queue-budget-ms", "30", "--budget-ms", "2000", "--out", str(out), "--no-progress",
    ])
    assert code == 0
    data = json.loads((out / "load.json").read_text())
    summary = {(s["admission"], s["level"]): s for s in data["summary"]}
    assert set(summary) == {("on", 1), ("on", 3), ("off", 1), ("off", 3)}
    for s in summary.values():
        assert s["requests"] == 6  # bounded: exactly the request budget per level
    # One slot: three callers at once overflow a 30 ms queue budget with admission on ...
    assert summary[("on", 3)]["refused_429"] > 0
    # ... and wait in line instead with admission off, which the gateway's metrics show.
    off3 = summary[("off", 3)]
    assert off3["refused_429"] == 0 and off3["ok"] == 6
    assert off3["queue_wait_mean_s"] > summary[("off", 1)]["queue_wait_mean_s"]
    assert off3["ttft"]["p95"] > summary[("off", 1)]["ttft"]["p95"]
    assert data["capacity"]["on"] == 1 and data["capacity"]["off"] == 3
    statuses = {s["status"] for s in data["samples"]}
    assert statuses <= {"ok", "429"} and "429" in statuses
    for name in ("load_ttft.png", "load_429.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    assert "data:image/png;base64," in (out / "report.html").read_text()


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_url_is_recorded_as_failures(tmp_path: Path) -> None:
    out = tmp_path / "dead"
    code = main([
        "bench", "load", "--engine", f"http://127.0.0.1:{_dead_port()}/v1",
        "--concurrency", "2", "--requests", "3", "--workload", "synthetic", "--out", str(out),
        "--no-progress",
    ])
    assert code == 1  # nothing worked, and the run still wrote its data
    data = json.loads((out / "load.json").read_text())
    [level] = data["summary"]
    assert level["admission"] == "direct" and level["requests"] == 3 and level["failed"] == 3
    assert level["queue_wait_mean_s"] is None  # unknown, not zero
    assert data["capacity"] == {"direct": None}


def test_bad_flags_fail_before_anything_runs() -> None:
    with pytest.raises(ConfigError, match="--admission"):
        main_raise(["bench", "load", "--engine", "scripted", "--admission", "direct"])
    with pytest.raises(ConfigError, match="rise"):
        main_raise(["bench", "load", "--engine", "scripted", "--concurrency", "4,2"])
    with pytest.raises(ConfigError, match="URL"):
        main_raise(["bench", "load", "--engine", "vllm"])


def main_raise(argv: list[str]) -> int:
    from quickturn.cli import build_parser

    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


METRICS = """\
# TYPE quickturn_gateway_queue_wait_seconds histogram
quickturn_gateway_queue_wait_seconds_bucket{engine="e",le="0.1"} 3
quickturn_gateway_queue_wait_seconds_bucket{engine="e",le="0.5"} 4
quickturn_gateway_queue_wait_seconds_bucket{engine="e",le="+Inf"} 5
quickturn_gateway_queue_wait_seconds_sum{engine="e"} 2.5
quickturn_gateway_queue_wait_seconds_count{engine="e"} 5
quickturn_gateway_ttft_seconds_sum{engine="e"} 99
"""


def test_queue_wait_histogram_parsing_and_deltas() -> None:
    snap = parse_histogram(METRICS, "quickturn_gateway_queue_wait_seconds")
    assert snap is not None and snap.count == 5 and snap.sum_s == 2.5
    assert snap.mean_s() == 0.5
    assert snap.quantile_bound_s(0.5) == 0.1 and snap.quantile_bound_s(0.8) == 0.5
    assert snap.quantile_bound_s(0.95) == float("inf")
    before = QueueSnapshot(0.5, 3, ((0.1, 3), (0.5, 3), (float("inf"), 3)))
    delta = snap.minus(before)
    assert delta.count == 2 and delta.mean_s() == 1.0 and delta.quantile_bound_s(0.5) == 0.5
    assert parse_histogram("not prometheus at all", "quickturn_gateway_queue_wait_seconds") is None


def _sample(level: int, status: str, ttft: float | None) -> LoadSample:
    return LoadSample("on", level, 0, "c", 0, 0.0, ttft, ttft, status)


def test_capacity_stops_at_the_first_level_over_budget_or_refusing() -> None:
    levels = [
        LevelResult("on", 1, [_sample(1, "ok", 0.2)] * 4, 1.0, None),
        LevelResult("on", 2, [_sample(2, "ok", 0.4)] * 4, 1.0, None),
        LevelResult("on", 4, [_sample(4, "ok", 0.3), _sample(4, "429", None)], 1.0, None),
        LevelResult("on", 8, [_sample(8, "ok", 0.3)] * 4, 1.0, None),
    ]
    summaries = [summarize_level(r) for r in levels]
    assert summaries[2].refused_429 == 1 and summaries[2].failed == 0
    assert capacity(summaries, budget_s=0.5) == {"on": 2}
    assert capacity(summaries, budget_s=0.25) == {"on": 1}
    assert capacity(summaries, budget_s=0.1) == {"on": None}
    assert "admission on: 2" in format_load_table(summaries, 0.5)


def test_options_are_validated() -> None:
    with pytest.raises(ConfigError):
        LoadOptions(levels=())
    with pytest.raises(ConfigError):
        LoadOptions(levels=(1, 1))
    with pytest.raises(ConfigError):
        LoadOptions(max_requests=0)


def test_a_terminated_run_keeps_what_it_measured(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    out = tmp_path / "cut"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    # Under `timeout`, as a job runner would: it signals the child and then its process group,
    # so the run sees two SIGTERMs and must still write its results.
    proc = subprocess.Popen(
        ["timeout", "6", sys.executable, "-m", "quickturn", "bench", "load", "--engine", "scripted",
         "--scripted-delay-ms", "50", "--concurrency", "2", "--requests", "10000",
         "--admission", "off", "--workload", "synthetic", "--out", str(out), "--no-progress"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 124, err.decode()[-2000:]  # timeout's own code: it fired
    data = json.loads((out / "load.json").read_text())
    assert data["meta"]["interrupted"] is True
    [level] = data["summary"]
    assert level["level"] == 2 and level["ok"] >= 1 and len(data["samples"]) == level["requests"]
