"""One llama.cpp context ("slot") that holds one conversation's KV cache.

llama-cpp-python keeps a single sequence per ``Llama`` object, so two conversations on one object
evict each other's prefix. The embedded engine therefore owns several slots; the weights are
memory-mapped once and shared by the OS page cache. Every blocking call runs on the slot's own
single-thread executor, never on the event loop.
"""

from __future__ import annotations

import asyncio
import codecs
import ctypes
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from quickturn.errors import EngineError

TokenSink = Callable[[str], None]


@dataclass(frozen=True)
class SamplingParams:
    max_tokens: int
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    grammar: Any = field(default=None, compare=False)  # llama_cpp.LlamaGrammar


@dataclass(frozen=True)
class GenerationResult:
    completion_tokens: int
    finish_reason: str  # "stop" | "length" | "cancelled"


def common_prefix_len(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class LlamaSlot:
    def __init__(self, index: int, llama: Any, stop_token_ids: frozenset[int]) -> None:
        self.index = index
        self._llm = llama
        self._stop_ids = stop_token_ids
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"llama-slot-{index}")
        self.busy = False
        self.last_used_s = 0.0

    # ---- state mirrored from the llama.cpp context -------------------------------------------
    def cached_tokens(self) -> list[int]:
        n = int(self._llm.n_tokens)
        return [int(t) for t in self._llm.input_ids[:n]]

    def reusable_prefix(self, tokens: list[int]) -> int:
        """Tokens of ``tokens`` whose KV this slot already holds (at least one is always re-run)."""
        return min(common_prefix_len(self.cached_tokens(), tokens), max(len(tokens) - 1, 0))

    # ---- async wrappers ----------------------------------------------------------------------
    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def prefill(self, tokens: list[int], progress: Callable[[int, int], None] | None) -> None:
        await self._run(self._prefill_blocking, tokens, progress)

    async def export_kv(self) -> bytes:
        blob: bytes = await self._run(self._export_blocking)
        return blob

    async def import_kv(self, tokens: list[int], blob: bytes) -> None:
        await self._run(self._import_blocking, tokens, blob)

    async def generate(
        self, tokens: list[int], params: SamplingParams, sink: TokenSink, cancel: threading.Event
    ) -> GenerationResult:
        result: GenerationResult = await self._run(
            self._generate_blocking, tokens, params, sink, cancel
        )
        return result

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # ---- blocking work (slot thread only) ----------------------------------------------------
    def _prefill_blocking(
        self, tokens: list[int], progress: Callable[[int, int], None] | None
    ) -> None:
        llm = self._llm
        start = min(common_prefix_len(self.cached_tokens(), tokens), len(tokens))
        llm.n_tokens = start
        step = int(llm.n_batch)
        for i in range(start, len(tokens), step):
            llm.eval(tokens[i : i + step])
            if progress is not None:
                progress(min(i + step, len(tokens)), len(tokens))

    def _export_blocking(self) -> bytes:
        import llama_cpp

        ctx = self._llm._ctx.ctx
        size = int(llama_cpp.llama_state_seq_get_size(ctx, 0))
        buf = (ctypes.c_uint8 * size)()
        written = int(llama_cpp.llama_state_seq_get_data(ctx, buf, size, 0))
        if written <= 0:
            raise EngineError("llama.cpp could not export the KV state")
        return bytes(buf[:written])

    def _import_blocking(self, tokens: list[int], blob: bytes) -> None:
        import llama_cpp

        llm = self._llm
        ctx = llm._ctx.ctx
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        buf = (ctypes.c_uint8 * len(blob)).from_buffer_copy(blob)
        if int(llama_cpp.llama_state_seq_set_data(ctx, buf, len(blob), 0)) == 0:
            llm.n_tokens = 0
            raise EngineError("llama.cpp refused the stored KV state")
        llm.input_ids[: len(tokens)] = tokens
        llm.n_tokens = len(tokens)
        # The logits of the last prefix token were not stored: generate() re-runs one token.
        llm._requires_eval = True

    def _generate_blocking(
        self, tokens: list[int], params: SamplingParams, sink: TokenSink, cancel: threading.Event
    ) -> GenerationResult:
        llm = self._llm
        if len(tokens) >= llm.n_ctx():
            raise EngineError(
                f"prompt of {len(tokens)} tokens does not fit the context of {llm.n_ctx()}"
            )
        if params.seed is not None:
            llm.set_seed(params.seed)
        budget = min(params.max_tokens, llm.n_ctx() - len(tokens))
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        held = ""  # text that could still be the start of a stop string
        generated: list[int] = []
        finish = "length"
        gen = llm.generate(
            tokens,
            temp=params.temperature,
            top_p=params.top_p,
            top_k=0 if params.temperature > 0 else 40,
            min_p=0.0,
            repeat_penalty=1.0,
            grammar=params.grammar,
        )
        try:
            for token in gen:
                if cancel.is_set():
                    finish = "cancelled"
                    break
                if token in self._stop_ids:
                    finish = "stop"
                    break
                generated.append(int(token))
                piece = decoder.decode(llm.detokenize([token], prev_tokens=generated[:-1]))
                text = held + piece
                stop_at = _find_stop(text, params.stop)
                if stop_at is not None:
                    if stop_at:
                        sink(text[:stop_at])
                    finish = "stop"
                    held = ""
                    break
                keep = _stop_prefix_tail(text, params.stop)
                if len(text) > keep:
                    sink(text[: len(text) - keep])
                held = text[len(text) - keep :] if keep else ""
                if len(generated) >= budget:
                    break
        finally:
            gen.close()
        tail = held + decoder.decode(b"", final=True)
        if tail and finish != "cancelled":
            sink(tail)
        return GenerationResult(len(generated), finish)


def _find_stop(text: str, stops: tuple[str, ...]) -> int | None:
    hits = [i for i in (text.find(s) for s in stops if s) if i >= 0]
    return min(hits) if hits else None


def _stop_prefix_tail(text: str, stops: tuple[str, ...]) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of a stop string."""
    best = 0
    for s in stops:
        for k in range(min(len(s) - 1, len(text)), 0, -1):
            if text.endswith(s[:k]):
                best = max(best, k)
                break
    return best
