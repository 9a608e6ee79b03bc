"""The noise gate as a measured stage: gates caller frames on their way in and times each one.

The gate adds no waiting of its own (a frame leaves as soon as it is processed), so its share of
the critical path is its processing time per frame, measured on ``cost_clock`` (real time by
default; a test passes a fake). ``take_mean_ms()`` returns the mean over the frames since the
last call, i.e. over one caller turn when called once per turn.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

from quickturn.audio.frame import AudioFrame
from quickturn.audio.noise_gate import NoiseGate


class GateMeter:
    def __init__(
        self, gate: NoiseGate, cost_clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self._gate = gate
        self._clock = cost_clock
        self._costs_s: list[float] = []
        self.frames_seen = 0

    async def frames(self, source: AsyncIterator[AudioFrame]) -> AsyncIterator[AudioFrame]:
        async for frame in source:
            t0 = self._clock()
            out = self._gate.process(frame)
            self._costs_s.append(self._clock() - t0)
            self.frames_seen += 1
            yield out

    def take_mean_ms(self) -> float | None:
        costs, self._costs_s = self._costs_s, []
        return sum(costs) / len(costs) * 1000.0 if costs else None
