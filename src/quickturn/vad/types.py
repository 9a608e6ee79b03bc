"""The VAD interface the voice session needs: push a caller frame, get the events it caused."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from quickturn.audio.frame import AudioFrame
from quickturn.vad.events import VADEvent


class VADStream(Protocol):
    """One caller's speech detector (stateful: one stream per call).

    ``process`` returns the ``SpeechStarted``/``SpeechPaused``/``SpeechResumed``/``SpeechEnded``
    events this frame completed, in order; frames must arrive in capture order."""

    def process(self, frame: AudioFrame) -> Sequence[VADEvent]: ...


@runtime_checkable
class HearsOnsets(Protocol):
    """A VAD that can say it is hearing what may be the start of speech before it reports
    ``SpeechStarted`` (which waits for ``min_speech_s`` of it). The session uses it to not end
    a turn while the caller may already be going on (optional: ``SileroVAD`` has it)."""

    @property
    def hearing_onset(self) -> bool: ...
