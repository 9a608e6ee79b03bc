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
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from quickturn.errors import EngineError
from quickturn.llm.call_walker import CallWalker
from quickturn.llm.jump_forward import JumpForwardDecoder, ValueCheck

TokenSink = Callable[[str], None]


@dataclass(frozen=True)
class SamplingParams:
    max_tokens: int
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    grammar: Any = field(default=None, compare=False)  # llama_cpp.LlamaGrammar
    # A CallWalker over the request's tools: greedy requests decode calls jump-forward.
    walker: Any = field(default=None, compare=False)
    # The prompt ends inside a call opening (tool_choice required): decode exactly one call
    # under ``walker`` and stop.
    in_call: bool = False
    # With in_call: the call text the prompt already ends with (past the marker), walked first.
    call_lead: str = ""
    # Texts the reply must not begin with: their first tokens are barred at the first step.
    avoid_openings: tuple[str, ...] = ()
    # With ``walker``: a refused string argument ends the call after it (jump_forward).
    value_check: Any = field(default=None, compare=False)
    # Tokens with letters outside the Latin script are barred at every step (ChatRequest).
    latin_only: bool = False


@dataclass(frozen=True)
class GenerationResult:
    completion_tokens: int
    finish_reason: str  # "stop" | "length" | "cancelled"
    forced_tokens: int = 0  # of completion_tokens, inserted in batches by jump-forward decoding
    cut_call: bool = False  # a call was closed early by ``SamplingParams.value_check``


def common_prefix_len(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def assign_slots(cached: list[list[int]], prefixes: list[list[int]]) -> dict[int, int]:
    """prefix index -> slot index: a slot already holding a prefix keeps it; the others go to
    free slots in order. Prefixes beyond the slots get none."""
    plan: dict[int, int] = {}
    taken: set[int] = set()
    for i, prefix in enumerate(prefixes):
        for j, held in enumerate(cached):
            if j not in taken and held[: len(prefix)] == prefix:
                plan[i] = j
                taken.add(j)
                break
    free = [j for j in range(len(cached)) if j not in taken]
    for i in range(len(prefixes)):
        if i not in plan and free:
            plan[i] = free.pop(0)
    return plan


class OpeningBars:
    """Which tokens a reply may not begin with so that it begins with none of some texts: those
    whose text (leading space dropped) starts one of them, or starts with one.

    A scan of the whole vocabulary costs ~0.2 s, and the call openings barred on every round
    whose tools are withheld are the same each time: results are kept per set of texts."""

    _KEEP = 32  # distinct sets kept (the call openings, plus a few parrot retries)

    def __init__(self, llama: Any) -> None:
        self._llm = llama
        self._pieces: list[str] | None = None
        self._known: dict[tuple[str, ...], frozenset[int]] = {}
        self._foreign: frozenset[int] | None = None

    def tokens(self, avoid: tuple[str, ...]) -> frozenset[int]:
        texts = tuple(t.lstrip() for t in avoid if t.strip())
        if not texts:
            return frozenset()
        found = self._known.get(texts)
        if found is not None:
            return found
        found = frozenset(
            i
            for i, piece in enumerate(self._vocabulary())
            if piece and any(t.startswith(piece) or piece.startswith(t) for t in texts)
        )
        if len(self._known) >= self._KEEP:
            self._known.pop(next(iter(self._known)))
        self._known[texts] = found
        return found

    def foreign_letters(self) -> frozenset[int]:
        """Tokens holding a letter outside the Latin script (Latin Extended-B ends at U+024F):
        Chinese, Cyrillic, Arabic... Byte pieces of characters the vocabulary lacks are kept
        (they spell rare Latin letters too)."""
        if self._foreign is None:
            self._foreign = frozenset(
                i
                for i, piece in enumerate(self._vocabulary())
                if any(ch.isalpha() and ord(ch) > 0x024F for ch in piece)
            )
        return self._foreign

    def _vocabulary(self) -> list[str]:
        if self._pieces is None:
            llm = self._llm
            self._pieces = [
                llm.detokenize([i]).decode("utf-8", errors="replace").lstrip()
                for i in range(int(llm.n_vocab()))
            ]
        return self._pieces


class LlamaSlot:
    def __init__(
        self,
        index: int,
        llama: Any,
        stop_token_ids: frozenset[int],
        *,
        lookup_draft_tokens: int = 0,
        lookup_ngram: int = 3,
        bars: OpeningBars | None = None,
    ) -> None:
        self.index = index
        self._llm = llama
        self._stop_ids = stop_token_ids
        self._draft_max = lookup_draft_tokens
        self._ngram = lookup_ngram
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"llama-slot-{index}")
        self.busy = False
        self.last_used_s = 0.0
        # Shared by every slot of one model (same vocabulary): computed once, not per slot.
        self._bars = bars if bars is not None else OpeningBars(llama)

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
        gen: Generator[int, Any, None]
        jump: JumpForwardDecoder | None = None
        never = self._bars.foreign_letters() if params.latin_only else frozenset()
        if params.walker is not None and params.temperature == 0 and params.grammar is None:
            jump = self._jump_decoder(params.walker, params.value_check)
            barred = self._bars.tokens(params.avoid_openings)
            gen = jump.generate(
                self._keep(tokens),
                tokens,
                in_call=params.in_call,
                barred=barred,
                call_lead=params.call_lead,
                never=never,
            )
        elif self._draft_max > 0 and params.temperature == 0 and params.grammar is None:
            gen = self._greedy_lookup(tokens, never)
        else:
            gen = llm.generate(
                tokens,
                logits_processor=_barring(self._bars.tokens(params.avoid_openings), never),
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
        forced = min(jump.stats.forced, len(generated)) if jump is not None else 0
        cut = jump is not None and jump.stats.cut
        if cut and finish == "length":
            finish = "stop"  # the call was closed on purpose: nothing was cut short by a limit
        return GenerationResult(len(generated), finish, forced, cut)

    def _keep(self, tokens: list[int]) -> int:
        """Cached tokens to keep: all shared ones but the last, so its logits are recomputed."""
        return min(common_prefix_len(self.cached_tokens(), tokens), len(tokens) - 1)

    def _jump_decoder(
        self, walker: CallWalker, value_check: ValueCheck | None
    ) -> JumpForwardDecoder:
        llm = self._llm

        def tokenize(text: str) -> list[int]:
            return [int(t) for t in llm.tokenize(text.encode(), add_bos=False, special=False)]

        opener = llm.tokenize(b"<tool_call>", add_bos=False, special=True)
        # Only a marker that is one special token can be spotted token by token; otherwise calls
        # are still caught when a reply opens with a bare "{".
        open_ids = frozenset({int(opener[0])}) if len(opener) == 1 else frozenset()
        return JumpForwardDecoder(llm, walker, tokenize, open_ids, self._stop_ids, value_check)

    def _greedy_lookup(
        self, tokens: list[int], never: frozenset[int] = frozenset()
    ) -> Generator[int, Any, None]:
        """Greedy decoding with prompt-lookup speculation.

        Voice replies and tool calls repeat the prompt a lot (names, dates, booking codes, tool
        names), so the tokens that followed the last n-gram earlier in the context are a cheap
        draft. One batched decode verifies the whole draft; every accepted token saves a decode
        step. Every kept token is the model's own argmax, but a batched decode rounds floats
        differently from a one-token decode, so near-ties can flip: on the hotel bench
        (``quickturn bench --embedded --lookup-draft 0,8``) 2 of 3 conversations diverged from
        plain greedy at their second turn, and it was slower, 8.9 vs 11.6 tok/s p50 (an 8-token
        draft at 7.5k tokens of context costs more than its accepted tokens save on two cores).
        Hence off by default. llama-cpp-python's own draft-model
        hook needs ``logits_all`` (a float32 row per context position: gigabytes at 12k context),
        so verification reads only the rows of the batch being checked.
        """
        import llama_cpp
        import numpy as np

        llm = self._llm
        ctx = llm._ctx.ctx
        n_vocab = int(llm.n_vocab())

        barred = np.fromiter(never, dtype=np.intp, count=len(never))

        def argmax_at(i: int) -> int:
            row = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, i), shape=(n_vocab,))
            if barred.size:
                row = row.copy()
                row[barred] = -np.inf
            return int(row.argmax())

        keep = self._keep(tokens)
        llm.n_tokens = keep
        llm.eval(tokens[keep:])  # clears stale KV past `keep`; logits for the last token only
        index = _NgramIndex(tokens, self._ngram)
        next_token = argmax_at(-1)
        while True:
            yield next_token
            index.append(next_token)
            draft = index.draft(self._draft_max)
            room = llm.n_ctx() - llm.n_tokens - 1
            draft = draft[: max(room, 0)]
            batch = [next_token, *draft]
            n_past = int(llm.n_tokens)
            llm._batch.set_batch(batch=batch, n_past=n_past, logits_all=bool(draft))
            llm._ctx.decode(llm._batch)
            llm.input_ids[n_past : n_past + len(batch)] = batch
            preds = [argmax_at(i) for i in range(len(batch))]
            accepted = 0
            while accepted < len(draft) and draft[accepted] == preds[accepted]:
                accepted += 1
            n_valid = n_past + 1 + accepted
            if accepted < len(draft):
                llm._ctx.kv_cache_seq_rm(-1, n_valid, -1)
            llm.n_tokens = n_valid
            for tok in draft[:accepted]:
                yield tok
                index.append(tok)
            next_token = preds[accepted]


