"""The demo's edges: CLI validation, caller WAVs of any format, the run folder's files."""

from __future__ import annotations

import json
import logging
import wave
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest

from quickturn.agent.canned import CannedChatClient
from quickturn.agent.demo import DemoOptions, read_caller_wavs, run_demo
from quickturn.agent.metrics import TurnMetrics, TurnStamps
from quickturn.agent.report import metrics_payload, render_html, waterfall_svg, write_metrics
from quickturn.agent.stack import StackOptions
from quickturn.assets import ModelPaths
from quickturn.audio.wav import write_wav
from quickturn.cli import main
from quickturn.errors import AudioFormatError, ConfigError
from quickturn.transport.simulated import CallerLine


def test_cli_rejects_bad_options_before_loading_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--patience-ms", "50", "--out", str(tmp_path / "x")]) == 2
    assert "--patience-ms must be within [100, 3000]" in capsys.readouterr().err
    assert main(["demo", "--caller-wav", str(tmp_path / "missing.wav")]) == 2
    assert "no such WAV file" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


async def test_caller_wav_of_any_rate_and_channels_is_converted(tmp_path: Path) -> None:
    t = np.arange(44_100) / 44_100
    tone = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    write_wav(tmp_path / "stereo44k.wav", np.stack([tone, tone], axis=1), 44_100)
    options = DemoOptions(out_dir=tmp_path, caller_wavs=(tmp_path / "stereo44k.wav",))
    [(line, pcm)] = read_caller_wavs(options)
    assert line.text == "stereo44k" and pcm.dtype == np.int16 and pcm.ndim == 1
    assert len(pcm) == pytest.approx(16_000, abs=2)
    # A file that is not audio is refused with a clear error.
    (tmp_path / "junk.wav").write_bytes(b"not a wav at all")
    bad = DemoOptions(out_dir=tmp_path, caller_wavs=(tmp_path / "junk.wav",))
    with pytest.raises(AudioFormatError):
        read_caller_wavs(bad)
    # ...and by run_demo before any model loads: this cache holds no model files, so getting
    # as far as loading one would raise something else.
    with pytest.raises(AudioFormatError, match="junk.wav"):
        await run_demo(bad, ModelPaths(tmp_path / "empty-cache"))
    assert not (tmp_path / "empty-cache").exists()


def test_debug_names_parts_of_quickturn_to_log() -> None:
    from quickturn.cli import debug_logging

    names = debug_logging("agent.turn_taking, quickturn.llm.tool_loop,")
    try:
        assert names == ["quickturn.agent.turn_taking", "quickturn.llm.tool_loop"]
        assert all(logging.getLogger(n).isEnabledFor(logging.DEBUG) for n in names)
        assert not logging.getLogger("quickturn.tts").isEnabledFor(logging.DEBUG)
    finally:
        for n in names:
            logging.getLogger(n).setLevel(logging.NOTSET)
    assert debug_logging("") == []


def test_demo_options_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        DemoOptions(out_dir=tmp_path, llm="gpt")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        StackOptions(stt_model="large")
    with pytest.raises(ConfigError):
        DemoOptions(out_dir=tmp_path, lines=())


def test_report_files(tmp_path: Path) -> None:
    turns = [
        TurnMetrics.from_stamps(
            i, TurnStamps(speech_end=0.0, turn_decided=0.5, first_audio_out=0.5 + i / 10),
            user_text="<b>book</b> a room", agent_text="Sure & fine",
        )
        for i in (1, 2, 3)
    ]
    payload = metrics_payload(turns, {"llm": "canned"})
    write_metrics(tmp_path / "m.json", payload)
    data = json.loads((tmp_path / "m.json").read_text())
    assert data["a2a_p50_ms"] == pytest.approx(700) and data["turns"][0]["a2a_ms"] == 600
    ElementTree.fromstring(waterfall_svg(turns))  # well-formed SVG
    page = render_html(payload, turns)
    assert "<svg" in page and "&lt;b&gt;book&lt;/b&gt;" in page and "<b>book" not in page
    assert page.count("<rect") >= 6


def test_canned_client_rules() -> None:
    client = CannedChatClient(((("late", "checkout"), "Until one."),), fallback="Pardon?")
    assert client.reply_for("Can I have a LATE checkout?") == "Until one."
    assert client.reply_for("hello") == "Pardon?"
    with pytest.raises(ConfigError):
        CannedChatClient(((("x",), " "),))


@pytest.mark.slow
async def test_demo_run_writes_the_run_folder(tmp_path: Path, model_paths: ModelPaths) -> None:
    options = DemoOptions(
        out_dir=tmp_path / "run",
        llm="canned",
        # tiny.en sometimes hears "checkout" as "checkup" (Piper's prosody is random), and a
        # comma's pause ("Thank you, goodbye.") sometimes ends a turn: two turns are asserted.
        lines=(
            CallerLine(("What time is breakfast served?",)),
            CallerLine(("Thank you and goodbye.",)),
        ),
        json_path=tmp_path / "metrics-copy.json",
    )
    result = await run_demo(options, model_paths)
    assert result.llm == "canned" and len(result.turns) == 2
    with wave.open(str(tmp_path / "run" / "call.wav")) as w:
        assert (w.getnchannels(), w.getframerate()) == (2, 16_000)
    data = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert data == json.loads((tmp_path / "metrics-copy.json").read_text())
    assert all(t["a2a_ms"] > 0 for t in data["turns"]) and data["a2a_p95_ms"] >= data["a2a_p50_ms"]
    assert "breakfast" in data["turns"][0]["user_text"].lower()
    assert "<svg" in (tmp_path / "run" / "report.html").read_text()
