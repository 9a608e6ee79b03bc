"""The end-of-turn protocol every detector implements (plain patience, transcript rules, the
Smart Turn model, or a mix of them).

The session asks once per utterance, when the VAD has heard ``min_silence_s`` of silence: "given
the audio and the transcript so far, how much longer should I wait before the turn is over?"
0 ends the turn now. Caller speech during the wait cancels it (the turn goes on), so a detector
never has to watch the audio itself.
"""

from __future__ import annotations

from typing import Protocol

from quickturn.audio.frame import PCM16


class EndOfTurnDetector(Protocol):
    @property
    def min_silence_s(self) -> float:
        """VAD silence after the last speech before the detector is asked at all."""
        ...

    async def hold_s(self, audio16k: PCM16, transcript: str) -> float:
        """Further silence to wait before the turn is over (0: it is over now).

        ``audio16k`` is the whole utterance at 16 kHz (ending ``min_silence_s`` after the last
        speech); ``transcript`` its text so far ("" when STT has not finished). Implementations
        that run a model do it off the event loop."""
        ...
