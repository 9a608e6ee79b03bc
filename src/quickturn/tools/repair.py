"""Repair tool calls that small models write as plain text into structured ``ToolCall`` objects.

Recognised shapes (anywhere in the text, several per reply):

- a JSON object ``{"name": ..., "arguments": {...}}`` (also ``"parameters"``/``"args"``,
  arguments as a JSON string, the ``{"type": "function", "function": {...}}`` wrapper, flat
  ``{"name": "get_booking", "code": "X"}`` when every other key is a declared parameter,
  ``{"tool_calls": [...]}``), or a JSON array of such objects; Python-literal spelling
  (single quotes, ``True``) is accepted;
- the same inside a fence (```json ... ``` or ``` ... ```) or Hermes/Qwen ``<tool_call>`` tags
  (unclosed at the end of the text, or ended by the next ``<tool_call>``);
- Python style ``name(arg=1, other="x")`` (read with ``ast``, never evaluated; positional
  arguments follow the schema's property order);
- Gemma style ``call:name{key:value, other:<escape>x<escape>}``, optionally inside
  ``<start_function_call>`` tags.

What stays text:

- anything whose name does not resolve to a declared tool (rules in ``repair_names``; a bare
  ``name(...)`` needs the exact name up to case and ``_``/``-``), so prose that mentions a
  function, JSON, or an example call of an unknown tool is spoken as written;
- malformed JSON, and JSON cut off at the end of the text, except that missing closing brackets
  are added when the cut falls right after a complete value (``{"name": "get_booking",
  "arguments": {"code": "AB12"}`` gains its last ``}``); a cut inside a string, a number or
  after a separator would need a guess, so that text stays text;
- a fence or tag whose body holds no call stays text in full; around calls inside a fence or a
  tag, blank text is dropped and other text is kept as content. A closing tag without its
  opener (``{...}</tool_call>``) is dropped: it is template debris that TTS must not read.

A call that names a declared tool stays a call even when its arguments fail the schema after
coercion (``coerce_arguments``): its ``RepairNote.valid`` is false and the note says why; the
registry reports the same error to the model, which can then correct itself.

Content: the text outside calls, joined and stripped of leading/trailing whitespace. The
streaming parser emits exactly that text (it holds whitespace back until something follows it),
so for every way of splitting a reply into deltas, ``"".join(chunk texts)`` equals
``parse_tool_calls(reply).content`` and the calls (ids included) and notes are equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from quickturn.tools.repair_formats import RawCall
from quickturn.tools.repair_names import ToolIndex
from quickturn.tools.repair_scan import MAX_CALL_CHARS, Part, scan
from quickturn.tools.types import ToolCall


@dataclass(frozen=True)
class RepairNote:
    """What the repair did to one call: ``valid`` is false when its arguments fail the schema."""

    call_id: str
    valid: bool
    notes: tuple[str, ...]


@dataclass(frozen=True)
class RepairResult:
    content: str
    calls: tuple[ToolCall, ...]
    notes: tuple[RepairNote, ...] = ()

    @property
    def invalid_call_ids(self) -> tuple[str, ...]:
        return tuple(n.call_id for n in self.notes if not n.valid)


@dataclass(frozen=True)
class ContentChunk:
    text: str


@dataclass(frozen=True)
class ParsedCall:
    call: ToolCall
    valid: bool = True
    notes: tuple[str, ...] = ()


ParsedEvent = ContentChunk | ParsedCall


def parse_tool_calls(
    text: str, tools: Sequence[dict[str, Any]], *, id_prefix: str = "call_"
) -> RepairResult:
    """Split a whole reply into content and repaired calls (see the module docstring)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    parts, _ = scan(text, 0, True, ToolIndex(tools))
    content: list[str] = []
    calls: list[ToolCall] = []
    notes: list[RepairNote] = []
    for event in _Assembler(id_prefix).events(parts):
        if isinstance(event, ContentChunk):
            content.append(event.text)
        else:
            calls.append(event.call)
            notes.append(RepairNote(event.call.id, event.valid, event.notes))
    return RepairResult("".join(content).strip(), tuple(calls), tuple(notes))


