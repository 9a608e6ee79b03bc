"""When TTS starts: on the first clause, the first sentence, or the whole reply.

Replies are streamed from a real chat client (the embedded model, a URL, or canned text) with
the arrival time of every delta. For each granularity the first segment is cut from that stream
exactly as the voice pipeline would (``SentenceSplitter``), and really synthesised with the
agent's TTS: time to first audio = segment ready + TTS time to its first chunk.

*Withdrawn*: a segment handed to TTS before the reply was complete that the reply then took
back: it turned out to be tool-call text (JSON, a code fence) that the pipeline must not speak.
Waiting for the whole reply can never be withdrawn; it pays for that in time.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from quickturn.bench.stats import Distribution
from quickturn.bench.tradeoff import TradeoffRow
from quickturn.llm.types import ChatClient, ChatRequest, Finished, TextDelta, ToolCallEvent

GRANULARITIES = ("clause", "sentence", "whole")
_CALL_MARKS = ("{", "```", '"name"', "<tool_call>")


@dataclass(frozen=True)
class StreamedReply:
    deltas: list[tuple[float, str]] = field(hash=False)  # (seconds since send, text)
    finished_s: float | None
    tool_call_s: float | None
    """When the first structured tool call arrived (None: the reply called no tool)."""

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.deltas)


async def stream_reply(client: ChatClient, request: ChatRequest) -> StreamedReply:
    sent = time.perf_counter()
    deltas: list[tuple[float, str]] = []
    finished = call = None
    async for event in client.stream(request):
        now = time.perf_counter() - sent
        match event:
            case TextDelta(text=text):
                deltas.append((now, text))
            case ToolCallEvent():
                call = now if call is None else call
            case Finished():
                finished = now
    return StreamedReply(deltas, finished, call)


def first_segment(reply: StreamedReply, granularity: str) -> tuple[float, str] | None:
    """(seconds since send when the first segment was ready, its text), as the pipeline's
    splitter would cut it."""
    from quickturn.tts import SentenceSplitter

    if granularity == "whole":
        text = reply.text.strip()
        return None if not text or reply.finished_s is None else (reply.finished_s, text)
    # clause: the production splitter (a first segment may end at a clause break after 4
    # words); sentence: clause cuts only beyond the splitter's longest segment.
    splitter = (SentenceSplitter(min_first_words=4) if granularity == "clause"
                else SentenceSplitter(min_first_words=25, max_words=25))
    for at, text in reply.deltas:
        out = splitter.push(text)
        if out:
            return at, out[0]
    rest = splitter.flush()
    if rest and reply.finished_s is not None:
        return reply.finished_s, rest[0]
    return None


def withdrawn(reply: StreamedReply, ready_s: float, segment: str) -> bool:
    before_end = reply.finished_s is None or ready_s < reply.finished_s
    return before_end and any(mark in segment for mark in _CALL_MARKS)


async def tts_first_chunk_s(tts: object, text: str) -> float:
    t0 = time.perf_counter()
    async for _chunk in tts.synthesize(text):  # type: ignore[attr-defined]
        return time.perf_counter() - t0
    return time.perf_counter() - t0


@dataclass(frozen=True)
class GranularityResult:
    granularity: str
    first_audio_ms: Distribution | None
    withdrawn: int
    replies: int
    mean_first_words: float


async def measure(replies: Sequence[StreamedReply], tts: object) -> list[GranularityResult]:
    """Synthesise each reply's first segment at every granularity. The order of granularities
    rotates from reply to reply, and one synthesis runs first unmeasured, so neither a cold TTS
    nor a busy moment of the machine lands on one granularity only."""
    if replies:
        await tts_first_chunk_s(tts, "Warming up.")
    times: dict[str, list[float]] = {g: [] for g in GRANULARITIES}
    words: dict[str, list[int]] = {g: [] for g in GRANULARITIES}
    taken = dict.fromkeys(GRANULARITIES, 0)
    for i, reply in enumerate(replies):
        order = GRANULARITIES[i % 3:] + GRANULARITIES[:i % 3]
        for granularity in order:
            seg = first_segment(reply, granularity)
            if seg is None:
                continue
            ready, text = seg
            synth = await tts_first_chunk_s(tts, text)
            times[granularity].append((ready + synth) * 1000.0)
            words[granularity].append(len(text.split()))
            taken[granularity] += withdrawn(reply, ready, text)
    return [
        GranularityResult(g, Distribution.of(times[g]), taken[g], len(times[g]),
                          sum(words[g]) / len(words[g]) if words[g] else 0.0)
        for g in GRANULARITIES
    ]


def tradeoff_rows(results: Sequence[GranularityResult]) -> list[TradeoffRow]:
    base = next(r for r in results if r.granularity == "whole")
    return [
        TradeoffRow(
            "TTS start", r.granularity, "whole reply", "first audio", r.first_audio_ms,
            base.first_audio_ms,
            f"withdrawn {r.withdrawn}/{r.replies}; first segment {r.mean_first_words:.1f} words "
            f"vs {base.mean_first_words:.1f}",
            n=r.replies,
        )
        for r in results if r is not base
    ]
