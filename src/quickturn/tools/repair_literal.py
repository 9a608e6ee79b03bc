"""Lenient reading of the JSON-ish literals small models write inside tool calls.

Three jobs, all pure functions over strings:

- ``scan_brackets``: find where a bracketed value that starts at ``pos`` ends, knowing about
  strings (double or single quoted, with backslash escapes), so that a ``}`` inside a string
  does not close the object.
- ``parse_lenient``: JSON first; then Python literal syntax (single quotes, ``True``/``None``,
  trailing commas) read through ``ast`` node by node. Nothing is ever evaluated.
- ``close_truncated``: the closers a value cut off at the end of the text needs, but only when
  the cut is unambiguous (see its docstring).
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from typing import Any, Literal

_OPEN_TO_CLOSE = {"{": "}", "[": "]", "(": ")"}
_CLOSERS = frozenset(_OPEN_TO_CLOSE.values())
_NAME_CONSTANTS: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "True": True,
    "False": False,
    "None": None,
}


class LiteralError(ValueError):
    """The text is not a literal we accept (raised internally, never past this package)."""


@dataclass(frozen=True)
class BracketScan:
    """Where a bracketed value ends.

    ``state`` is "closed" (``end`` is the index just past the matching closer), "open" (the text
    ran out first; ``stack`` and ``in_string`` say how) or "bad" (a mismatched closer).
    """

    state: Literal["closed", "open", "bad"]
    end: int
    stack: str = ""
    in_string: bool = False


def scan_brackets(text: str, pos: int, limit: int) -> BracketScan:
    """Scan the bracketed value opening at ``text[pos]`` up to index ``limit`` (exclusive)."""
    stack: list[str] = []
    quote = ""
    i = pos
    while i < limit:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch == '"' or ch == "'":
            quote = ch
        elif ch in _OPEN_TO_CLOSE:
            stack.append(_OPEN_TO_CLOSE[ch])
        elif ch in _CLOSERS:
            if not stack or stack.pop() != ch:
                return BracketScan("bad", i + 1)
            if not stack:
                return BracketScan("closed", i + 1)
        i += 1
    return BracketScan("open", min(i, limit), "".join(stack), bool(quote))


def parse_lenient(text: str) -> Any:
    """Parse a JSON or Python-literal value; raise LiteralError if it is neither."""
    try:
        # strict=False: small models put raw newlines inside strings.
        return json.loads(text, strict=False)
    except RecursionError:
        raise LiteralError("nested too deeply") from None
    except ValueError:
        pass
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise LiteralError(str(exc)) from None
    return literal_from_node(tree.body)


def literal_from_node(node: ast.AST) -> Any:
    """The JSON value an ``ast`` node spells, for literal nodes only (never evaluates code)."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool | int | float | str) or node.value is None:
            return node.value
        raise LiteralError(f"unsupported constant {node.value!r}")
    if isinstance(node, ast.Name) and node.id in _NAME_CONSTANTS:
        return _NAME_CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = literal_from_node(node.operand)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise LiteralError("sign on a non-number")
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.List | ast.Tuple):
        return [literal_from_node(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        out: dict[str, Any] = {}
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            if key_node is None:
                raise LiteralError("** unpacking in a dict")
            key = literal_from_node(key_node)
            if not isinstance(key, str):
                raise LiteralError("dict keys must be strings")
            out[key] = literal_from_node(value_node)
        return out
    raise LiteralError(f"not a literal: {type(node).__name__}")


# A value cut off after one of these is complete up to its missing closers; after anything else
# (a comma, a colon, a digit that may have had more digits, half a keyword) it is ambiguous.
_COMPLETE_TAIL = ('"', "'", "}", "]", "true", "false", "null", "True", "False", "None")


def close_truncated(text: str, scan: BracketScan) -> str | None:
    """The text with its missing closers appended, or None if the truncation is ambiguous.

    Only the outer brackets may be missing: a cut inside a string, after a separator or inside
    a number cannot be repaired without guessing, so those stay text.
    """
    if scan.state != "open" or scan.in_string or not scan.stack:
        return None
    if not text.rstrip().endswith(_COMPLETE_TAIL):
        return None
    return text + scan.stack[::-1]
