"""The left-to-right scanner behind both the batch and the streaming tool-call parser.

``scan`` walks the text to the next place a call could start (``{``, ``[``, ``<``, a backtick,
or an identifier) and asks the matcher for that place to decide:

- ``Match(parts, end)``: the text up to ``end`` is one or more calls (plus, inside a tag or a
  fence, any non-blank text the model put beside them);
- ``Skip(end)``: the text up to ``end`` is content;
- ``MORE``: undecidable until more text arrives (only when ``final`` is false).

The streaming parser relies on one invariant of every matcher: on a prefix of the text a matcher
answers either ``MORE`` or exactly what it answers on the whole text. Every decision therefore
depends only on characters up to the decision point (a closer found, a character that rules the
shape out, or ``MAX_CALL_CHARS`` scanned), and ``final`` only turns a ``MORE`` into a decision.
That is what makes streamed output equal the batch output for any split of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from quickturn.tools.repair_formats import (
    GEMMA_ESCAPES,
    RawCall,
    call_from_gemma,
    call_from_python,
    calls_from_value,
)
from quickturn.tools.repair_head import cannot_be_call, object_head
from quickturn.tools.repair_literal import (
    BracketScan,
    LiteralError,
    close_truncated,
    parse_lenient,
    scan_brackets,
)
from quickturn.tools.repair_names import ToolIndex

# A call longer than this is not a call: it bounds how much text streaming may hold back.
MAX_CALL_CHARS: Final = 6000

Part = str | RawCall

_CANDIDATE = re.compile(r"[{\[<`]|(?<![\w.])[A-Za-z_]\w*")
_GEMMA_NAME = re.compile(r"[A-Za-z_][\w.\-]*")
_FENCE_INFO = re.compile(r"[A-Za-z0-9_+.\-]*[ \t]*\r?\n")
_FENCE = "```"
# Tag openers and the closer each one expects. A second opener also ends the previous call
# (Qwen sometimes forgets the closer between two calls).
_TAGS: Final = (
    ("<tool_call>", "</tool_call>"),
    ("<function_call>", "</function_call>"),
    ("<start_function_call>", "<end_function_call>"),
    ("<|tool_call>", "<tool_call|>"),  # Gemma 4
)
# Markers that never carry speech: Llama 3's ``<|python_tag|>`` before a JSON call, and the
# end-of-message tokens an upstream may leave in the text.
_DEBRIS: Final = ("<|python_tag|>", "<|eom_id|>", "<|eot_id|>")
_TAG_WORDS: Final = tuple(t for pair in _TAGS for t in pair) + _DEBRIS
_LONGEST_TAG = max(len(t) for t in _TAG_WORDS)


@dataclass(frozen=True)
class Match:
    parts: tuple[Part, ...]
    end: int


@dataclass(frozen=True)
class Skip:
    end: int


class _More:
    def __repr__(self) -> str:
        return "MORE"


MORE: Final = _More()
Decision = Match | Skip | _More


def scan(buf: str, start: int, final: bool, index: ToolIndex) -> tuple[list[Part], int]:
    """Content strings and calls from ``buf[start:]``, and how far the text was decided.

    Characters before ``start`` are only context (a call name must not continue a word).
    """
    n = len(buf)
    if len(index) == 0:
        return ([buf[start:]] if n > start else []), n
    parts: list[Part] = []
    pos = text_from = start
    while pos < n:
        m = _CANDIDATE.search(buf, pos)
        if m is None:
            break
        p = m.start()
        decision = _decide(buf, m, final, index)
        if isinstance(decision, _More):
            if p > text_from:
                parts.append(buf[text_from:p])
            return parts, p
        if isinstance(decision, Match):
            if p > text_from:
                parts.append(buf[text_from:p])
            parts.extend(decision.parts)
            text_from = decision.end
        pos = decision.end
    if n > text_from:
        parts.append(buf[text_from:])
    return parts, n


def _decide(buf: str, m: re.Match[str], final: bool, index: ToolIndex) -> Decision:
    ch = buf[m.start()]
    if ch == "{" or ch == "[":
        return _decide_json(buf, m.start(), final, index)
    if ch == "<":
        return _decide_tag(buf, m.start(), final, index)
    if ch == "`":
        return _decide_fence(buf, m.start(), final, index)
    return _decide_identifier(buf, m, final, index)


def _decide_json(buf: str, p: int, final: bool, index: ToolIndex) -> Decision:
    n = len(buf)
    j = p + 1
    while j < n and buf[j].isspace():
        j += 1
    if j == n:
        return Skip(p + 1) if final else MORE
    if buf[p] == "[" and (buf[j].isalpha() or buf[j] == "_"):
        return _decide_python_list(buf, p, j, final, index)
    # A call object starts with a quoted key; a list of calls with an object. Anything else
    # ("{curly}", "[laughs]") is prose, decided at once so that it streams without delay.
    if buf[j] not in ("\"'" if buf[p] == "{" else "{"):
        return Skip(p + 1)
    if buf[p] == "{" and cannot_be_call(object_head(buf[p : p + MAX_CALL_CHARS]), index):
        # Its keys so far make it data (a tool result echoed back): released now, not at its
        # end. Decided from the prefix alone, so a whole reply decides it the same way.
        return Skip(p + 1)
    scanned = scan_brackets(buf, p, min(n, p + MAX_CALL_CHARS))
    if scanned.state == "bad":
        return Skip(scanned.end)
    if scanned.state == "closed":
        calls = _calls_from_text(buf[p : scanned.end], index)
        return Match(tuple(calls), scanned.end) if calls else Skip(scanned.end)
    if p + MAX_CALL_CHARS <= n:
        return Skip(p + 1)
    if not final:
        return MORE
    calls = _calls_from_truncated(buf[p:], scanned, index)
    if calls:
        return Match(tuple(calls), n)
    # A call cut off at the end of the reply cannot be completed without a guess, but it is
    # not speech either: ``{"name": "get_weather", "arguments": {"ci`` is dropped.
    return Match((), n) if _is_call_head(buf[p:], index) else Skip(p + 1)


_CALL_HEAD = re.compile(
    r"""\{\s*["']?(?:name|tool_name|tool|function)["']?\s*:\s*["']([A-Za-z_][\w.\-]*)["']"""
)


def _is_call_head(text: str, index: ToolIndex) -> bool:
    head = _CALL_HEAD.match(text)
    return head is not None and index.resolve(head.group(1), fuzzy=True) is not None


def _calls_from_text(text: str, index: ToolIndex) -> list[RawCall] | None:
    try:
        value = parse_lenient(text)
    except LiteralError:
        return None
    return calls_from_value(value, index)


def _calls_from_truncated(
    text: str, scanned: BracketScan, index: ToolIndex
) -> list[RawCall] | None:
    # The scan ran from offset 0 of the original candidate, so its stack applies to ``text``.
    repaired = close_truncated(text, scanned)
    return None if repaired is None else _calls_from_text(repaired, index)


def _decide_tag(buf: str, p: int, final: bool, index: ToolIndex) -> Decision:
    n = len(buf)
    tag = next(((o, c) for o, c in _TAGS if buf.startswith(o, p)), None)
    if tag is None:
        # A closer with no opener (``{...}</tool_call>``) is template debris, never speech.
        stray = next((c for c in (*(c for _, c in _TAGS), *_DEBRIS) if buf.startswith(c, p)), None)
        if stray is not None:
            return Match((), p + len(stray))
        head = buf[p : p + _LONGEST_TAG]
        if not final and any(len(head) < len(t) and t.startswith(head) for t in _TAG_WORDS):
            return MORE
        return Skip(p + 1)
    opener, closer = tag
    body_start = p + len(opener)
    limit = min(n, p + MAX_CALL_CHARS)
    close_at = buf.find(closer, body_start, limit)
    next_open = buf.find(opener, body_start, limit)
    if next_open >= 0 and (close_at < 0 or next_open < close_at):
        body_end, end = next_open, next_open
    elif close_at >= 0:
        body_end, end = close_at, close_at + len(closer)
    elif p + MAX_CALL_CHARS <= n:
        return Skip(p + 1)
    elif not final:
        return MORE
    else:
        body_end = end = n
    # A tag is template syntax, never speech: a body that holds no valid call (broken JSON, a
    # call cut off at the end) is dropped, and a good sibling call in its own tag still counts.
    return _decide_body(buf[body_start:body_end], end, index, drop_empty=True)


def _decide_fence(buf: str, p: int, final: bool, index: ToolIndex) -> Decision:
    n = len(buf)
    run = 0
    while run < 3 and p + run < n and buf[p + run] == "`":
        run += 1
    if run < 3:
        if p + run == n and not final:
            return MORE
        return Skip(p + run)
    limit = min(n, p + MAX_CALL_CHARS)
    close_at = buf.find(_FENCE, p + 3, limit)
    if close_at >= 0:
        body_end, end = close_at, close_at + 3
    elif p + MAX_CALL_CHARS <= n:
        return Skip(p + 3)
    elif not final:
        return MORE
    else:
        body_end = end = n
    body_start = p + 3
    info = _FENCE_INFO.match(buf, body_start, body_end)
    if info is not None:
        body_start = info.end()
    return _decide_body(buf[body_start:body_end], end, index)


def _decide_body(body: str, end: int, index: ToolIndex, *, drop_empty: bool = False) -> Decision:
    """A tag or fence is consumed when its body holds a call; blank text inside it goes too."""
    parts, _ = scan(body, 0, True, index)
    if not any(isinstance(part, RawCall) for part in parts):
        return Match((), end) if drop_empty else Skip(end)
    kept = tuple(part for part in parts if isinstance(part, RawCall) or part.strip())
    return Match(kept, end)


def _decide_identifier(buf: str, m: re.Match[str], final: bool, index: ToolIndex) -> Decision:
    n = len(buf)
    ident, p, e = m.group(), m.start(), m.end()
    if e == n:
        if not final and (index.could_start_strict_name(ident) or "call".startswith(ident)):
            return MORE
        return Skip(e)
    if buf[e] == "(":
        return _decide_python(buf, p, e, final, index)
    if ident == "call" and buf[e] == ":":
        return _decide_gemma(buf, p, e + 1, final, index)
    return Skip(e)


def _decide_python(buf: str, p: int, paren: int, final: bool, index: ToolIndex) -> Decision:
    n = len(buf)
    if index.resolve(buf[p:paren], fuzzy=False) is None:
        return Skip(paren)
    scanned = scan_brackets(buf, paren, min(n, p + MAX_CALL_CHARS))
    if scanned.state == "bad":
        return Skip(scanned.end)
    if scanned.state == "closed":
        call = call_from_python(buf[p : scanned.end], index)
        return Skip(scanned.end) if call is None else Match((call,), scanned.end)
    if final or p + MAX_CALL_CHARS <= n:
        return Skip(paren)
    return MORE


_IDENT = re.compile(r"[A-Za-z_]\w*")


def _decide_python_list(buf: str, p: int, j: int, final: bool, index: ToolIndex) -> Decision:
    """Llama 3.2's pythonic ``[get_weather(city="Paris"), other(x=1)]``: a list whose first item
    calls a declared tool by its exact name; ``[laughs]`` and ``[see above]`` stay prose."""
    n = len(buf)
    named = _IDENT.match(buf, j)
    assert named is not None  # the caller saw a letter or "_" at j
    if named.end() == n:
        if not final and index.could_start_strict_name(named.group()):
            return MORE
        return Skip(p + 1)
    if buf[named.end()] != "(" or index.resolve(named.group(), fuzzy=False) is None:
        return Skip(p + 1)
    scanned = scan_brackets(buf, p, min(n, p + MAX_CALL_CHARS))
    if scanned.state == "closed":
        calls = _python_list_calls(buf[p : scanned.end], index)
        # Not a list of calls: prose, whose inner call (if any) the identifier rule still finds.
        # A list of calls whose items are all broken is dropped: it is never speech.
        return Skip(p + 1) if calls is None else Match(tuple(calls), scanned.end)
    if scanned.state == "bad" or final or p + MAX_CALL_CHARS <= n:
        return Skip(p + 1)
    return MORE


def _python_list_calls(text: str, index: ToolIndex) -> list[RawCall] | None:
    """The calls of ``[f(a=1), g(b=2)]`` (``text`` is the whole list), item by item, so that a
    broken item costs only itself; None when the list is not a comma-separated run of calls."""
    calls: list[RawCall] = []
    end = len(text) - 1  # the closing "]"
    i = 1
    while True:
        while i < end and text[i].isspace():
            i += 1
        named = _IDENT.match(text, i, end)
        if named is None or named.end() >= end or text[named.end()] != "(":
            return None
        item = scan_brackets(text, named.end(), end)
        if item.state != "closed":
            return None
        call = call_from_python(text[i : item.end], index)
        if call is not None:
            calls.append(call)
        i = item.end
        while i < end and text[i].isspace():
            i += 1
        if i >= end:
            return calls
        if text[i] != ",":
            return None
        i += 1


def _decide_gemma(buf: str, p: int, name_at: int, final: bool, index: ToolIndex) -> Decision:
    n = len(buf)
    named = _GEMMA_NAME.match(buf, name_at)
    if named is None or named.end() == n:
        # Nothing or only part of a name yet: wait, unless the text has ended or rules it out.
        if not final and (name_at == n or named is not None):
            return MORE
        return Skip(name_at)
    brace = named.end()
    if buf[brace] != "{":
        return Skip(brace)
    close = _gemma_close(buf, brace, min(n, p + MAX_CALL_CHARS))
    if close is None:
        if final or p + MAX_CALL_CHARS <= n:
            return Skip(brace)
        return MORE
    call = call_from_gemma(named.group(), buf[brace + 1 : close - 1], index)
    return Skip(close) if call is None else Match((call,), close)


def _gemma_close(buf: str, brace: int, limit: int) -> int | None:
    """Index just past the ``}`` matching ``buf[brace]``; ``<escape>`` (Gemma 3) and ``<|"|>``
    (Gemma 4) quote like ``"``."""
    depth = 0
    quote = ""
    i = brace
    while i < limit:
        escape = next((e for e in GEMMA_ESCAPES if buf.startswith(e, i, limit)), None)
        if escape is not None:
            end = buf.find(escape, i + len(escape), limit)
            if end < 0:
                return None
            i = end + len(escape)
            continue
        ch = buf[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch == '"':
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None
