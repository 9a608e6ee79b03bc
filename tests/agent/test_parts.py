"""Unit tests of the session's small parts: heard-text mapping, history trimming, metrics,
the state machine and the virtual clock."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from quickturn.agent.heard import kept_messages
from quickturn.agent.metrics import TurnMetrics, TurnStamps, percentile, summary, waterfall
from quickturn.agent.playout import SpeakerOptions
from quickturn.agent.speech import Segment
from quickturn.agent.state import AgentState, StateMachine
from quickturn.clock import VirtualClock
from quickturn.errors import ConfigError


def seg(text: str, played: int, total: int = 1000) -> Segment:
    s = Segment(text, np.zeros(total, np.int16))
    s.played_samples = played
    return s


@pytest.mark.parametrize(
    ("played", "expected"),
    [
        (0, ""),
        (1000, "The double room has a view."),
        (600, "The double room"),
        (500, "The double"),
        (60, ""),
    ],
)
def test_segment_heard_text_is_a_word_aligned_prefix(played: int, expected: str) -> None:
    # 27 characters over 1000 samples: 60 % is 16 characters, "The double room h" cut back.
    assert seg("The double room has a view.", played).heard_text() == expected


def test_kept_messages_cuts_text_and_drops_unanswered_calls() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "book", "arguments": "{}"}}
    call2 = {"id": "c2", "type": "function", "function": {"name": "pay", "arguments": "{}"}}
    messages = [
        {"role": "assistant", "content": "Let me book that.", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": '{"code": "X1"}'},
        {"role": "assistant", "content": None, "tool_calls": [call2]},  # cut before its result
    ]
    kept = kept_messages(messages, {1: "Let me"}, interrupted=True)
    assert kept == [
        {"role": "assistant", "content": "Let me", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": '{"code": "X1"}'},
    ]
    # A round still being written when the caller barged in keeps its heard part.
    assert kept_messages([], {1: "Our rooms"}, interrupted=True) == [
        {"role": "assistant", "content": "Our rooms"}
    ]
    assert kept_messages(messages[:2], {}, interrupted=False) == messages[:2]


def test_metrics_and_waterfall() -> None:
    stamps = TurnStamps(speech_end=10.0)
    for stage, at in [("turn_decided", 10.5), ("transcript", 10.3), ("first_audio_out", 10.8)]:
        stamps.stamp(stage, at)
    stamps.stamp("turn_decided", 99.0)  # the first stamp counts
    m = TurnMetrics.from_stamps(1, stamps, user_text="hi", agent_text="hello")
    assert m.turn_decided_ms == pytest.approx(500) and m.a2a_ms == pytest.approx(800)
    assert m.llm_first_token_ms is None
    text = waterfall(m)
    assert "A2A 800 ms" in text and "llm_first_token" in text
    with pytest.raises(ValueError):
        stamps.stamp("nonsense", 1.0)
    out = summary([m, TurnMetrics.from_stamps(2, TurnStamps(speech_end=0.0, first_audio_out=0.4),
                                              user_text="", agent_text="")])
    assert out["a2a_p50_ms"] == pytest.approx(600) and len(out["turns"]) == 2
    assert out["reply_p50_ms"] is None  # no turn stamped its answer
    replied = TurnStamps(speech_end=0.0, first_audio_out=0.4, first_reply_out=1.9)
    out = summary([TurnMetrics.from_stamps(1, replied, user_text="", agent_text="")])
    assert out["a2a_p50_ms"] == pytest.approx(400) and out["reply_p50_ms"] == pytest.approx(1900)
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == pytest.approx(2.5)


def test_state_machine_rejects_illegal_transitions() -> None:
    sm = StateMachine(lambda: 1.0)
    sm.to(AgentState.USER_SPEAKING, "x")
    with pytest.raises(RuntimeError, match="illegal transition"):
        sm.to(AgentState.SPEAKING, "skip thinking")
    assert sm.path() == ["listening", "user_speaking"]


def test_speaker_options_validated() -> None:
    with pytest.raises(ConfigError):
        SpeakerOptions(frame_ms=1)


async def test_virtual_clock_wakes_in_deadline_order() -> None:
    clock = VirtualClock()
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, at: float) -> None:
        await clock.sleep_until(at)
        woke.append((name, clock.now()))

    tasks = [asyncio.create_task(sleeper(n, t)) for n, t in [("b", 2.0), ("a", 1.0), ("c", 5.0)]]
    await clock.run(3.0)
    assert woke == [("a", 1.0), ("b", 2.0)] and clock.now() == 3.0
    await clock.run_until_done(tasks[2], limit_s=10.0)
    assert woke[-1] == ("c", 5.0)
