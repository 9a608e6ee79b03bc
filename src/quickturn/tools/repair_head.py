"""Whether a JSON object can still become a call, read from its first keys as they stream.

The repair stage holds back text that may still become a call and releases it the moment it
cannot. An object is decided by its keys in order, so the same prefix gives the same answer
whether the text arrives whole or in chunks (the streamed and non-streamed forms agree):

- its first key must be one a call object can open with: a name key (``name``, ``tool``...),
  an arguments key, an envelope key (``type``, ``id``), ``function`` / ``tool_calls``, or a
  parameter of some declared tool (the flat style ``{"booking_code": "X", "name": ...}``);
- once its name is a complete string naming a declared tool, every other key must be a name,
  arguments or envelope key, or a parameter of that tool.

Anything else is data, not a call: the 0.5B echoing a tool result after the tool round
(``{"name": "create_booking", "status": "confirmed", ...``) was held to the end of the reply
because an ``"arguments"`` key might still follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from quickturn.tools.repair_names import ToolIndex

NAME_KEYS = ("name", "tool_name", "tool", "function")
ARG_KEYS = ("arguments", "parameters", "args", "input", "tool_input")
ENVELOPE_KEYS = frozenset({"type", "id"})
_OPENING_KEYS = frozenset({*NAME_KEYS, *ARG_KEYS, *ENVELOPE_KEYS, "tool_calls"})


@dataclass
class ObjectHead:
    """The completed top-level keys of a (possibly unfinished) JSON object, in order, with the
    value of each key whose value is a complete string."""

    keys: list[str] = field(default_factory=list)
    strings: dict[str, str] = field(default_factory=dict)


def object_head(text: str) -> ObjectHead:
    """Read ``text`` (starting at ``{``) as far as it goes; JSON or Python-style quotes."""
    head = ObjectHead()
    depth, i, n = 0, 0, len(text)
    expect_key = False  # at depth 1, after "{" or ","
    value_next = False  # at depth 1, right after a key's ":"
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                return head  # an unfinished string: nothing more is known yet
            s = text[i + 1 : j]
            i = j + 1
            if depth == 1 and expect_key:
                while i < n and text[i].isspace():
                    i += 1
                if i >= n:
                    return head
                if text[i] != ":":
                    return head  # not an object of keys: the bracket scan decides
                head.keys.append(s)
                expect_key, value_next = False, True
                i += 1
            elif depth == 1 and value_next:
                head.strings[head.keys[-1]] = s
                value_next = False
            continue
        if not c.isspace():
            value_next = False
        if c in "{[":
            depth += 1
            expect_key = depth == 1 and c == "{"
        elif c in "}]":
            depth -= 1
            if depth <= 0:
                return head
        elif c == "," and depth == 1:
            expect_key = True
        i += 1
    return head


def cannot_be_call(head: ObjectHead, index: ToolIndex) -> bool:
    """Whether an object with this head is data whatever follows (see the module docstring)."""
    if not head.keys:
        return False
    first = head.keys[0]
    if first not in _OPENING_KEYS and first not in index.parameter_names:
        return True
    written = next((head.strings[k] for k in NAME_KEYS if k in head.strings), None)
    if written is None:
        return False
    name = index.resolve(written, fuzzy=True)
    if name is None:
        return False  # an undeclared name: the parser's own rules keep it as text at its end
    allowed = _OPENING_KEYS | set(index.tool(name).property_names)
    return any(k not in allowed for k in head.keys)
