"""Voice-session orchestration on a virtual clock with fakes (exact timings, no sleeps)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from agent.fakes import FRAME_S, WORD_S, after_tool, call, last_user, words
from agent.harness import Harness
from quickturn.agent.filler_policy import FillerPolicyOptions
from quickturn.agent.reply import ReplyOptions
from quickturn.agent.session import SessionOptions
from quickturn.errors import ConfigError, EngineError
from quickturn.llm.types import ChatRequest
from quickturn.stt.types import Transcript

LONG = (
    "Our hotel has three kinds of rooms for you. The single room is the cheapest one. "
    "The double room has a view of the old harbour. The suite has a small kitchen and a sofa."
)


def front_desk(req: ChatRequest) -> list[Any]:
    user = last_user(req)
    if after_tool(req):
        return words("Done. Your booking code is QT0001.")
    if "book" in user:
        room = "double" if "double" in user else user.split()[-1]
        return [call("book_room", room_type=room)]
    if "rooms" in user:
        return words(LONG)
    return words("Hello! How can I help you today?")


NO_PREEMPT = SessionOptions(preemptive=False, idle_s=None)
PREEMPT = SessionOptions(preemptive=True, idle_s=None)


async def test_states_and_metrics_are_exact_on_the_virtual_clock() -> None:
    h = Harness(front_desk, options=NO_PREEMPT)
    s = await h.run([(0.5, "hello there")], end_s=4.0)
    assert s.machine.path() == ["listening", "user_speaking", "thinking", "speaking", "listening"]
    [t] = s.turns
    speech_end = 0.5 + 2 * WORD_S
    decided = h.vad.patience_s
    transcript = decided + h.stt_latency_s
    first_token = transcript + h.ttft_s
    first_sentence = first_token + h.llm.token_s  # "Hello!" is certain once " How" arrives
    first_audio = first_sentence + h.tts.latency_s
    assert t.user_text == "hello there"
    assert t.vad_ended_ms == pytest.approx(h.vad.patience_s * 1000)  # FixedHold: no hold here
    assert t.turn_decided_ms == pytest.approx(decided * 1000)
    assert t.rounds == 1 and t.reply_done_ms is not None and t.reply_done_ms >= t.first_sentence_ms
    assert t.input_max_ms is not None and t.input_max_ms > 0
    assert t.transcript_ms == pytest.approx(transcript * 1000)
    assert t.llm_first_token_ms == pytest.approx(first_token * 1000)
    assert t.first_sentence_ms == pytest.approx(first_sentence * 1000)
    assert t.first_tts_audio_ms == pytest.approx(first_audio * 1000)
    assert t.a2a_ms == pytest.approx(first_audio * 1000)
    # A2A is measured on the played audio itself: the first agent frame's clock time.
    assert h.output.frames[0].captured_at_s == pytest.approx(speech_end + first_audio)
    # The state machine stamped the same instants.
    speaking = next(x for x in s.machine.log if x.target.value == "speaking")
    assert speaking.at_s == pytest.approx(speech_end + first_audio)


async def test_a_sentence_plays_from_its_first_clause_not_once_all_of_it_is_made() -> None:
    def clauses(req: ChatRequest) -> list[Any]:
        return words("You're booked, two nights, five hundred dollars in total.")

    h = Harness(clauses, options=NO_PREEMPT)
    h.tts.clause_s = 0.4  # each later clause takes 0.4 s more to synthesize
    s = await h.run([(0.5, "hello there")], end_s=6.0)
    [t] = s.turns
    assert t.a2a_ms is not None and t.first_tts_audio_ms is not None
    # The first clause plays as soon as it is made: the 0.8 s the other two take is not waited.
    assert t.a2a_ms == pytest.approx(t.first_tts_audio_ms)
    assert t.agent_text == "You're booked, two nights, five hundred dollars in total."


async def test_debug_lines_trace_a_turn_from_its_utterance_to_the_decision(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="quickturn.agent.turn_taking")
    h = Harness(front_desk, options=NO_PREEMPT)
    await h.run([(0.5, "hello there")], end_s=4.0)
    lines = [r.getMessage() for r in caplog.records if r.name == "quickturn.agent.turn_taking"]
    assert any("utterance ended" in m and "'hello there'" in m and "hold" in m for m in lines)
    assert any("turn decided: 'hello there' (speculative reply none)" in m for m in lines)


async def test_preemptive_generation_is_reused_and_saves_the_patience() -> None:
    off = Harness(front_desk, options=NO_PREEMPT)
    await off.run([(0.5, "hello there")], end_s=4.0)
    on = Harness(front_desk, options=PREEMPT)
    s = await on.run([(0.5, "hello there")], end_s=4.0)
    [t_off], [t_on] = off.sessions_turns(), s.turns
    assert t_on.preemptive_reused and not t_off.preemptive_reused
    assert s.stats().preemptive_reused == 1
    # Work started at the pause instead of at the end of patience; one STT call, not two.
    saved_ms = (on.vad.patience_s - on.vad.pause_s) * 1000
    assert t_on.a2a_ms == pytest.approx(t_off.a2a_ms - saved_ms)
    assert on.stt.calls == ["hello there"]
    # The reply's audio was ready before the turn was confirmed but never played before it.
    assert t_on.first_audio_out_ms >= t_on.turn_decided_ms


async def test_discarded_preemptive_generation_never_runs_a_tool() -> None:
    h = Harness(front_desk, options=PREEMPT, stt_latency_s=0.05, ttft_s=0.1)
    # A 0.4 s pause: longer than pause_s (SpeechPaused), shorter than patience (no end).
    s = await h.run([(0.5, "i'd like to book | | a double room")], end_s=6.0)
    # The preemptive LLM round did ask for book_room(room_type="book")...
    assert any(last_user(r) == "i'd like to book" for r in h.llm.requests)
    # ...but only the confirmed turn's call ran.
    assert h.world.booked == [{"room_type": "double"}]
    assert s.stats().preemptive_discarded >= 1
    [t] = s.turns
    assert t.user_text == "i'd like to book a double room"
    assert t.tool_calls == ("book_room",)


async def test_unfinished_sentence_is_held_open_and_merged() -> None:
    h = Harness(front_desk, options=PREEMPT)
    # 0.6 s pause: the VAD ends the utterance, the turn detector holds it (ends in "book").
    s = await h.run([(0.5, "i'd like to book | | | a double room")], end_s=7.0)
    assert [t.user_text for t in s.turns] == ["i'd like to book a double room"]
    assert h.world.booked == [{"room_type": "double"}]
    users = [m["content"] for m in s.context.history if m["role"] == "user"]
    assert users == ["i'd like to book a double room"]
    # No reply was started for the fragment: the agent never went to "thinking" before.
    assert s.machine.path().count("thinking") == 1


@pytest.mark.parametrize("options", [PREEMPT, NO_PREEMPT], ids=["preemptive", "plain"])
async def test_caller_going_on_while_the_fragment_is_transcribed_keeps_its_words(
    options: SessionOptions,
) -> None:
    # A 0.8 s pause: the VAD ends the utterance after 0.5 s; STT needs 0.6 s, so the caller
    # is speaking again before the fragment's transcript exists.
    h = Harness(front_desk, options=options, stt_latency_s=0.6)
    s = await h.run([(0.5, "i'd like to book | | | | a double room")], end_s=8.0)
    assert [t.user_text for t in s.turns] == ["i'd like to book a double room"]
    assert h.world.booked == [{"room_type": "double"}]


def _agent_reply_start(h: Harness) -> float:
    return h.output.frames[0].captured_at_s


async def test_barge_in_stops_playback_within_one_frame_and_keeps_heard_text() -> None:
    h = Harness(front_desk, options=NO_PREEMPT)
    h.tts.ms_per_char = 20.0  # ~1.6 s per sentence: long enough to cut into
    # The reply starts at ~2.3 s; the caller barges in 1.9 s into it (inside sentence 2).
    barge_at = 4.2
    s = await h.run([(0.5, "tell me about rooms"), (barge_at, "wait stop")], end_s=9.0)
    first, second = s.turns
    assert first.interrupted and not second.interrupted
    decision = barge_at + FRAME_S  # the first voiced frame is complete
    reply_frames = [f for f in h.output.frames if f.captured_at_s < decision + 0.5]
    last_end = max(f.end_s for f in reply_frames)
    assert decision <= last_end <= decision + FRAME_S + 1e-9
    # History: only the heard part, a word-aligned prefix of what the model wrote.
    heard = first.agent_text
    assert LONG.startswith(heard) and 0 < len(heard) < len(LONG)
    assert heard.startswith("Our hotel has three kinds of rooms for you.")
    played_chars = (last_end - _agent_reply_start(h)) * 1000 / h.tts.ms_per_char
    longest_word = max(len(w) for w in LONG.split())
    joins = heard.count(". ")  # spaces between segments take no audio
    assert played_chars - longest_word - 2 <= len(heard) <= played_chars + joins + 1
    assistant = [m for m in s.context.history if m["role"] == "assistant"]
    assert assistant[0]["content"] == heard
    # The next request to the model saw the truncated reply, not the full one.
    request = h.llm.requests[-1]
    assert {"role": "assistant", "content": heard} in request.messages
    assert last_user(request) == "wait stop"
    path = s.machine.path()
    assert path[:6] == [
        "listening",
        "user_speaking",
        "thinking",
        "speaking",
        "user_speaking",
        "thinking",
    ]


async def test_turn_lock_ignores_the_caller_while_speaking() -> None:
    h = Harness(front_desk, options=SessionOptions(preemptive=False, turn_lock=True, idle_s=None))
    h.tts.ms_per_char = 20.0
    s = await h.run([(0.5, "tell me about rooms"), (4.2, "wait stop")], end_s=11.0)
    [t] = s.turns
    assert not t.interrupted and t.agent_text == LONG
    assert s.stats().ignored_utterances == 1 and s.stats().barge_ins == 0
    assert [m["content"] for m in s.context.history if m["role"] == "user"] == [
        "tell me about rooms"
    ]
    played_s = len(h.output.frames) * FRAME_S
    assert played_s == pytest.approx(len(LONG) * h.tts.ms_per_char / 1000, abs=FRAME_S * 4)


async def test_min_interrupt_duration_lets_a_backchannel_pass() -> None:
    opts = SessionOptions(preemptive=False, min_interrupt_s=0.5, idle_s=None)
    h = Harness(front_desk, options=opts)
    h.tts.ms_per_char = 20.0
    # "uh-huh" is 0.2 s: below min_interrupt_s, so it neither interrupts nor becomes a turn.
    s = await h.run([(0.5, "tell me about rooms"), (4.2, "uh-huh")], end_s=11.0)
    [t] = s.turns
    assert not t.interrupted and s.stats().barge_ins == 0
    assert s.stats().ignored_utterances == 1 and t.agent_text == LONG


async def test_long_enough_caller_speech_interrupts_after_min_duration() -> None:
    opts = SessionOptions(preemptive=False, min_interrupt_s=0.5, idle_s=None)
    h = Harness(front_desk, options=opts)
    h.tts.ms_per_char = 20.0
    s = await h.run([(0.5, "tell me about rooms"), (4.2, "no wait i want to book")], end_s=11.0)
    first = s.turns[0]
    assert first.interrupted
    last_end = max(f.end_s for f in h.output.frames if f.captured_at_s < 5.0)
    # Decided once 0.5 s of caller speech was in: within one frame after that.
    assert 4.2 + 0.5 <= last_end <= 4.2 + 0.5 + FRAME_S + 1e-9


async def test_filler_plays_while_a_tool_runs() -> None:
    h = Harness(front_desk, options=NO_PREEMPT, tool_work_s=1.5)
    s = await h.run([(0.5, "book a double room")], end_s=7.0)
    [t] = s.turns
    assert t.filler == "One moment." and t.tool_calls == ("book_room",)
    tool_started = t.llm_first_token_ms  # the call is the first (and only) token
    # The filler was pre-synthesised: it plays once the tool has run for tool_filler_after_s
    # with no words queued.
    assert t.first_audio_out_ms == pytest.approx(tool_started + 300)
    # The reply itself only after the tool finished, and the filler is not in the history.
    assert t.first_sentence_ms >= tool_started + 1500
    # A2A counts the filler; the answer's own latency does not.
    assert t.first_reply_out_ms is not None and t.first_reply_out_ms >= t.first_sentence_ms
    assert t.a2a_ms is not None and t.first_reply_out_ms > t.a2a_ms + 1500 - 300
    assert not any(m.get("content") == "One moment." for m in s.context.history)
    assert [m["role"] for m in s.context.history] == ["user", "assistant", "tool", "assistant"]


async def test_no_tool_filler_when_the_tool_answers_at_once() -> None:
    # A quick tool and a quick next round: its words are queued within tool_filler_after_s,
    # so no "One moment." holds them back.
    h = Harness(front_desk, options=NO_PREEMPT, tool_work_s=0.05)
    s = await h.run([(0.5, "book a double room")], end_s=7.0)
    [t] = s.turns
    assert t.tool_calls == ("book_room",) and t.filler is None
    assert t.first_audio_out_ms == t.first_reply_out_ms


async def test_a_planned_filler_starts_within_300_ms_of_the_decision_and_fits_the_request() -> None:
    h = Harness(
        front_desk,
        options=NO_PREEMPT,
        tool_work_s=1.5,
        planned_fillers=FillerPolicyOptions(start_after_s=0.15),
    )
    s = await h.run([(0.5, "book a double room")], end_s=7.0)
    [t] = s.turns
    assert t.filler == "Let me check availability."  # a booking request: a fitting phrase
    assert t.turn_decided_ms is not None and t.first_audio_out_ms is not None
    # Planned at the decision, played once the transcript confirmed the turn: inside 300 ms.
    assert t.first_audio_out_ms - t.turn_decided_ms <= 300
    assert t.first_audio_out_ms < (t.llm_first_token_ms or 0)  # before the call even started


async def test_no_planned_filler_once_the_answers_first_sentence_is_written() -> None:
    # A booking the caller just agreed to is said with no model round: its first sentence is
    # ready before the filler's start, its audio only after a slow synthesis.
    def instant(req: ChatRequest) -> list[Any]:
        return words("Booked. Your code is QT0001.")

    h = Harness(
        instant,
        options=NO_PREEMPT,
        ttft_s=0.01,
        planned_fillers=FillerPolicyOptions(start_after_s=0.15),
    )
    h.tts.latency_s = 0.6
    s = await h.run([(0.5, "yes book it")], end_s=6.0)
    [t] = s.turns
    assert t.filler is None  # a filler would have put its length before the answer
    assert t.first_sentence_ms is not None and t.first_audio_out_ms is not None
    assert t.first_audio_out_ms == t.first_reply_out_ms


async def test_no_planned_filler_when_the_answer_comes_in_time() -> None:
    h = Harness(front_desk, options=NO_PREEMPT, planned_fillers=FillerPolicyOptions())
    s = await h.run([(0.5, "hello there")], end_s=5.0)
    [t] = s.turns
    assert t.filler is None  # no tool cue, and the engine is fast: nothing to cover


async def test_late_first_sentence_gets_a_filler() -> None:
    h = Harness(
        front_desk,
        options=NO_PREEMPT,
        ttft_s=1.0,
        reply_options=ReplyOptions(late_filler_s=0.3),
    )
    s = await h.run([(0.5, "hello there")], end_s=5.0)
    [t] = s.turns
    assert t.filler == "Okay."
    assert t.first_audio_out_ms == pytest.approx(t.turn_decided_ms + 300)
    assert t.agent_text == "Hello! How can I help you today?"
    assert t.first_reply_out_ms is not None and t.first_reply_out_ms > t.first_audio_out_ms


async def test_heartbeat_after_long_silence() -> None:
    opts = SessionOptions(preemptive=False, idle_s=3.0, max_heartbeats=1)
    h = Harness(front_desk, options=opts)
    s = await h.run([], end_s=12.0, greeting="Welcome to the hotel.")
    assert s.stats().heartbeats == 1
    assert s.machine.path() == ["listening", "speaking", "listening", "speaking", "listening"]
    greeting_end = h.output.frames[0].captured_at_s + len("Welcome to the hotel.") * 0.005
    heartbeat = s.machine.log[2]  # the second listening → speaking
    assert heartbeat.at_s == pytest.approx(greeting_end + 3.0, abs=2 * FRAME_S)
    assert s.context.history == [{"role": "assistant", "content": "Welcome to the hotel."}]


async def test_greeting_barge_in_keeps_only_heard_part() -> None:
    h = Harness(front_desk, options=NO_PREEMPT)
    h.tts.ms_per_char = 40.0
    greeting = "Welcome to the Harbour Hotel. This call may be recorded for quality."
    s = await h.run([(1.0, "hello there")], end_s=6.0, greeting=greeting)
    heard = s.context.history[0]["content"]
    played_chars = (1.0 + FRAME_S - h.output.frames[0].captured_at_s) * 1000 / 40.0
    assert greeting.startswith(heard) and (greeting + " ")[len(heard)] == " "
    assert played_chars - len("Harbour") - 1 <= len(heard) <= played_chars
    assert s.turns[0].user_text == "hello there"


class FlakySTT:
    """Fails its first call like a crashed engine would."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.failed = False

    async def transcribe(self, pcm: Any) -> Transcript:
        if not self.failed:
            self.failed = True
            raise EngineError("stt crashed")
        result: Transcript = await self.inner.transcribe(pcm)
        return result


