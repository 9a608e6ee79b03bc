"""Grade one conversation: the database after the call against the scenario's expected state,
plus the tool actions taken.

The diff is order-invariant: a table is a multiset of rows. Surrogate ids and timestamps are
dropped before rows are compared (see GradeOptions.ignored), so two runs that book the same room
in a different order grade the same. "New" rows are those of the final snapshot left over after
removing, one for one, the rows identical to seeded ones; an updated row therefore counts as new
(its old version is gone from the table).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from quickturn.errors import ConfigError
from quickturn.evals.scenarios import ActionExpectation, Expectations, RowExpectation
from quickturn.tools.types import ToolCall

Row = Mapping[str, Any]
Snapshot = Mapping[str, Sequence[Row]]


@dataclass(frozen=True)
class GradeOptions:
    """Columns never compared: exact names, and names ending in one of ``ignored_suffixes``."""

    ignored: frozenset[str] = frozenset({"id", "created_at", "updated_at"})
    # Empty by default: a domain may name times that matter ``*_at`` (a taxi's ``pickup_at``).
    ignored_suffixes: tuple[str, ...] = ()
    # Tables left out of ``unchanged: all``: ones any call may write (a call log).
    volatile_tables: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if any(not s for s in self.ignored_suffixes):
            raise ConfigError("ignored_suffixes must not contain an empty suffix")

    def keeps(self, column: str) -> bool:
        return column not in self.ignored and not column.endswith(self.ignored_suffixes)


@dataclass(frozen=True)
class Check:
    kind: str  # must_exist | must_not_exist | unchanged | required_action | forbidden_action
    passed: bool
    detail: str


@dataclass(frozen=True)
class TableDiff:
    """Rows (without ignored columns) added to and removed from one table."""

    added: tuple[dict[str, Any], ...]
    removed: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Grade:
    checks: tuple[Check, ...]
    diff: Mapping[str, TableDiff] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)


def _norm(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)  # SQLite stores booleans as 0/1
    if isinstance(value, str):
        return value.strip().casefold()
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _equal(expected: Any, actual: Any) -> bool:
    a, b = _number(expected), _number(actual)
    if a is not None and b is not None:
        return abs(a - b) < 1e-6
    return bool(_norm(expected) == _norm(actual))


def match_value(expected: Any, actual: Any) -> bool:
    """One column. Scalars compare case-insensitively, numbers numerically, dates as ISO text.
    A mapping is an operator: contains, one_of, gte, lte, not, is_null."""
    if not isinstance(expected, Mapping):
        if expected is None:
            return actual is None
        return actual is not None and _equal(expected, actual)
    for op, arg in expected.items():
        if op == "contains":
            ok = actual is not None and str(_norm(arg)) in str(_norm(actual))
        elif op == "one_of":
            ok = any(match_value(x, actual) for x in arg)
        elif op in ("gte", "lte"):
            a, b = _number(actual), _number(arg)
            if a is None or b is None:
                # ISO dates order correctly as text.
                sa, sb = str(_norm(actual)), str(_norm(arg))
                ok = actual is not None and (sa >= sb if op == "gte" else sa <= sb)
            else:
                ok = a >= b if op == "gte" else a <= b
        elif op == "not":
            ok = not match_value(arg, actual)
        elif op == "is_null":
            ok = (actual is None) == bool(arg)
        else:
            raise ConfigError(f"unknown match operator {op!r}")
        if not ok:
            return False
    return True


def match_row(where: Mapping[str, Any], row: Row) -> bool:
    return all(col in row and match_value(exp, row[col]) for col, exp in where.items())


def _key(row: Row, options: GradeOptions) -> str:
    kept = {k: _norm(v) for k, v in row.items() if options.keeps(k)}
    return json.dumps(kept, sort_keys=True, default=str)


def _strip(row: Row, options: GradeOptions) -> dict[str, Any]:
    return {k: v for k, v in row.items() if options.keeps(k)}


def table_diff(seed: Sequence[Row], final: Sequence[Row], options: GradeOptions) -> TableDiff:
    seed_keys = Counter(_key(r, options) for r in seed)
    final_keys = Counter(_key(r, options) for r in final)
    added_budget = final_keys - seed_keys
    removed_budget = seed_keys - final_keys
    added: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    for row in final:
        k = _key(row, options)
        if added_budget[k] > 0:
            added_budget[k] -= 1
            added.append(_strip(row, options))
    for row in seed:
        k = _key(row, options)
        if removed_budget[k] > 0:
            removed_budget[k] -= 1
            removed.append(_strip(row, options))
    return TableDiff(tuple(added), tuple(removed))


def _new_rows(seed: Sequence[Row], final: Sequence[Row], options: GradeOptions) -> list[Row]:
    budget = Counter(_key(r, options) for r in seed)
    out: list[Row] = []
    for row in final:
        k = _key(row, options)
        if budget[k] > 0:
            budget[k] -= 1
        else:
            out.append(row)
    return out


def _describe(exp: RowExpectation) -> str:
    scope = "new row" if exp.new else "row"
    where = json.dumps(dict(exp.where), default=str, sort_keys=True)
    return f"{scope} in {exp.table} where {where}"


def _table(snapshot: Snapshot, name: str, which: str) -> Sequence[Row]:
    if name not in snapshot:
        raise ConfigError(f"scenario names table {name!r}, which the {which} snapshot lacks")
    return snapshot[name]


def _row_checks(
    seed: Snapshot, final: Snapshot, expect: Expectations, options: GradeOptions
) -> list[Check]:
    checks: list[Check] = []
    for exp in expect.must_exist:
        rows = _table(final, exp.table, "final")
        pool = _new_rows(_table(seed, exp.table, "seed"), rows, options) if exp.new else rows
        hits = sum(1 for r in pool if match_row(exp.where, r))
        ok = hits == exp.count if exp.count is not None else hits >= 1
        want = f"exactly {exp.count}" if exp.count is not None else "at least 1"
        checks.append(Check("must_exist", ok, f"{_describe(exp)}: {hits} found, {want} wanted"))
    for exp in expect.must_not_exist:
        rows = _table(final, exp.table, "final")
        pool = _new_rows(_table(seed, exp.table, "seed"), rows, options) if exp.new else rows
        hits = sum(1 for r in pool if match_row(exp.where, r))
        checks.append(
            Check("must_not_exist", hits == 0, f"{_describe(exp)}: {hits} found, 0 wanted")
        )
    tables = (
        sorted(t for t in seed if t not in options.volatile_tables)
        if expect.unchanged == "all"
        else list(expect.unchanged)
    )
    for name in tables:
        d = table_diff(_table(seed, name, "seed"), _table(final, name, "final"), options)
        ok = not d.added and not d.removed
        detail = (
            f"{name} unchanged"
            if ok
            else (
                f"{name} changed: {len(d.added)} row(s) added/updated, "
                f"{len(d.removed)} removed/replaced"
            )
        )
        checks.append(Check("unchanged", ok, detail))
    return checks


def call_matches(exp: ActionExpectation, call: ToolCall) -> bool:
    return call.name == exp.tool and match_row(exp.args, call.arguments)


def _action_checks(expect: Expectations, calls: Sequence[ToolCall]) -> list[Check]:
    checks: list[Check] = []
    for exp in expect.required_actions:
        hits = sum(1 for c in calls if call_matches(exp, c))
        args = f" with {json.dumps(dict(exp.args), default=str)}" if exp.args else ""
        checks.append(Check("required_action", hits > 0, f"{exp.tool}{args}: called {hits}x"))
    for exp in expect.forbidden_actions:
        hits = sum(1 for c in calls if call_matches(exp, c))
        args = f" with {json.dumps(dict(exp.args), default=str)}" if exp.args else ""
        checks.append(Check("forbidden_action", hits == 0, f"{exp.tool}{args}: called {hits}x"))
    return checks


def _spoken(text: str) -> str:
    # "$1,008" and "1008 dollars" must both satisfy "1008".
    return re.sub(r"(?<=\d),(?=\d{3})", "", text).replace("$", "").casefold()


def _says_checks(expect: Expectations, agent_text: str) -> list[Check]:
    spoken = _spoken(agent_text)
    never = [
        Check("agent_never_says", _spoken(word) not in spoken, f"agent never said {word!r}")
        for word in expect.agent_never_says
    ]
    return never + [
        Check(
            "agent_says",
            any(_spoken(alt) in spoken for alt in alternatives),
            "agent said " + " or ".join(repr(a) for a in alternatives),
        )
        for alternatives in expect.agent_says
    ]


def grade(
    expect: Expectations,
    seed: Snapshot,
    final: Snapshot,
    calls: Iterable[ToolCall],
    options: GradeOptions = GradeOptions(),
    *,
    agent_text: str = "",
) -> Grade:
    """All database, action and ``agent_says`` checks of one conversation (``agent_text`` is
    everything the agent said). The LLM judge is separate: judge.py."""
    call_list = list(calls)
    checks = (
        _row_checks(seed, final, expect, options)
        + _action_checks(expect, call_list)
        + _says_checks(expect, agent_text)
    )
    diff = {
        name: d
        for name in sorted(set(seed) | set(final))
        if (d := table_diff(seed.get(name, ()), final.get(name, ()), options)).added or d.removed
    }
    return Grade(tuple(checks), diff)
