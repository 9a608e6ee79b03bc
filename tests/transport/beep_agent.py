"""A small stand-in for the voice session, for transport tests that need no model.

It hears speech by energy, answers each utterance with a one-second tone captured ahead of real
time, and stops (``clear_buffer``) when the caller talks over it. It records what happened so a
test can assert the transport's part: frames delivered, playout reported, cancellation on a
vanished peer.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import numpy as np

from quickturn.audio.frame import AudioFrame
from quickturn.transport.call import Call
from quickturn.transport.io import PlayoutResult

RATE = 16_000


def tone(seconds: float, hz: float = 440.0, amp: int = 8000, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * hz * t)).astype(np.int16)


@dataclass
class BeepAgent:
    reply_s: float = 1.0
    silence_s: float = 0.3
    threshold: float = 500.0
    calls: int = 0
    cancelled: int = 0
    finished: int = 0
    heard_s: list[float] = field(default_factory=list)
    playouts: list[PlayoutResult] = field(default_factory=list)
    speaking: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, call: Call) -> None:
        self.calls += 1
        call.ready.set()
        speech_s = quiet_s = 0.0
        reply: asyncio.Task[None] | None = None
        try:
            async for frame in call.input.frames():
                loud = _rms(frame) > self.threshold
                if loud:
                    speech_s += frame.duration_s
                    quiet_s = 0.0
                    if reply is not None and not reply.done():
                        call.output.clear_buffer()  # barge-in
                else:
                    quiet_s += frame.duration_s
                if speech_s >= 0.2 and quiet_s >= self.silence_s:
                    self.heard_s.append(speech_s)
                    call.send_event({"type": "user_transcript", "text": f"{speech_s:.1f}",
                                     "final": True})
                    speech_s = 0.0
                    if reply is None or reply.done():
                        reply = asyncio.create_task(self._reply(call))
            self.finished += 1
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            if reply is not None:
                reply.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reply

    async def _reply(self, call: Call) -> None:
        pcm = tone(self.reply_s)
        self.speaking.set()
        call.send_event({"type": "state", "state": "speaking"})
        for start in range(0, len(pcm), 1600):  # 100 ms chunks, far ahead of real time
            await call.output.capture_frame(AudioFrame(pcm[start : start + 1600], RATE, 0.0))
        call.output.flush()
        result = await call.output.wait_for_playout()
        self.playouts.append(result)
        self.speaking.clear()
        call.send_event({"type": "turn", "played_s": result.played_s,
                         "interrupted": result.interrupted})
        call.send_event({"type": "state", "state": "listening"})


def _rms(frame: AudioFrame) -> float:
    return float(np.sqrt(np.mean(frame.pcm.astype(np.float64) ** 2))) if len(frame.pcm) else 0.0