class _NgramIndex:
    """Where each n-gram (n = 1..ngram) last ended, updated per token: O(ngram) per token."""

    def __init__(self, history: list[int], ngram: int) -> None:
        self._ngram = ngram
        self._history: list[int] = []
        self._last: dict[tuple[int, ...], int] = {}
        self._prev: dict[tuple[int, ...], int] = {}
        for tok in history:
            self.append(tok)

    def append(self, token: int) -> None:
        self._history.append(token)
        end = len(self._history)
        for n in range(1, self._ngram + 1):
            if end >= n:
                key = tuple(self._history[end - n :])
                if key in self._last:
                    self._prev[key] = self._last[key]
                self._last[key] = end

    def draft(self, max_draft: int) -> list[int]:
        """Tokens that followed the previous occurrence of the longest matching trailing n-gram."""
        h = self._history
        for n in range(min(self._ngram, len(h)), 0, -1):
            at = self._prev.get(tuple(h[-n:]))
            if at is not None:
                follow = h[at : at + max_draft]
                if follow:
                    return follow
        return []


def _barring(first: frozenset[int], always: frozenset[int]) -> Any:
    """A llama.cpp logits processor barring ``first`` at the first generated token and
    ``always`` at every one."""
    if not first and not always:
        return None
    import numpy as np

    first_ids = np.fromiter(first | always, dtype=np.intp, count=len(first | always))
    always_ids = np.fromiter(always, dtype=np.intp, count=len(always))
    done = [False]

    def process(_input_ids: Any, scores: Any) -> Any:
        ids = always_ids if done[0] else first_ids
        done[0] = True
        if ids.size:
            scores[ids] = -float("inf")
        return scores

    from llama_cpp import LogitsProcessorList

    return LogitsProcessorList([process])


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
