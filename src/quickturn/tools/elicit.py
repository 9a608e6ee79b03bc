"""Ask the caller instead of failing: turn a failed tool call into one spoken question.

When a model calls a tool before it has what only the caller can give (a name, a phone number, a
date), another LLM round is the slowest possible way to find out: the model must read the error
and then think of the question. This module decides, from the tool's JSON schema alone, whether a
failed call is the caller's to fix, and if so builds the question from the schema's own field
descriptions ("May I have your full name and a phone number?") plus the state needed to finish
the same task once the caller answers. It knows nothing about any particular agent.

Which fields are the caller's to give (first rule that applies):

1. ``"x-ask-caller"`` in the property's schema: ``true`` (or a phrase such as ``"the check-in
   date"``, which is then what the question says) marks it as the caller's, ``false`` as the
   model's. From ``@tool``: ``Annotated[str, Field(json_schema_extra=ask_caller("..."))]``.
   ``ToolSpec.schema()`` drops ``x-`` keys, so the model never pays prompt tokens for them.
2. A string without ``enum``/``const`` whose ``format`` is date, time, date-time or email, whose
   description shows a date or time pattern (``YYYY``, ``HH:MM``), or whose name or description
   names a personal fact: name, phone, mobile, email, address, birthday, date, day, time, zip,
   postcode.
3. Everything else is the model's: enums, numbers, and free text the model composes (a reason, a
   summary, a search query).

When a failed call becomes an ``Elicitation``: every problem with it is a caller's field that is
missing (absent, null or a blank string, among the required ones), or whose value failed a
``format``/``pattern``/``minLength``/``maxLength`` check, or that the tool itself refused by raising
``CallerInputError``. If any problem is the model's (an unknown argument, a wrong type, a value
outside an enum or a range, a model's field missing), there is no elicitation: the error goes back
to the model as before, because asking the caller about a call that is malformed anyway would
spend the caller's answer on a call that still fails.

The tool loop's side (``ToolRegistry.execute`` fills ``ToolResult.elicitation``)::

    result = await registry.execute(call)
    if result.elicitation is not None:          # speak it now, no LLM round
        await say(result.elicitation.question)
        pending = PendingCall(result.elicitation)
        ...                                      # keep result in history as usual
    # next turn, after the caller answered, the model calls the tool again:
    call = pending.merge(next_call)              # earlier arguments are kept
    # pending.note() is a one-line reminder for the model's context, if wanted
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quickturn.errors import ToolExecutionError

if TYPE_CHECKING:
    import jsonschema

    from quickturn.tools.types import ToolCall

ASK_CALLER = "x-ask-caller"

# Schema checks a value the caller gave can fail because the caller's words did not parse
# (as opposed to type, enum and range errors, which are the model's to fix).
_VALUE_CHECKS = frozenset({"format", "pattern", "minLength", "maxLength"})
_CALLER_FORMATS = frozenset({"date", "time", "date-time", "email"})
_PERSONAL = re.compile(
    r"\b(name|phone|telephone|mobile|e-?mail|address|birthday|birth|date|day|time|zip|postcode)\b"
)
_DATE_OR_TIME = re.compile(r"YYYY|HH:MM")
_POSSESSIVE = re.compile(r"\b(?:the |a )?(?:guest|caller|customer|user|client|patient)'s\b", re.I)
_DETERMINER = re.compile(r"^(?:the|your|a|an|my|which|what|how many|how)\b", re.I)
_INDIRECT = re.compile(r"^(?:whether|where|when|what|which|who|how|if)\b", re.I)
# A description longer than this reads as an instruction to the model, not a noun phrase.
_MAX_PHRASE_WORDS = 6


def ask_caller(phrase: str | bool = True) -> dict[str, Any]:
    """``json_schema_extra`` marking a field as the caller's to give (see the module docstring)."""
    if isinstance(phrase, str) and not phrase.strip():
        raise ValueError("ask_caller phrase must not be empty")
    return {ASK_CALLER: phrase}


class CallerInputError(ToolExecutionError):
    """A tool's refusal of a value only the caller can correct ("next Friday" as a date).

    The message still goes to the model like any ToolExecutionError; ``fields`` lets the tool
    layer ask the caller for those arguments again.
    """

    def __init__(self, message: str, *fields: str) -> None:
        super().__init__(message)
        if not fields:
            raise ValueError("CallerInputError needs the name of at least one argument")
        self.fields = fields