async def test_stt_failure_loses_the_utterance_not_the_call() -> None:
    h = Harness(front_desk, options=NO_PREEMPT)
    h.stt = FlakySTT(h.stt)  # type: ignore[assignment]
    s = await h.run([(0.5, "hello there"), (3.0, "hello again")], end_s=6.0)
    assert [str(e) for e in s.errors] == ["stt crashed"]
    assert [t.user_text for t in s.turns] == ["hello again"]


def test_session_options_are_validated() -> None:
    with pytest.raises(ConfigError):
        SessionOptions(min_interrupt_s=-1)
    with pytest.raises(ConfigError):
        SessionOptions(idle_s=0)
    with pytest.raises(ConfigError):
        ReplyOptions(late_filler_s=0)


async def test_caller_going_on_before_the_agent_speaks_continues_the_turn() -> None:
    h = Harness(front_desk, options=NO_PREEMPT, ttft_s=2.0)
    # Turn confirmed at 1.4 s, the reply would start at ~3.5 s; the caller goes on at 2.0 s.
    s = await h.run([(0.5, "hello there"), (2.0, "are you there")], end_s=8.0)
    [turn] = s.turns
    assert turn.user_text == "hello there are you there" and not turn.interrupted
    assert s.stats().continued_turns == 1 and s.stats().barge_ins == 0
    assert [m["role"] for m in s.context.history] == ["user", "assistant"]
    # Nothing of the withdrawn reply was played; the LLM saw the whole sentence last.
    assert h.output.frames[0].captured_at_s > 2.0 + 0.5
    assert last_user(h.llm.requests[-1]) == "hello there are you there"


