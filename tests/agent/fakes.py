"""Deterministic fakes for orchestration tests on a virtual clock.

Caller "speech" is a code: each word is ``WORD_S`` of a constant int16 value unique to the word,
silence is zeros. ``EnergyVAD`` finds speech by energy with the real VAD's pause/patience rules
and ``CodeSTT`` decodes the words back, so a timeline like "caller says 'book a room' at 1.0 s"
runs end to end with exact timings and no models.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from quickturn.audio.frame import PCM16, AudioFrame
from quickturn.clock import VirtualClock
from quickturn.llm.types import ChatRequest, Finished, LLMEvent, TextDelta, ToolCallEvent, Usage
from quickturn.stt.types import Transcript
from quickturn.tools.types import ToolCall, ToolRegistry, ToolSpec
from quickturn.tts.types import TTSChunk
from quickturn.vad.events import (
    SpeechEnded,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    VADEvent,
)

RATE = 16_000
FRAME_S = 0.02
WORD_S = 0.2


class Codebook:
    def __init__(self) -> None:
        self._codes: dict[str, int] = {}
        self._words: dict[int, str] = {}

    def code(self, word: str) -> int:
        if word not in self._codes:
            value = 1000 + 37 * len(self._codes)
            self._codes[word] = value
            self._words[value] = word
        return self._codes[word]

    def speak(self, text: str) -> PCM16:
        parts = [np.full(int(WORD_S * RATE), self.code(w), np.int16) for w in text.split()]
        return np.concatenate(parts) if parts else np.zeros(0, np.int16)

    def decode(self, pcm: PCM16) -> str:
        words: list[str] = []
        step = int(WORD_S * RATE) // 4
        prev = 0
        for start in range(0, len(pcm), step):
            value = int(pcm[start])
            if value in self._words and value != prev:
                words.append(self._words[value])
            prev = value
        return " ".join(words)


@dataclass
class EnergyVAD:
    """The real VAD's event contract (pause/patience), speech = any non-zero sample."""

    pause_s: float = 0.2
    patience_s: float = 0.5
    _speaking: bool = False
    _paused: bool = False
    _start_s: float = 0.0
    _end_s: float = 0.0
    _audio: list[PCM16] = field(default_factory=list)

    def process(self, frame: AudioFrame) -> list[VADEvent]:
        voiced = bool(np.any(frame.pcm != 0))
        events: list[VADEvent] = []
        if voiced:
            if not self._speaking:
                self._speaking, self._paused = True, False
                self._start_s = frame.captured_at_s
                self._audio = []
                events.append(SpeechStarted(frame.captured_at_s, frame.end_s))
            elif self._paused:
                self._paused = False
                events.append(SpeechResumed(frame.end_s))
            self._audio.append(frame.pcm)
            self._end_s = frame.end_s
        elif self._speaking:
            self._audio.append(frame.pcm)
            silence = frame.end_s - self._end_s
            audio = np.concatenate(self._audio)
            if silence >= self.patience_s - 1e-9:
                self._speaking = False
                events.append(SpeechEnded(self._start_s, self._end_s, frame.end_s, audio))
            elif silence >= self.pause_s - 1e-9 and not self._paused:
                self._paused = True
                events.append(SpeechPaused(self._end_s, frame.end_s, audio))
        return events


@dataclass
class CodeSTT:
    book: Codebook
    clock: VirtualClock
    latency_s: float = 0.1
    calls: list[str] = field(default_factory=list)

    async def aclose(self) -> None:
        return None

    async def transcribe(self, pcm16k: PCM16) -> Transcript:
        started = self.clock.now()
        await self.clock.sleep(self.latency_s)
        text = self.book.decode(pcm16k)
        self.calls.append(text)
        return Transcript(text, len(pcm16k) / RATE, started, self.clock.now(), "code")


