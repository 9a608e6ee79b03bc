"""Dates, times and counts the caller said, and a call's dates and times checked by them.

A small model converts "Thursday the 19th" into a date badly: the 0.5B wrote today's date
(``2026-03-14``, from its instructions) for "a table for four on Thursday the 19th", and the
table was looked for on the wrong day. Converting a spoken date is not a matter of judgement, so
it is done here: ``dates_in`` finds the dates a line names ("March 20", "the 22nd", "Thursday
the 19th", "tomorrow", "next Friday", "March twentieth"), and ``fix_dates`` replaces a call's
date that the caller never said (nor a tool returned) with the one the caller's latest dated line
gives, where that is unambiguous: as many dates said as need fixing. Otherwise the call goes on
as the model wrote it, and the tool's own checks answer. Nothing here knows any agent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, time, timedelta
from typing import Any

from quickturn.tools.elicit import blank
from quickturn.tools.established import established_values
from quickturn.tools.types import ToolCall

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        ("january jan", "february feb", "march mar", "april apr", "may", "june jun",
         "july jul", "august aug", "september sep sept", "october oct", "november nov",
         "december dec")
    )
    for name in names.split()
}
_WEEKDAYS = {d: i for i, d in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
)}
_UNITS = ("first second third fourth fifth sixth seventh eighth ninth").split()
_ORDINAL_WORDS: dict[str, int] = {w: i + 1 for i, w in enumerate(_UNITS)}
_ORDINAL_WORDS.update({
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30,
})
for _i, _w in enumerate(_UNITS):
    _ORDINAL_WORDS[f"twenty {_w}"] = 21 + _i
_ORDINAL_WORDS["thirty first"] = 31

_ORDINAL = r"(?:\d{1,2}(?:st|nd|rd|th)?|(?:twenty |thirty )?(?:" + "|".join(
    sorted({w.split()[-1] for w in _ORDINAL_WORDS}, key=len, reverse=True)
) + "))"
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:" + "|".join(_WEEKDAYS) + r")"
_DATE = re.compile(
    rf"\b(?P<md>(?P<m1>{_MONTH})\s+(?:the\s+)?(?P<d1>{_ORDINAL}))\b"
    rf"|\b(?P<dm>(?:the\s+)?(?P<d2>{_ORDINAL})\s+of\s+(?P<m2>{_MONTH}))\b"
    rf"|\b(?:(?P<wd3>{_WEEKDAY})\s+)?the\s+(?P<d3>{_ORDINAL})\b"
    rf"|\b(?P<rel>today|tonight|this evening|day after tomorrow|tomorrow)\b"
    rf"|\b(?:(?:next|this|on)\s+)?(?P<wd>{_WEEKDAY})\b"
)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day(text: str) -> int | None:
    text = text.replace("-", " ").strip().lower()
    digits = re.match(r"^(\d{1,2})(?:st|nd|rd|th)?$", text)
    value = int(digits.group(1)) if digits else _ORDINAL_WORDS.get(text)
    return value if value is not None and 1 <= value <= 31 else None


def _on_or_after(today: date, month: int, day: int) -> date | None:
    """``month``/``day`` in today's year, or next year's once it has passed."""
    for year in (today.year, today.year + 1):
        try:
            found = date(year, month, day)
        except ValueError:
            return None
        if found >= today:
            return found
    return None


def _next_day(today: date, day: int) -> date | None:
    """Day ``day`` of this month, or of the next once it has passed."""
    year, month = today.year, today.month
    for _ in range(3):  # a 31st may skip a short month
        try:
            found = date(year, month, day)
        except ValueError:
            found = None
        if found is not None and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def dates_in(text: str, today: date) -> list[date]:
    """The dates ``text`` names, in the order it names them (future-leaning, as callers mean
    them: "the 2nd" said on the 14th is next month's; "Friday" is the coming one)."""
    found: list[date] = []
    month: int | None = None  # the month last named: "March 20 to the 22nd"
    for m in _DATE.finditer(text.lower().replace("-", " ")):
        got: date | None = None
        if m.group("md") or m.group("dm"):
            month = _MONTHS[(m.group("m1") or m.group("m2")).rstrip(".")]
            day = _day(m.group("d1") or m.group("d2"))
            got = _on_or_after(today, month, day) if day else None
        elif m.group("d3"):
            day = _day(m.group("d3"))
            # "the second room", "the first thing": a small ordinal word alone is no date.
            if day is None or (not m.group("d3")[0].isdigit() and day < 10):
                continue
            # The month last named ("March 20 to the 22nd"), else this month or, once the day
            # has passed, the next.
            got = _on_or_after(today, month, day) if month is not None else _next_day(today, day)
        elif m.group("rel"):
            offset = {"tomorrow": 1, "day after tomorrow": 2}.get(m.group("rel"), 0)
            got = today + timedelta(days=offset)
        elif m.group("wd"):
            # The coming one ("Friday" said on a Friday: a week ahead).
            got = today + timedelta(days=(_WEEKDAYS[m.group("wd")] - today.weekday()) % 7 or 7)
        if got is not None and got not in found:
            found.append(got)
    return found


def date_fields(parameters: Mapping[str, Any]) -> list[str]:
    """The arguments of a schema that hold a calendar date (``format: date`` or a
    ``YYYY-MM-DD`` description), in the schema's order."""
    return _fields(parameters, "date", "YYYY-MM-DD")


def time_fields(parameters: Mapping[str, Any]) -> list[str]:
    """The arguments of a schema that hold a clock time (``format: time`` or an ``HH:MM``
    description)."""
    return _fields(parameters, "time", "HH:MM")


def _fields(parameters: Mapping[str, Any], fmt: str, pattern: str) -> list[str]:
    props: Mapping[str, Any] = parameters.get("properties", {})
    return [
        name
        for name, schema in props.items()
        if isinstance(schema, Mapping)
        and (schema.get("format") == fmt or pattern in str(schema.get("description", "")))
    ]


def _caller_lines(history: Sequence[Mapping[str, Any]]) -> list[str]:
    return [str(m.get("content") or "") for m in history if m.get("role") == "user"]


def fix_dates(
    parameters: Mapping[str, Any],
    call: ToolCall,
    history: Sequence[Mapping[str, Any]],
    today: date,
) -> ToolCall:
    """``call`` with the dates the caller did not say replaced by those they did (see the
    module docstring); a required date left out is filled the same way."""
    fields = date_fields(parameters)
    if not fields:
        return call
    per_line = [dates_in(line, today) for line in _caller_lines(history)]
    said = [d for ds in per_line for d in ds]
    latest = next((ds for ds in reversed(per_line) if ds), [])
    returned = established_values(history)
    known = set(said) | {
        d for n in fields for v in returned.get(n, []) if (d := _iso(v)) is not None
    }
    required = set(parameters.get("required", []))
    args = call.arguments
    written = {n: _iso(args.get(n)) for n in fields}
    kept = {n: d for n, d in written.items() if d in known}
    to_fix = [
        n
        for n in fields
        if n not in kept and (not blank(args.get(n)) or n in required)
    ]
    spare = [d for d in latest if d not in kept.values()]
    if not to_fix or len(spare) != len(to_fix):
        return call
    fixed = dict(args)
    fixed.update({n: d.isoformat() for n, d in zip(to_fix, sorted(spare), strict=True)})
    return replace(call, arguments=fixed)


def _iso(value: object) -> date | None:
    if not isinstance(value, str) or not _ISO.match(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


# Times said so that the hour is certain: "1 pm", "7:30 p.m.", "one in the afternoon",
# "noon", "19:30". A bare "at seven" could be morning or evening: left to the model.
_HOURS = {
    w: i + 1
    for i, w in enumerate(
        "one two three four five six seven eight nine ten eleven twelve".split()
    )
}
_MINUTE_WORDS = {"thirty": 30, "fifteen": 15, "forty five": 45, "oclock": 0, "o'clock": 0}
_HOUR = r"(?:\d{1,2}|" + "|".join(_HOURS) + r")"
_TIME = re.compile(
    rf"\b(?P<h>{_HOUR})(?::(?P<m>\d{{2}})|\s+(?P<mw>thirty|fifteen|forty five|o'?clock))?\s*"
    rf"(?P<half>a\.?m\.?|p\.?m\.?|in the morning|in the afternoon|in the evening|at night)"
    rf"|\b(?P<h24>1[3-9]|2[0-3]):(?P<m24>[0-5]\d)\b"
    rf"|\b(?P<noon>noon|midday|midnight)\b"
)


def times_in(text: str) -> list[time]:
    """The clock times ``text`` names unambiguously, in order."""
    found: list[time] = []
    for m in _TIME.finditer(text.lower().replace("-", " ")):
        if m.group("noon"):
            got = time(0, 0) if m.group("noon") == "midnight" else time(12, 0)
        elif m.group("h24"):
            got = time(int(m.group("h24")), int(m.group("m24")))
        else:
            raw = m.group("h")
            hour = int(raw) if raw.isdigit() else _HOURS[raw]
            minute = int(m.group("m")) if m.group("m") else _MINUTE_WORDS.get(m.group("mw"), 0)
            if not 1 <= hour <= 12 or minute > 59:
                continue
            pm = m.group("half").startswith(("p", "in the afternoon", "in the evening", "at"))
            got = time(hour % 12 + (12 if pm else 0), minute)
        if got not in found:
            found.append(got)
    return found



def fix_times(
    parameters: Mapping[str, Any], call: ToolCall, history: Sequence[Mapping[str, Any]]
) -> ToolCall:
    """``call`` with one time field the caller named otherwise set to what they said (the 0.5B
    wrote 14:00 for "one in the afternoon"): only when the call has one time field, the
    caller's latest timed line names one time, and no line of theirs named the model's."""
    fields = time_fields(parameters)
    if len(fields) != 1:
        return call
    per_line = [times_in(line) for line in _caller_lines(history)]
    latest = next((ts for ts in reversed(per_line) if ts), [])
    if len(latest) != 1:
        return call
    said = {t for ts in per_line for t in ts}
    value = call.arguments.get(fields[0])
    written = re.match(r"^\s*(\d{1,2}):(\d{2})", value) if isinstance(value, str) else None
    if written is not None:
        hour, minute = int(written.group(1)), int(written.group(2))
        if hour < 24 and minute < 60 and time(hour, minute) in said:
            return call
    return replace(call, arguments={**call.arguments, fields[0]: f"{latest[0]:%H:%M}"})


def said_now(
    parameters: Mapping[str, Any], history: Sequence[Mapping[str, Any]], today: date
) -> dict[str, Any]:
    """The required date and time fields of a tool that the caller's latest line gives beyond
    doubt, to be written into a call before the model decodes the rest: as many dates as the
    tool's required date fields (in order, earliest first, as ``fix_dates`` assigns them), and
    one time for its one required time field, and a required count the line says ("two
    adults": ``count_of``). Decoding "2026-03-20" costs the 0.5B ~10 tokens
    (most of a second) and it still wrote today's date for "Thursday the 19th"."""
    latest = next((line for line in reversed(_caller_lines(history)) if line.strip()), "")
    required = set(parameters.get("required", []))
    out: dict[str, Any] = {}
    dates = [n for n in date_fields(parameters) if n in required]
    said_dates = sorted(dates_in(latest, today)) if dates else []
    if dates and len(said_dates) == len(dates):
        out.update({n: d.isoformat() for n, d in zip(dates, said_dates, strict=True)})
    times = [n for n in time_fields(parameters) if n in required]
    said_times = times_in(latest) if len(times) == 1 else []
    if len(said_times) == 1:
        out[times[0]] = f"{said_times[0]:%H:%M}"
    props: Mapping[str, Any] = parameters.get("properties", {})
    for name in required:
        schema = props.get(name)
        if isinstance(schema, Mapping) and schema.get("type") == "integer":
            count = count_of(latest, name)
            low, high = schema.get("minimum"), schema.get("maximum")
            if count is not None and (low is None or count >= low) and (
                high is None or count <= high
            ):
                out[name] = count
    return out


_COUNT_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split()
)}
_COUNTED = re.compile(r"\b(\d{1,2}|" + "|".join(_COUNT_WORDS) + r")\s+([a-z]+)\b")


def count_of(text: str, field: str) -> int | None:
    """How many of ``field`` (an integer argument named for what it counts: ``adults``,
    ``guests``, ``nights``) ``text`` says, when it says one count of it ("for two adults"):
    the number right before the field's last word, singular or plural."""
    noun = field.rsplit("_", 1)[-1].lower()
    stems = {noun, noun.removesuffix("s"), noun.removesuffix("ren")}
    found = {
        int(n) if n.isdigit() else _COUNT_WORDS[n]
        for n, word in _COUNTED.findall(text.lower())
        if word in stems or word.removesuffix("s") in stems or word.removesuffix("ren") in stems
    }
    return found.pop() if len(found) == 1 else None
