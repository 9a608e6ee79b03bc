"""The embedded engine: llama.cpp in-process behind the ChatClient interface.

Used by the voice pipeline in-process and by the gateway (``--engine embedded``) alike.

- Slots: several llama.cpp contexts; a request goes to the free slot that already holds the
  longest prefix of its prompt, so conversations do not evict each other.
- Prefix warm-up and persistence: the system prompt + tool schemas are prefilled once, saved to
  disk keyed by model + prefix tokens, and loaded back in well under a second on the next start.
- Tool calls: the model writes them as text; the streaming repair parser turns them into
  structured calls and never lets half a call through as speech. ``tool_choice`` required/named
  uses grammar-constrained decoding instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quickturn.assets import ModelPaths
from quickturn.errors import ConfigError, EngineError, MissingDependencyError
from quickturn.llm.call_walker import CallWalker
from quickturn.llm.chat_template import ChatTemplate, ToolStyle
from quickturn.llm.embedded_output import OutputShaper, parse_forced, parse_grammar_output
from quickturn.llm.jump_forward import ValueCheck
from quickturn.llm.llama_slot import (
    GenerationResult,
    LlamaSlot,
    OpeningBars,
    SamplingParams,
    assign_slots,
)
from quickturn.llm.prefix_store import PrefixStore
from quickturn.llm.types import (
    ChatRequest,
    Finished,
    LLMEvent,
    ToolCallEvent,
    Usage,
)
from quickturn.tools.grounding import heard_check, heard_text
from quickturn.tools.types import ToolCall

ProgressFn = Callable[[str, float], None]
# A request's prefix shorter than this is prefilled, never looked up or stored: it takes a few
# seconds here, and a client whose short system prompt changes per request must not fill the disk.
MIN_STORED_PREFIX_TOKENS = 256

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbeddedOptions:
    model_path: Path | None = None  # default: the bundled Qwen2.5-Coder-0.5B-Instruct
    n_ctx: int = 12288
    # 0: auto: 2 threads, or 1 when the machine is already oversubscribed (1-minute load
    # average above the core count). Measured here at load ~13 on 2 cores: 1 thread decoded
    # 1.17 tok/s, 2 threads 0.11 tok/s (llama.cpp's threads spin-wait on each other when the OS
    # deschedules one); on an idle machine 2 threads are faster.
    n_threads: int = 0
    n_batch: int = 512
    slots: int = 1
    persist_prefixes: bool = True
    # Prompt-lookup speculative decoding (greedy requests only); 0 turns it off. Off by default:
    # on this 2-core CPU it measured slower than plain decoding (LlamaSlot._greedy_lookup).
    lookup_draft_tokens: int = 0
    # tool_choice required/named: "lead" completes a started call and falls back to the grammar
    # only when that does not parse; "grammar" always decodes under the JSON-schema grammar.
    forced_calls: str = "lead"
    # How tools are shown in the prompt: "compact" (one phrase per argument, ~half the tokens;
    # a smaller warm prefix decodes faster) or "schema" (the full JSON schemas).
    tool_style: ToolStyle = "compact"
    # Once the model opens a tool call, decode it under the tool schemas and insert the tokens
    # the schemas force in one batch (jump-forward decoding; greedy requests only).
    jump_forward: bool = True
    model_name: str = "qwen2.5-coder-0.5b-instruct"
    # False: stream the model's raw text (the gateway repairs tool calls in one stage for every
    # engine); True: parse calls here, for in-process callers.
    repair_calls: bool = True

    def __post_init__(self) -> None:
        if self.slots < 1:
            raise ConfigError("slots must be >= 1")
        if self.n_ctx < 512:
            raise ConfigError("n_ctx must be >= 512")
        if self.n_threads < 0 or self.n_batch < 1:
            raise ConfigError("n_threads must be >= 0 (0: auto) and n_batch >= 1")
        if self.lookup_draft_tokens < 0:
            raise ConfigError("lookup_draft_tokens must be >= 0")
        if self.forced_calls not in ("lead", "grammar"):
            raise ConfigError("forced_calls must be 'lead' or 'grammar'")
        if self.tool_style not in ("compact", "schema"):
            raise ConfigError("tool_style must be 'compact' or 'schema'")


@dataclass(frozen=True)
class WarmReport:
    prefix_tokens: int
    source: str  # "memory" | "disk" | "computed"
    seconds: float


@dataclass(frozen=True)
class EngineStats:
    slots: int
    busy_slots: int
    requests: int
    cached_tokens_total: int
    prompt_tokens_total: int
    completion_tokens_total: int = 0
    forced_tokens_total: int = 0  # of completion_tokens_total, inserted by jump-forward decoding


class _Tokenizer:
    def __init__(self, llama: Any) -> None:
        self._llm = llama

    def __call__(self, text: str) -> list[int]:
        if not text:
            return []
        return [int(t) for t in self._llm.tokenize(text.encode(), add_bos=False, special=True)]


class EmbeddedChatClient:
    def __init__(
        self,
        options: EmbeddedOptions,
        slots: list[LlamaSlot],
        template: ChatTemplate,
        tokenize: Callable[[str], list[int]],
        store: PrefixStore | None,
    ) -> None:
        self.options = options
        self._slots = slots
        self._template = template
        self._tokenize = tokenize
        self._store = store
        self._free = asyncio.Condition()
        self._requests = 0
        self._prefix_tokens: dict[str, list[int]] = {}
        self._cached_total = 0
        self._prompt_total = 0
        self._forced_total = 0
        self._completion_total = 0
        self._walkers: dict[str, CallWalker] = {}

    @property
    def model_name(self) -> str:
        return self.options.model_name

    @property
    def avoids_openings(self) -> bool:
        """``ChatRequest.avoid_openings`` is enforced (greedy requests with tools)."""
        return self.options.jump_forward

    @property
    def slots(self) -> int:
        return len(self._slots)

    @classmethod
    async def create(
        cls, options: EmbeddedOptions, paths: ModelPaths, progress: ProgressFn | None = None
    ) -> EmbeddedChatClient:
        try:
            import llama_cpp
        except ImportError as exc:
            raise MissingDependencyError(
                "llama-cpp-python", "run scripts/setup.sh or pip install 'quickturn[llm]'"
            ) from exc
        if progress:
            progress("locating model", 0.0)
        model_path: Path = (
            options.model_path
            if options.model_path is not None
            else await asyncio.to_thread(paths.qwen_0_5b)
        )
        model_size = await asyncio.to_thread(_file_size, model_path)

        threads = options.n_threads or _auto_threads()

        def load_one() -> Any:
            # Flash attention stays off: on this CPU it slows long-context decode ~3x.
            return llama_cpp.Llama(
                model_path=str(model_path),
                n_ctx=options.n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                n_batch=options.n_batch,
                flash_attn=False,
                verbose=False,
            )

        slots: list[LlamaSlot] = []
        bars: OpeningBars | None = None
        for i in range(options.slots):
            if progress:
                progress(f"loading model into slot {i + 1}/{options.slots}", i / options.slots)
            llama = await asyncio.to_thread(load_one)
            stop_ids = {int(llama.token_eos())}
            stop_ids.update(
                int(t)
                for t in llama.tokenize(b"<|im_end|><|endoftext|>", add_bos=False, special=True)
            )
            bars = bars or OpeningBars(llama)
            slots.append(
                LlamaSlot(
                    i,
                    llama,
                    frozenset(stop_ids),
                    lookup_draft_tokens=options.lookup_draft_tokens,
                    bars=bars,
                )
            )
        source = slots[0]._llm.metadata.get("tokenizer.chat_template", "")
        template = ChatTemplate(source, options.tool_style)
        store = None
        if options.persist_prefixes:
            # Keyed by model identity and prefix tokens only: the KV cells of a prefix do not
            # depend on the context size, so every n_ctx setting shares one stored prefix.
            model_id = f"{model_path.name}-{model_size}"
            store = PrefixStore(paths.cache_dir / "kv", model_id)
        if progress:
            progress("model loaded", 1.0)
        return cls(options, slots, template, _Tokenizer(slots[0]._llm), store)

    # ---- prompt handling ---------------------------------------------------------------------
    async def warm(self, request: ChatRequest, progress: ProgressFn | None = None) -> WarmReport:
        """Make every slot hold the request's prefix (system prompt + tools) in its KV cache."""
        t0 = time.perf_counter()
        tokens, n_prefix = await self.prompt_tokens(request)
        prefix = tokens[:n_prefix]
        if not prefix:
            return WarmReport(0, "memory", 0.0)
        sources: list[str] = []
        for slot in self._slots:
            async with self._free:
                await self._free.wait_for(lambda s=slot: not s.busy)  # type: ignore[misc]
                slot.busy = True
            try:
                sources.append(await self._warm_slot(slot, prefix, progress))
            finally:
                async with self._free:
                    slot.busy = False
                    self._free.notify_all()
        source = (
            "computed" if "computed" in sources else ("disk" if "disk" in sources else "memory")
        )
        return WarmReport(len(prefix), source, time.perf_counter() - t0)

    async def warm_each(
        self, requests: Sequence[ChatRequest], progress: ProgressFn | None = None
    ) -> list[WarmReport]:
        """Give each request's prefix a slot of its own (an agent organised as flows: one
        prefix per flow), so entering any of them costs no prefill; each is also persisted.

        A slot that already holds one of the prefixes keeps it. Prefixes beyond the number of
        slots are still prefilled once and stored on disk (loading one back takes ~0.6 s).
        """
        prefixes: list[list[int]] = []
        for request in requests:
            tokens, n_prefix = await self.prompt_tokens(request)
            if n_prefix and tokens[:n_prefix] not in prefixes:
                prefixes.append(tokens[:n_prefix])
        plan = assign_slots([s.cached_tokens() for s in self._slots], prefixes)
        reports: list[WarmReport] = []
        for i, prefix in enumerate(prefixes):
            slot = self._slots[plan[i]] if i in plan else None
            t0 = time.perf_counter()
            if slot is None:
                source = await self._store_only(prefix, progress)
            else:
                async with self._free:
                    await self._free.wait_for(lambda s=slot: not s.busy)  # type: ignore[misc]
                    slot.busy = True
                try:
                    source = await self._warm_slot(slot, prefix, progress)
                finally:
                    await self._release(slot)
            reports.append(WarmReport(len(prefix), source, time.perf_counter() - t0))
        return reports

    async def _store_only(self, prefix: list[int], progress: ProgressFn | None) -> str:
        """Persist a prefix no slot can keep: prefill it in the least recently used slot."""
        if self._store is not None and await asyncio.to_thread(self._store.has, prefix):
            return "disk"
        slot = await self._acquire(prefix)
        try:
            return await self._warm_slot(slot, prefix, progress)
        finally:
            await self._release(slot)

    async def _warm_slot(
        self, slot: LlamaSlot, prefix: list[int], progress: ProgressFn | None
    ) -> str:
        if slot.cached_tokens()[: len(prefix)] == prefix:
            return "memory"
        if self._store is not None:
            blob = await asyncio.to_thread(self._store.load, prefix)
            if blob is not None:
                try:
                    await slot.import_kv(prefix, blob)
                    return "disk"
                except EngineError:
                    pass  # a stale or foreign blob: recompute below

        def report(done: int, total: int) -> None:
            if progress:
                progress(f"prefilling {total}-token prefix (slot {slot.index + 1})", done / total)

        await slot.prefill(prefix, report)
        if self._store is not None:
            blob = await slot.export_kv()
            await asyncio.to_thread(self._store.save, prefix, blob)
        return "computed"

    # ---- slots -------------------------------------------------------------------------------
    async def _acquire(self, tokens: list[int]) -> LlamaSlot:
        async with self._free:
            await self._free.wait_for(lambda: any(not s.busy for s in self._slots))
            free = [s for s in self._slots if not s.busy]
            # Longest reusable prefix first; among equals the least recently used.
            slot = max(free, key=lambda s: (s.reusable_prefix(tokens), -s.last_used_s))
            slot.busy = True
            return slot

    async def _release(self, slot: LlamaSlot) -> None:
        async with self._free:
            slot.busy = False
            slot.last_used_s = time.perf_counter()
            self._free.notify_all()

    def stats(self) -> EngineStats:
        return EngineStats(
            slots=len(self._slots),
            busy_slots=sum(s.busy for s in self._slots),
            requests=self._requests,
            cached_tokens_total=self._cached_total,
            prompt_tokens_total=self._prompt_total,
            completion_tokens_total=self._completion_total,
            forced_tokens_total=self._forced_total,
        )

    # ---- generation --------------------------------------------------------------------------
    async def prompt_tokens(
        self, request: ChatRequest, assistant_lead: str = ""
    ) -> tuple[list[int], int]:
        """All prompt tokens and how many of them are the shareable prefix. The long prefix is
        tokenized once per process; all tokenizing runs off the event loop."""
        rendered = self._template.render_split(request.messages, request.tools)
        prefix = self._prefix_tokens.get(rendered.prefix)
        if prefix is None:
            prefix = await asyncio.to_thread(self._tokenize, rendered.prefix)
            if len(self._prefix_tokens) >= 8:  # a handful of agents per process at most
                self._prefix_tokens.pop(next(iter(self._prefix_tokens)))
            self._prefix_tokens[rendered.prefix] = prefix
        rest = await asyncio.to_thread(self._tokenize, rendered.rest + assistant_lead)
        return prefix + rest, len(prefix)

    async def _generate(
        self, tokens: list[int], params: SamplingParams, n_prefix: int
    ) -> AsyncGenerator[str | _Done, None]:
        """Raw text pieces, then one _Done. Closing early cancels the worker at its next token.

        A slot that lacks the request's first ``n_prefix`` tokens (the shared prefix) gets them
        from the prefix store first, or prefills and stores them: a process that was never
        ``warm()``-ed (``quickturn serve``) loads a saved prefix in seconds, not minutes."""
        slot = await self._acquire(tokens)
        cached = slot.reusable_prefix(tokens)
        if self._store is not None and cached < n_prefix < self.options.n_ctx:
            # A short prefix is loaded if a warm-up stored it (a small task's), never stored
            # here: only long ones are worth a file per prompt.
            prefix = tokens[:n_prefix]
            if n_prefix >= MIN_STORED_PREFIX_TOKENS or await asyncio.to_thread(
                self._store.has, prefix
            ):
                try:
                    source = await self._warm_slot(slot, prefix, None)
                    _log.debug("slot %d: %d-token prefix %s", slot.index, n_prefix, source)
                    if source == "disk":
                        cached = slot.reusable_prefix(tokens)
                except BaseException:
                    await self._release(slot)
                    raise
        cancel = threading.Event()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | GenerationResult | BaseException] = asyncio.Queue()

        def sink(text: str) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, text)

        async def run() -> None:
            try:
                queue.put_nowait(await slot.generate(tokens, params, sink, cancel))
            except BaseException as exc:  # handed to the consumer, which re-raises it
                queue.put_nowait(exc)

        self._requests += 1
        self._cached_total += cached
        self._prompt_total += len(tokens)
        _log.debug(
            "slot %d: %d prompt tokens, %d cached", slot.index, len(tokens), cached
        )
        task = asyncio.create_task(run())
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise EngineError(f"generation failed: {item}") from item
                if isinstance(item, GenerationResult):
                    _log.debug(
                        "slot %d: done, %d tokens (%d forced)",
                        slot.index, item.completion_tokens, item.forced_tokens,
                    )
                    self._forced_total += item.forced_tokens
                    self._completion_total += item.completion_tokens
                    yield _Done(item, Usage(len(tokens), item.completion_tokens, cached))
                    return
                yield item
        finally:
            # Reached on normal end, on error, and when the consumer closes us early (a barge-in,
            # a client disconnect): the worker stops at its next token.
            cancel.set()
            # The slot is freed only once its worker has stopped (another request must never
            # share a running context). run() hands its own errors to the queue, so the only
            # exception here is our own cancellation: wait the worker out, then re-raise it.
            cancelled: asyncio.CancelledError | None = None
            while not task.done():
                try:
                    await asyncio.shield(task)
                except asyncio.CancelledError as exc:
                    cancelled = exc
            await self._release(slot)
            if cancelled is not None:
                raise cancelled

    async def _complete(
        self, tokens: list[int], params: SamplingParams, n_prefix: int
    ) -> tuple[str, _Done]:
        # n_prefix has no default (nor in _generate): forced calls once left it out, and a slot
        # without their prefix prefilled it instead of loading it from disk.
        parts: list[str] = []
        async with contextlib.aclosing(self._generate(tokens, params, n_prefix)) as gen:
            async for item in gen:
                if isinstance(item, _Done):
                    return "".join(parts), item
                parts.append(item)
        raise EngineError("generation ended without a result")

    def _params(self, request: ChatRequest, **overrides: Any) -> SamplingParams:
        fields: dict[str, Any] = {
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
            "seed": request.seed,
            "stop": request.stop,
            "avoid_openings": request.avoid_openings,
            "latin_only": request.latin_only,
        }
        fields.update(overrides)
        if fields.get("walker") is not None:
            # Only a walked call is checked value by value: built for those requests alone.
            fields["value_check"] = _value_check(request)
        return SamplingParams(**fields)

    async def stream(self, request: ChatRequest) -> AsyncGenerator[LLMEvent, None]:
        if request.tools and (request.tool_choice == "required" or request.forced_tool()):
            async with contextlib.aclosing(self._stream_forced(request)) as forced:
                async for ev in forced:
                    yield ev
            return
        tokens, n_prefix = await self.prompt_tokens(request)
        shaper = OutputShaper(request, self.options.repair_calls)
        if request.response_format is not None:
            # The reply itself is JSON: decode under its grammar, never walk it as a tool call.
            params = self._params(request, grammar=self._response_grammar(request.response_format))
        else:
            params = self._params(request, walker=self._walker_for(request))
        # aclosing: when our consumer closes us early, the generation below must be closed (and
        # its slot freed) now, not whenever the garbage collector finalizes it.
        async with contextlib.aclosing(self._generate(tokens, params, n_prefix)) as gen:
            async for item in gen:
                now = time.perf_counter()
                if isinstance(item, _Done):
                    for ev in shaper.finish(now):
                        yield ev
                    reason = item.result.finish_reason
                    if shaper.calls_emitted and reason == "stop":
                        reason = "tool_calls"
                    yield Finished(reason, item.usage, now)  # type: ignore[arg-type]
                    return
                for ev in shaper.feed(item, now):
                    yield ev

    async def _stream_forced(self, request: ChatRequest) -> AsyncGenerator[LLMEvent, None]:
        """tool_choice required/named: a call is guaranteed.

        First the cheap way: the assistant turn is started with the call's opening
        (``<tool_call>{"name": "x", "arguments": ``) and the model completes it freely. Only if
        that does not parse into a schema-valid call is the request re-run under a JSON-schema
        grammar, which always yields a well-formed call but costs a grammar check over the whole
        vocabulary at every token.
        """
        forced = request.forced_tool()
        names = [t.get("function", {}).get("name") for t in request.tools]
        if forced is not None and forced not in names:
            raise EngineError(f"tool_choice names {forced!r}, which is not among the tools")
        usage = Usage(0, 0, 0)
        call: ToolCall | None = None
        walker = self._walker_for(request, only=forced, keys=_resumed_keys(request))
        if walker is not None and request.temperature == 0:
            # Jump-forward: the opening and every forced key are inserted, only the tool's
            # name and the argument values are chosen (a no-argument call: a token or two).
            known = call_lead(forced, request.known_arguments)
            if known and walker.feed(walker.start(), known) is None:
                known = ""  # not a valid start under the schema: the model writes it all
            lead = "<tool_call>\n" + known
            # n_prefix: a slot that lacks the agent's prefix loads it from disk (~0.1 s) instead
            # of prefilling it (a 570-token task prefix: ~3 s, past the demo's deadline).
            tokens, n_prefix = await self.prompt_tokens(request, assistant_lead=lead)
            text, done = await self._complete(
                tokens,
                self._params(request, walker=walker, in_call=True, call_lead=known),
                n_prefix,
            )
            usage = done.usage
            # A call cut at an unheard value lacks what the caller must give: it is kept as
            # written (the tool loop asks the caller), not sent to the grammar to be invented.
            call = parse_forced(lead + text, request, forced, valid=not done.result.cut_call)
            _log.debug("walked call (cut %s): %r", done.result.cut_call, text[-160:])
        elif self.options.forced_calls == "lead":
            lead = '<tool_call>\n{"name": "' + (f'{forced}", "arguments": ' if forced else "")
            tokens, n_prefix = await self.prompt_tokens(request, assistant_lead=lead)
            text, done = await self._complete(
                tokens, self._params(request, stop=(*request.stop, "</tool_call>")), n_prefix
            )
            usage = done.usage
            call = parse_forced(lead + text, request, forced)
        if call is None:
            _log.debug("forced call did not parse; decoding under the grammar")
            grammar = self._grammar_for(request.tools, forced)
            tokens, n_prefix = await self.prompt_tokens(request)
            text, done = await self._complete(
                tokens, self._params(request, grammar=grammar), n_prefix
            )
            usage = Usage(
                usage.prompt_tokens + done.usage.prompt_tokens,
                usage.completion_tokens + done.usage.completion_tokens,
                usage.cached_tokens + done.usage.cached_tokens,
            )
            call = parse_grammar_output(text, forced)
        now = time.perf_counter()
        yield ToolCallEvent(call, now)
        yield Finished("tool_calls", usage, now)

    def _walker_for(
        self, request: ChatRequest, only: str | None = None, keys: frozenset[str] | None = None
    ) -> CallWalker | None:
        """The call walker of the request's tools (or of tool ``only``, with only the
        arguments ``keys`` when given), built once per set."""
        if not (self.options.jump_forward and request.tools) or request.tool_choice == "none":
            return None
        tools = [t for t in request.tools if only is None or t["function"]["name"] == only]
        if keys is not None:
            tools = [_with_keys(t, keys) for t in tools]
        key = json.dumps(tools, sort_keys=True)
        walker = self._walkers.get(key)
        if walker is None:
            walker = CallWalker(tools)
            if len(self._walkers) >= 8:  # a handful of agents (or flows) per process
                self._walkers.pop(next(iter(self._walkers)))
            self._walkers[key] = walker
        return walker

    def _grammar_for(self, tools: list[dict[str, Any]], forced: str | None) -> Any:
        from llama_cpp.llama_grammar import LlamaGrammar

        from quickturn.tools.grammar import tool_call_json_schema

        schema = tool_call_json_schema(tools, forced=forced)
        try:
            return LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        except Exception as exc:  # llama.cpp's converter raises bare exceptions
            raise EngineError(f"could not build a grammar for the tool schemas: {exc}") from exc

    def _response_grammar(self, response_format: dict[str, Any]) -> Any:
        from llama_cpp.llama_grammar import LlamaGrammar

        from quickturn.tools.grammar import response_format_json_schema

        schema = response_format_json_schema(response_format)
        if schema is None:
            return None
        try:
            return LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        except Exception as exc:  # llama.cpp's converter raises bare exceptions
            raise EngineError(f"could not build a grammar for response_format: {exc}") from exc

    async def aclose(self) -> None:
        for slot in self._slots:
            slot.close()


