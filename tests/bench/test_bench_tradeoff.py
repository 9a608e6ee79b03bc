"""The trade-off matrix: saved milliseconds from two measured distributions, and its table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quickturn.bench.ablate_command import included_rows, row_from_json
from quickturn.bench.stats import Distribution
from quickturn.bench.tradeoff import TradeoffRow, format_tradeoffs
from quickturn.errors import ConfigError


def row(setting: list[float], baseline: list[float]) -> TradeoffRow:
    return TradeoffRow("VAD patience", "200 ms", "500 ms", "end of turn",
                       Distribution.of(setting), Distribution.of(baseline), "18% false ends", n=4)


def test_saved_is_baseline_minus_setting_at_p50_and_p95() -> None:
    r = row([100.0, 200.0, 300.0, 400.0], [400.0, 500.0, 600.0, 700.0])
    assert r.saved_ms("p50") == pytest.approx(300.0)
    # p95 by linear interpolation: rank 2.85 -> 385 vs 685.
    assert r.saved_ms("p95") == pytest.approx(300.0)
    slower = row([900.0], [500.0])
    assert slower.saved_ms("p50") == pytest.approx(-400.0)
    assert row([], [500.0]).saved_ms("p50") is None


def test_table_shows_signs_and_costs() -> None:
    text = format_tradeoffs([row([100.0], [400.0]), row([900.0], [500.0])])
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["ablation", "setting", "vs"]
    assert "+300" in lines[2] and "18% false ends" in lines[2]
    assert "-400" in lines[3]
    assert "positive is faster" in lines[-1]


def test_rows_round_trip_through_json(tmp_path: Path) -> None:
    original = row([100.0, 120.0], [400.0, 410.0])
    again = row_from_json(original.to_json())
    assert again == original
    path = tmp_path / "turns.json"
    path.write_text(json.dumps({"tradeoffs": [original.to_json()]}))
    assert included_rows([path]) == [original]
    path.write_text(json.dumps({"rows": []}))
    with pytest.raises(ConfigError, match="no .tradeoffs. list"):
        included_rows([path])
    with pytest.raises(ConfigError, match="not a trade-off row"):
        row_from_json({"setting": "x"})


def test_a_row_needs_names() -> None:
    with pytest.raises(ConfigError):
        TradeoffRow("", "a", "b", "m", None, None, "c")


def test_rows_recomputed_from_the_turn_and_stt_benchmarks_raw_items() -> None:
    from quickturn.bench.imported_rows import rows_from

    def det(name: str, delays: list[float | None], false: int) -> dict[str, object]:
        return {"detector": name, "turns": len(delays), "false_end_turns": false,
                "false_end_rate": false / len(delays),
                "items": [{"id": str(i), "delay_s": d} for i, d in enumerate(delays)]}

    turns = {"benchmark": "turn_taking", "detectors": [
        det("patience-200", [0.25, 0.30, None, 0.35], 2),
        det("patience-500", [0.55, 0.60, 0.65, 0.70], 0),
    ]}
    [row] = rows_from(turns)
    assert (row.setting, row.baseline, row.n) == ("patience-200", "patience-500", 4)
    assert row.saved_ms("p50") == pytest.approx(325.0)  # 625 - 300: the None is not timed
    assert row.cost.startswith("50% false turn ends vs 0%")

    def strat(name: str, after: list[float], decodes: float) -> dict[str, object]:
        return {"strategy": name, "turns": len(after), "decodes_per_turn": decodes,
                "wer_vs_script": 0.05, "items": [{"after_last_sample_s": a} for a in after]}

    stt = {"benchmark": "stt_chunking", "strategies": [
        strat("frames-200ms", [0.2, 0.3], 9.0), strat("utterance", [0.5, 0.6], 1.0)]}
    [chunked] = rows_from(stt)
    assert chunked.saved_ms("p50") == pytest.approx(300.0) and "9.0 decodes/turn" in chunked.cost
    with pytest.raises(ConfigError, match="no strategy 'utterance'"):
        rows_from({"benchmark": "stt_chunking", "strategies": [strat("frames-500ms", [0.1], 2)]})
    with pytest.raises(ConfigError, match="malformed"):
        rows_from({"benchmark": "turn_taking", "detectors": [{"detector": "patience-500"}]})


def _transport_run(webrtc: list[float | None], websocket: list[float | None]) -> dict[str, object]:
    # The shape `python -m quickturn.transport.bench --out` writes (its summary() per transport).
    return {"server_args": [], "started": 0.0,
            "webrtc": {"turns": len(webrtc), "a2a_ms": webrtc},
            "websocket": {"turns": len(websocket), "a2a_ms": websocket}}


def test_transport_rows_compare_webrtc_with_websocket_at_each_loss(tmp_path: Path) -> None:
    from quickturn.bench.ablate_command import transport_runs
    from quickturn.bench.imported_rows import transport_rows

    clean = tmp_path / "clean.json"
    lossy = tmp_path / "lossy.json"
    clean.write_text(json.dumps(_transport_run([1000.0, 1100.0], [900.0, 1000.0])))
    lossy.write_text(json.dumps(_transport_run([1200.0, 1300.0, None], [1500.0, 2500.0, 1600.0])))
    runs = transport_runs([f"0={clean}", f"0.02={lossy}"])
    assert sorted(runs) == [0.0, 0.02]
    clean_row, loss_row = transport_rows(runs)
    assert clean_row.metric == "A2A at the caller, clean"
    assert clean_row.saved_ms("p50") == pytest.approx(-100.0)  # clean, WebRTC is the slower
    assert loss_row.metric == "A2A at the caller, 2% loss"
    assert loss_row.saved_ms("p50") == pytest.approx(350.0)  # 1600 - 1250
    assert loss_row.n == 2 and "answered 2/3 vs 3/3" in loss_row.cost
    assert "added p50 +200 ms to WebRTC, +650 ms to WebSocket" in loss_row.cost


def test_without_transport_runs_the_matrix_says_so(tmp_path: Path) -> None:
    from quickturn.bench.ablate_command import transport_runs
    from quickturn.bench.imported_rows import TRANSPORT_HOWTO, transport_rows

    [row] = transport_rows({})
    assert row.saved_ms("p50") is None and row.cost == TRANSPORT_HOWTO
    assert "not measured" in format_tradeoffs([row])
    for bad in ("t.json", "2=t.json", f"0.02={tmp_path / 'missing.json'}"):
        with pytest.raises(ConfigError, match="--transport"):
            transport_runs([bad])
    one_sided = tmp_path / "ws.json"
    one_sided.write_text(json.dumps({"websocket": {"a2a_ms": [900.0]}}))
    with pytest.raises(ConfigError, match="no 'webrtc' results"):
        transport_rows(transport_runs([f"0.02={one_sided}"]))
