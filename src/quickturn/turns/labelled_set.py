"""The labelled set of caller turns with internal pauses (``labelled/utterances.yaml``).

Each item is read in one go by the bundled Piper voice, with phoneme alignments, and the reading
is cut at the marked word boundaries to insert silence: the voice before a pause keeps the
level prosody of a sentence that goes on, which separately synthesized fragments would not (each
would end on a falling, final tone). Where the turn truly ends is the end of the last word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from quickturn.assets import ModelPaths
from quickturn.audio.frame import PCM16
from quickturn.audio.resample import resample
from quickturn.errors import ConfigError, MissingDependencyError

SAMPLE_RATE_HZ = 16000
DEFAULT_PATH = Path(__file__).parent / "labelled" / "utterances.yaml"
KINDS = frozenset({"hesitation", "spelling", "numbers", "afterthought", "plain"})
_MARK = re.compile(r"\[(\d+)\]")
_MIN_PAUSE_S, _MAX_PAUSE_S = 0.2, 1.2
_PEAK = 0.5  # about -6 dBFS, as the audio tests use


@dataclass(frozen=True)
class LabelledUtterance:
    id: str
    kind: str
    text: str
    """The words as spoken (markers removed)."""
    pauses: tuple[tuple[int, float], ...]
    """(words before the pause, pause length in s), in order."""

    @property
    def word_count(self) -> int:
        return len(self.text.split())


def parse_item(raw: dict[str, Any]) -> LabelledUtterance:
    """One YAML entry; a malformed one raises ConfigError naming it."""
    ident = str(raw.get("id", "?"))
    kind, marked = raw.get("kind"), raw.get("text")
    if kind not in KINDS:
        raise ConfigError(f"labelled item {ident}: kind must be one of {sorted(KINDS)}")
    if not isinstance(marked, str) or not marked.strip():
        raise ConfigError(f"labelled item {ident}: text must be a non-empty string")
    pieces = _MARK.split(marked)
    words: list[str] = []
    pauses: list[tuple[int, float]] = []
    for i, piece in enumerate(pieces):
        if i % 2:
            pause_s = int(piece) / 1000
            if not _MIN_PAUSE_S <= pause_s <= _MAX_PAUSE_S:
                raise ConfigError(f"labelled item {ident}: pause {piece} ms is outside 200-1200")
            if not words or (pauses and pauses[-1][0] == len(words)):
                raise ConfigError(f"labelled item {ident}: a pause must follow a word")
            pauses.append((len(words), pause_s))
        else:
            words += piece.split()
    if pauses and pauses[-1][0] == len(words):
        raise ConfigError(f"labelled item {ident}: a pause cannot end the turn")
    return LabelledUtterance(ident, str(kind), " ".join(words), tuple(pauses))


def load_labelled_set(path: Path = DEFAULT_PATH) -> list[LabelledUtterance]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the labelled set {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("utterances"), list):
        raise ConfigError(f"{path}: expected a mapping with an 'utterances' list")
    items = [parse_item(raw) for raw in data["utterances"]]
    ids = [it.id for it in items]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{path}: duplicate ids")
    return items


@dataclass(frozen=True)
class RenderedUtterance:
    item: LabelledUtterance
    pcm: PCM16
    """16 kHz mono: ``lead_s`` of silence, the turn with its pauses, ``tail_s`` of silence."""
    speech_end_s: float
    """Time of the caller's last speech sample (from the start of ``pcm``)."""
    pause_spans: tuple[tuple[float, float], ...]
    """Inserted silences as (start, end) in s."""


def speech_end_s(pcm: PCM16, rel: float = 0.01) -> float:
    """End of the last 10 ms block whose RMS exceeds ``rel`` of the loudest block."""
    hop = SAMPLE_RATE_HZ // 100
    n = len(pcm) // hop
    env = np.sqrt((pcm[: n * hop].astype(np.float64).reshape(n, hop) ** 2).mean(axis=1))
    loud = np.nonzero(env > rel * env.max())[0]
    return float((loud[-1] + 1) * hop / SAMPLE_RATE_HZ) if len(loud) else 0.0


class LabelledSynth:
    """Piper with phoneme alignments (needs the ``onnx`` package to patch the voice in memory)."""

    def __init__(self, paths: ModelPaths, steady: bool = False) -> None:
        """``steady``: no sampled prosody (Piper's noise off), so a text always reads the same;
        by default every reading varies, as the labelled set's benchmark wants."""
        try:
            import onnx  # noqa: F401  (piper patches the voice for alignments with it)
            from piper import PiperVoice
        except ImportError as exc:
            raise MissingDependencyError(
                "piper-tts with alignments", "pip install 'piper-tts[alignment]' onnx"
            ) from exc
        self._voice = PiperVoice.load(str(paths.piper_voice()), include_alignments=True)
        self._rate = int(self._voice.config.sample_rate)
        self._config: Any = None
        if steady:
            from piper import SynthesisConfig

            self._config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)

    def _reading(self, text: str) -> tuple[PCM16, list[int]]:
        """The text read in one go, and the sample index of every word boundary in it."""
        audio: list[np.ndarray[Any, Any]] = []
        cuts: list[int] = []
        offset = 0
        for chunk in self._voice.synthesize(
            text, syn_config=self._config, include_alignments=True
        ):
            if offset:
                cuts.append(offset)  # sentence boundary
            pos = offset
            for al in chunk.phoneme_alignments or []:
                if al.phoneme == " ":
                    cuts.append(pos + int(al.num_samples) // 2)
                pos += int(al.num_samples)
            audio.append(chunk.audio_float_array)
            offset += len(chunk.audio_float_array)
        pcm = np.round(np.concatenate(audio) * _PEAK * 32767).astype(np.int16)
        return pcm, cuts

    def read(self, text: str) -> PCM16:
        """``text`` read by the voice, at 16 kHz."""
        return resample(self._reading(text)[0], self._rate, SAMPLE_RATE_HZ)

    def render(
        self, item: LabelledUtterance, lead_s: float = 0.5, tail_s: float = 2.0
    ) -> RenderedUtterance:
        pcm, cuts = self._reading(item.text)
        if len(cuts) != item.word_count - 1:
            raise ConfigError(
                f"labelled item {item.id}: Piper read {len(cuts) + 1} words, "
                f"the text has {item.word_count}"
            )
        parts: list[PCM16] = [np.zeros(int(lead_s * self._rate), np.int16)]
        spans: list[tuple[float, float]] = []
        start = 0
        t = lead_s
        for words_before, pause_s in item.pauses:
            cut = cuts[words_before - 1]
            parts.append(pcm[start:cut])
            t += (cut - start) / self._rate
            parts.append(np.zeros(int(round(pause_s * self._rate)), np.int16))
            spans.append((t, t + pause_s))
            t += pause_s
            start = cut
        parts += [pcm[start:], np.zeros(int(tail_s * self._rate), np.int16)]
        out = resample(np.concatenate(parts), self._rate, SAMPLE_RATE_HZ)
        tail = out[: len(out) - int(tail_s * SAMPLE_RATE_HZ)]
        return RenderedUtterance(item, out, speech_end_s(tail), tuple(spans))
