"""faster-whisper STT that does not pay for Whisper's 30 s padding.

Stock ``transcribe()`` always encodes 30 s of features (0.85 s for tiny.en on this CPU). Here
the log-mel features are sliced to a window of at least ``window_s`` (or the utterance rounded
up to whole seconds), encoded, and decoded greedily with a token budget proportional to the
audio (~3.5x faster). Windows shorter than ~10 s make Whisper repeat itself, so a transcript
with a repeated 3-gram, a sentence said twice in a row ("Great. Great.", "Hi. Hi."), or one that
ran out of budget is redone on the full 30 s window (measured on 0.7 s Piper readings of one
word: the 10 s window doubled it in 2-6 of 10 readings, the 30 s window in none).

Decoding keeps Whisper's timestamp tokens (2 tokens a segment, ~5 ms on tiny.en): without them
Whisper sometimes ends its text after the first sentence of a multi-sentence utterance (measured:
1-3 in 20 Piper readings of a three-sentence reply), and nothing shows that words are missing.
With them the last timestamp says where the text ends; when more than ``continue_gap_s`` of
audio is left after it, decoding continues from there, as stock ``transcribe()`` seeks.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from quickturn.assets import ModelPaths
from quickturn.audio.frame import PCM16
from quickturn.errors import AudioFormatError, ConfigError, MissingDependencyError
from quickturn.stt.overlap import drop_overlap
from quickturn.stt.types import Transcript

SAMPLE_RATE_HZ = 16000
_FULL_WINDOW_S = 30
_FRAMES_PER_S = 100  # Whisper's mel hop is 10 ms
_TIMESTAMP_S = 0.02  # one timestamp token step
_MAX_PASSES = 4  # decoding passes over one utterance (first + continuations)
_MAX_DECODE = 448  # Whisper's decoder context, in tokens


@dataclass(frozen=True)
class WhisperOptions:
    model: str = "tiny.en"
    """``tiny.en`` or ``base`` (the bundled models)."""
    window_s: float = 10.0
    """Smallest encoder window; shorter ones make Whisper hallucinate repeats."""
    beam_size: int = 1
    threads: int = 1
    language: str = "en"
    compute_type: str = "int8"
    tokens_per_s: float = 5.0
    """Decode budget per second of audio (plus 10 tokens); normal speech needs ~3."""
    no_speech_threshold: float = 0.6
    """Above this no-speech probability (and with a low average log-prob) the text is empty."""
    prompt: str = ""
    """Words the agent expects to hear ("book a room, check-in, checkout"), given to Whisper as
    the text before the utterance (its ``initial_prompt``): it leans toward them where the
    audio is unclear. Empty: no prompt."""
    continue_gap_s: float = 1.0
    """Audio left after the last timestamp beyond which decoding continues from there (the
    utterance's own trailing silence must stay below it)."""

    def __post_init__(self) -> None:
        if self.model not in ("tiny.en", "base"):
            raise ConfigError(f"model must be 'tiny.en' or 'base', got {self.model!r}")
        if not 1.0 <= self.window_s <= _FULL_WINDOW_S:
            raise ConfigError(f"window_s must be in [1, 30], got {self.window_s}")
        if not 1 <= self.beam_size <= 10:
            raise ConfigError(f"beam_size must be in [1, 10], got {self.beam_size}")
        if not 1 <= self.threads <= 64:
            raise ConfigError(f"threads must be in [1, 64], got {self.threads}")
        if self.model.endswith(".en") and self.language != "en":
            raise ConfigError(f"{self.model} is English-only, got language {self.language!r}")
        if self.tokens_per_s <= 0:
            raise ConfigError(f"tokens_per_s must be positive, got {self.tokens_per_s}")
        if not 0.0 < self.no_speech_threshold <= 1.0:
            raise ConfigError(
                f"no_speech_threshold must be in (0, 1], got {self.no_speech_threshold}"
            )
        if self.continue_gap_s <= 0:
            raise ConfigError(f"continue_gap_s must be positive, got {self.continue_gap_s}")


def _import_faster_whisper() -> Any:
    try:
        import faster_whisper
    except ImportError as exc:
        raise MissingDependencyError(
            "faster-whisper", "pip install faster-whisper  (or: pip install 'quickturn[stt]')"
        ) from exc
    return faster_whisper


def has_repeated_ngram(tokens: list[int], n: int = 3, max_count: int = 2) -> bool:
    """True when some ``n``-gram of tokens occurs more than ``max_count`` times."""
    grams = Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return any(c > max_count for c in grams.values())


def _words(text: str) -> set[str]:
    return set("".join(c if c.isalnum() else " " for c in text.lower()).split())


def repeats_sentence(text: str) -> bool:
    """Whether ``text`` says one sentence twice in a row ("Hi. Hi.", "No? No?"): how a short
    window hallucinates on a short utterance (the 3-gram guard misses a two-token sentence said
    twice). Real speech that does it ("Thank you. Thank you.") only costs the 30 s retry."""
    norm = [
        " ".join("".join(c for c in s.lower() if c.isalnum() or c.isspace()).split())
        for s in re.split(r"[.?!]+", text)
    ]
    sentences = [s for s in norm if s]
    return any(a == b for a, b in zip(sentences, sentences[1:], strict=False))


def repeats_earlier(text: str, earlier: str, n: int = 4) -> bool:
    """Whether ``text`` shares a run of ``n`` words with ``earlier`` (case and punctuation
    aside): a continuation pass that says what the utterance already said."""

    def grams(s: str) -> set[tuple[str, ...]]:
        words = "".join(c if c.isalnum() or c.isspace() else " " for c in s.lower()).split()
        return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}

    return bool(grams(text) & grams(earlier))


