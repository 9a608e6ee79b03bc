"""Piper TTS: the bundled voice, one onnxruntime thread, one chunk per sentence or clause.

Piper cannot stream inside a sentence (20 words take ~0.75 s here), so the text is first cut
with the SentenceSplitter: the first clause is synthesized alone and its audio can play while
the rest is still being computed.

With the ``onnx`` package the voice is patched in memory to report how many samples each phoneme
took (piper-tts 1.8's alignments); the spaces between phoneme words give each text word's end,
which live captions and the heard text after a barge-in use (else they share time out in
proportion to characters).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from quickturn.assets import ModelPaths
from quickturn.audio.frame import PCM16
from quickturn.errors import ConfigError, MissingDependencyError
from quickturn.tts.splitter import SentenceSplitter
from quickturn.tts.types import TTSChunk, WordEnds
from quickturn.tts.word_timing import phoneme_words, word_ends


@dataclass(frozen=True)
class PiperOptions:
    threads: int = 1
    """onnxruntime intra-op threads; 1 is faster than 2 on this 2-core machine."""
    length_scale: float = 1.0
    """>1 speaks slower."""
    volume: float = 0.7
    """Peak level of each chunk (Piper normalises every sentence to full scale)."""
    min_first_words: int = 4
    max_words: int = 20
    word_timings: bool = True
    """Ask the voice for phoneme durations (needs ``onnx``; without it, no word timings)."""
    memory_arena: bool = False
    """onnxruntime's CPU arena. Off by default: it keeps the buffers of the longest sentence
    spoken so far and never gives them back, so a long-running process grew ~270 MiB in steps
    over its first quarter hour (the soak); off, RSS stays flat for ~3 % slower synthesis."""

    def __post_init__(self) -> None:
        if not 1 <= self.threads <= 64:
            raise ConfigError(f"threads must be in [1, 64], got {self.threads}")
        if not 0.25 <= self.length_scale <= 4.0:
            raise ConfigError(f"length_scale must be in [0.25, 4], got {self.length_scale}")
        if not 0.0 < self.volume <= 1.0:
            raise ConfigError(f"volume must be in (0, 1], got {self.volume}")
        if self.min_first_words < 1 or self.max_words < max(2, self.min_first_words):
            raise ConfigError("need min_first_words >= 1 and max_words >= max(2, min_first_words)")


def _load_voice(
    model_path: Path, threads: int, word_timings: bool = True, memory_arena: bool = False
) -> tuple[Any, bool]:
    """The voice, and whether it reports phoneme durations."""
    try:
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig
    except ImportError as exc:
        raise MissingDependencyError(
            "piper-tts", "pip install piper-tts  (or: pip install 'quickturn[tts]')"
        ) from exc
    config_path = Path(f"{model_path}.json")
    config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
    # PiperVoice.load() gives onnxruntime its default thread pool (all cores); build the
    # session ourselves to pin it.
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.enable_cpu_mem_arena = memory_arena
    model: str | bytes = str(model_path)
    aligned = False
    if word_timings:
        try:
            import onnx
            from piper.patch_voice_with_alignment import add_alignment_output
        except ImportError:
            pass  # no word timings: captions share time out in proportion to characters
        else:
            proto = onnx.load(str(model_path))
            add_alignment_output(proto)
            model, aligned = proto.SerializeToString(), True
    session = onnxruntime.InferenceSession(
        model, sess_options=opts, providers=["CPUExecutionProvider"]
    )
    return PiperVoice(session=session, config=config), aligned


class PiperTTS:
    def __init__(
        self,
        voice: Any,
        options: PiperOptions,
        executor: ThreadPoolExecutor,
        aligned: bool = False,
    ) -> None:
        from piper import SynthesisConfig

        self.options = options
        self._voice = voice
        self._aligned = aligned
        self._executor = executor
        self._syn = SynthesisConfig(length_scale=options.length_scale, volume=options.volume)
        self._closed = False

    @classmethod
    async def create(cls, paths: ModelPaths, options: PiperOptions | None = None) -> PiperTTS:
        """Load the voice once (~3 s) off the event loop."""
        opts = options or PiperOptions()
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="piper")
        loop = asyncio.get_running_loop()
        try:
            model_path = await loop.run_in_executor(executor, paths.piper_voice)
            voice, aligned = await loop.run_in_executor(
                executor, _load_voice, model_path, opts.threads, opts.word_timings,
                opts.memory_arena,
            )
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(voice, opts, executor, aligned)

    @property
    def sample_rate_hz(self) -> int:
        return int(self._voice.config.sample_rate)

    def segments(self, text: str) -> list[str]:
        """How ``text`` is cut into chunks (first clause early, long sentences at clauses)."""
        splitter = SentenceSplitter(self.options.min_first_words, self.options.max_words)
        return [*splitter.push(text), *splitter.flush()]

    async def synthesize(self, text: str) -> AsyncGenerator[TTSChunk, None]:
        if self._closed:
            raise RuntimeError("PiperTTS is closed")
        loop = asyncio.get_running_loop()
        for segment in self.segments(text):
            pcm, ends = await loop.run_in_executor(
                self._executor, self._synthesize_sync, segment
            )
            if len(pcm):
                yield TTSChunk(pcm=pcm, sample_rate_hz=self.sample_rate_hz, text=segment,
                               word_ends=ends)

    def _synthesize_sync(self, text: str) -> tuple[PCM16, WordEnds | None]:
        chunks = []
        parts: list[tuple[int, list[tuple[str, float]] | None]] = []
        for c in self._voice.synthesize(text, self._syn, include_alignments=self._aligned):
            pcm = c.audio_int16_array
            chunks.append(pcm)
            alignments = c.phoneme_alignments if self._aligned else None
            spoken = phoneme_words([a.phoneme for a in alignments],
                                   [a.num_samples for a in alignments]) if alignments else None
            parts.append((len(pcm), spoken))
        if not chunks:
            return np.zeros(0, dtype=np.int16), None
        pcm = np.concatenate(chunks).astype(np.int16, copy=False)
        if any(spoken is None for _, spoken in parts):
            return pcm, None
        # Piper reads a text one sentence per chunk: its phoneme words, on the whole's time.
        total, offset = len(pcm), 0
        joined: list[tuple[str, float]] = []
        for n, spoken in parts:
            assert spoken is not None
            joined += [(p, (offset + end * n) / total) for p, end in spoken]
            offset += n
        return pcm, word_ends(text, joined)

    async def aclose(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