@dataclass(frozen=True)
class Elicitation:
    """What to ask the caller so that ``call`` can succeed.

    ``missing`` are required arguments the call lacked, ``invalid`` those whose values the caller
    must give again, both in the schema's order; ``question`` is one sentence to speak as is.
    """

    call: ToolCall
    missing: tuple[str, ...]
    invalid: tuple[str, ...]
    question: str

    @property
    def fields(self) -> tuple[str, ...]:
        return self.missing + self.invalid


def is_callers(name: str, schema: Mapping[str, Any]) -> bool:
    """Whether argument ``name`` (with property schema ``schema``) is the caller's to give."""
    flag = schema.get(ASK_CALLER)
    if flag is not None:
        return bool(flag)
    if schema.get("type") != "string" or "enum" in schema or "const" in schema:
        return False
    if schema.get("format") in _CALLER_FORMATS:
        return True
    description = str(schema.get("description", ""))
    if _DATE_OR_TIME.search(description):
        return True
    return bool(_PERSONAL.search(f"{name.replace('_', ' ')} {description}".lower()))


def spoken_phrase(name: str, schema: Mapping[str, Any]) -> str:
    """The field as words in a question: the ``x-ask-caller`` phrase, else the description made
    speakable ("guest's full name" -> "your full name"), else the argument's name."""
    flag = schema.get(ASK_CALLER)
    if isinstance(flag, str):
        return flag.strip()
    description = str(schema.get("description", ""))
    phrase = _speakable(description) or name.replace("_", " ")
    if (_DATE_OR_TIME.search(description) or schema.get("format") == "date") and not re.search(
        r"\b(date|day|time)\b", phrase
    ):
        phrase += " time" if "HH:MM" in description or schema.get("format") == "time" else " date"
    phrase = _POSSESSIVE.sub("your", phrase)
    return phrase if _DETERMINER.match(phrase) else f"your {phrase}"


def _speakable(description: str) -> str:
    # "room number, e.g. 402" -> "room number"; "YYYY-MM-DD" -> "" (a format is not words).
    head = re.split(r"\(|;|:|\be\.g\.|,\s*(?:like|such as)\b", description, maxsplit=1)[0]
    words = [w for w in head.split() if re.search(r"[a-z]", w) and not re.search(r"\d", w)]
    text = " ".join(words).strip(" ,.")
    return text if len(text.split()) <= _MAX_PHRASE_WORDS else ""


def blank(value: Any) -> bool:
    """Absent in all but name: small models send "" or null for what they do not know."""
    return value is None or (isinstance(value, str) and not value.strip())


def missing_required(parameters: Mapping[str, Any], arguments: Mapping[str, Any]) -> list[str]:
    """Required arguments that are absent, null or blank, in the schema's order."""
    required = parameters.get("required", [])
    return [k for k in required if isinstance(k, str) and blank(arguments.get(k))]


def question(parameters: Mapping[str, Any], missing: Sequence[str], invalid: Sequence[str]) -> str:
    """One spoken sentence asking for ``missing`` and, again, for ``invalid``."""
    props = parameters.get("properties", {})
    asked = [spoken_phrase(n, props.get(n, {})) for n in missing]
    again = _join([spoken_phrase(n, props.get(n, {})) for n in invalid]) if invalid else ""
    if asked:
        # "May I have" takes noun phrases ("your full name"); "where you lost it" needs "tell me".
        verb = "Could you tell me" if any(_INDIRECT.match(p) for p in asked) else "May I have"
        tail = f", and could you tell me {again} again?" if again else "?"
        return f"{verb} {_join(asked)}{tail}"
    return f"Sorry, could you tell me {again} again?"


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def elicitation(
    parameters: Mapping[str, Any],
    call: ToolCall,
    missing: Iterable[str] = (),
    invalid: Iterable[str] = (),
    trusted: Iterable[str] = (),
) -> Elicitation | None:
    """An Elicitation for these problems, or None if there is nothing to ask or a missing field
    is the model's. ``invalid`` fields are taken as the caller's (whoever calls this decided
    that), and so are ``trusted`` ones (a tool said only the caller can give them)."""
    props: Mapping[str, Any] = parameters.get("properties", {})
    bad = set(invalid)
    lacking = set(missing) - bad
    if not bad and not lacking:
        return None
    sure = set(trusted)
    if any(n not in sure and not is_callers(n, props.get(n, {})) for n in lacking):
        return None
    order = [*parameters.get("required", []), *props]
    rank = {n: i for i, n in reversed(list(enumerate(order)))}

    def ordered(names: set[str]) -> tuple[str, ...]:
        return tuple(sorted(names, key=lambda n: (rank.get(n, len(rank)), n)))

    m, i = ordered(lacking), ordered(bad)
    return Elicitation(call, m, i, question(parameters, m, i))


