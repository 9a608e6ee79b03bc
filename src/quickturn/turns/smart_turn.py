"""Pipecat's Smart Turn v3.2 end-of-turn model, combined with the transcript rules.

The model (an 8.7 MB ONNX file: Whisper-tiny encoder plus a classifier, BSD-2) hears the last
8 s of the utterance and says how likely the turn is complete, from prosody as much as words:
a falling "...two nights." scores high, a level "I'd like to... " low. It is asked once, after
a short silence (``ask_after_s``); when it says complete the turn ends at once, otherwise the
detector keeps listening up to ``patience_s`` of silence in all.

The transcript overrides it where words are surer than sound: a trailing "and", "my number is",
or a phone number with too few digits holds the turn open even when the model says complete,
and words that only probably end a sentence add a short ``weak_wait_s``. Where the model says
unfinished but the words read finished, the turn ends after ``disagree_wait_s`` more (1.1 s in
all) instead of the full patience, and after only ``final_wait_s`` (0.4 s in all) when the words
read like the end of a turn (``detector.reads_final``: "Goodbye.", "...instead?", a long
sentence that does not end on a spelled letter or number group). Measured on the Piper
voice (docs/turn-taking.md) the model alone often calls a sentence cut mid-way complete, so the
words matter; with no transcript ("") the model decides alone.

Input features are Whisper's log-mel spectrogram of 8 s (80 x 800) of the zero-mean, unit-
variance waveform, left-padded with zeros, exactly as Pipecat computes them; faster-whisper's
feature extractor computes the same numbers (tested against Pipecat's own code).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from quickturn.assets import ModelPaths
from quickturn.audio.frame import PCM16
from quickturn.errors import AudioFormatError, ConfigError, MissingDependencyError
from quickturn.turns.detector import completeness, reads_final

SAMPLE_RATE_HZ = 16000
WINDOW_S = 8
_WINDOW = WINDOW_S * SAMPLE_RATE_HZ
_FRAMES = 800
_NORM_EPS = 1e-7  # the variance floor of transformers' zero-mean unit-variance normalisation


@dataclass(frozen=True)
class SmartTurnOptions:
    ask_after_s: float = 0.2
    """Silence after the last speech before the model is asked (the detector's min_silence_s)."""
    threshold: float = 0.75
    """Probability at or above which the turn is complete. Tuned on half of the labelled set
    (the even-numbered items; docs/turn-taking.md): the lowest false-end rate with a delay p50
    <= 250 ms. 0.5, Pipecat's, ended more turns early on the Piper voice, which the model often
    hears as finished mid-sentence; 0.75 (session 17, with ``final_wait_s``) ended fewer than
    0.7 on both halves."""
    patience_s: float = 1.4
    """Total silence before a turn that sounds (or reads) unfinished ends anyway. Longer than
    the hesitation it must outlast plus the VAD's own delay in reporting resumed speech
    (min_speech_s, ~0.15 s, and a window): at 1.0 s the demo's 0.8 s mid-sentence pause raced
    the resumption and was cut about one run in two."""
    use_transcript: bool = True
    """Hold the turn open when the words cannot end a sentence, whatever the model says."""
    weak_wait_s: float = 0.2
    """Further wait when the model says complete but the words only probably end there ("...
    for", "...is", no final punctuation)."""
    disagree_wait_s: float = 0.9
    """Further wait when the model says incomplete but the words read finished ("I was
    wondering.", "The name is Katarina."): 1.1 s of silence in all (tuned with ``threshold``;
    at 0.3 s, pauses of 0.4-1.0 s after such words were cut)."""
    final_wait_s: float = 0.2
    """Further wait, instead of ``disagree_wait_s``, when the model says incomplete but the
    words read like the end of a turn (``detector.reads_final``): the demo's "...instead?",
    "Goodbye." and "...to the twenty-second." waited 1.1 s for nothing. Tuned on the even half
    (0.2-0.45 s ended no more turns early there; the shortest delay won)."""
    final_min_words: int = 8
    """Words from which a turn that reads finished reads final (``reads_final``). 5 ended more
    turns early on the tuned half; 6-8 tied there and the most careful, 8, was kept."""
    threads: int = 1
    """onnxruntime intra-op threads (1 is fastest per call on a busy 2-core machine)."""

    def __post_init__(self) -> None:
        if not 0.0 < self.ask_after_s <= 2.0:
            raise ConfigError(f"ask_after_s must be in (0, 2], got {self.ask_after_s}")
        if not 0.0 < self.threshold < 1.0:
            raise ConfigError(f"threshold must be in (0, 1), got {self.threshold}")
        if not self.ask_after_s <= self.patience_s <= 10.0:
            raise ConfigError(
                f"patience_s must be in [ask_after_s={self.ask_after_s}, 10], got {self.patience_s}"
            )
        if not 0.0 <= self.weak_wait_s <= self.patience_s - self.ask_after_s:
            raise ConfigError(
                f"weak_wait_s must be in [0, patience_s - ask_after_s], got {self.weak_wait_s}"
            )
        if not 0.0 <= self.disagree_wait_s <= self.patience_s - self.ask_after_s:
            raise ConfigError(
                f"disagree_wait_s must be in [0, patience_s - ask_after_s], "
                f"got {self.disagree_wait_s}"
            )
        if not 0.0 <= self.final_wait_s <= self.disagree_wait_s:
            raise ConfigError(
                f"final_wait_s must be in [0, disagree_wait_s], got {self.final_wait_s}"
            )
        if not 1 <= self.final_min_words <= 100:
            raise ConfigError(f"final_min_words must be in [1, 100], got {self.final_min_words}")
        if not 1 <= self.threads <= 16:
            raise ConfigError(f"threads must be in [1, 16], got {self.threads}")


def _import_onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise MissingDependencyError(
            "onnxruntime", "pip install onnxruntime  (or: pip install 'quickturn[turns]')"
        ) from exc
    return onnxruntime


def _feature_extractor() -> Any:
    try:
        from faster_whisper.feature_extractor import FeatureExtractor
    except ImportError as exc:
        raise MissingDependencyError(
            "faster-whisper", "pip install faster-whisper  (or: pip install 'quickturn[stt]')"
        ) from exc
    return FeatureExtractor(feature_size=80, sampling_rate=SAMPLE_RATE_HZ)


class SmartTurnModel:
    """The ONNX session and its features. Synchronous and not thread-safe: call it from one
    thread (``SmartTurnDetector`` owns a single-thread executor for that)."""

    def __init__(self, path: Path, threads: int = 1) -> None:
        ort = _import_onnxruntime()
        if not path.is_file():
            raise MissingDependencyError(
                f"Smart Turn model {path}", "pip install --no-deps pipecat-ai==1.14.0"
            )
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self._session = ort.InferenceSession(
            str(path), sess_options=so, providers=["CPUExecutionProvider"]
        )
        self._features = _feature_extractor()

    def features(self, audio16k: PCM16) -> npt.NDArray[np.float32]:
        """The model input for one utterance: [80, 800] log-mel of its last 8 s."""
        if audio16k.dtype != np.int16 or audio16k.ndim != 1:
            raise AudioFormatError(
                f"Smart Turn needs 1-D int16 PCM, got {audio16k.dtype} {audio16k.shape}"
            )
        x = audio16k[-_WINDOW:].astype(np.float32) / 32768.0
        x = np.pad(x, (_WINDOW - len(x), 0))  # left-padded: the end of speech sits at the end
        x = (x - x.mean()) / np.sqrt(x.var() + _NORM_EPS)
        mel: npt.NDArray[np.float32] = self._features(x, padding=0)[:, :_FRAMES]
        return mel.astype(np.float32)

    def probability(self, audio16k: PCM16) -> float:
        """How likely the turn is complete (0..1; the model ends in a sigmoid)."""
        out = self._session.run(None, {"input_features": self.features(audio16k)[None]})
        return float(out[0][0][0])


def hold_after(options: SmartTurnOptions, probability: float, transcript: str) -> float:
    """Further silence to wait once the model has said ``probability`` (pure: the benchmark and
    the tests replay it)."""
    wait_s = options.patience_s - options.ask_after_s
    words = completeness(transcript) if options.use_transcript else "empty"
    if words == "incomplete":
        return wait_s  # the words cannot end here, whatever the voice did
    if probability < options.threshold:
        # The voice sounds unfinished: believe it fully unless the words read finished, and
        # least when they read like the end of a turn (a goodbye, a whole question).
        if words != "complete":
            return wait_s
        if reads_final(transcript, options.final_min_words):
            return options.final_wait_s
        return options.disagree_wait_s
    return options.weak_wait_s if words == "weak" else 0.0


class SmartTurnDetector:
    """The end-of-turn protocol over Smart Turn (module docstring). One model, one thread."""

    def __init__(
        self, model: SmartTurnModel, options: SmartTurnOptions, executor: ThreadPoolExecutor
    ) -> None:
        self.options = options
        self._model = model
        self._executor = executor

    @classmethod
    async def create(
        cls, options: SmartTurnOptions | None = None, paths: ModelPaths | None = None
    ) -> SmartTurnDetector:
        """Load the bundled model off the event loop (~0.1 s)."""
        opts = options or SmartTurnOptions()
        if paths is None:
            from quickturn.assets import default_cache_dir

            paths = ModelPaths(default_cache_dir())
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smart-turn")
        loop = asyncio.get_running_loop()
        try:
            path = paths.smart_turn()
            model = await loop.run_in_executor(executor, SmartTurnModel, path, opts.threads)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(model, opts, executor)

    @property
    def min_silence_s(self) -> float:
        return self.options.ask_after_s

    async def probability(self, audio16k: PCM16) -> float:
        """The model's completeness probability, computed off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._model.probability, audio16k)

    def hold_for(self, probability: float, transcript: str) -> float:
        """The decision once the model has spoken (``hold_after`` with these options)."""
        return hold_after(self.options, probability, transcript)

    async def hold_s(self, audio16k: PCM16, transcript: str) -> float:
        return self.hold_for(await self.probability(audio16k), transcript)

    async def aclose(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
