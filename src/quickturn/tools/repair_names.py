"""The declared tools of one request, indexed for name resolution and argument validation.

Name resolution is deliberately conservative: a wrong mapping runs the wrong tool, a missed one
only leaves text. The rule, in order, stopping at the first step that decides:

1. exact name;
2. normalised equality (lower case, only letters and digits: ``Check-Availability`` ==
   ``check_availability``), when exactly one tool matches;
3. (``fuzzy`` only, here and below: names of at least 4 letters/digits) containment of the
   normalised names in either direction (``functions.get_booking`` -> ``get_booking``,
   ``availability`` -> ``check_availability``);
4. (``fuzzy`` only) word match: every word of the name equals, or is a prefix (>= 3 chars) of,
   a different word of exactly one tool (``book_room`` -> ``create_room_booking``);
5. (``fuzzy`` only) ``difflib`` similarity >= 0.85 with exactly one tool (typos:
   ``chek_availabilty``);
6. (``fuzzy`` with the argument names known) the name shares a word (equal, or a >= 3-char
   prefix as in step 4) with exactly one tool whose schema the argument names fit (all
   declared, all required present): ``get_room_price(room_type, nights)`` -> ``quote_price``,
   ``book_double_room(guest_name, phone, room_type, check_in, ...)`` -> ``create_booking``.

When steps 3-5 find several tools, the argument names may still single one out (the same fit
test); a made-up ``lookup_booking(code)`` fits both ``get_booking`` and ``cancel_booking`` and
so stays text: guessing between a read and a cancellation is not a repair.

Fuzzy steps are used where the text already says "this is a tool call" (a JSON object with a
``name`` key, ``call:name{...}``); a bare ``name(...)`` in prose only gets steps 1-2.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Sequence
from typing import Any

import jsonschema

from quickturn.errors import ToolSchemaError

_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_MIN_CONTAIN = 4
_MIN_PREFIX_WORD = 3
_DIFFLIB_CUTOFF = 0.85
# Words too common to link a made-up name to a tool on their own.
_SHORT_WORDS = frozenset({"get", "set", "do", "the", "a", "to", "of", "for", "by"})


def normalise(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def words(name: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD_SPLIT.split(name) if w)


class DeclaredTool:
    """One declared tool; its validator is built on first use (most tools are never called)."""

    def __init__(self, name: str, parameters: dict[str, Any]) -> None:
        self.name = name
        self.parameters = parameters
        self._validator: jsonschema.protocols.Validator | None = None

    @property
    def validator(self) -> jsonschema.protocols.Validator:
        if self._validator is None:
            self._validator = jsonschema.Draft202012Validator(self.parameters)
        return self._validator

    @property
    def property_names(self) -> tuple[str, ...]:
        props = self.parameters.get("properties")
        return tuple(props) if isinstance(props, dict) else ()

    def fits(self, arg_keys: Collection[str]) -> bool:
        """Whether these argument names are all declared and include every required one."""
        required = self.parameters.get("required")
        required = required if isinstance(required, list) else []
        declared = self.property_names
        return all(k in declared for k in arg_keys) and all(r in arg_keys for r in required)


class ToolIndex:
    """Tools from an OpenAI ``tools`` list; raises ToolSchemaError on a malformed one.

    Built once per reply, so it checks only the shape of each tool. Checking each parameters
    schema against the JSON-schema meta-schema costs ~10 ms per tool (0.4 s for 40 tools) and
    belongs at the edge where tools enter (``validate_tool_schema``, ``ToolSpec``); a schema that
    is broken anyway makes its calls come out with ``valid=False`` and a note, never an exception.
    """

    def __init__(self, tools: Sequence[dict[str, Any]]) -> None:
        self._tools: dict[str, DeclaredTool] = {}
        for tool in tools:
            name, params = read_tool(tool)
            if name in self._tools:
                raise ToolSchemaError(f"duplicate tool name {name!r}")
            self._tools[name] = DeclaredTool(name, params)
        self._norm: dict[str, list[str]] = {}
        for name in self._tools:
            self._norm.setdefault(normalise(name), []).append(name)
        self._words = {name: words(name) for name in self._tools}
        # Every declared tool's parameter names, for the streaming head check (repair_head),
        # which runs on each delta while an object is open.
        self.parameter_names = frozenset(
            p for tool in self._tools.values() for p in tool.property_names
        )

    def __len__(self) -> int:
        return len(self._tools)

    def tool(self, name: str) -> DeclaredTool:
        return self._tools[name]

    def could_start_strict_name(self, ident: str) -> bool:
        """Whether ``ident`` plus more characters could still resolve strictly (streaming)."""
        norm = normalise(ident)
        return any(key.startswith(norm) for key in self._norm)

    def resolve(
        self, name: str, *, fuzzy: bool, arg_keys: Collection[str] | None = None
    ) -> str | None:
        """The declared tool ``name`` unambiguously means, or None.

        ``arg_keys`` (the argument names the model wrote, when known) only narrow fuzzy matches.
        """
        if name in self._tools:
            return name
        norm = normalise(name)
        if not norm:
            return None
        same = self._norm.get(norm, [])
        if len(same) == 1:
            return same[0]
        # Fuzzy steps need a name long enough to carry meaning ("get" maps to nothing).
        if same or not fuzzy or len(norm) < _MIN_CONTAIN:
            return None
        given = words(name)
        steps: tuple[Callable[[str], bool], ...] = (
            lambda t: norm in normalise(t) or normalise(t) in norm,
            lambda t: _words_match(given, self._words[t]),
            lambda t: difflib.SequenceMatcher(None, norm, normalise(t)).ratio() >= _DIFFLIB_CUTOFF,
        )
        for step in steps:
            found = [t for t in self._tools if step(t)]
            if found:
                return self._narrow(found, arg_keys)
        if arg_keys is None:
            return None
        # Last resort: the name shares a word with a tool whose parameters the arguments fit.
        content = [w for w in given if w not in _SHORT_WORDS]
        sharing = [
            t
            for t in self._tools
            if any(_word_pairs(w, d) for w in content for d in self._words[t])
        ]
        return self._narrow(sharing, arg_keys, require_fit=True)

    def _narrow(
        self, found: list[str], arg_keys: Collection[str] | None, *, require_fit: bool = False
    ) -> str | None:
        if len(found) == 1 and not require_fit:
            return found[0]
        if arg_keys is None:
            return None
        fitting = [t for t in found if self._tools[t].fits(arg_keys)]
        return fitting[0] if len(fitting) == 1 else None


def read_tool(tool: Any) -> tuple[str, dict[str, Any]]:
    """The name and parameters of an OpenAI function tool, or ToolSchemaError.

    Shape only: the parameters schema is not checked against the meta-schema (see ToolIndex).
    """
    if not isinstance(tool, dict) or tool.get("type") != "function":
        raise ToolSchemaError(f"tool must be an object with type 'function': {tool!r:.200}")
    fn = tool.get("function")
    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not fn["name"]:
        raise ToolSchemaError("tool.function.name must be a non-empty string")
    params = fn.get("parameters")
    if params is None:
        return fn["name"], {"type": "object", "properties": {}}
    if not isinstance(params, dict):
        raise ToolSchemaError(f"tool {fn['name']!r}: parameters must be a JSON schema object")
    return fn["name"], params


def _words_match(given: tuple[str, ...], declared: tuple[str, ...]) -> bool:
    """Every given word pairs with a different declared word (equal, or a >= 3-char prefix)."""
    if not given or len(given) > len(declared):
        return False
    free = list(declared)
    for word in given:
        for i, cand in enumerate(free):
            if _word_pairs(word, cand):
                del free[i]
                break
        else:
            return False
    return True


def _word_pairs(word: str, declared: str) -> bool:
    """Equal words, or one a prefix (>= 3 chars) of the other (``book`` / ``booking``)."""
    shorter, longer = sorted((word, declared), key=len)
    return word == declared or (len(shorter) >= _MIN_PREFIX_WORD and longer.startswith(shorter))
