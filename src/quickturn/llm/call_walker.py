"""A character-level walker over one tool call ``{"name": ..., "arguments": {...}}``.

It knows, at every point of a call being written, which characters the union of the tool
schemas allows next, and which ones it *forces* (keys, punctuation, the rest of a name once its
prefix is unique). The jump-forward decoder (``jump_forward.py``) inserts forced text in one
batch and samples only where the model has a choice.

Separators are the canonical ones a chat template shows (``": "`` and ``", "``), so a model that
writes its calls the usual way produces exactly the text it would have written unconstrained.
Required arguments are *not* forced: a model that closes an object early produces a call the
registry answers with what is missing (the caller is asked), instead of a grammar making the
model invent a guest's name.

States are immutable: ``step`` returns a new state or None, so trying a candidate token costs no
copy and a refused one leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from quickturn.tools.repair_names import read_tool

_NUMBER_CHARS = frozenset("-+.eE0123456789")
_INTEGER_CHARS = frozenset("-0123456789")


@dataclass(frozen=True)
class _Obj:
    """An object being written: its property schemas, required names, keys written so far."""

    props: tuple[tuple[str, Any], ...]
    seen: frozenset[str] = frozenset()

    def remaining(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.props if n not in self.seen)

    def schema_of(self, name: str) -> dict[str, Any]:
        for n, s in self.props:
            if n == name:
                return s if isinstance(s, dict) else {}
        return {}


@dataclass(frozen=True)
class WalkState:
    """Where the walker stands. ``mode`` is one of:

    - ``lit``: ``text`` must come next, verbatim (forced).
    - ``trie``: one of ``options`` (each ending in its closer) is being typed; ``text`` so far.
    - ``str``: a free JSON string body, ``text`` so far (raw); ``esc`` after a backslash.
    - ``num``: a number (``integer`` restricts the characters); ``text`` so far.
    - ``any``: a JSON value of unknown schema; ``depth`` and ``esc``/``in_str`` track nesting.
    - ``key_or_end``/``comma_or_end``: a choice inside an object.
    - ``done``: the call is complete.
    ``then`` says what the finished ``lit``/``trie`` leads to.
    """

    mode: str
    stack: tuple[_Obj | str, ...] = ()
    text: str = ""
    options: tuple[str, ...] = ()
    then: str = ""
    esc: bool = False
    in_str: bool = False
    depth: int = 0
    integer: bool = False
    tool: str = ""
    key: str = ""
    """The argument whose value is being written (set at its key)."""
    finished: tuple[str, str] | None = None
    """The latest string argument completed at the top level: its key and its raw JSON body
    (escapes as written). The decoder checks it the moment it is complete (see jump_forward)."""


class CallWalker:
    """The schemas of ``tools`` (OpenAI tool dicts) as a walkable call grammar."""

    def __init__(self, tools: Sequence[dict[str, Any]]) -> None:
        self._params: dict[str, dict[str, Any]] = {}
        for tool in tools:
            name, parameters = read_tool(tool)
            self._params[name] = parameters or {}

    # ---- entry points ----------------------------------------------------------------------
    def start(self, lead: str = "") -> WalkState:
        """Before ``lead`` (the text a template puts between its call marker and the call) and
        the call's opening brace."""
        return WalkState("lit", ("call",), text=lead + '{"name": "', then="name")

    def feed(self, state: WalkState, text: str) -> WalkState | None:
        """``state`` after ``text``, or None when the schemas do not allow it."""
        s: WalkState | None = state
        for ch in text:
            s = self.step(s, ch) if s is not None else None
            if s is None:
                return None
        return s

    def forced(self, state: WalkState) -> tuple[str, WalkState]:
        """The text every valid continuation starts with, and the state after it."""
        out: list[str] = []
        s = state
        while True:
            ch = self._forced_char(s)
            if ch is None:
                return "".join(out), s
            nxt = self.step(s, ch)
            if nxt is None:  # cannot happen for a forced char; stop rather than loop
                return "".join(out), s
            out.append(ch)
            s = nxt

    @staticmethod
    def _max_length(s: WalkState) -> float:
        """The ``maxLength`` of the string being written (counted in raw characters): a free
        text such as a reason or a summary costs a small model as many tokens as it likes to
        write (seen: a 66-token ``finish_task`` result that repeated the whole last reply)."""
        obj = s.stack[-1] if s.stack else None
        limit = obj.schema_of(s.key).get("maxLength") if isinstance(obj, _Obj) else None
        return float(limit) if isinstance(limit, int) and limit > 0 else float("inf")

    def echoes_description(self, state: WalkState, piece: str) -> bool:
        """Whether ``piece`` would open a string value with its own field's description.

        A small model copies a description as the value (seen with the 0.5B:
        ``"time": "HH:MM, 24-hour"`` for "one in the afternoon", whatever the description
        said). Only a value's first token is checked, and only a piece of two or more
        characters that starts the description exactly (case included): a real value that
        happens to begin like it ("em" of "emma@..." for "email address") can still be written
        in smaller pieces."""
        if state.mode != "str" or state.text or state.esc or len(state.stack) != 2:
            return False
        obj = state.stack[-1]
        description = obj.schema_of(state.key).get("description") if isinstance(obj, _Obj) else None
        head = piece.split('"', 1)[0]
        return isinstance(description, str) and len(head) >= 2 and description.startswith(head)

    # ---- one character ---------------------------------------------------------------------
    def step(self, s: WalkState, ch: str) -> WalkState | None:
        match s.mode:
            case "lit":
                if not s.text.startswith(ch):
                    return None
                rest = s.text[1:]
                return replace(s, text=rest) if rest else self._after(s, s.then, "")
            case "trie":
                typed = s.text + ch
                alive = tuple(o for o in s.options if o.startswith(typed))
                if not alive:
                    return None
                if typed in alive:
                    return self._after(s, s.then, typed[:-1])
                return replace(s, text=typed, options=alive)
            case "str":
                if s.esc:
                    return replace(s, esc=False, text=s.text + ch)
                if ch == "\\":
                    return replace(s, esc=True, text=s.text + ch)
                if ch == '"':
                    return self._value_done(s)
                if ord(ch) < 0x20 or len(s.text) >= self._max_length(s):
                    return None  # past maxLength only the closing quote is allowed
                return replace(s, text=s.text + ch)
            case "num":
                allowed = _INTEGER_CHARS if s.integer else _NUMBER_CHARS
                if ch in allowed:
                    return replace(s, text=s.text + ch)
                if not any(c.isdigit() for c in s.text):
                    return None
                done = self._value_done(s)
                return self.step(done, ch) if done is not None else None
            case "any":
                return self._step_any(s, ch)
            case "key_or_end" | "comma_or_end":
                return self._step_choice(s, ch)
        return None  # "done": nothing may follow inside the call

    def _step_choice(self, s: WalkState, ch: str) -> WalkState | None:
        obj = s.stack[-1]
        assert isinstance(obj, _Obj)
        if ch == "}":
            return self._value_done(replace(s, stack=s.stack[:-1]))
        opener = '"' if s.mode == "key_or_end" else ","
        if ch != opener or not obj.remaining():
            return None
        keys = tuple(k + '"' for k in obj.remaining())
        if s.mode == "key_or_end":
            return replace(s, mode="trie", text="", options=keys, then="key")
        return replace(s, mode="lit", text=' "', then="key_trie")

    def _step_any(self, s: WalkState, ch: str) -> WalkState | None:
        if s.in_str:
            if s.esc:
                return replace(s, esc=False)
            if ch == "\\":
                return replace(s, esc=True)
            if ch == '"':
                closed = replace(s, in_str=False)
                return self._value_done(closed) if s.depth == 0 else closed
            return None if ord(ch) < 0x20 else s
        if ch == '"':
            return replace(s, in_str=True, text=s.text + ch)
        if ch in "{[":
            return replace(s, depth=s.depth + 1, text=s.text + ch)
        if ch in "}]":
            if s.depth == 0:  # a bare scalar ended by its object's closer
                if not s.text.strip():
                    return None
                done = self._value_done(s)
                return self.step(done, ch) if done is not None else None
            closed = replace(s, depth=s.depth - 1, text=s.text + ch)
            return self._value_done(closed) if closed.depth == 0 else closed
        if ch == "," and s.depth == 0:
            if not s.text.strip():
                return None
            done = self._value_done(s)
            return self.step(done, ch) if done is not None else None
        return replace(s, text=s.text + ch)

    # ---- transitions -----------------------------------------------------------------------
    def _after(self, s: WalkState, then: str, value: str) -> WalkState | None:
        match then:
            case "name":
                names = tuple(n + '"' for n in self._params)
                return replace(s, mode="trie", text="", options=names, then="tool")
            case "tool":
                return WalkState("lit", s.stack, text=', "arguments": ', then="args", tool=value)
            case "args":  # a call's arguments are always an object, whatever the schema says
                params = {"properties": {}, **self._params.get(s.tool, {}), "type": "object"}
                return self._start_value(s, params)
            case "obj_open":
                return replace(s, mode="key_or_end", text="")
            case "str":
                return replace(s, mode="str", text="")
            case "key_trie":
                obj = s.stack[-1]
                assert isinstance(obj, _Obj)
                keys = tuple(k + '"' for k in obj.remaining())
                return replace(s, mode="trie", text="", options=keys, then="key")
            case "key":
                obj = s.stack[-1]
                assert isinstance(obj, _Obj)
                marked = replace(obj, seen=obj.seen | {value})
                stack = (*s.stack[:-1], marked)
                return replace(
                    s, mode="lit", stack=stack, text=": ", then="value:" + value, key=value
                )
            case "value_end":
                return self._value_done(s)
            case "call_end":
                return WalkState("done", (), tool=s.tool, finished=s.finished)
        if then.startswith("value:"):
            obj = s.stack[-1]
            assert isinstance(obj, _Obj)
            return self._start_value(s, obj.schema_of(then.removeprefix("value:")))
        return None

    def _start_value(self, s: WalkState, schema: dict[str, Any]) -> WalkState:
        kind = schema.get("type")
        enum = schema.get("enum")
        base = replace(s, text="", options=(), esc=False, in_str=False, depth=0)
        if isinstance(enum, list) and enum and all(isinstance(v, str) for v in enum):
            quoted = tuple('"' + v + '"' for v in enum)
            return replace(base, mode="trie", options=quoted, then="value_end")
        if kind == "object" or (kind is None and "properties" in schema):
            props = tuple((schema.get("properties") or {}).items())
            return replace(
                base, mode="lit", stack=(*s.stack, _Obj(props)), text="{", then="obj_open"
            )
        if kind == "string":
            return replace(base, mode="lit", text='"', then="str")
        if kind in ("integer", "number"):
            return replace(base, mode="num", integer=kind == "integer")
        if kind == "boolean":
            return replace(base, mode="trie", options=("true", "false"), then="value_end")
        return replace(base, mode="any")

    def _value_done(self, s: WalkState) -> WalkState | None:
        top = s.stack[-1] if s.stack else None
        base = replace(s, text="", options=(), esc=False, in_str=False, depth=0)
        if s.mode == "str" and len(s.stack) == 2:  # ("call", the arguments object)
            base = replace(base, finished=(s.key, s.text))
        if isinstance(top, _Obj):
            return replace(base, mode="comma_or_end")
        if top == "call":
            return replace(base, mode="lit", text="}", then="call_end")
        return None

    def _forced_char(self, s: WalkState) -> str | None:
        if s.mode == "str" and not s.esc and len(s.text) >= self._max_length(s):
            return '"'
        if s.mode == "lit":
            return s.text[0] if s.text else None
        if s.mode == "trie":
            common = _common_prefix(s.options)
            return common[len(s.text)] if len(common) > len(s.text) else None
        if s.mode in ("key_or_end", "comma_or_end"):
            obj = s.stack[-1]
            if isinstance(obj, _Obj) and not obj.remaining():
                return "}"
        return None


def _common_prefix(options: tuple[str, ...]) -> str:
    if not options:
        return ""
    lo, hi = min(options), max(options)
    n = 0
    while n < len(lo) and lo[n] == hi[n]:
        n += 1
    return lo[:n]
