"""Short real runs of the lab's model benchmarks: real Silero VAD, faster-whisper, Piper and
espeak-ng on synthesised callers, each producing well-formed JSON and PNG charts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quickturn.bench.a2a import WATERFALL
from quickturn.cli import main

pytestmark = pytest.mark.slow
pytest.importorskip("matplotlib", reason="charts need quickturn[bench]")
pytest.importorskip("faster_whisper", reason="needs quickturn[stt]")
pytest.importorskip("piper", reason="needs quickturn[tts]")

PNG = b"\x89PNG"


def test_a2a_one_short_call(tmp_path: Path) -> None:
    out = tmp_path / "a2a"
    assert main(["bench", "a2a", "--calls", "1", "--turns", "1", "--out", str(out),
                 "--no-progress"]) == 0
    data = json.loads((out / "a2a.json").read_text())
    [turn] = data["turns"]
    assert set(turn["increments_ms"]) <= set(WATERFALL)
    assert turn["a2a_ms"] > 0 and turn["increments_ms"]["vad_patience"] > 0
    assert sum(turn["increments_ms"].values()) == pytest.approx(turn["reply_ms"], abs=0.01)
    assert data["waterfall"]["turns"] == 1 and data["calls"][0]["turns_answered"] == 1
    # Greeting + the caller's line + the answer: a few dozen tokens, well under the pruning cap.
    assert 10 < turn["context_tokens"] < 500
    assert data["meta"]["stopped_at_limit"] is False and len(data["meta"]["load_avg"]) == 3
    for name in ("a2a_waterfall.png", "a2a_cdf.png"):
        assert (out / name).read_bytes()[:4] == PNG


def test_a2a_with_the_flows_agent_on_the_real_model(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp", reason="needs quickturn[llm]")
    out = tmp_path / "a2a-flows"
    assert main(["bench", "a2a", "--llm", "embedded", "--flows", "--calls", "1", "--turns", "1",
                 "--reply-deadline-s", "60", "--out", str(out), "--no-progress"]) == 0
    data = json.loads((out / "a2a.json").read_text())
    assert data["meta"]["flows"] is True
    [turn] = data["turns"]
    assert turn["a2a_ms"] > 0 and data["calls"][0]["turns_answered"] == 1
    assert data["calls"][0]["errors"] == []


def test_flows_need_a_model() -> None:
    # The canned rules answer with the single prompt's tools; flows would never call them.
    assert main(["bench", "a2a", "--flows", "--calls", "1", "--turns", "1",
                 "--no-progress"]) == 2


def test_ablate_patience_and_tts(tmp_path: Path) -> None:
    out = tmp_path / "ablate"
    assert main(["bench", "ablate", "--only", "patience,tts", "--lines", "4", "--replies", "2",
                 "--patience", "300", "--out", str(out)]) == 0
    data = json.loads((out / "ablate.json").read_text())
    kinds = {(r["ablation"], r["setting"]) for r in data["tradeoffs"]}
    assert kinds == {("VAD patience", "300 ms"), ("TTS start", "clause"),
                     ("TTS start", "sentence"), ("transport", "webrtc")}
    [transport] = [r for r in data["tradeoffs"] if r["ablation"] == "transport"]
    assert transport["saved_p50_ms"] is None and "not measured" in transport["cost"]
    patience = {p["patience_ms"]: p for p in data["details"]["patience"]}
    assert patience[300]["lines"] == 4 and patience[500]["end_delay_ms"] is not None
    # Shorter patience never ends a turn later (same audio, same VAD).
    assert patience[300]["end_delay_ms"]["p50"] < patience[500]["end_delay_ms"]["p50"]
    assert patience[300]["false_ends"] >= patience[500]["false_ends"]
    assert (out / "ablate_saved.png").read_bytes()[:4] == PNG


def test_soak_a_few_seconds(tmp_path: Path) -> None:
    out = tmp_path / "soak"
    assert main(["bench", "soak", "--parallel", "1", "--minutes", "0.05", "--turns", "1",
                 "--out", str(out), "--no-progress", "--tts", "espeak"]) == 0
    data = json.loads((out / "soak.json").read_text())["soak"]
    assert data["calls"] >= 1 and data["turns"] >= 1
    assert data["memory"]["start_mb"] > 0 and len(data["rss_mb"]) >= 2
    # malloc_trim only hands back free pages: never more than the process held.
    assert 0 < data["memory"]["end_trimmed_mb"] <= data["memory"]["peak_mb"]
    assert data["memory"]["threads_start_end"][0] >= 1
    assert (out / "soak_memory.png").read_bytes()[:4] == PNG
