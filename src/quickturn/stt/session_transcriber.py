"""The voice session's transcriber over a streaming STT.

The session feeds every caller frame and every VAD event; a new stream starts at each
``SpeechStarted`` (with ``preroll_s`` of the audio before it, as the VAD keeps), the VAD's pause
is passed on as a decode hint, and ``final_text`` (asked at a pause for preemptive work, or at
the end of an utterance) answers from what the stream already decoded. Partials go to
``on_partial`` as they come (the session emits them as non-final ``UserTranscript`` events).
Frames at a rate other than 16 kHz fall back to batch transcription of the utterance audio.

A turn the caller went on from before its text was known comes back as one audio: the session
joins the held fragment's audio to the new utterance's. The stream holds only the new utterance,
so when ``final_text`` gets more audio than the VAD's utterance it transcribes that audio in one
batch decode instead (before, the fragment's words were lost: "I'd like to" vanished when the
caller went on during a slow decode).

(Not exported from ``quickturn.stt``: it builds on the session's ``UtteranceTranscriber`` seam,
which imports ``quickturn.stt``.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from quickturn.agent.transcriber import BatchTranscriber
from quickturn.audio.frame import PCM16, AudioFrame
from quickturn.stt.streaming import IncrementalStream, IncrementalSTT
from quickturn.vad.events import SpeechEnded, SpeechPaused, SpeechStarted

SAMPLE_RATE_HZ = 16000

_JOIN_SLACK = SAMPLE_RATE_HZ // 50  # 20 ms: a frame of rounding between the two audio lengths

OnPartial = Callable[[str, float], None]


class StreamingTranscriber(BatchTranscriber):
    def __init__(
        self,
        stt: IncrementalSTT,
        clock: Callable[[], float],
        on_partial: OnPartial | None = None,
        preroll_s: float = 0.1,
    ) -> None:
        super().__init__(stt, clock)
        self._streaming = stt
        self._clock = clock
        self._on_partial = on_partial
        self._preroll_s = preroll_s
        self._recent: deque[AudioFrame] = deque()
        self._stream: IncrementalStream | None = None
        self._t0 = 0.0  # clock time of the stream's first sample
        self._speech_end_s: float | None = None
        self._utterance_samples = 0  # the VAD's audio of this utterance at its last event
        self._tasks: set[asyncio.Task[None]] = set()

    def feed(self, frame: AudioFrame) -> None:
        if frame.sample_rate_hz != SAMPLE_RATE_HZ:
            return
        self._recent.append(frame)
        while self._recent and self._recent[0].end_s < frame.end_s - self._preroll_s - 0.1:
            self._recent.popleft()
        if self._stream is not None:
            self._stream.push(frame.pcm)

    def on_vad(self, event: object) -> None:
        """A VAD event, given before the session acts on it."""
        match event:
            case SpeechStarted():
                self._close_stream()
                stream = self._streaming.stream()
                # The frame that triggered the start was fed already: it is in ``_recent``.
                preroll = [f for f in self._recent if f.end_s > event.start_s - self._preroll_s]
                self._t0 = preroll[0].captured_at_s if preroll else event.start_s
                for f in preroll:
                    stream.push(f.pcm)
                self._stream = stream
                self._speech_end_s = None
                self._utterance_samples = 0
                self._spawn(self._forward(stream))
            case SpeechPaused():
                self._speech_end_s = event.end_s
                self._utterance_samples = len(event.audio)
                if self._stream is not None:
                    self._stream.speech_paused()
            case SpeechEnded():
                self._speech_end_s = event.end_s
                self._utterance_samples = len(event.audio)

    async def final_text(self, audio16k: PCM16) -> tuple[str, float]:
        stream = self._stream
        # More than this utterance (a held fragment joined to it, module docstring): batch.
        if stream is None or len(audio16k) > self._utterance_samples + _JOIN_SLACK:
            transcript = await self.stt.transcribe(audio16k)
            return transcript.text, self._clock()
        end = None if self._speech_end_s is None else self._speech_end_s - self._t0
        transcript = await stream.text_until(end)
        return transcript.text, self._clock()

    async def aclose(self) -> None:
        self._close_stream()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)

    def _close_stream(self) -> None:
        if self._stream is not None:
            self._spawn(self._stream.aclose())
            self._stream = None

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _forward(self, stream: IncrementalStream) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            async for part in stream:
                if self._on_partial is not None and part.text:
                    self._on_partial(part.text, self._clock())
