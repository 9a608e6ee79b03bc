"""Short phrases spoken while the agent works: fillers and the idle heartbeat.

All audio is synthesised once at start-up, so speaking a filler costs nothing on the hot path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from quickturn.agent.speech import Segment, SegmentKind
from quickturn.audio.frame import PCM16
from quickturn.errors import ConfigError
from quickturn.tts.types import TTS

Resample = Callable[[PCM16, int, int], PCM16]


@dataclass(frozen=True)
class FillerOptions:
    tool: tuple[str, ...] = ("One moment, let me check that.", "Let me look that up for you.")
    late: tuple[str, ...] = ("Okay.",)
    heartbeat: str = "Are you still there?"

    def __post_init__(self) -> None:
        if not self.tool or not self.late or not self.heartbeat.strip():
            raise ConfigError("filler phrases must not be empty")


class FillerBank:
    """Pre-synthesised phrases; ``next_tool()`` rotates so the agent does not repeat itself."""

    def __init__(self, audio: dict[str, PCM16], options: FillerOptions) -> None:
        self._audio = audio
        self.options = options
        self._tool_i = 0
        self._late_i = 0

    @classmethod
    async def create(
        cls,
        tts: TTS,
        output_rate_hz: int,
        resample: Resample,
        options: FillerOptions = FillerOptions(),
    ) -> FillerBank:
        audio: dict[str, PCM16] = {}
        for phrase in (*options.tool, *options.late, options.heartbeat):
            parts: list[PCM16] = []
            async for chunk in tts.synthesize(phrase):
                pcm = chunk.pcm
                if chunk.sample_rate_hz != output_rate_hz:
                    pcm = resample(pcm, chunk.sample_rate_hz, output_rate_hz)
                parts.append(pcm)
            audio[phrase] = np.concatenate(parts) if parts else np.zeros(0, np.int16)
        return cls(audio, options)

    def _segment(self, phrase: str, kind: SegmentKind) -> Segment:
        return Segment(phrase, self._audio[phrase], kind=kind)

    def next_tool(self) -> Segment:
        phrase = self.options.tool[self._tool_i % len(self.options.tool)]
        self._tool_i += 1
        return self._segment(phrase, "filler")

    def next_late(self) -> Segment:
        phrase = self.options.late[self._late_i % len(self.options.late)]
        self._late_i += 1
        return self._segment(phrase, "filler")

    def heartbeat(self) -> Segment:
        return self._segment(self.options.heartbeat, "heartbeat")