@dataclass
class ToneTTS:
    """``ms_per_char`` ms of audio per character, first chunk after ``latency_s``."""

    clock: VirtualClock
    latency_s: float = 0.05
    ms_per_char: float = 5.0
    sample_rate_hz: int = RATE
    texts: list[str] = field(default_factory=list)

    clause_s: float | None = None
    """Set: each comma clause is its own chunk, made this long after the one before (as
    Piper reads a long sentence clause by clause)."""

    async def synthesize(self, text: str) -> AsyncIterator[TTSChunk]:
        self.texts.append(text)
        await self.clock.sleep(self.latency_s)
        parts = [text] if self.clause_s is None else text.replace(", ", ",\n").split("\n")
        for i, part in enumerate(parts):
            if i and self.clause_s is not None:
                await self.clock.sleep(self.clause_s)
            n = int(len(part) * self.ms_per_char * self.sample_rate_hz / 1000)
            yield TTSChunk(np.full(n, 300, np.int16), self.sample_rate_hz, part)

    async def aclose(self) -> None:
        return None


Script = Callable[[ChatRequest], list[str | ToolCall]]


@dataclass
class ScriptedLLM:
    """A ChatClient whose reply per request comes from ``script``: text pieces and tool calls,
    each piece after ``token_s``, the first after ``ttft_s``."""

    clock: VirtualClock
    script: Script
    ttft_s: float = 0.2
    token_s: float = 0.02
    requests: list[ChatRequest] = field(default_factory=list)

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        self.requests.append(request)
        await self.clock.sleep(self.ttft_s)
        calls = 0
        for i, piece in enumerate(self.script(request)):
            if i:
                await self.clock.sleep(self.token_s)
            if isinstance(piece, ToolCall):
                calls += 1
                yield ToolCallEvent(piece, self.clock.now())
            else:
                yield TextDelta(piece, self.clock.now())
        reason = "tool_calls" if calls else "stop"
        yield Finished(reason, Usage(10, 5), self.clock.now())

    async def aclose(self) -> None:
        return None


def words(text: str) -> list[str]:
    """Stream ``text`` as word-sized deltas (spaces kept)."""
    parts = text.split(" ")
    return [p if i == 0 else " " + p for i, p in enumerate(parts)]


def last_user(request: ChatRequest) -> str:
    for m in reversed(request.messages):
        if m["role"] == "user":
            return str(m["content"])
    return ""


def after_tool(request: ChatRequest) -> bool:
    return request.messages[-1]["role"] == "tool"


@dataclass
class BookingTools:
    """A tiny world: ``book_room`` creates a booking (after ``work_s`` on the clock)."""

    clock: VirtualClock
    work_s: float = 0.0
    booked: list[dict[str, Any]] = field(default_factory=list)

    def registry(self) -> ToolRegistry:
        async def book_room(args: dict[str, Any]) -> dict[str, Any]:
            await self.clock.sleep(self.work_s)
            self.booked.append(args)
            return {"booking_code": f"QT{len(self.booked):04d}", "room_type": args["room_type"]}

        return ToolRegistry(
            [
                ToolSpec(
                    "book_room",
                    "Book a room",
                    {
                        "type": "object",
                        "properties": {"room_type": {"type": "string"}},
                        "required": ["room_type"],
                    },
                    book_room,
                )
            ]
        )


def call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(f"call_{name}_{json.dumps(arguments, sort_keys=True)}", name, arguments)


async def feed(
    clock: VirtualClock,
    book: Codebook,
    timeline: list[tuple[float, str]],
    end_s: float,
    start_s: float = 0.0,
) -> AsyncIterator[AudioFrame]:
    """Caller frames in real time: ``(at_s, text)`` lines spoken at ``at_s``; "|" is a pause of
    one word's length (e.g. "i'd like to book | | | a double room")."""
    step = int(FRAME_S * RATE)
    total = int(round((end_s - start_s) * RATE))
    signal = np.zeros(total + step, np.int16)
    for at_s, text in timeline:
        pos = int(round((at_s - start_s) * RATE))
        for token in text.split():
            n = int(WORD_S * RATE)
            if token != "|":
                signal[pos : pos + n] = book.code(token)
            pos += n
    for i in range(0, total, step):
        t = start_s + i / RATE
        # A frame exists once its last sample is captured.
        await clock.sleep_until(t + FRAME_S)
        yield AudioFrame(signal[i : i + step].copy(), RATE, t)


async def run_until(clock: VirtualClock, coro: Any, limit_s: float) -> None:
    task = asyncio.ensure_future(coro)
    await clock.run_until_done(task, limit_s)
    await task