def text_end_s(tokens: list[int], timestamp_begin: int) -> float | None:
    """Where the decoded text ends: the last timestamp token's time, None when there is none."""
    stamps = [t for t in tokens if t >= timestamp_begin]
    return (stamps[-1] - timestamp_begin) * _TIMESTAMP_S if stamps else None


class WhisperSTT:
    """One model, one single-thread executor: calls are serialised, the event loop never blocks."""

    def __init__(self, model: Any, options: WhisperOptions, executor: ThreadPoolExecutor) -> None:
        fw = _import_faster_whisper()
        from faster_whisper.transcribe import get_suppressed_tokens

        self.options = options
        self._model = model  # faster_whisper.WhisperModel
        self._executor = executor
        multilingual = bool(model.model.is_multilingual)
        self._tokenizer = fw.tokenizer.Tokenizer(
            model.hf_tokenizer,
            multilingual,
            task="transcribe" if multilingual else None,
            language=options.language if multilingual else None,
        )
        # No ``no_timestamps`` token: the timestamps tell where the text ends (module docstring).
        self._prompt: list[int] = list(self._tokenizer.sot_sequence)
        self._prompt_words = _words(options.prompt)
        if options.prompt.strip():
            # As faster-whisper builds its initial prompt: previous-text marker, at most half
            # the decoder's context of words, then the start of the transcript.
            words = self._tokenizer.encode(" " + options.prompt.strip())[-(_MAX_DECODE // 2 - 1) :]
            self._prompt = [self._tokenizer.sot_prev, *words, *self._prompt]
        self._suppress = list(get_suppressed_tokens(self._tokenizer, [-1]))
        self._closed = False

    @classmethod
    async def create(cls, options: WhisperOptions, paths: ModelPaths) -> WhisperSTT:
        """Load the bundled CTranslate2 model (a few hundred ms) off the event loop."""
        fw = _import_faster_whisper()
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper")
        loop = asyncio.get_running_loop()
        try:
            # Resolving the path may join model parts (disk work): also off the loop.
            folder = await loop.run_in_executor(executor, paths.whisper, options.model)
            model = await loop.run_in_executor(
                executor,
                lambda: fw.WhisperModel(
                    str(folder),
                    device="cpu",
                    compute_type=options.compute_type,
                    cpu_threads=options.threads,
                    local_files_only=True,
                ),
            )
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(model, options, executor)

    async def transcribe(self, pcm: PCM16) -> Transcript:
        if self._closed:
            raise RuntimeError("WhisperSTT is closed")
        if pcm.dtype != np.int16 or pcm.ndim != 1:
            raise AudioFormatError(f"transcribe needs 1-D int16 PCM, got {pcm.dtype} {pcm.shape}")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._batch_sync, pcm)

    async def transcribe_partial(self, pcm: PCM16) -> tuple[Transcript, bool]:
        """A cheap decode of an utterance still in progress: no 30 s retry when the short
        window repeats itself (audio cut mid-word often does). The flag says whether the text
        is as good as ``transcribe``'s (no repeat, within budget): only then may it be final."""
        if self._closed:
            raise RuntimeError("WhisperSTT is closed")
        if pcm.dtype != np.int16 or pcm.ndim != 1:
            raise AudioFormatError(f"transcribe needs 1-D int16 PCM, got {pcm.dtype} {pcm.shape}")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._partial_sync, pcm)

    async def transcribe_stock(self, pcm: PCM16) -> Transcript:
        """faster-whisper's own ``transcribe()`` (30 s window): the baseline for benchmarks."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._stock_sync, pcm)

    async def aclose(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _transcribe_sync(self, pcm: PCM16, partial: bool = False) -> tuple[Transcript, bool]:
        started = time.perf_counter()
        audio_s = len(pcm) / SAMPLE_RATE_HZ
        if audio_s > _FULL_WINDOW_S:
            return self._stock_sync(pcm), True  # long audio: let faster-whisper segment it
        if len(pcm) < SAMPLE_RATE_HZ // 20:  # under 50 ms: nothing to hear
            empty = Transcript("", audio_s, started, time.perf_counter(), self.options.model)
            return empty, True
        audio = pcm.astype(np.float32) / 32768.0
        features = self._model.feature_extractor(audio)
        window_s = max(self.options.window_s, float(math.ceil(audio_s)))
        text, repeated = self._decode(features, window_s, audio_s)
        repeated = repeated or repeats_sentence(text)
        if repeated and window_s < _FULL_WINDOW_S and not partial:
            text, still = self._decode(features, _FULL_WINDOW_S, audio_s)
            if (still or repeats_sentence(text)) and self._only_prompt_words(text):
                # The prompt itself, looping: on 2 s of digital silence tiny.en wrote "Check-in,
                # rooms. Check-in, rooms. ..." from the desk's words, in both windows.
                text = ""
            repeated = False
        done = time.perf_counter()
        return Transcript(text, audio_s, started, done, self.options.model), not repeated

    def _only_prompt_words(self, text: str) -> bool:
        """Whether every word of ``text`` is a word of the prompt (and there is a prompt)."""
        said = _words(text)
        return bool(self._prompt_words) and bool(said) and said <= self._prompt_words

    def _batch_sync(self, pcm: PCM16) -> Transcript:
        return self._transcribe_sync(pcm)[0]

    def _partial_sync(self, pcm: PCM16) -> tuple[Transcript, bool]:
        return self._transcribe_sync(pcm, partial=True)

    def _decode(
        self, features: npt.NDArray[np.float32], window_s: float, audio_s: float
    ) -> tuple[str, bool]:
        """The utterance's text, pass by pass: each pass starts where the last one's text ended,
        until the text reaches the end of the audio (module docstring)."""
        texts: list[str] = []
        start_s = 0.0
        for _ in range(_MAX_PASSES):
            rest = features[:, int(start_s * _FRAMES_PER_S) :]
            text, end_s, bad = self._decode_pass(rest, window_s, audio_s - start_s)
            if texts and repeats_earlier(text, " ".join(texts)):
                # A continuation over a short tail can replay the utterance's opening words
                # (seen: the first sentence again after the last one): not new speech.
                break
            if texts:
                text = drop_overlap(" ".join(texts), text)
            if text:
                texts.append(text)
            if bad:
                return " ".join(texts), True
            left_s = audio_s - start_s - (end_s or 0.0)
            if not text or not end_s or left_s <= self.options.continue_gap_s:
                break
            start_s += end_s
        return " ".join(texts), False

    def _decode_pass(
        self, features: npt.NDArray[np.float32], window_s: float, audio_s: float
    ) -> tuple[str, float | None, bool]:
        """One greedy decode of a window: (text, where it ends in s, repeated or over budget)."""
        frames = int(round(min(window_s, _FULL_WINDOW_S) * _FRAMES_PER_S))
        window = np.zeros((features.shape[0], frames), dtype=np.float32)
        used = min(frames, features.shape[1])
        window[:, :used] = features[:, :used]  # zero-padding, as stock pad_or_trim does
        encoded = self._model.encode(window)
        budget = int(self.options.tokens_per_s * audio_s) + 10
        result = self._model.model.generate(
            encoded,
            [self._prompt],
            beam_size=self.options.beam_size,
            # CTranslate2 stops well short of ``max_length`` tokens (measured: ~half of it
            # for Whisper), so give it twice the budget and enforce the budget below.
            max_length=min(_MAX_DECODE, len(self._prompt) + 2 * budget),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
        )[0]
        ids: list[int] = list(result.sequences_ids[0])
        tokens = [t for t in ids if t < self._tokenizer.eot]
        avg_logprob = float(result.scores[0]) if result.scores else 0.0
        if result.no_speech_prob > self.options.no_speech_threshold and avg_logprob < -1.0:
            return "", None, False
        ran_out = len(tokens) > budget
        end_s = text_end_s(ids, self._tokenizer.timestamp_begin)
        text = self._tokenizer.decode(tokens).strip()
        return text, end_s, ran_out or has_repeated_ngram(tokens)

    def _stock_sync(self, pcm: PCM16) -> Transcript:
        started = time.perf_counter()
        segments, _ = self._model.transcribe(
            pcm.astype(np.float32) / 32768.0,
            language=self.options.language,
            beam_size=self.options.beam_size,
            without_timestamps=True,
            condition_on_previous_text=False,
        )
        text = " ".join(s.text.strip() for s in segments).strip()
        return Transcript(
            text, len(pcm) / SAMPLE_RATE_HZ, started, time.perf_counter(), self.options.model
        )
