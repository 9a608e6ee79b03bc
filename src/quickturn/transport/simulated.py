"""A simulated phone call: a scripted caller talks to the voice session in real time.

Caller lines are synthesised speech, fed frame by frame paced by the session clock (never faster
than real time, so every latency is what a real caller would see). The caller behaves like a
person: it waits for the agent to finish speaking plus a short gap before its next line, pauses
mid-sentence where a line says so, and barges in on the agent where a line says so. Both sides
are recorded on the one clock into a stereo track (caller left, agent right).

The call is one transport among others: the caller's frames are an ``AudioInput`` and the agent
plays into ``PacedOutput``, an ``AudioOutput`` that paces frames in real time on the clock (the
agent hands them over ahead of time). It depends on nothing in ``quickturn.agent``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from quickturn.audio.frame import PCM16, AudioFrame
from quickturn.audio.resample import resample
from quickturn.clock import Clock
from quickturn.errors import AudioFormatError, ConfigError
from quickturn.transport.io import AudioOutput
from quickturn.tts.types import TTS


@dataclass(frozen=True)
class CallerLine:
    """One thing the caller says.

    ``parts`` are spoken with ``pause_s`` of silence between them (a mid-sentence pause:
    ``("I'd like to book", "a double room")``). ``barge_in_after_s`` makes the caller start this
    line that long after the agent starts speaking, instead of waiting for it to finish.
    """

    parts: tuple[str, ...]
    pause_s: float = 0.8
    gap_s: float = 0.6
    barge_in_after_s: float | None = None

    def __post_init__(self) -> None:
        if not self.parts or not all(p.strip() for p in self.parts):
            raise ConfigError("a caller line needs at least one non-empty part")
        if self.pause_s < 0 or self.gap_s < 0:
            raise ConfigError("pause_s and gap_s must be >= 0")
        if self.barge_in_after_s is not None and self.barge_in_after_s < 0:
            raise ConfigError("barge_in_after_s must be >= 0")

    @property
    def text(self) -> str:
        return " ".join(p.strip() for p in self.parts)


@dataclass(frozen=True)
class CallOptions:
    sample_rate_hz: int = 16_000
    frame_ms: int = 20
    lead_in_s: float = 0.5
    tail_s: float = 1.5
    max_wait_s: float = 60.0
    """How long the caller waits for an answer before saying its next line anyway."""
    wait_for_greeting: bool = True

    def __post_init__(self) -> None:
        if self.sample_rate_hz not in (8000, 16_000):
            raise ConfigError("the call runs at 8000 or 16000 Hz")
        if not 10 <= self.frame_ms <= 32:
            raise ConfigError("frame_ms must be within [10, 32] (real-time frames)")
        if self.lead_in_s < 0 or self.tail_s < 0 or self.max_wait_s <= 0:
            raise ConfigError("lead_in_s, tail_s must be >= 0 and max_wait_s > 0")

    @property
    def frame_samples(self) -> int:
        return self.sample_rate_hz * self.frame_ms // 1000


LISTENING = "listening"
SPEAKING = "speaking"


class AgentView(Protocol):
    """What the caller can observe of the agent: its state ("listening", "speaking", ...) and how
    many turns it answered (``AgentSession`` fits)."""

    @property
    def state(self) -> str: ...

    @property
    def turns(self) -> Sequence[object]: ...


class FramesInput:
    """An ``AudioInput`` over a function that opens the frame stream (opened once per call)."""

    def __init__(self, open_frames: Callable[[], AsyncIterator[AudioFrame]]) -> None:
        self._open = open_frames

    def frames(self) -> AsyncIterator[AudioFrame]:
        return self._open()


class StereoRecorder:
    """Caller (left) and agent (right) placed by their clock times."""

    def __init__(self, sample_rate_hz: int, start_s: float) -> None:
        self.sample_rate_hz = sample_rate_hz
        self.start_s = start_s
        self._left: list[tuple[int, PCM16]] = []
        self._right: list[tuple[int, PCM16]] = []

    def _pos(self, frame: AudioFrame) -> int:
        if frame.sample_rate_hz != self.sample_rate_hz:
            raise AudioFormatError(
                f"recorder runs at {self.sample_rate_hz} Hz, got a {frame.sample_rate_hz} Hz frame"
            )
        return max(0, int(round((frame.captured_at_s - self.start_s) * self.sample_rate_hz)))

    def caller(self, frame: AudioFrame) -> None:
        self._left.append((self._pos(frame), frame.pcm))

    def agent(self, frame: AudioFrame) -> None:
        self._right.append((self._pos(frame), frame.pcm))

    def stereo(self) -> PCM16:
        """``(n, 2)`` int16: both channels over the whole call."""
        n = max((p + len(a) for p, a in (*self._left, *self._right)), default=0)
        out = np.zeros((n, 2), np.int16)
        for col, parts in ((0, self._left), (1, self._right)):
            for pos, pcm in parts:
                out[pos : pos + len(pcm), col] = pcm
        return out


class PacedOutput(AudioOutput):
    """The simulated call's speaker: plays captured frames in real time on the clock.

    A frame plays at ``max(now, end of the previous frame)`` (after an underrun the schedule
    restarts from now rather than bursting the backlog); it is stamped with that play time and
    handed to ``on_frame`` (the recorder) then. ``clear_buffer`` drops the queue at once: the
    frame sounding at that instant counts as played, no later one plays.
    """

    def __init__(
        self,
        clock: Clock,
        sample_rate_hz: int,
        on_frame: Callable[[AudioFrame], None] | None = None,
    ) -> None:
        super().__init__(sample_rate_hz)
        self._clock = clock
        self._on_frame = on_frame
        self._queue: deque[AudioFrame] = deque()
        self._wake = asyncio.Event()
        self._flushed = False
        self._played = 0  # samples of the current speech
        self._task: asyncio.Task[None] | None = None
        self.frames: list[AudioFrame] = []
        """Every frame played so far, stamped with its play time."""

    async def capture_frame(self, frame: AudioFrame) -> None:
        if frame.sample_rate_hz != self.sample_rate_hz:
            raise AudioFormatError(
                f"output runs at {self.sample_rate_hz} Hz, got a {frame.sample_rate_hz} Hz frame"
            )
        if self._task is None:
            self._played = 0
            self._flushed = False
            self._task = asyncio.create_task(self._play())
        self._queue.append(frame)
        self._wake.set()

    def flush(self) -> None:
        if self._task is None:
            self.on_playback_finished(0.0, interrupted=False)  # an empty speech
            return
        self._flushed = True
        self._wake.set()

    def clear_buffer(self) -> None:
        if self._task is None:
            return  # nothing playing: nothing to drop
        self._queue.clear()
        self._task.cancel()
        self._task = None
        self.on_playback_finished(self._played / self.sample_rate_hz, interrupted=True)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _play(self) -> None:
        next_due: float | None = None
        while True:
            if not self._queue:
                if self._flushed:
                    break
                self._wake.clear()
                await self._wake.wait()
                continue
            frame = self._queue.popleft()
            now = self._clock.now()
            if next_due is None or next_due < now:
                next_due = now
            await self._clock.sleep_until(next_due)
            played = AudioFrame(frame.pcm, frame.sample_rate_hz, next_due)
            if self._played == 0:
                self.on_playback_started(next_due)
            self.frames.append(played)
            if self._on_frame is not None:
                self._on_frame(played)
            self._played += len(frame.pcm)
            # Reported as the frame starts sounding (as the network transports report a frame
            # when it goes on the wire): a caption shows a word as its last sound is played.
            self.on_playback_progress(self._played / self.sample_rate_hz)
            next_due += frame.duration_s
        if next_due is not None:
            await self._clock.sleep_until(next_due)  # the last frame is still sounding
        self._task = None
        self.on_playback_finished(self._played / self.sample_rate_hz, interrupted=False)


def trim_silence(pcm: PCM16, rate_hz: int, threshold: int = 100, keep_s: float = 0.08) -> PCM16:
    """Cut near-silence off both ends (TTS voices pad ~0.1-0.2 s), keeping ``keep_s`` so quiet
    word endings (the burst of a final "k") survive."""
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) >= threshold)
    if not len(loud):
        return pcm[:0]
    keep = int(keep_s * rate_hz)
    return pcm[max(0, loud[0] - keep) : loud[-1] + 1 + keep]


async def synthesize_line(tts: TTS, line: CallerLine, rate_hz: int) -> PCM16:
    """The caller's audio for ``line`` at ``rate_hz``; each part is trimmed, so ``pause_s`` is
    the real silence between parts."""
    pieces: list[PCM16] = []
    for i, part in enumerate(line.parts):
        if i:
            pieces.append(np.zeros(int(line.pause_s * rate_hz), np.int16))
        audio: list[PCM16] = []
        async for chunk in tts.synthesize(part):
            pcm = chunk.pcm
            if chunk.sample_rate_hz != rate_hz:
                pcm = resample(pcm, chunk.sample_rate_hz, rate_hz)
            audio.append(pcm)
        if audio:
            pieces.append(trim_silence(np.concatenate(audio), rate_hz))
    return np.concatenate(pieces) if pieces else np.zeros(0, np.int16)


@dataclass(frozen=True)
class SpokenLine:
    line: CallerLine
    started_at_s: float
    ended_at_s: float


class Mouth:
    """Caller audio queued to be spoken, handed out frame by frame in real time.

    Shared by the scripted caller below and the eval harness's voice mode, whose caller decides
    each line only after hearing the agent."""

    def __init__(self, clock: Clock, recorder: StereoRecorder, options: CallOptions) -> None:
        self._clock = clock
        self._recorder = recorder
        self.options = options
        self._queue: list[PCM16] = []
        self.done = False

    async def say(self, pcm: PCM16) -> None:
        """Queue ``pcm`` and return once it has been spoken (clock time of its length)."""
        self._queue.append(pcm)
        await self._clock.sleep(len(pcm) / self.options.sample_rate_hz)

    async def frames(self) -> AsyncIterator[AudioFrame]:
        """One frame per ``frame_ms`` of clock time (silence when nothing is queued) until
        ``done`` is set."""
        step = self.options.frame_samples
        frame_s = step / self.options.sample_rate_hz
        t = self._recorder.start_s
        while not self.done:
            # A frame is delivered once its last sample is "captured": real-time pacing.
            await self._clock.sleep_until(t + frame_s)
            frame = AudioFrame(self._take(step), self.options.sample_rate_hz, t)
            self._recorder.caller(frame)
            yield frame
            t += frame_s

    def _take(self, n: int) -> PCM16:
        out = np.zeros(n, np.int16)
        filled = 0
        while self._queue and filled < n:
            head = self._queue[0]
            k = min(n - filled, len(head))
            out[filled : filled + k] = head[:k]
            filled += k
            if k == len(head):
                self._queue.pop(0)
            else:
                self._queue[0] = head[k:]
        return out


async def wait_until(
    clock: Clock, predicate: Callable[[], bool], timeout_s: float, poll_s: float
) -> bool:
    """Poll ``predicate`` on the clock; False when ``timeout_s`` passed first."""
    deadline = clock.now() + timeout_s
    while not predicate():
        if clock.now() >= deadline:
            return False
        await clock.sleep(poll_s)
    return True


def answered(agent: AgentView, lines: int) -> Callable[[], bool]:
    """The agent has answered ``lines`` lines and stopped talking."""
    return lambda: len(agent.turns) >= lines and agent.state == LISTENING


def answered_after(agent: AgentView, turns: int) -> Callable[[], bool]:
    """The agent has answered a turn beyond its first ``turns`` and stopped talking."""
    return lambda: len(agent.turns) > turns and agent.state == LISTENING


class SimulatedCaller:
    """Produces the caller's frames in real time and plays its script against ``agent``."""

    def __init__(
        self,
        lines: Sequence[tuple[CallerLine, PCM16]],
        clock: Clock,
        recorder: StereoRecorder,
        options: CallOptions = CallOptions(),
        on_line: Callable[[SpokenLine], None] | None = None,
    ) -> None:
        for line, pcm in lines:
            if pcm.dtype != np.int16 or pcm.ndim != 1 or not len(pcm):
                raise AudioFormatError(f"caller line {line.text!r}: needs non-empty 1-D int16 PCM")
        self._lines = list(lines)
        self._clock = clock
        self.options = options
        self._on_line = on_line
        self._mouth = Mouth(clock, recorder, options)
        self.spoken: list[SpokenLine] = []
        self.timeouts = 0

    def input(self, agent: AgentView) -> FramesInput:
        """This caller as the session's ``AudioInput``, playing its script against ``agent``."""
        return FramesInput(lambda: self.frames(agent))

    async def frames(self, agent: AgentView) -> AsyncIterator[AudioFrame]:
        """Caller audio, one frame per ``frame_ms`` of clock time, until the script is done."""
        script = asyncio.create_task(self._script(agent))
        try:
            async for frame in self._mouth.frames():
                yield frame
            await script  # surfaces a script error
        finally:
            script.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await script

    async def _until(self, predicate: Callable[[], bool]) -> bool:
        ok = await wait_until(
            self._clock, predicate, self.options.max_wait_s, self.options.frame_ms / 1000
        )
        if not ok:
            self.timeouts += 1
        return ok

    async def _script(self, agent: AgentView) -> None:
        await self._clock.sleep(self.options.lead_in_s)
        if self.options.wait_for_greeting:
            # The agent speaks first; hear the greeting out.
            await self._until(lambda: agent.state == SPEAKING)
        await self._until(lambda: agent.state == LISTENING)
        # Turns the agent had answered when the caller's previous line ended: the next line
        # waits for an answer beyond them. Counting lines instead waited out max_wait_s (60 s
        # of silence in the demo's call.wav) whenever a barge-in joined two lines into one turn.
        before: int | None = None
        for line, pcm in self._lines:
            if line.barge_in_after_s is not None:
                await self._until(lambda: agent.state == SPEAKING)
                await self._clock.sleep(line.barge_in_after_s)
            else:
                if before is not None:
                    await self._until(answered_after(agent, before))
                await self._until(lambda: agent.state == LISTENING)
                await self._clock.sleep(line.gap_s)
            start = self._clock.now()
            await self._mouth.say(pcm)
            spoken = SpokenLine(line, start, self._clock.now())
            self.spoken.append(spoken)
            if self._on_line is not None:
                self._on_line(spoken)
            before = len(agent.turns)
        if before is not None:
            await self._until(answered_after(agent, before))
        await self._clock.sleep(self.options.tail_s)
        self._mouth.done = True