def _auto_threads() -> int:
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # not available on this platform
        load = 0.0
    return 1 if cores <= 1 or load > cores else 2


def _file_size(path: Path) -> int:
    if not path.is_file():
        raise MissingDependencyError(f"model file {path}", "pip install 'quickturn[llm]'")
    return path.stat().st_size


@dataclass(frozen=True)
class _Done:
    result: GenerationResult
    usage: Usage


def _resumed_keys(request: ChatRequest) -> frozenset[str] | None:
    """A resumed call's arguments: the settled ones, those the caller was just asked for and
    the required ones. Nothing else is decoded: left free after the asked fields, the 0.5B went
    on to add a non-refundable rate plan and an e-mail nobody asked for (46 decoded tokens
    instead of 20)."""
    if request.known_arguments is None or request.asked_arguments is None:
        return None
    # And any required one still missing: the caller asked for a name and phone had also left
    # out the transfer's direction, and the resumed call, decoded without it, failed its schema
    # three times until the deadline.
    name = request.forced_tool()
    schema: dict[str, Any] = next(
        (t.get("function", {}) for t in request.tools if t.get("function", {}).get("name") == name),
        {},
    )
    required = (schema.get("parameters") or {}).get("required") or ()
    return (
        frozenset(request.known_arguments)
        | frozenset(request.asked_arguments)
        | frozenset(k for k in required if isinstance(k, str))
    )


