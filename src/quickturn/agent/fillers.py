"""Short phrases spoken while the agent works: fillers and the idle heartbeat.

All audio is synthesised once at start-up, so speaking a filler costs nothing on the hot path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from quickturn.agent.filler_policy import FillerPolicy, FillerPolicyOptions
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
    planned: FillerPolicyOptions | None = field(default_factory=FillerPolicyOptions)
    """Decide at the end of the turn whether a filler is needed and start it within ~150 ms
    (``filler_policy``); None: only the late filler (``ReplyOptions.late_filler_s``) and the
    tool filler."""

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
        planned = FillerPolicy(options.planned).phrases() if options.planned else []
        for phrase in dict.fromkeys((*options.tool, *options.late, options.heartbeat, *planned)):
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

    def policy(self) -> FillerPolicy | None:
        """A fresh planner for one session (it learns that session's engine latency)."""
        return FillerPolicy(self.options.planned) if self.options.planned else None

    def phrase(self, text: str) -> Segment | None:
        """The synthesised ``text`` as a filler segment, if it was synthesised."""
        return self._segment(text, "filler") if text in self._audio else None

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
