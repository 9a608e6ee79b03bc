"""The VAD interface the voice session needs: push a caller frame, get the events it caused."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from quickturn.audio.frame import AudioFrame
from quickturn.vad.events import VADEvent


class VADStream(Protocol):
    """One caller's speech detector (stateful: one stream per call).

    ``process`` returns the ``SpeechStarted``/``SpeechPaused``/``SpeechResumed``/``SpeechEnded``
    events this frame completed, in order; frames must arrive in capture order."""

    def process(self, frame: AudioFrame) -> Sequence[VADEvent]: ...
