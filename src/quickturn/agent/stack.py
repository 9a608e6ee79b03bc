"""Wires the real parts into a VoiceSession: Silero VAD, faster-whisper, Piper/espeak-ng, the
turn detector, an LLM client and a tool registry. Every model loads from installed packages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from quickturn.agent.clock import Clock
from quickturn.agent.fillers import FillerBank, FillerOptions
from quickturn.agent.metrics import TurnMetrics
from quickturn.agent.playout import Player, PlayerOptions
from quickturn.agent.ports import AudioOutput, TextToSpeech
from quickturn.agent.reply import ReplyGenerator, ReplyOptions
from quickturn.agent.session import SessionOptions, VoiceSession
from quickturn.agent.state import Transition
from quickturn.assets import ModelPaths
from quickturn.audio.resample import resample
from quickturn.errors import ConfigError
from quickturn.llm.context import ChatContext, ContextOptions
from quickturn.llm.types import ChatClient
from quickturn.stt import WhisperOptions, WhisperSTT
from quickturn.tools.types import ToolRegistry
from quickturn.tts import EspeakTTS, PiperTTS, SentenceSplitter
from quickturn.turns import TurnDetector, TurnOptions
from quickturn.vad import SileroVAD, VADOptions

TTSName = Literal["piper", "espeak"]


@dataclass(frozen=True)
class StackOptions:
    stt_model: str = "tiny.en"
    tts: TTSName = "piper"
    patience_ms: int = 500
    sample_rate_hz: int = 16_000
    session: SessionOptions = field(default_factory=SessionOptions)
    reply: ReplyOptions = field(default_factory=ReplyOptions)
    context: ContextOptions = field(default_factory=ContextOptions)
    fillers: FillerOptions = field(default_factory=FillerOptions)

    def __post_init__(self) -> None:
        if self.stt_model not in ("tiny.en", "base"):
            raise ConfigError(f"--stt must be tiny.en or base, got {self.stt_model!r}")
        if self.tts not in ("piper", "espeak"):
            raise ConfigError(f"--tts must be piper or espeak, got {self.tts!r}")
        if not 100 <= self.patience_ms <= 3000:
            raise ConfigError(f"--patience-ms must be within [100, 3000], got {self.patience_ms}")
        if self.reply.output_rate_hz != self.sample_rate_hz:
            raise ConfigError("the reply's output rate must equal the call's sample rate")

    def vad_options(self) -> VADOptions:
        patience_s = self.patience_ms / 1000
        # SpeechPaused (preemptive work) must come before the end of patience.
        return VADOptions(patience_s=patience_s, pause_s=min(0.2, patience_s / 2))


async def load_stt(options: StackOptions, paths: ModelPaths) -> WhisperSTT:
    return await WhisperSTT.create(WhisperOptions(model=options.stt_model), paths)


async def load_tts(options: StackOptions, paths: ModelPaths) -> PiperTTS | EspeakTTS:
    if options.tts == "piper":
        return await PiperTTS.create(paths)
    return EspeakTTS()


async def build_session(
    options: StackOptions,
    *,
    stt: WhisperSTT,
    tts: TextToSpeech,
    llm: ChatClient,
    tools: ToolRegistry,
    system_prompt: str,
    output: AudioOutput,
    clock: Clock,
    conversation_id: str | None = None,
    on_turn: Callable[[TurnMetrics], None] | None = None,
    on_transition: Callable[[Transition], None] | None = None,
) -> VoiceSession:
    """A ready session; the filler phrases are synthesised here, before the call starts."""
    rate = options.sample_rate_hz
    fillers = await FillerBank.create(tts, rate, resample, options.fillers)
    reply = ReplyGenerator(
        llm,
        tools,
        tts,
        lambda: SentenceSplitter(min_first_words=4),
        clock,
        resample,
        fillers,
        options.reply,
        conversation_id=conversation_id,
    )
    return VoiceSession(
        vad=SileroVAD(options.vad_options()),
        stt=stt,
        detector=TurnDetector(TurnOptions(patience_s=options.patience_ms / 1000)),
        reply=reply,
        player=Player(output, clock, PlayerOptions(rate, 20)),
        context=ChatContext(system_prompt, options.context),
        clock=clock,
        fillers=fillers,
        options=options.session,
        on_turn=on_turn,
        on_transition=on_transition,
    )
