"""The timing wrapper on a scripted client with a virtual clock: exact TTFT/TTFS/total."""

from __future__ import annotations

import pytest
from bench_fakes import ScriptedClient, Step, VirtualClock

from quickturn.bench.timing import SentenceWatch, timed_stream
from quickturn.errors import UpstreamError
from quickturn.llm.types import ChatRequest
from quickturn.tools.types import ToolCall

REQ = ChatRequest(messages=[{"role": "user", "content": "hi"}])


def client_for(steps: list[Step]) -> ScriptedClient:
    return ScriptedClient(lambda _req: steps, VirtualClock())


async def test_ttft_ttfs_total_are_exact() -> None:
    client = client_for([
        (0.25, "Sure"),          # first token at +0.25
        (0.10, ", one moment."),  # terminator at the end of a delta: not yet confirmed
        (0.05, " Let"),           # the space confirms the sentence at +0.40
        (0.05, " me check."),
        (0.02, "finish"),         # +0.47
    ])
    reply = await timed_stream(client, REQ, clock=client.clock)
    assert reply.ok
    assert reply.ttft_s == pytest.approx(0.25)
    assert reply.ttfs_s == pytest.approx(0.40)
    assert reply.total_s == pytest.approx(0.47)
    assert reply.text == "Sure, one moment. Let me check."
    assert reply.finish_reason == "stop" and reply.text_deltas == 4
    assert client.closed == 1  # the stream was closed after Finished


async def test_sentence_inside_one_delta_counts_at_that_delta() -> None:
    client = client_for([(0.1, "Hi"), (0.2, " there! How are"), (0.1, " you?"), (0.0, "finish")])
    reply = await timed_stream(client, REQ, clock=client.clock)
    assert reply.ttft_s == pytest.approx(0.1)
    assert reply.ttfs_s == pytest.approx(0.3)


async def test_decimal_point_is_not_a_sentence_end() -> None:
    client = client_for([(0.1, "It costs 3"), (0.1, ".5"), (0.1, " dollars"), (0.1, "finish")])
    reply = await timed_stream(client, REQ, clock=client.clock)
    # No terminator followed by space: the whole reply is one sentence, complete at Finished.
    assert reply.ttfs_s == pytest.approx(0.4)
    assert reply.total_s == pytest.approx(0.4)


async def test_tool_call_first_sets_ttft_and_ttfs() -> None:
    call = ToolCall("c1", "search_availability", {"adults": 2})
    client = client_for([(0.3, call), (0.05, "finish")])
    reply = await timed_stream(client, REQ, clock=client.clock)
    assert reply.ttft_s == pytest.approx(0.3)
    assert reply.ttfs_s == pytest.approx(0.3)
    assert reply.tool_calls == (call,)
    assert reply.text == ""


async def test_failure_mid_stream_is_recorded_not_raised() -> None:
    client = client_for([(0.2, "Sure"), (0.1, UpstreamError("replica went away"))])
    reply = await timed_stream(client, REQ, clock=client.clock)
    assert not reply.ok
    assert reply.error_type == "UpstreamError"
    assert reply.error_message == "replica went away"
    assert reply.ttft_s == pytest.approx(0.2)  # what happened before the failure is kept
    assert reply.total_s is None
    assert reply.text == "Sure"


async def test_stream_without_finished_is_a_failure() -> None:
    client = client_for([(0.2, "Sure.")])
    reply = await timed_stream(client, REQ, clock=client.clock)
    assert reply.error_type == "_IncompleteStream"
    assert reply.total_s is None


async def test_hung_stream_times_out_and_is_closed() -> None:
    client = client_for([(0.1, "Sure"), (0.0, "hang")])
    reply = await timed_stream(client, REQ, clock=client.clock, timeout_s=0.001)
    assert reply.error_type == "Timeout"
    assert "0.001" in (reply.error_message or "")
    assert client.closed == 1 and client.in_flight == 0


async def test_error_before_stream_starts_is_recorded() -> None:
    class Refusing:
        def stream(self, request: ChatRequest) -> object:
            raise ConnectionRefusedError("nobody listens")

        async def aclose(self) -> None:
            pass

    reply = await timed_stream(Refusing(), REQ)  # type: ignore[arg-type]
    assert reply.error_type == "ConnectionRefusedError"
    assert reply.ttft_s is None and reply.ttfs_s is None


@pytest.mark.parametrize(
    ("deltas", "found_at"),
    [
        (["Hello.", " World"], 1),
        (["Hello", ".", " x"], 2),
        (['He said "stop."', " Then"], 1),
        (["Really?!", " Yes"], 1),
        (["Wait...", "more"], None),
        (["v1.2.3 is out"], None),
        (["Done!\n", "Next"], 0),
    ],
)
def test_sentence_watch(deltas: list[str], found_at: int | None) -> None:
    watch = SentenceWatch()
    hits = [watch.feed(d) for d in deltas]
    first = hits.index(True) if True in hits else None
    assert first == found_at


def test_sentence_watch_finish() -> None:
    empty = SentenceWatch()
    assert not empty.finish()
    partial = SentenceWatch()
    partial.feed("Okay")
    assert partial.finish()
