"""Loading what every call shares (STT, TTS, the LLM client, the hotel agent) exactly once.

The LLM is one of: canned replies (no model), the embedded model with one KV slot per
concurrent conversation, or any OpenAI-compatible URL (``quickturn serve``, whose admission
control then decides which caller waits). The API key for a URL comes from the environment at
the entry point and stays in this process: nothing of it reaches the page.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from quickturn.agent.agent import Agent, tool_schemas
from quickturn.agent.canned import CannedChatClient
from quickturn.agent.demo import CANNED_RULES
from quickturn.agent.fillers import FillerBank
from quickturn.agent.stack import StackOptions, load_stt, load_tts, load_turns
from quickturn.assets import ModelPaths
from quickturn.audio.resample import resample
from quickturn.errors import ConfigError
from quickturn.llm.types import ChatClient, ChatRequest
from quickturn.transport.voice import CallRecord, VoiceCalls

LLMChoice = Literal["canned", "embedded", "url"]
Progress = Callable[[str], None]


@dataclass(frozen=True)
class AgentStackOptions:
    stack: StackOptions = field(default_factory=StackOptions)
    llm: LLMChoice = "canned"
    llm_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str | None = None
    slots: int = 2
    """Embedded model: conversations that keep their KV prefix warm side by side."""
    greeting: bool = True

    def __post_init__(self) -> None:
        if self.llm not in ("canned", "embedded", "url"):
            raise ConfigError(f"--llm must be canned, embedded or url, got {self.llm!r}")
        if self.llm == "url" and not self.llm_url:
            raise ConfigError("--llm url needs --llm-url (an OpenAI-compatible /v1 URL)")
        if self.slots < 1:
            raise ConfigError("slots must be >= 1")


async def _load_llm(
    options: AgentStackOptions, paths: ModelPaths, warm: ChatRequest, progress: Progress
) -> ChatClient:
    if options.llm == "canned":
        return CannedChatClient(CANNED_RULES)
    if options.llm == "url":
        from quickturn.llm.openai_compat import OpenAICompatClient

        assert options.llm_url is not None
        return OpenAICompatClient(options.llm_url, options.llm_api_key, options.llm_model)
    from quickturn.llm.embedded_client import EmbeddedChatClient, EmbeddedOptions

    # One KV slot per conversation held side by side; more callers than slots take turns.
    client = await EmbeddedChatClient.create(EmbeddedOptions(slots=options.slots), paths)
    progress("LLM: warming the system prompt + tools prefix (cached on disk)")
    report = await client.warm(warm)
    progress(f"LLM: prefix of {report.prefix_tokens} tokens ready in {report.seconds:.1f} s")
    return client


@asynccontextmanager
async def voice_calls(
    options: AgentStackOptions,
    paths: ModelPaths,
    progress: Progress = lambda _m: None,
    on_record: Callable[[CallRecord], None] | None = None,
) -> AsyncIterator[VoiceCalls]:
    """The shared models as a call handler, closed when the block ends."""
    from quickturn.domains.hotel import HotelAgent

    hotel = HotelAgent()
    seed = hotel.build_seed_database(paths.cache_dir / "hotel" / "seed.sqlite")
    progress(f"STT: faster-whisper {options.stack.stt_model}; TTS: {options.stack.tts}")
    stt = await load_stt(options.stack, paths)
    tts = await load_tts(options.stack, paths)
    warm_conn = hotel.new_conversation_db(seed)
    warm = ChatRequest(messages=[{"role": "system", "content": hotel.system_prompt}],
                       tools=tool_schemas(hotel.agent(warm_conn)))
    warm_conn.close()
    progress(f"LLM: {options.llm}")
    llm = await _load_llm(options, paths, warm, progress)
    fillers = await FillerBank.create(tts, options.stack.sample_rate_hz, resample,
                                      options.stack.fillers)
    turns = await load_turns(options.stack, paths)  # one Smart Turn model, not one per call
    # The first inference of each engine pays one-off set-up costs; not the first caller's.
    await stt.transcribe(np.zeros(options.stack.sample_rate_hz, np.int16))

    def new_agent() -> tuple[Agent, Callable[[], None]]:
        conn: sqlite3.Connection = hotel.new_conversation_db(seed)
        agent = hotel.agent(conn)  # the front desk's @tool functions, bound to this call's DB
        if not options.greeting:
            agent = dataclasses.replace(agent, greeting=None)
        return agent, conn.close

    try:
        yield VoiceCalls(options.stack, stt, tts, llm, new_agent, fillers=fillers,
                         on_record=on_record, turns=turns)
    finally:
        if hasattr(turns, "aclose"):
            await turns.aclose()
        with contextlib.suppress(Exception):
            await llm.aclose()
        await stt.aclose()
        await tts.aclose()
