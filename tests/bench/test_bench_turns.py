"""``quickturn bench turns`` on a few real labelled turns (Piper, Silero VAD): false ends and
delays are counted per half of the set, the held-out half reported apart."""

from __future__ import annotations

import asyncio

import pytest

from conftest_audio import model_paths
from quickturn.audio.frame import PCM16
from quickturn.bench.turn_taking import DetectorSpec, _const, evaluate, format_row
from quickturn.turns import PatienceDetector
from quickturn.turns.labelled_set import LabelledSynth, load_labelled_set

pytestmark = pytest.mark.slow
pytest.importorskip("piper", reason="needs quickturn[tts]")


async def _no_text(pcm: PCM16) -> tuple[str, float]:
    return "", 0.0


def test_patience_is_counted_per_half_of_the_set() -> None:
    synth = LabelledSynth(model_paths(), steady=True)
    # book-pause ([700]), change-um ([500], [600]), spa-check ([800]): 200 ms of patience cuts
    # every one of them at its first pause; 1.2 s outlasts them and the VAD's late report.
    rendered = [synth.render(it) for it in load_labelled_set()[:3]]
    short = DetectorSpec("patience-200", lambda: _const(PatienceDetector(0.2)), False)
    long = DetectorSpec("patience-1200", lambda: _const(PatienceDetector(1.2)), False)
    rows = [asyncio.run(evaluate(spec, rendered, _no_text)) for spec in (short, long)]
    cut, waited = (row["logic"] for row in rows)
    assert (cut["false_end_turns_tuned_half"], cut["false_end_turns_held_out_half"]) == (2, 1)
    assert cut["false_end_turns"] == 3 and waited["false_end_turns"] == 0
    # The held-out half is item 1 alone: its delay is the patience plus the VAD's own lag.
    held = waited["delay_s_held_out_half"]
    assert held["p50"] == held["max"] and 1.15 <= held["p50"] <= 1.3
    assert waited["delay_s_tuned_half"]["p50"] == pytest.approx(waited["delay_s"]["p50"], abs=0.05)
    line = format_row(rows[1])
    assert "held-out 0/1" in line and f"p50 {held['p50'] * 1000:4.0f}" in line
