"""Replay a recorded turn through noise gate, VAD and an end-of-turn detector, as the voice
session would decide it, and say where the turn was ended.

The VAD runs with the session's settings (``patience_s`` = the detector's ``min_silence_s``),
so its events are the session's: at each ``SpeechEnded`` the detector gets the audio of the
turn so far (ending at that moment) and the transcript of that audio; the turn ends at
``asked + max(hold, compute time)`` unless the caller speaks again before. "Speaks again" is the
next ``SpeechStarted``, as in the session: it comes ``min_speech_s`` (0.15 s) plus a window
after the caller resumes, not at the first speech window (an earlier version used
``SpeechResumed``, ~0.05-0.1 s after the resumption, and so undercounted false ends). As in the
session, a decision that falls while the VAD hears an onset waits until it becomes speech or
fades (at most ``ONSET_WAIT_S``). The
compute time is the slower of the detector's own and the STT's (they run side by side on two
cores). An end before the caller's last word is a false end; the caller then goes on in a new
turn, as on a real call.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from quickturn.audio.frame import PCM16, AudioFrame
from quickturn.audio.noise_gate import NoiseGate
from quickturn.turns.types import EndOfTurnDetector
from quickturn.vad.events import SpeechEnded, SpeechStarted, VADOptions
from quickturn.vad.silero import SileroVAD

SAMPLE_RATE_HZ = 16000
FRAME_S = 0.02
_PAD_S = 0.1
ONSET_WAIT_S = 0.3  # the session's cap (agent.turn_taking)


@dataclass(frozen=True)
class Onset:
    """The VAD started (``hearing``) or stopped hearing a possible onset of speech."""

    at_s: float
    hearing: bool

Transcribe = Callable[[PCM16], Awaitable[tuple[str, float]]]
"""Audio -> (text, seconds the STT took). The time is passed in, not measured here, so a
benchmark may cache transcripts and still charge each decision its STT time."""


@dataclass(frozen=True)
class TurnEnd:
    at_s: float
    """When the turn was declared over (time from the start of the audio)."""
    asked_s: float
    compute_s: float
    """Wall time to the answer: the detector's inference or the STT, whichever was slower."""
    hold_s: float
    transcript: str


@dataclass(frozen=True)
class ReplayResult:
    ends: tuple[TurnEnd, ...]
    asked: int
    """Pauses at which the detector was asked."""

    def false_ends(self, speech_end_s: float) -> int:
        return sum(e.at_s < speech_end_s for e in self.ends)

    def final_delay_s(self, speech_end_s: float, compute: bool = True) -> float | None:
        """Delay of the first end after the caller's last sample (None: never ended).
        ``compute=False``: as if inference were free (the silence the detector waits for)."""
        after = [e.at_s if compute else e.asked_s + e.hold_s for e in self.ends]
        after = [t for t in after if t >= speech_end_s]
        return min(after) - speech_end_s if after else None


def session_vad_options(min_silence_s: float) -> VADOptions:
    """The VAD settings the voice session uses with a detector (``agent.stack``)."""
    return VADOptions(patience_s=min_silence_s, pause_s=min(0.2, min_silence_s / 2), pad_s=_PAD_S)


def vad_events(
    pcm: PCM16, min_silence_s: float, gate: bool = True, vad: SileroVAD | None = None
) -> list[object]:
    """The session VAD's events over a whole clip, 20 ms frames from time 0, with ``Onset``
    markers where the VAD's ``hearing_onset`` changes."""
    opts = session_vad_options(min_silence_s)
    if vad is None:
        vad = SileroVAD(opts)
    else:
        vad.options = opts
        vad.reset()
    noise_gate = NoiseGate() if gate else None
    n = int(FRAME_S * SAMPLE_RATE_HZ)
    events: list[object] = []
    hearing = False
    for i in range(0, len(pcm) - n + 1, n):
        frame = AudioFrame(pcm[i : i + n], SAMPLE_RATE_HZ, i / SAMPLE_RATE_HZ)
        if noise_gate is not None:
            frame = noise_gate.process(frame)
        events += vad.process(frame)
        if vad.hearing_onset != hearing:
            hearing = vad.hearing_onset
            events.append(Onset(frame.end_s, hearing))
    return events


def _onset_settled_s(events: list[object], at_s: float) -> float:
    """When a decision due at ``at_s`` is taken: later if the VAD hears an onset then."""
    hearing = False
    for ev in events:
        if isinstance(ev, Onset):
            if ev.at_s > at_s:
                return min(ev.at_s, at_s + ONSET_WAIT_S) if hearing else at_s
            hearing = ev.hearing
    return at_s


async def replay(
    pcm: PCM16,
    detector: EndOfTurnDetector,
    transcribe: Transcribe | None = None,
    vad: SileroVAD | None = None,
    charge_compute: bool = True,
) -> ReplayResult:
    """Where ``detector`` ends the turns in ``pcm`` (module docstring). ``charge_compute=False``
    decides at ``asked + hold`` as if inference were free: the detector's logic alone, the same
    on any machine."""
    events = vad_events(pcm, detector.min_silence_s, vad=vad)
    ends: list[TurnEnd] = []
    asked = 0
    turn_start_s: float | None = None
    for i, ev in enumerate(events):
        if isinstance(ev, SpeechStarted) and turn_start_s is None:
            turn_start_s = max(0.0, ev.start_s - _PAD_S)
        if not isinstance(ev, SpeechEnded) or turn_start_s is None:
            continue
        asked += 1
        lo = int(turn_start_s * SAMPLE_RATE_HZ)
        audio = pcm[lo : int(ev.at_s * SAMPLE_RATE_HZ)]
        text, stt_s = "", 0.0
        if transcribe is not None:
            text, stt_s = await transcribe(pcm[lo : int((ev.end_s + _PAD_S) * SAMPLE_RATE_HZ)])
        started = time.perf_counter()
        hold = await detector.hold_s(audio, text)
        compute = max(time.perf_counter() - started, stt_s)
        at = _onset_settled_s(events, ev.at_s + (max(hold, compute) if charge_compute else hold))
        resumed = next((e for e in events[i + 1 :] if isinstance(e, SpeechStarted)), None)
        if resumed is not None and resumed.at_s <= at:
            continue  # the caller went on before the hold ran out: same turn
        ends.append(TurnEnd(at, ev.at_s, compute, hold, text))
        turn_start_s = None  # the next SpeechStarted begins a new turn
    return ReplayResult(tuple(ends), asked)