async def test_caller_going_on_while_only_a_filler_plays_continues_the_turn() -> None:
    h = Harness(
        front_desk, options=NO_PREEMPT, ttft_s=4.0, reply_options=ReplyOptions(late_filler_s=1.0)
    )
    # Turn confirmed at ~1.4 s, its filler from ~2.4 s, the answer not before ~5.4 s; the
    # caller goes on at 3.2 s, over the filler.
    s = await h.run([(0.5, "hello there"), (3.2, "are you there")], end_s=12.0)
    [turn] = s.turns
    assert turn.user_text == "hello there are you there"
    assert s.stats().continued_turns == 1 and s.stats().barge_ins == 0
    assert last_user(h.llm.requests[-1]) == "hello there are you there"
    assert h.output.frames[0].captured_at_s < 3.2  # the filler had started


async def test_reply_that_already_ran_a_tool_is_not_withdrawn() -> None:
    h = Harness(front_desk, options=NO_PREEMPT, tool_work_s=3.0, with_fillers=False)
    # The booking runs from ~1.8 s to ~4.8 s; the caller speaks at 2.5 s, before any audio.
    s = await h.run([(0.5, "book a double room"), (2.5, "thanks")], end_s=10.0)
    first = s.turns[0]
    assert first.interrupted and first.tool_calls == ("book_room",)
    assert s.stats().continued_turns == 0
    # The tool finished (not cancelled half-way) and its call and result stay in the history
    # even though nothing was heard; the next turn's request saw them.
    assert h.world.booked == [{"room_type": "double"}]
    assert [m["role"] for m in s.context.history][:4] == ["user", "assistant", "tool", "user"]
    assert any(m["role"] == "tool" for m in h.llm.requests[-1].messages)
    assert s.turns[1].user_text == "thanks"
