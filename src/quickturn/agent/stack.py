"""The bundled engines and their knobs: Silero VAD, faster-whisper, Piper/espeak-ng, the text-rule
end-of-turn detector, the noise gate and the embedded LLM. Every model loads from installed
packages (``quickturn.assets.ModelPaths``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from quickturn.agent.fillers import FillerOptions
from quickturn.agent.options import SessionOptions
from quickturn.agent.reply import ReplyOptions
from quickturn.agent.transcriber import UtteranceTranscriber
from quickturn.assets import ModelPaths
from quickturn.audio.noise_gate import NoiseGateOptions
from quickturn.errors import ConfigError
from quickturn.llm.context import ContextOptions
from quickturn.llm.types import ChatClient, ChatRequest
from quickturn.stt import (
    CHUNK_S,
    STT,
    Chunking,
    IncrementalSTT,
    StreamingOptions,
    WhisperOptions,
    WhisperSTT,
)
from quickturn.tts import EspeakTTS, PiperTTS
from quickturn.turns import (
    EndOfTurnDetector,
    PatienceDetector,
    RuleTurnDetector,
    SmartTurnDetector,
    SmartTurnOptions,
    TurnOptions,
)
from quickturn.vad import SileroVAD, VADOptions

TTSName = Literal["piper", "espeak"]
TurnsName = Literal["smart", "rules", "patience"]
TURN_DETECTORS: tuple[TurnsName, ...] = ("smart", "rules", "patience")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class StackOptions:
    stt_model: str = "tiny.en"
    tts: TTSName = "piper"
    patience_ms: int = 500
    stt_chunking: Chunking = "utterance"
    """When STT decodes: once per utterance (at the VAD's pause, for preemptive work, and at its
    end), or streaming every 200/500 ms of speech ("frames-200ms", "frames-500ms")."""
    turn_detector: TurnsName = "smart"
    """End of turn: the Smart Turn model + transcript cues (patience_ms unused), the text rules
    after patience_ms, or plain patience_ms of silence."""
    stt_prompt: str = ""
    """Words callers use with this agent, given to Whisper before each utterance (see
    ``WhisperOptions.prompt``); the hotel's: ``domains.hotel.prompt.CALLER_WORDS``."""
    sample_rate_hz: int = 16_000
    noise_gate: NoiseGateOptions | None = field(default_factory=NoiseGateOptions)
    """Caller frames pass this gate before VAD and STT (None: no gate)."""
    session: SessionOptions = field(default_factory=SessionOptions)
    reply: ReplyOptions = field(default_factory=ReplyOptions)
    context: ContextOptions = field(default_factory=ContextOptions)
    fillers: FillerOptions = field(default_factory=FillerOptions)
    release_memory_after_call: bool = True
    """Hand freed heap pages back to the OS when a session closes (``allocator``): a server
    taking call after call otherwise keeps the freed buffers of its busiest moments."""

    def __post_init__(self) -> None:
        if self.stt_model not in ("tiny.en", "base"):
            raise ConfigError(f"--stt must be tiny.en or base, got {self.stt_model!r}")
        if self.tts not in ("piper", "espeak"):
            raise ConfigError(f"--tts must be piper or espeak, got {self.tts!r}")
        if self.stt_chunking not in CHUNK_S:
            raise ConfigError(f"--stt-chunking must be one of {sorted(CHUNK_S)}")
        if self.turn_detector not in TURN_DETECTORS:
            raise ConfigError(
                f"--turns must be one of {TURN_DETECTORS}, got {self.turn_detector!r}"
            )
        if not 100 <= self.patience_ms <= 3000:
            raise ConfigError(f"--patience-ms must be within [100, 3000], got {self.patience_ms}")
        if self.reply.output_rate_hz != self.sample_rate_hz:
            raise ConfigError("the reply's output rate must equal the call's sample rate")

    def vad_options(self, patience_s: float | None = None) -> VADOptions:
        patience = self.patience_ms / 1000 if patience_s is None else patience_s
        # SpeechPaused (preemptive work) must come before the end of patience.
        return VADOptions(patience_s=patience, pause_s=min(0.2, patience / 2))

    def turns(self) -> RuleTurnDetector:
        return RuleTurnDetector(TurnOptions(patience_s=self.patience_ms / 1000))

    def vad(self, patience_s: float | None = None) -> SileroVAD:
        return SileroVAD(self.vad_options(patience_s))


async def load_turns(options: StackOptions, paths: ModelPaths) -> EndOfTurnDetector:
    """The end-of-turn detector ``options.turn_detector`` names (Smart Turn loads its model)."""
    if options.turn_detector == "smart":
        return await SmartTurnDetector.create(SmartTurnOptions(), paths)
    if options.turn_detector == "patience":
        return PatienceDetector(options.patience_ms / 1000)
    return options.turns()


async def load_stt(options: StackOptions, paths: ModelPaths) -> WhisperSTT:
    whisper = WhisperOptions(model=options.stt_model, prompt=options.stt_prompt)
    return await WhisperSTT.create(whisper, paths)


def session_stt(
    options: StackOptions, stt: STT | UtteranceTranscriber
) -> STT | UtteranceTranscriber:
    """``stt`` as the session uses it: streaming over it when ``options.stt_chunking`` says (a
    transcriber of the caller's own is used as it is)."""
    if options.stt_chunking == "utterance" or isinstance(
        stt, IncrementalSTT | UtteranceTranscriber
    ):
        return stt
    return IncrementalSTT(stt, StreamingOptions(chunking=options.stt_chunking))


async def load_tts(options: StackOptions, paths: ModelPaths) -> PiperTTS | EspeakTTS:
    if options.tts == "piper":
        return await PiperTTS.create(paths)
    return EspeakTTS()


async def load_embedded_llm(
    paths: ModelPaths,
    warm_request: ChatRequest | None,
    progress: Progress = lambda _: None,
    flows: Sequence[ChatRequest] = (),
) -> ChatClient:
    """The bundled model (raises MissingDependencyError without the ``llm`` extra), with the
    system prompt + tools prefix warm in its KV cache (cached on disk) when ``warm_request``.
    With ``flows`` (one request per flow agent), each flow's prefix gets a slot of its own."""
    from quickturn.llm.embedded_client import EmbeddedChatClient, EmbeddedOptions

    options = EmbeddedOptions(slots=len(flows), n_ctx=4096) if flows else EmbeddedOptions()
    client = await EmbeddedChatClient.create(
        options, paths, progress=lambda m, f: progress(f"LLM: {m} ({f:.0%})")
    )
    if flows:
        progress(f"LLM: warming {len(flows)} flow prefixes, one slot each (cached on disk)")
        reports = await client.warm_each(
            flows, progress=lambda m, f: progress(f"LLM warm: {m} ({f:.0%})")
        )
        sizes = ", ".join(f"{r.prefix_tokens} ({r.source})" for r in reports)
        progress(f"LLM: flow prefixes ready: {sizes} tokens")
    elif warm_request is not None:
        progress("LLM: warming the system prompt + tools prefix (cached on disk)")
        report = await client.warm(
            warm_request, progress=lambda m, f: progress(f"LLM warm: {m} ({f:.0%})")
        )
        progress(
            f"LLM: prefix of {report.prefix_tokens} tokens ready from {report.source} "
            f"in {report.seconds:.1f} s"
        )
    return client
