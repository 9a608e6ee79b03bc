"""espeak-ng fallback TTS: ~10 ms per sentence, robotic, no model files.

Runs the ``espeak-ng`` binary (Debian package ``espeak-ng``) as an asyncio subprocess per
segment; text goes in on stdin so nothing in it is parsed as an option.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from quickturn.audio.frame import PCM16
from quickturn.audio.wav import parse_wav_bytes
from quickturn.errors import ConfigError, EngineError, MissingDependencyError
from quickturn.tts.splitter import SentenceSplitter
from quickturn.tts.types import TTSChunk

_RATE_HZ = 22050  # espeak-ng's fixed output rate


@dataclass(frozen=True)
class EspeakOptions:
    voice: str = "en-us"
    words_per_minute: int = 175
    binary: str = "espeak-ng"

    def __post_init__(self) -> None:
        if not 80 <= self.words_per_minute <= 450:
            raise ConfigError(f"words_per_minute must be in [80, 450], got {self.words_per_minute}")
        if not self.voice or self.voice.startswith("-"):
            raise ConfigError(f"bad espeak voice {self.voice!r}")


class EspeakTTS:
    def __init__(self, options: EspeakOptions | None = None) -> None:
        self.options = options or EspeakOptions()
        path = shutil.which(self.options.binary)
        if path is None:
            raise MissingDependencyError(
                f"the {self.options.binary!r} program", "apt-get install espeak-ng"
            )
        self._path = path

    @property
    def sample_rate_hz(self) -> int:
        return _RATE_HZ

    async def synthesize(self, text: str) -> AsyncGenerator[TTSChunk, None]:
        splitter = SentenceSplitter()
        for segment in [*splitter.push(text), *splitter.flush()]:
            pcm, rate = await self._run(segment)
            if len(pcm):
                yield TTSChunk(pcm=pcm, sample_rate_hz=rate, text=segment)

    async def _run(self, text: str) -> tuple[PCM16, int]:
        proc = await asyncio.create_subprocess_exec(
            self._path,
            "--stdout",
            "-v",
            self.options.voice,
            "-s",
            str(self.options.words_per_minute),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await proc.communicate(text.encode("utf-8"))
        except BaseException:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            raise
        if proc.returncode != 0:
            raise EngineError(
                f"espeak-ng failed ({proc.returncode}): {err.decode(errors='replace').strip()}"
            )
        # espeak-ng cannot seek stdout, so its header carries a placeholder data size.
        return parse_wav_bytes(out, name="espeak-ng output", streaming=True)

    async def aclose(self) -> None:
        return None
