"""VAD patience against false turn ends, on real caller speech with mid-sentence pauses.

Each caller line is synthesised (Piper and espeak-ng voices alternating), split in two at a
comma (or its middle word) with a hesitation of 0.25-0.7 s between the halves, and played
through Silero VAD at each patience value. A *false end* is a SpeechEnded inside the line (the
VAD gave up during the hesitation); the *end-of-turn delay* is the time from the line's last
speech sample to the SpeechEnded that follows it. Shorter patience answers sooner and cuts
people off more often; both sides of that are measured here, on the same audio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from quickturn.audio.frame import PCM16, AudioFrame
from quickturn.bench.conversations import SCRIPTS
from quickturn.bench.stats import Distribution
from quickturn.bench.tradeoff import TradeoffRow
from quickturn.errors import ConfigError

HESITATIONS_S = (0.25, 0.35, 0.5, 0.7)
_LEAD_S = 0.3
_TAIL_S = 2.5
_FRAME_S = 0.02


@dataclass(frozen=True)
class PatienceResult:
    patience_ms: int
    lines: int
    false_ends: int
    end_delay_ms: Distribution | None
    missed: int
    """Lines whose end the VAD never reported within the tail (counted, never timed)."""

    @property
    def false_end_rate(self) -> float:
        return self.false_ends / self.lines if self.lines else 0.0


def split_line(text: str) -> tuple[str, str]:
    head, comma, tail = text.partition(", ")
    if comma and head.strip() and tail.strip():
        return head + ",", tail
    words = text.split()
    mid = max(1, len(words) // 2)
    return " ".join(words[:mid]), " ".join(words[mid:])


def caller_lines(count: int) -> list[str]:
    pool = [line for script in SCRIPTS for line in script.user_turns]
    return [pool[i % len(pool)] for i in range(count)]


@dataclass(frozen=True)
class Utterance:
    pcm: PCM16
    """Lead silence + first half + hesitation + second half + tail silence."""
    speech_end_s: float
    pause_span_s: tuple[float, float]


def build_utterance(first: PCM16, second: PCM16, hesitation_s: float, rate: int) -> Utterance:
    lead = np.zeros(int(_LEAD_S * rate), np.int16)
    gap = np.zeros(int(hesitation_s * rate), np.int16)
    tail = np.zeros(int(_TAIL_S * rate), np.int16)
    pcm = np.concatenate([lead, first, gap, second, tail])
    pause_start = (len(lead) + len(first)) / rate
    end = (len(lead) + len(first) + len(gap) + len(second)) / rate
    return Utterance(pcm, end, (pause_start, pause_start + hesitation_s))


def measure(utterances: Sequence[Utterance], patience_ms: int, rate: int) -> PatienceResult:
    from quickturn.vad import SileroVAD, VADOptions
    from quickturn.vad.events import SpeechEnded

    patience_s = patience_ms / 1000
    false_ends = missed = 0
    delays: list[float] = []
    for utt in utterances:
        vad = SileroVAD(VADOptions(patience_s=patience_s, pause_s=min(0.2, patience_s / 2),
                                   sample_rate_hz=rate))
        step = int(_FRAME_S * rate)
        ends: list[SpeechEnded] = []
        for i in range(0, len(utt.pcm) - step + 1, step):
            frame = AudioFrame(utt.pcm[i:i + step], rate, i / rate)
            ends += [e for e in vad.process(frame) if isinstance(e, SpeechEnded)]
        # An end before the second half finished is the VAD giving up during the hesitation.
        early = [e for e in ends if e.end_s < utt.speech_end_s - 0.15]
        late = [e for e in ends if e.end_s >= utt.speech_end_s - 0.15]
        false_ends += 1 if early else 0
        if late:
            delays.append((late[0].at_s - utt.speech_end_s) * 1000.0)
        else:
            missed += 1
    return PatienceResult(patience_ms, len(utterances), false_ends, Distribution.of(delays),
                          missed)


def tradeoff_rows(results: Sequence[PatienceResult], baseline_ms: int) -> list[TradeoffRow]:
    base = next((r for r in results if r.patience_ms == baseline_ms), None)
    if base is None:
        raise ConfigError(f"the baseline patience {baseline_ms} ms was not measured")
    rows = []
    for r in results:
        if r is base:
            continue
        rows.append(TradeoffRow(
            "VAD patience", f"{r.patience_ms} ms", f"{baseline_ms} ms", "end of turn",
            r.end_delay_ms, base.end_delay_ms,
            f"{r.false_end_rate:.0%} false turn ends vs {base.false_end_rate:.0%} "
            f"({r.false_ends}/{r.lines} vs {base.false_ends}/{base.lines})",
            n=r.lines,
        ))
    return rows


async def synthesize_utterances(voices: Sequence[object], count: int, rate: int) -> list[Utterance]:
    """``count`` utterances, voices alternating, hesitations cycling through HESITATIONS_S."""
    from quickturn.transport.simulated import CallerLine, synthesize_line

    out = []
    for i, text in enumerate(caller_lines(count)):
        voice = voices[i % len(voices)]
        first, second = split_line(text)
        a = await synthesize_line(voice, CallerLine((first,)), rate)  # type: ignore[arg-type]
        b = await synthesize_line(voice, CallerLine((second,)), rate)  # type: ignore[arg-type]
        out.append(build_utterance(a, b, HESITATIONS_S[i % len(HESITATIONS_S)], rate))
    return out
