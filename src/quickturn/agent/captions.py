"""Live captions of the agent: the words of a speech as the caller hears them.

The transport reports how much of the current speech has played (``on_playback_progress``);
within each segment (one sentence or clause) a word counts as heard once its end has played:
where the TTS engine gave word timings (Piper's phoneme durations), those; else the played share
of the audio maps to the same share of the characters, cut back to a whole word. That is the
rule ``Segment.heard_text`` applies when the speech ends, so the last caption and the text the
history keeps agree, a barge-in's cut included.
"""

from __future__ import annotations

from collections.abc import Callable

from quickturn.agent.speech import SegmentKind, SpeechHandle, heard_prefix


class CaptionTracker:
    """Turns playout positions of one speech into ``on_words(text, played_s)`` calls, one each
    time the heard text grows."""

    def __init__(
        self,
        handle: SpeechHandle,
        sample_rate_hz: int,
        kinds: tuple[SegmentKind, ...],
        on_words: Callable[[str, float], None],
    ) -> None:
        self._handle = handle
        self._rate = sample_rate_hz
        self._kinds = kinds
        self._on_words = on_words
        self.text = ""

    def update(self, played_s: float) -> None:
        played = int(round(played_s * self._rate))
        words = []
        for segment in self._handle.segments:
            if segment.offset < 0 or segment.kind not in self._kinds:
                continue  # not captured yet: nothing of it can have played
            part = heard_prefix(segment.text, min(len(segment.pcm), played - segment.offset),
                                len(segment.pcm), segment.word_ends)
            if part:
                words.append(part)
        text = " ".join(words)
        if text != self.text:
            self.text = text
            self._on_words(text, played_s)