class StreamingToolCallParser:
    """Feed a reply delta by delta; get content as soon as it cannot be part of a call.

    Held back: whitespace (until something follows it), and text that may still become a call:
    a ``{``/``[`` that opens a quoted key or an object, a backtick run that may grow into a
    fence, a ``<`` that may grow into a known tag (opener or closer), and an identifier at the
    end of the text that may still grow into a declared tool's name (or ``call:``). Once held,
    a candidate is released or turned into calls as soon as its closer arrives or it is ruled
    out; nothing is held beyond ``MAX_CALL_CHARS`` characters. One instance serves one reply.
    """

    # Held text shorter than this is rescanned on every delta (it may be a name or tag
    # prefix that any character decides); longer held text can only be decided by a closer.
    _RESCAN_ALWAYS_BELOW = 64
    _WAKE_CHARS = frozenset("}])>`")

    def __init__(self, tools: Sequence[dict[str, Any]], *, id_prefix: str = "call_") -> None:
        self._index = ToolIndex(tools)
        self._assembler = _Assembler(id_prefix)
        # ``_buf[:_start]`` is at most one already-decided character kept as left context.
        self._buf = ""
        self._start = 0
        self._finished = False

    def feed(self, delta: str) -> list[ParsedEvent]:
        if self._finished:
            raise RuntimeError("feed() after finish(): use a new parser for the next reply")
        if not isinstance(delta, str):
            raise TypeError(f"delta must be a str, got {type(delta).__name__}")
        if not delta:
            return []
        held = len(self._buf) - self._start
        self._buf += delta
        if (
            held >= self._RESCAN_ALWAYS_BELOW
            and held + len(delta) < MAX_CALL_CHARS
            and self._WAKE_CHARS.isdisjoint(delta)
        ):
            return []  # a long held candidate: only a closer (or the size cap) can decide it
        parts, decided = scan(self._buf, self._start, False, self._index)
        keep_from = max(decided - 1, 0)
        self._buf = self._buf[keep_from:]
        self._start = decided - keep_from
        return self._assembler.events(parts)

    def finish(self) -> list[ParsedEvent]:
        """Decide whatever is still held (the reply has ended) and flush the content."""
        if self._finished:
            return []
        self._finished = True
        parts, _ = scan(self._buf, self._start, True, self._index)
        self._buf = ""
        self._start = 0
        return self._assembler.events(parts)


class _Assembler:
    """Gives calls their response-local ids and trims content whitespace at the reply's ends."""

    def __init__(self, id_prefix: str) -> None:
        self._prefix = id_prefix
        self._next_id = 1
        self._started = False
        self._pending_space = ""

    def events(self, parts: Iterable[Part]) -> list[ParsedEvent]:
        out: list[ParsedEvent] = []
        text: list[str] = []
        for part in parts:
            if isinstance(part, RawCall):
                if text:
                    out.append(ContentChunk("".join(text)))
                    text.clear()
                out.append(self._call(part))
                continue
            emitted = self._content(part)
            if emitted:
                text.append(emitted)
        if text:
            out.append(ContentChunk("".join(text)))
        return out

    def _content(self, text: str) -> str:
        if not self._started:
            text = text.lstrip()
            if not text:
                return ""
            self._started = True
        core = text.rstrip()
        if not core:
            self._pending_space += text
            return ""
        out = self._pending_space + core
        self._pending_space = text[len(core) :]
        return out

    def _call(self, raw: RawCall) -> ParsedCall:
        call_id = f"{self._prefix}{self._next_id}"
        self._next_id += 1
        call = ToolCall(call_id, raw.name, raw.arguments, repaired=True)
        return ParsedCall(call, raw.valid, raw.notes)
