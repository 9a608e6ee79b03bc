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
    GEMMA_ESCAPE,
    RawCall,
    call_from_gemma,
    call_from_python,
    calls_from_value,
)
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
)
_TAG_WORDS: Final = tuple(t for pair in _TAGS for t in pair)
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
    # A call object starts with a quoted key; a list of calls with an object. Anything else
    # ("{curly}", "[laughs]") is prose, decided at once so that it streams without delay.
    if buf[j] not in ("\"'" if buf[p] == "{" else "{"):
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
    return Match(tuple(calls), n) if calls else Skip(p + 1)


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
        stray = next((c for _, c in _TAGS if buf.startswith(c, p)), None)
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
    return _decide_body(buf[body_start:body_end], end, index)


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


def _decide_body(body: str, end: int, index: ToolIndex) -> Decision:
    """A tag or fence is consumed when its body holds a call; blank text inside it goes too."""
    parts, _ = scan(body, 0, True, index)
    if not any(isinstance(part, RawCall) for part in parts):
        return Skip(end)
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
    """Index just past the ``}`` matching ``buf[brace]``; ``<escape>`` quotes like ``"``."""
    depth = 0
    quote = ""
    i = brace
    while i < limit:
        if buf.startswith(GEMMA_ESCAPE, i, limit):
            end = buf.find(GEMMA_ESCAPE, i + len(GEMMA_ESCAPE), limit)
            if end < 0:
                return None
            i = end + len(GEMMA_ESCAPE)
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
