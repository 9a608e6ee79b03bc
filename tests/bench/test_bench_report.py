"""results.json and the HTML report: valid, complete, and readable back."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from quickturn.bench.charts import (
    Series,
    box_chart,
    cdf_points,
    line_chart,
    saved_bars,
    stacked_bars,
)
from quickturn.bench.report import BenchRun, format_table, write_report
from quickturn.bench.results import Sample, per_turn_p50
from quickturn.errors import ConfigError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

pytest.importorskip("matplotlib", reason="charts need quickturn[bench]")


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (asserts the file really is a PNG)."""
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def sample(endpoint: str, turn: int, ttft: float | None, *, warmup: bool = False,
           error: str | None = None) -> Sample:
    return Sample(
        endpoint=endpoint, setting="c=1", conversation_id="conv", repetition=0,
        turn_index=turn, round_index=0, warmup=warmup, started_s=float(turn),
        ttft_s=ttft, ttfs_s=None if ttft is None else ttft + 0.1,
        total_s=None if ttft is None else ttft + 0.5,
        error_type=error, error_message=None if error is None else "boom",
    )


def run() -> BenchRun:
    samples = [sample("fast", 0, 9.0, warmup=True)]
    samples += [sample("fast", t, 0.1 + 0.01 * t) for t in range(5)]
    samples += [sample("slow", t, 0.8 + 0.1 * t) for t in range(4)]
    samples += [sample("slow", 4, None, error="UpstreamError")]
    return BenchRun({"workload": "synthetic", "note": "<script>x</script>"}, samples)


def test_results_json_holds_raw_samples_and_summary(tmp_path: Path) -> None:
    files = write_report(run(), tmp_path / "out")
    data = json.loads(files.json_path.read_text())
    assert len(data["samples"]) == 11  # warmup and failures kept as raw data
    fast, slow = data["summary"]
    assert fast["endpoint"] == "fast" and fast["requests"] == 5 and fast["failures"] == 0
    # Warmup (9 s) excluded: p50 of 0.10..0.14 is 0.12.
    assert fast["metrics"]["ttft_s"]["p50"] == pytest.approx(0.12)
    assert fast["metrics"]["ttft_s"]["max"] == pytest.approx(0.14)
    assert slow["failures"] == 1 and slow["errors"] == {"UpstreamError": 1}
    # Round trip: the file rebuilds the same run.
    again = BenchRun.from_json(data)
    assert again.samples == run().samples


def test_slow_group_p95_by_hand() -> None:
    [_, slow] = run().summaries()
    ttfs = slow.metrics["ttfs_s"]
    assert ttfs is not None
    # ttfs = 0.9, 1.0, 1.1, 1.2: rank 0.95 * 3 = 2.85 -> 1.1 + 0.85 * 0.1
    assert ttfs.p95 == pytest.approx(1.185)


def test_html_is_self_contained_with_png_charts(tmp_path: Path) -> None:
    files = write_report(run(), tmp_path)
    names = sorted(p.name for p in files.charts)
    assert names == sorted(
        f"{m}_{kind}.png" for m in ("ttft", "ttfs") for kind in ("box", "cdf", "by_turn")
    )
    for chart in files.charts:
        width, height = png_size(chart.read_bytes())
        assert width > 300 and height > 200
    html = files.html_path.read_text()
    assert "<script>" not in html  # metadata is escaped, and no scripts are needed
    assert "http://" not in html and "https://" not in html
    inlined = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)
    assert len(inlined) == 6
    assert base64.b64decode(inlined[0]) == files.charts[0].read_bytes()


def test_table_lists_every_group_in_milliseconds() -> None:
    table = format_table(run().summaries())
    lines = table.splitlines()
    assert lines[0].startswith("endpoint [setting]")
    fast = next(line for line in lines if line.startswith("fast [c=1]"))
    assert "5/5" in fast and " 120 " in f"{fast} "
    assert "slow [c=1] failures: UpstreamError x1" in table


def test_all_failed_group_still_renders(tmp_path: Path) -> None:
    r = BenchRun({}, [sample("dead", 0, None, error="ConnectError")])
    files = write_report(r, tmp_path)
    assert len(files.charts) == 6 and all(png_size(c.read_bytes()) for c in files.charts)
    assert "dead [c=1]" in format_table(r.summaries())


def test_from_json_rejects_foreign_files() -> None:
    with pytest.raises(ConfigError, match="not a quickturn bench results file"):
        BenchRun.from_json({"rows": []})


def test_per_turn_medians() -> None:
    samples = [sample("a", 0, 0.1), sample("a", 0, 0.3), sample("a", 1, 0.5)]
    assert per_turn_p50(samples, "ttft_s") == {("a", "c=1"): [(0, pytest.approx(0.2)), (1, 0.5)]}


def test_chart_helpers(tmp_path: Path) -> None:
    assert cdf_points([0.3, 0.1, 0.2]) == [(0.1, 0.0), (0.1, 1 / 3), (0.2, 2 / 3), (0.3, 1.0)]
    assert cdf_points([]) == []
    empty = line_chart([Series("a", [])], tmp_path / "l.png", title="t", x_label="x", y_label="y")
    box = box_chart([("a & b", [1.0, 2.0]), ("none", [])], tmp_path / "b.png", title="<t>",
                    y_label="s")
    bars = stacked_bars(
        [("ours", {"vad": 500.0, "stt": 100.0}), ("audit", {"vad": 510.0, "tts": 120.0})],
        ("vad", "stt", "tts"), tmp_path / "s.png", title="waterfall",
    )
    saved = saved_bars([("patience 200 vs 500", 300.0, -20.0), ("none", None, None)],
                       tmp_path / "v.png", title="saved")
    for path in (empty, box, bars, saved):
        assert png_size(path.read_bytes())[0] > 300


def test_output_rate_is_tokens_per_second_of_the_request() -> None:
    s = Sample("e", "c=1", "conv", 0, 0, 0, False, 0.0, ttft_s=0.5, ttfs_s=0.8, total_s=2.5,
               completion_tokens=40)
    assert s.output_tok_s == 16.0
    assert replace(s, completion_tokens=None).output_tok_s is None
    assert replace(s, total_s=None).output_tok_s is None
    [summary] = BenchRun({}, [s]).summaries()
    rate = summary.metrics["output_tok_s"]
    assert rate is not None and rate.p50 == 16.0
    assert "16.0" in format_table([summary]).splitlines()[2]
