"""Jump-forward decoding of tool calls (as SGLang does it), greedy requests only.

The model decodes freely until it opens a call (its ``<tool_call>`` marker, or a reply that starts
with ``{``). From there the call is walked against the union of the tool schemas
(``CallWalker``): wherever the schemas force the next characters (keys, punctuation, the rest of
a tool or enum name once its prefix is unique) they are tokenized and evaluated in ONE batch
instead of being sampled one by one; wherever the model has a choice it takes the most likely
token the schemas allow. Where the model's own argmax is allowed (a well-formed call) the result
is the text plain greedy decoding writes; where it is not, the call is still well-formed.

On this CPU a batch of 10 tokens costs about what 1–2 decode steps cost, and a call is ~60 %
forced text, so a call costs a fraction of the decode steps.

A ``value_check`` can end a call early: the moment a string argument is complete it is shown
the value, and a refused one closes the call right after it. The tool loop uses this for a
caller's fact the caller never said (``tools.grounding``): the 0.5B's first booking call
invents a name, a phone and an e-mail (105 tokens, 7.8 s); cut at the invented name, the call
costs a third of that, and the caller is asked for what is missing anyway.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from quickturn.llm.call_walker import CallWalker, WalkState

ValueCheck = Callable[[str, str, str], bool]
"""(tool, argument, string value) -> whether the call may go on after this value."""

_FENCE = re.compile(r"^```[a-z]*[ \t]*\n?")
_TOP_K = 48  # candidates tried before a wider search: the allowed token is almost always here
_WIDE_K = 4096


@dataclass
class JumpStats:
    """What one generation spent: tokens sampled one by one, tokens inserted in batches."""

    sampled: int = 0
    forced: int = 0
    forced_batches: int = 0
    calls: int = 0
    cut: bool = False  # a call was closed early by the value check
    pieces: dict[int, str] = field(default_factory=dict, repr=False)


class JumpForwardDecoder:
    """Greedy token generator over one llama.cpp context (``llama_cpp.Llama``).

    ``tokenize`` turns forced text into tokens; ``stop_ids`` end generation outside a call.
    """

    def __init__(
        self,
        llama: Any,
        walker: CallWalker,
        tokenize: Callable[[str], list[int]],
        call_open_ids: frozenset[int],
        stop_ids: frozenset[int],
        value_check: ValueCheck | None = None,
    ) -> None:
        self._check = value_check
        self._llm = llama
        self._walker = walker
        self._tokenize = tokenize
        self._open_ids = call_open_ids
        self._stop_ids = stop_ids
        self.stats = JumpStats()

    def generate(
        self,
        keep: int,
        prompt: list[int],
        in_call: bool = False,
        barred: frozenset[int] = frozenset(),
        call_lead: str = "",
        never: frozenset[int] = frozenset(),
    ) -> Generator[int, None, None]:
        """Tokens after ``prompt``, whose first ``keep`` tokens are already in the KV cache.

        ``barred``: tokens the reply may not begin with (the opening of a parrot, say).
        ``never``: tokens barred at every sampled step (letters of another script).

        ``call_lead``: with ``in_call``, call text the prompt already holds after the marker.
        ``in_call``: the prompt ends with the call marker (a call is required): the call's
        opening is forced at once, exactly one call is decoded, and generation ends with it.
        """
        import numpy as np

        llm = self._llm
        llm.n_tokens = keep
        llm.eval(prompt[keep:])  # clears stale KV past `keep`; logits of the last token only
        state: WalkState | None = None  # inside a call when set
        closer = ""  # what ends the call's wrapper: the marker's closer, or a fence's
        if in_call:
            # ``call_lead``: the start of the call is already in the prompt (settled arguments).
            begun = self._walker.feed(self._walker.start(), call_lead) if call_lead else None
            state = yield from self._jump(begun or self._walker.start())
        reply_text = ""  # free text so far: a reply that opens with a bare "{" is a call too
        always = np.fromiter(never, dtype=np.intp, count=len(never))
        ids = np.fromiter(barred | never, dtype=np.intp, count=len(barred | never))
        while True:
            logits = self._logits(np)
            if ids.size:
                logits = logits.copy()
                logits[ids] = -np.inf
            ids = always  # ``barred``: the first step only
            if state is None:
                token = int(logits.argmax())
                yield token
                self.stats.sampled += 1
                if token in self._stop_ids:
                    return
                llm.eval([token])
                if token in self._open_ids:
                    state, closer = self._walker.start("\n"), "\n</tool_call>"
                else:
                    before = reply_text
                    reply_text += self._piece(token)
                    state = self._bare_opening(before, reply_text)
                    closer = "\n```" if reply_text.lstrip().startswith("```") else ""
                    if state is None:
                        continue
            else:
                prior = state
                picked, state = self._constrained(logits, state, np)
                if picked is None:  # nothing allowed among the candidates: the model goes on
                    continue
                token = picked
                if self._refused(prior, state):
                    yield from self._cut(prior, self._piece(token), closer)
                    return
                yield token
                self.stats.sampled += 1
                llm.eval([token])
            assert state is not None
            state = yield from self._jump(state)
            if state.mode == "done":
                self.stats.calls += 1
                state = None
                if in_call:
                    return
                if closer:
                    yield from self._force(closer)

    def _refused(self, before: WalkState, after: WalkState | None) -> bool:
        """Whether the token just chosen completed a string argument the value check refuses."""
        if self._check is None or after is None or after.finished is None:
            return False
        if after.finished == before.finished:
            return False
        key, raw = after.finished
        try:
            value = json.loads('"' + raw + '"')
        except json.JSONDecodeError:
            return False
        return not self._check(after.tool, key, value)

    def _cut(self, before: WalkState, piece: str, closer: str) -> Generator[int, None, None]:
        """Close the call right after the refused value: the token's text up to the value's
        closing quote, then the ends of the arguments and the call (and its wrapper). Nothing
        more is decoded, so the tokens are not evaluated."""
        state: WalkState | None = before
        end = len(piece)
        for i, ch in enumerate(piece):
            state = self._walker.step(state, ch) if state is not None else None
            if state is not None and state.finished != before.finished:
                end = i + 1
                break
        tokens = self._tokenize(piece[:end] + "}}" + closer)
        self.stats.sampled += 1
        self.stats.forced += max(len(tokens) - 1, 0)
        self.stats.cut = True
        yield from tokens

    def _bare_opening(self, before: str, text: str) -> WalkState | None:
        """The walker's state when this token made the reply open like a JSON call, bare or in
        a fence (the 0.5B opens half its calls with ```json: left unwalked, such a call was
        sampled token by token, invented keys and all, up to max_tokens)."""
        body = text.lstrip()
        fence = _FENCE.match(body)
        if fence is not None:
            head, body = body[: fence.end()], body[fence.end() :]
            if not body.startswith("{") or head.strip() not in ("```", "```json"):
                return None  # the fence's own text, or a fence of something else
            if len(before.lstrip()) > fence.end():
                return None  # the call had started already: walked from its first brace
        elif before.strip() or not body.startswith("{"):
            return None  # the reply had started with something else
        if body.count('"') <= 1:
            # Pretty-printed ("{\n  \"name"): the walker reads compact JSON, and from here on
            # the forced text is compact, so the whitespace so far is dropped from its view.
            body = re.sub(r"\s+", "", body)
        return self._walker.feed(self._walker.start(), body)

    def _jump(self, state: WalkState) -> Generator[int, None, WalkState]:
        """Insert what the schemas force from ``state`` and return the state after it.

        The last token of forced text is held back unless the call ends there: it may merge
        with the free text that follows (``{`` + ``"`` is one token ``{"``), and a model put
        at a token boundary it would never have produced writes worse text. The held-back
        characters are then sampled, constrained, usually as that merged token.
        """
        forced, after = self._walker.forced(state)
        if not forced:
            return state
        if after.mode == "done":
            yield from self._force(forced)
            return after
        tokens = self._tokenize(forced)
        if len(tokens) < 2:
            return state
        head = tokens[:-1]
        text = self._llm.detokenize(head).decode("utf-8", errors="replace")
        moved = self._walker.feed(state, text) if forced.startswith(text) else None
        if moved is None:
            return state
        self._llm.eval(head)
        self.stats.forced += len(head)
        self.stats.forced_batches += 1
        yield from head
        return moved

    def _force(self, text: str) -> Generator[int, None, None]:
        """Evaluate ``text``'s tokens in one batch and yield them."""
        tokens = self._tokenize(text) if text else []
        if not tokens:
            return
        self._llm.eval(tokens)
        self.stats.forced += len(tokens)
        self.stats.forced_batches += 1
        yield from tokens

    def _logits(self, np: Any) -> Any:
        import llama_cpp

        n_vocab = int(self._llm.n_vocab())
        ptr = llama_cpp.llama_get_logits_ith(self._llm._ctx.ctx, -1)
        return np.ctypeslib.as_array(ptr, shape=(n_vocab,))

    def _piece(self, token: int) -> str:
        piece = self.stats.pieces.get(token)
        if piece is None:
            raw = self._llm.detokenize([token])
            try:
                piece = raw.decode("utf-8")
            except UnicodeDecodeError:
                piece = "\ufffd"  # part of a multi-byte character: never valid inside a call
            self.stats.pieces[token] = piece
        return piece

    def _constrained(
        self, logits: Any, state: WalkState, np: Any
    ) -> tuple[int | None, WalkState | None]:
        """The most likely token the schemas allow here, and the state after it."""
        for k in (_TOP_K, _WIDE_K):
            top = np.argpartition(-logits, k)[:k]
            for token in top[np.argsort(-logits[top])]:
                tok = int(token)
                if tok in self._stop_ids or tok in self._open_ids:
                    continue
                piece = self._piece(tok)
                if not piece or "\ufffd" in piece or self._walker.echoes_description(state, piece):
                    continue
                nxt = self._walker.feed(state, piece)
                if nxt is not None:
                    return tok, nxt
        return None, None
