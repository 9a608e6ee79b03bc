"""``AgentSession``: runs an ``Agent`` on a call: engines in, transport attached, events out.

    session = AgentSession(agent)                  # bundled VAD, STT, TTS, LLM
    session.on(TurnCompleted, print)
    await session.run(input, output)               # until the caller hangs up or the call ends

Every engine is swappable through its stage's protocol (``stt.STT``, ``tts.TTS``,
``llm.ChatClient`` or an OpenAI-compatible URL, ``vad.VADStream``, ``turns.EndOfTurnDetector``);
what is not given is loaded from the installed model packages by ``prepare`` (``run`` calls it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any, TypeVar

from quickturn.agent.agent import Agent, Tools, bind_agent
from quickturn.agent.events import (
    AgentChanged,
    EventBus,
    HandOff,
    SessionEvent,
    ToolCalled,
    ToolReturned,
)
from quickturn.agent.fillers import FillerBank
from quickturn.agent.metrics import TurnMetrics
from quickturn.agent.options import SessionStats
from quickturn.agent.playout import Speaker
from quickturn.agent.reply import ReplyGenerator
from quickturn.agent.session import VoiceSession
from quickturn.agent.speech import SpeechHandle
from quickturn.agent.stack import (
    Progress,
    StackOptions,
    load_embedded_llm,
    load_stt,
    load_tts,
    load_turns,
    session_stt,
)
from quickturn.agent.state import AgentState
from quickturn.agent.transcriber import UtteranceTranscriber
from quickturn.allocator import release_free_memory
from quickturn.assets import ModelPaths, default_cache_dir
from quickturn.audio.noise_gate import NoiseGate
from quickturn.audio.resample import resample
from quickturn.clock import Clock, RealClock
from quickturn.errors import ConfigError, QuickturnError
from quickturn.llm.context import ChatContext
from quickturn.llm.tool_loop import ToolFinished, ToolStarted
from quickturn.llm.types import ChatClient, ChatRequest, Message
from quickturn.stt.types import STT
from quickturn.tools.types import ToolRegistry
from quickturn.transport.io import AudioInput, AudioOutput
from quickturn.tts.splitter import SentenceSplitter
from quickturn.tts.types import TTS
from quickturn.turns.types import EndOfTurnDetector
from quickturn.vad.types import VADStream

E = TypeVar("E")


class AgentSession:
    def __init__(
        self,
        agent: Agent,
        *,
        stt: STT | UtteranceTranscriber | None = None,
        tts: TTS | None = None,
        llm: ChatClient | str | None = None,
        vad: VADStream | None = None,
        turns: EndOfTurnDetector | None = None,
        options: StackOptions | None = None,
        userdata: Any = None,
        paths: ModelPaths | None = None,
        clock: Clock | None = None,
        conversation_id: str | None = None,
        fillers: FillerBank | None = None,
    ) -> None:
        self.options = options = options or StackOptions()
        self.userdata = userdata
        self._agent = agent
        self._stt = stt
        self._tts = tts
        self._llm: ChatClient | None = None
        self._llm_url = llm if isinstance(llm, str) else None
        if llm is not None and not isinstance(llm, str):
            self._llm = llm
        self._vad = vad
        self._turns = turns  # None: loaded by prepare (options.turn_detector)
        self._paths = paths
        self._clock = clock or RealClock()
        self._conversation_id = conversation_id
        self._owned: list[Any] = []  # engines this session loaded, closed by aclose
        # Pre-synthesised phrases may be shared by many calls (a server's sessions).
        self._fillers: FillerBank | None = fillers
        self._bus = EventBus()
        self._registry = self._bind(agent)
        self._voice: VoiceSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._context = ChatContext(agent.instructions, options.context)

    # -- what the call looks like --------------------------------------------------------------
    @property
    def agent(self) -> Agent:
        return self._agent

    @property
    def state(self) -> AgentState:
        return self._voice.state if self._voice is not None else AgentState.LISTENING

    @property
    def turns(self) -> list[TurnMetrics]:
        return self._voice.turns if self._voice is not None else []

    @property
    def history(self) -> list[Message]:
        """Every message of the call; agent text only as far as the caller heard it."""
        return self._context.history

    @property
    def errors(self) -> list[QuickturnError]:
        return self._voice.errors if self._voice is not None else []

    @property
    def voice(self) -> VoiceSession:
        """The running voice session (its state machine log, interruptions, active speech)."""
        if self._voice is None:
            raise RuntimeError("the session is not running")
        return self._voice

    @property
    def tools(self) -> ToolRegistry:
        return self._registry

    def stats(self) -> SessionStats:
        return self.voice.stats()

    # -- events ------------------------------------------------------------------------------------
    def events(self) -> AsyncIterator[SessionEvent]:
        """Every event from now on, in order; ends after ``CallEnded``."""
        return self._bus.subscribe()

    def on(self, kind: type[E], callback: Callable[[E], None]) -> None:
        """Call ``callback`` for each event of type ``kind`` (synchronously, in the loop)."""
        self._bus.on(kind, callback)

    @property
    def event_log(self) -> list[SessionEvent]:
        return self._bus.log

    # -- control -----------------------------------------------------------------------------------
    def say(self, text: str, *, allow_interruptions: bool = True) -> SpeechHandle:
        return self.voice.say(text, allow_interruptions=allow_interruptions)

    def generate_reply(self, instructions: str | None = None) -> SpeechHandle:
        return self.voice.generate_reply(instructions)

    def interrupt(self) -> bool:
        return self.voice.interrupt()

    def end(self, reason: str = "") -> None:
        self.voice.end(reason)

    def update_instructions(self, instructions: str) -> None:
        """New instructions from the next model round on."""
        self._agent = replace(self._agent, instructions=instructions)

    def update_tools(self, tools: Tools) -> None:
        """New tools from the next model round on."""
        self._agent = replace(self._agent, tools=tools)
        self._registry = self._bind(self._agent)

    def update_agent(self, agent: Agent) -> None:
        """Hand the call to ``agent`` (its instructions and tools apply from the next round)."""
        self._agent = agent
        self._registry = self._bind(agent)
        self._bus.emit(AgentChanged(agent.name, self._clock.now()))

    # -- running -----------------------------------------------------------------------------------
    async def prepare(self, progress: Progress = lambda _: None) -> None:
        """Load what was not given (models from the installed packages) and synthesise the
        filler phrases, so the call itself starts at once. Safe to call twice."""
        paths = self._paths or ModelPaths(default_cache_dir())
        if self._turns is None:
            progress(f"turns: loading the {self.options.turn_detector} end-of-turn detector")
            self._turns = await load_turns(self.options, paths)
            if hasattr(self._turns, "aclose"):
                self._owned.append(self._turns)
        if self._stt is None:
            progress(f"STT: loading faster-whisper {self.options.stt_model}")
            self._stt = await load_stt(self.options, paths)
            self._owned.append(self._stt)
        if self._tts is None:
            progress(f"TTS: loading {self.options.tts}")
            self._tts = await load_tts(self.options, paths)
            self._owned.append(self._tts)
        if self._llm is None:
            if self._llm_url is not None:
                from quickturn.llm.openai_compat import OpenAICompatClient

                self._llm = OpenAICompatClient(self._llm_url)
            else:
                warm = ChatRequest(
                    messages=[{"role": "system", "content": self._agent.instructions}],
                    tools=self._registry.schemas(),
                )
                self._llm = await load_embedded_llm(paths, warm, progress)
            self._owned.append(self._llm)
        if self._fillers is None:
            rate = self.options.sample_rate_hz
            self._fillers = await FillerBank.create(self._tts, rate, resample, self.options.fillers)

    async def run(self, input: AudioInput, output: AudioOutput) -> None:
        """The call: from ``input``'s first frame until it ends (the caller hung up), ``end()``,
        or a tool's ``end_call`` once the goodbye was heard. Emits ``CallEnded`` last."""
        if output.sample_rate_hz != self.options.sample_rate_hz:
            raise ConfigError(
                f"the output runs at {output.sample_rate_hz} Hz, the session at "
                f"{self.options.sample_rate_hz} Hz"
            )
        self._loop = asyncio.get_running_loop()
        await self.prepare()
        assert self._stt is not None and self._tts is not None and self._llm is not None
        assert self._turns is not None
        reply = ReplyGenerator(
            self._llm,
            self._live_tools,
            self._tts,
            lambda: SentenceSplitter(min_first_words=4),
            self._clock,
            resample,
            self._fillers,
            self.options.reply,
            conversation_id=self._conversation_id,
            on_tool=self._on_tool,
        )
        gate = NoiseGate(self.options.noise_gate) if self.options.noise_gate else None
        self._voice = VoiceSession(
            vad=self._vad or self.options.vad(self._turns.min_silence_s),
            stt=session_stt(self.options, self._stt),
            detector=self._turns,
            reply=reply,
            speaker=Speaker(output, self._clock),
            context=self._context,
            clock=self._clock,
            fillers=self._fillers,
            frame_filter=gate.process if gate is not None else None,
            options=self.options.session,
            emit=self._bus.emit,
        )
        await self._voice.run(input.frames(), greeting=self._agent.greeting)

    async def aclose(self) -> None:
        """Close the engines this session loaded (not those passed in), then give the call's
        freed memory back to the OS (``StackOptions.release_memory_after_call``)."""
        for engine in reversed(self._owned):
            with contextlib.suppress(Exception):
                await engine.aclose()
        self._owned.clear()
        if self.options.release_memory_after_call:
            await asyncio.to_thread(release_free_memory)

    async def __aenter__(self) -> AgentSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- plumbing ----------------------------------------------------------------------------------
    def _live_tools(self) -> tuple[str, ToolRegistry]:
        return self._agent.instructions, self._registry

    def _bind(self, agent: Agent) -> ToolRegistry:
        return bind_agent(agent, _CallContext(self), self.update_agent)

    def _on_tool(self, event: ToolStarted | ToolFinished) -> None:
        if isinstance(event, ToolStarted):
            for c in event.calls:
                self._bus.emit(ToolCalled(c.name, c.arguments, c.id, event.at_s))
        else:
            r = event.result
            self._bus.emit(ToolReturned(r.name, r.call_id, r.ok, r.content, event.at_s))

    def _hand_off(self, target: str, reason: str) -> None:
        self._bus.emit(HandOff(target, reason, self._clock.now()))


class _CallContext:
    """The ``ToolContext`` a tool of this session receives. Sync tools run in a worker thread:
    what they ask for is handed to the event loop, never run in their thread."""

    def __init__(self, session: AgentSession) -> None:
        self._session = session

    @property
    def userdata(self) -> Any:
        return self._session.userdata

    async def say(self, text: str) -> None:
        self._session.voice.say_in_reply(text)

    def end_call(self, reason: str = "") -> None:
        self._in_loop(lambda: self._session.voice.end_after_speech(reason))

    def hand_off(self, target: str, reason: str = "") -> None:
        self._in_loop(lambda: self._session._hand_off(target, reason))

    def _in_loop(self, action: Callable[[], None]) -> None:
        loop = self._session._loop
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or running is loop:
            action()
        else:
            # Queued before the tool's own completion, so it happens before the reply goes on.
            loop.call_soon_threadsafe(action)
