"""Ablation measurement code on constructed inputs: where the first TTS segment is cut, what
counts as withdrawn audio, patience bookkeeping, context pruning's effect on facts in view."""

from __future__ import annotations

import numpy as np
import pytest

from quickturn.bench import ablate_context, ablate_fillers, ablate_patience, ablate_tts
from quickturn.bench.a2a import WATERFALL, TurnRecord
from quickturn.bench.stats import Distribution
from quickturn.errors import ConfigError


def reply(*deltas: tuple[float, str], finished: float = 1.0,
          tool_at: float | None = None) -> ablate_tts.StreamedReply:
    return ablate_tts.StreamedReply(list(deltas), finished, tool_at)


def test_first_segment_per_granularity() -> None:
    r = reply((0.1, "Sure, I can"), (0.2, " book that room,"), (0.3, " for two nights."),
              (0.5, " Anything else?"), finished=0.6)
    clause = ablate_tts.first_segment(r, "clause")
    sentence = ablate_tts.first_segment(r, "sentence")
    whole = ablate_tts.first_segment(r, "whole")
    assert clause is not None and sentence is not None and whole is not None
    # The clause cut needs four words and the text after the break to confirm it.
    assert clause[0] == 0.3 and clause[1] == "Sure, I can book that room,"
    assert sentence[0] == 0.5 and sentence[1].endswith("two nights.")
    assert whole == (0.6, r.text.strip())
    assert ablate_tts.first_segment(reply(finished=0.2), "whole") is None


def test_withdrawn_only_for_call_text_spoken_before_the_end() -> None:
    r = reply((0.1, '{"name": "find_booking",'), (0.2, ' "arguments": {}}'), finished=0.4,
              tool_at=0.4)
    assert ablate_tts.withdrawn(r, 0.1, '{"name": "find_booking",')
    assert not ablate_tts.withdrawn(r, 0.4, '{"name": "find_booking", "arguments": {}}')
    assert not ablate_tts.withdrawn(r, 0.1, "Let me check that.")


def test_tts_rows_compare_against_the_whole_reply() -> None:
    results = [
        ablate_tts.GranularityResult("clause", Distribution.of([300.0]), 1, 4, 5.0),
        ablate_tts.GranularityResult("sentence", Distribution.of([400.0]), 0, 4, 9.0),
        ablate_tts.GranularityResult("whole", Distribution.of([900.0]), 0, 4, 20.0),
    ]
    clause, sentence = ablate_tts.tradeoff_rows(results)
    assert clause.saved_ms("p50") == 600.0 and "withdrawn 1/4" in clause.cost
    assert sentence.saved_ms("p50") == 500.0 and sentence.baseline == "whole reply"


def test_patience_utterance_and_rows() -> None:
    assert ablate_patience.split_line("Hi there, I need a room.") == ("Hi there,", "I need a room.")
    assert ablate_patience.split_line("Book it now please") == ("Book it", "now please")
    one = np.ones(1600, np.int16)
    utt = ablate_patience.build_utterance(one, one, 0.5, 16_000)
    assert utt.pause_span_s == pytest.approx((0.4, 0.9))
    assert utt.speech_end_s == pytest.approx(1.0)
    short = ablate_patience.PatienceResult(200, 10, 4, Distribution.of([250.0]), 0)
    base = ablate_patience.PatienceResult(500, 10, 1, Distribution.of([560.0]), 0)
    [row] = ablate_patience.tradeoff_rows([short, base], 500)
    assert row.saved_ms("p50") == pytest.approx(310.0)
    assert row.cost.startswith("40% false turn ends vs 10%")
    with pytest.raises(ConfigError, match="baseline"):
        ablate_patience.tradeoff_rows([short], 500)


def test_pruning_shrinks_the_view_and_the_summary_keeps_facts() -> None:
    views = {}
    for label, options in ablate_context.SETTINGS:
        ctx = ablate_context.long_call("You are a hotel front desk.", options, turns=30)
        view = ctx.messages()
        views[label] = view
        assert view[-1]["content"] == ablate_context._QUESTION
    sizes = [len(views[label]) for label, _ in ablate_context.SETTINGS]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]
    texts = [str(m.get("content") or "") for m in views["none"]]
    assert ablate_context.facts_in(texts) == list(ablate_context.FACTS)


def test_fillers_rows_and_switch() -> None:
    from quickturn.agent.stack import StackOptions

    off = ablate_fillers.without_fillers(StackOptions())
    assert off.reply.late_filler_s is None and off.reply.tool_filler is False

    def rec(a2a: float, answer: float, filler: bool) -> TurnRecord:
        return TurnRecord("c", "p", 0, dict.fromkeys(WATERFALL, None), a2a, answer, filler)

    on = [rec(900.0, 2000.0, True), rec(1000.0, 1000.0, False)]
    without = [rec(1900.0, 1900.0, False), rec(1000.0, 1000.0, False)]
    any_audio, answer = ablate_fillers.tradeoff_rows(on, without)
    assert any_audio.saved_ms("p50") == pytest.approx(500.0)
    assert "fillers in 1/2 turns" in any_audio.cost
    assert answer.saved_ms("p50") == pytest.approx(-50.0)