def _with_keys(tool: dict[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    fn = tool.get("function", {})
    params = fn.get("parameters") or {}
    props = {k: v for k, v in (params.get("properties") or {}).items() if k in keys}
    trimmed = {**params, "properties": props}
    if "required" in params:
        trimmed["required"] = [k for k in params["required"] if k in keys]
    return {**tool, "function": {**fn, "parameters": trimmed}}


def call_lead(tool: str | None, known: dict[str, Any] | None) -> str:
    """The opening of a call to ``tool`` with the ``known`` arguments already written, ready
    for the next key ("" when there is nothing known)."""
    if tool is None or not known:
        return ""
    args = ", ".join(
        f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
        for k, v in known.items()
    )
    return f'{{"name": {json.dumps(tool)}, "arguments": {{{args}, '


def _value_check(request: ChatRequest) -> ValueCheck | None:
    """What may end a walked call after a string value: a caller's fact nobody said
    (``stop_at_unheard``), or the time (``close_call_by``)."""
    heard = (
        heard_check(request.tools, heard_text(request.messages))
        if request.stop_at_unheard
        else None
    )
    close_by = request.close_call_by
    if close_by is None:
        return heard

    def in_time(tool: str, key: str, value: str) -> bool:
        if time.monotonic() >= close_by:
            return False
        return heard is None or heard(tool, key, value)

    return in_time