def from_schema_errors(
    parameters: Mapping[str, Any], call: ToolCall, errors: Iterable[jsonschema.ValidationError]
) -> Elicitation | None:
    """The elicitation for a call that failed JSON-schema validation with ``errors``."""
    props: Mapping[str, Any] = parameters.get("properties", {})
    invalid: set[str] = set()
    for err in errors:
        path = list(err.absolute_path)
        if err.validator == "required" and not path:
            continue  # missing_required below names them (and the blank ones too)
        field = path[0] if len(path) == 1 else None
        if (
            isinstance(field, str)
            and err.validator in _VALUE_CHECKS
            and is_callers(field, props.get(field, {}))
        ):
            invalid.add(field)
            continue
        return None  # the model's mistake: it gets the error, the caller is not asked
    return elicitation(parameters, call, missing_required(parameters, call.arguments), invalid)


def from_tool_error(
    parameters: Mapping[str, Any], call: ToolCall, exc: ToolExecutionError
) -> Elicitation | None:
    """The elicitation for a call whose tool refused it: the fields a ``CallerInputError``
    names, plus any required caller field left blank (asked at once, not one by one)."""
    named = set(exc.fields) if isinstance(exc, CallerInputError) else set()
    named &= set(parameters.get("properties", {}))  # an undeclared name: nothing to ask for
    # A named argument the call left blank was never given: it is asked for, not "again".
    given = {n for n in named if not blank(call.arguments.get(n))}
    missing = set(missing_required(parameters, call.arguments)) | (named - given)
    return elicitation(parameters, call, missing, given, trusted=named)


@dataclass(frozen=True)
class PendingCall:
    """A call waiting for the caller's answer; what was given before is never lost.

    After the caller answers, the model calls the tool again, often with only the new facts
    (small models forget the rest). ``merge`` puts the earlier arguments back.
    """

    elicitation: Elicitation

    @property
    def call(self) -> ToolCall:
        return self.elicitation.call

    def covers(self, follow_up: ToolCall) -> bool:
        """Whether ``follow_up`` continues this task (the same tool)."""
        return follow_up.name == self.call.name

    def earlier_arguments(self) -> dict[str, Any]:
        """What the caller gave before, minus the values they were asked to give again."""
        dropped = set(self.elicitation.invalid)
        return {k: v for k, v in self.call.arguments.items() if k not in dropped and not blank(v)}

    def merge(self, follow_up: ToolCall) -> ToolCall:
        """``follow_up`` with every earlier argument it lacks (absent or blank) filled in; its
        own non-blank values win (the caller may have corrected one). A call of another tool is
        returned unchanged: the task moved on."""
        if not self.covers(follow_up):
            return follow_up
        merged = dict(follow_up.arguments)
        for key, value in self.earlier_arguments().items():
            if blank(merged.get(key)):
                merged[key] = value
        return dataclasses.replace(follow_up, arguments=merged)

    def with_values(self, values: Mapping[str, Any], call_id: str | None = None) -> ToolCall:
        """The pending call completed with ``values`` (answers already mapped to argument
        names, e.g. by a parser or a form), ready to execute without another model round."""
        unknown = set(values) - set(self.elicitation.fields) - set(self.call.arguments)
        if unknown:
            raise ValueError(f"not arguments of this pending call: {sorted(unknown)}")
        merged = {**self.earlier_arguments(), **{k: v for k, v in values.items() if not blank(v)}}
        return dataclasses.replace(
            self.call, id=call_id or self.call.id, arguments=merged, repaired=False
        )

    def note(self) -> str:
        """A reminder for the model's context: the task, what it has, what it was missing."""
        given = json.dumps(self.earlier_arguments(), ensure_ascii=False)
        return (
            f"Pending {self.call.name}: already given {given}; the caller was asked for "
            f"{', '.join(self.elicitation.fields)}. Call {self.call.name} again with all of them."
        )
