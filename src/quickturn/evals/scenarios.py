"""Eval scenarios: the YAML format, its validation and the loader.

A scenario file holds one scenario (a mapping with an ``id``) or many (``scenarios: [...]``).
Every problem is reported as a ConfigError naming the file, the scenario and the field, so a typo
in one of a hundred scenarios is found in seconds, not by a silently passing eval.

Format (fields marked * are required)::

    id*: book-double-2n            # unique, [a-z0-9-]
    title*: Book a double room for two nights
    tags*: [booking, easy]         # exactly one difficulty: easy | medium | hard
    persona: Polite business traveller, answers briefly
    opening*: Hi, I'd like to book a room.
    facts:                         # revealed only when the agent asks (see callers/offline.py)
      name: Anna Schmidt
      check_in: 2026-12-03
    steps:                         # what the caller wants, said in order at lulls
      - I need a double room for two nights.
      - {say: "Actually, make that three nights.", when: confirm}
    reactions: {confirm: yes, price: accept}      # price: accept | ask_cheaper | decline
    expect:
      must_exist:    [{table: reservations, new: true, count: 1, where: {guest_name: Anna Schmidt}}]
      must_not_exist: [{table: reservations, where: {status: cancelled}}]
      unchanged: [invoices]        # or "all": nothing in the database may change
      required_actions: [{tool: create_reservation, args: {nights: 2}}]
      forbidden_actions: [{tool: cancel_reservation}]
      judge: [The agent states the cancellation fee before cancelling.]
      agent_says: ["179", [fee, charge]]   # each item: one of the alternatives must be said
      agent_never_says: ["402"]    # e.g. another guest's room number
    golden: [{tool: cancel_booking, args: {booking_code: QMZ6ZY}}]   # a correct agent's calls
    # ("$last_code" in golden args stands for the code the previous call returned)

Matching (grader.match_value): scalars compare case-insensitively and numbers numerically;
``{contains: x}``, ``{one_of: [..]}``, ``{gte: x}``, ``{lte: x}``, ``{not: x}``, ``{is_null: b}``.
YAML is read without base-60 ints or dates, so ``19:30`` and ``2026-03-20`` stay text. Quote list
items that contain commas: ``steps: [Hi, there]`` is two steps.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from quickturn.errors import ConfigError

DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")
StepTrigger = Literal["lull", "confirm", "price", "anything_else"]
STEP_TRIGGERS: tuple[str, ...] = ("lull", "confirm", "price", "anything_else")
PriceReaction = Literal["accept", "ask_cheaper", "decline"]
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SCENARIO_KEYS = {
    "id",
    "title",
    "tags",
    "persona",
    "opening",
    "facts",
    "steps",
    "reactions",
    "expect",
    "golden",
}
_EXPECT_KEYS = {
    "must_exist",
    "must_not_exist",
    "unchanged",
    "required_actions",
    "forbidden_actions",
    "judge",
    "agent_says",
    "agent_never_says",
}
_MATCH_OPS = {"contains", "one_of", "gte", "lte", "not", "is_null"}


@dataclass(frozen=True)
class Step:
    """One thing the caller says on their own initiative. ``when`` picks the moment: at a lull
    (the default), instead of answering the next confirmation or price question (a correction),
    or when the agent asks whether there is anything else."""

    say: str
    when: StepTrigger = "lull"


@dataclass(frozen=True)
class Reactions:
    confirm: bool = True
    price: PriceReaction = "accept"


@dataclass(frozen=True)
class RowExpectation:
    """Rows of ``table`` whose columns match ``where`` (a subset; see grader.match_value).
    ``new`` restricts the match to rows that differ from every seeded row."""

    table: str
    where: Mapping[str, Any]
    new: bool = False
    count: int | None = None  # exact number of matching rows, when it matters


@dataclass(frozen=True)
class ActionExpectation:
    tool: str
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Expectations:
    must_exist: tuple[RowExpectation, ...] = ()
    must_not_exist: tuple[RowExpectation, ...] = ()
    unchanged: tuple[str, ...] | Literal["all"] = ()
    required_actions: tuple[ActionExpectation, ...] = ()
    forbidden_actions: tuple[ActionExpectation, ...] = ()
    judge: tuple[str, ...] = ()
    # Each item: alternatives of which one must appear in what the agent said (case-insensitive).
    agent_says: tuple[tuple[str, ...], ...] = ()
    # Words the agent must never say (a room number it must keep private).
    agent_never_says: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    tags: tuple[str, ...]
    opening: str
    persona: str = "A polite hotel guest on the phone; answers what is asked, briefly."
    facts: Mapping[str, str] = field(default_factory=dict)
    steps: tuple[Step, ...] = ()
    reactions: Reactions = Reactions()
    expect: Expectations = Expectations()
    # A correct agent's tool calls, in order: tests replay them on the real tools to prove the
    # expected end state is reachable (a scenario nobody can pass is a broken scenario).
    golden: tuple[ActionExpectation, ...] = ()
    source: str = ""

    @property
    def difficulty(self) -> str:
        return next(t for t in self.tags if t in DIFFICULTIES)

    def matches(self, selector: str) -> bool:
        """``all``, the scenario id, or one of its tags."""
        return selector == "all" or selector == self.id or selector in self.tags


class _Where:
    """Error context: file, scenario id and field path."""

    def __init__(self, source: str, scenario_id: str = "?") -> None:
        self.source = source
        self.scenario_id = scenario_id

    def error(self, path: str, message: str) -> ConfigError:
        return ConfigError(f"{self.source}: scenario {self.scenario_id!r}: {path}: {message}")


def _scalar_text(value: Any) -> str:
    # YAML turns 2026-12-03 into a date and 0800 into an int; the caller speaks text.
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _str(where: _Where, path: str, value: Any, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise where.error(path, f"must be a non-empty string, got {value!r:.80}")
    return value.strip()


def _mapping(where: _Where, path: str, value: Any) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise where.error(path, f"must be a mapping with string keys, got {value!r:.80}")
    return value


def _list(where: _Where, path: str, value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise where.error(path, f"must be a list, got {value!r:.80}")
    return value


def _unknown(where: _Where, path: str, data: Mapping[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise where.error(path, f"unknown field(s) {extra}; allowed: {sorted(allowed)}")


def _match_spec(where: _Where, path: str, spec: Mapping[str, Any]) -> Mapping[str, Any]:
    for column, value in spec.items():
        if isinstance(value, dict):
            ops = set(value)
            if not ops or not ops <= _MATCH_OPS:
                raise where.error(
                    f"{path}.{column}",
                    f"operators must be among {sorted(_MATCH_OPS)}, got {sorted(ops)}",
                )
            if "one_of" in value and not isinstance(value["one_of"], list):
                raise where.error(f"{path}.{column}.one_of", "must be a list")
    return spec


def _rows(where: _Where, path: str, value: Any) -> tuple[RowExpectation, ...]:
    out: list[RowExpectation] = []
    for i, item in enumerate(_list(where, path, value)):
        p = f"{path}[{i}]"
        data = _mapping(where, p, item)
        _unknown(where, p, data, {"table", "where", "new", "count"})
        new = data.get("new", False)
        count = data.get("count")
        if not isinstance(new, bool):
            raise where.error(f"{p}.new", "must be true or false")
        if count is not None and (not isinstance(count, int) or count < 0):
            raise where.error(f"{p}.count", "must be a non-negative integer")
        where_spec = _match_spec(
            where, f"{p}.where", _mapping(where, f"{p}.where", data.get("where"))
        )
        out.append(
            RowExpectation(_str(where, f"{p}.table", data.get("table")), where_spec, new, count)
        )
    return tuple(out)


def _actions(where: _Where, path: str, value: Any) -> tuple[ActionExpectation, ...]:
    out: list[ActionExpectation] = []
    for i, item in enumerate(_list(where, path, value)):
        p = f"{path}[{i}]"
        if isinstance(item, str):
            out.append(ActionExpectation(_str(where, p, item)))
            continue
        data = _mapping(where, p, item)
        _unknown(where, p, data, {"tool", "args"})
        args = _match_spec(where, f"{p}.args", _mapping(where, f"{p}.args", data.get("args")))
        out.append(ActionExpectation(_str(where, f"{p}.tool", data.get("tool")), args))
    return tuple(out)


def _expect(where: _Where, value: Any) -> Expectations:
    data = _mapping(where, "expect", value)
    _unknown(where, "expect", data, _EXPECT_KEYS)
    unchanged_raw = data.get("unchanged", [])
    unchanged: tuple[str, ...] | Literal["all"]
    if unchanged_raw == "all":
        unchanged = "all"
    else:
        items = _list(where, "expect.unchanged", unchanged_raw)
        unchanged = tuple(_str(where, f"expect.unchanged[{i}]", t) for i, t in enumerate(items))
    judge = tuple(
        _str(where, f"expect.judge[{i}]", j)
        for i, j in enumerate(_list(where, "expect.judge", data.get("judge")))
    )
    says: list[tuple[str, ...]] = []
    for i, item in enumerate(_list(where, "expect.agent_says", data.get("agent_says"))):
        p = f"expect.agent_says[{i}]"
        options = item if isinstance(item, list) else [item]
        if not options:
            raise where.error(p, "needs at least one alternative")
        says.append(tuple(_str(where, p, _scalar_text(o)) for o in options))
    expect = Expectations(
        must_exist=_rows(where, "expect.must_exist", data.get("must_exist")),
        must_not_exist=_rows(where, "expect.must_not_exist", data.get("must_not_exist")),
        unchanged=unchanged,
        required_actions=_actions(where, "expect.required_actions", data.get("required_actions")),
        forbidden_actions=_actions(
            where, "expect.forbidden_actions", data.get("forbidden_actions")
        ),
        judge=judge,
        agent_says=tuple(says),
        agent_never_says=tuple(
            _str(where, f"expect.agent_never_says[{i}]", _scalar_text(w))
            for i, w in enumerate(
                _list(where, "expect.agent_never_says", data.get("agent_never_says"))
            )
        ),
    )
    if not (
        expect.must_exist
        or expect.must_not_exist
        or expect.unchanged
        or expect.required_actions
        or expect.forbidden_actions
        or expect.judge
        or expect.agent_says
        or expect.agent_never_says
    ):
        # A scenario that checks nothing can never fail; refuse it.
        raise where.error("expect", "must state at least one check")
    return expect


def _steps(where: _Where, value: Any) -> tuple[Step, ...]:
    out: list[Step] = []
    for i, item in enumerate(_list(where, "steps", value)):
        p = f"steps[{i}]"
        if isinstance(item, str):
            out.append(Step(_str(where, p, item)))
            continue
        data = _mapping(where, p, item)
        _unknown(where, p, data, {"say", "when"})
        when = data.get("when", "lull")
        if when not in STEP_TRIGGERS:
            raise where.error(f"{p}.when", f"must be one of {list(STEP_TRIGGERS)}, got {when!r}")
        out.append(Step(_str(where, f"{p}.say", data.get("say")), when))
    return tuple(out)


def _reactions(where: _Where, value: Any) -> Reactions:
    data = _mapping(where, "reactions", value)
    _unknown(where, "reactions", data, {"confirm", "price"})
    confirm = data.get("confirm", True)
    price = data.get("price", "accept")
    if not isinstance(confirm, bool):
        raise where.error("reactions.confirm", f"must be yes or no, got {confirm!r}")
    if price not in ("accept", "ask_cheaper", "decline"):
        raise where.error(
            "reactions.price", f"must be accept, ask_cheaper or decline, got {price!r}"
        )
    return Reactions(confirm, price)


def parse_scenario(data: Any, source: str) -> Scenario:
    """Validate one scenario mapping; ``source`` names the file in errors."""
    where = _Where(source)
    if not isinstance(data, dict):
        raise where.error("<root>", f"a scenario must be a mapping, got {type(data).__name__}")
    raw_id = data.get("id")
    if isinstance(raw_id, str):
        where.scenario_id = raw_id
    _unknown(where, "<root>", data, _SCENARIO_KEYS)
    sid = _str(where, "id", raw_id)
    if not _ID.match(sid):
        raise where.error("id", "use lowercase letters, digits and dashes")
    tags = tuple(
        _str(where, f"tags[{i}]", t) for i, t in enumerate(_list(where, "tags", data.get("tags")))
    )
    levels = [t for t in tags if t in DIFFICULTIES]
    if len(levels) != 1:
        raise where.error(
            "tags", f"needs exactly one difficulty of {list(DIFFICULTIES)}, got {levels}"
        )
    if len(tags) < 2:
        raise where.error("tags", "needs a feature tag besides the difficulty")
    raw_facts = _mapping(where, "facts", data.get("facts"))
    for key, value in raw_facts.items():
        # A comma inside an unquoted flow mapping silently splits a value into a bare key.
        if value is None or isinstance(value, dict | list):
            raise where.error(f"facts.{key}", f"must be a single value, got {value!r}")
    facts = {k: _scalar_text(v) for k, v in raw_facts.items()}
    return Scenario(
        id=sid,
        title=_str(where, "title", data.get("title")),
        tags=tags,
        opening=_str(where, "opening", data.get("opening")),
        persona=_str(where, "persona", data.get("persona"), required=False) or Scenario.persona,
        facts=facts,
        steps=_steps(where, data.get("steps")),
        reactions=_reactions(where, data.get("reactions")),
        expect=_expect(where, data.get("expect")),
        golden=_actions(where, "golden", data.get("golden")),
        source=source,
    )


class _ScenarioLoader(yaml.SafeLoader):
    """YAML as scenario writers mean it: ``19:30`` is a time, not the base-60 integer 1170, and
    ``2026-03-20`` stays the text a tool receives. Only plain decimal ints and floats convert."""


_INT, _FLOAT, _TIMESTAMP = (f"tag:yaml.org,2002:{t}" for t in ("int", "float", "timestamp"))
_ScenarioLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT, _FLOAT, _TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ScenarioLoader.add_implicit_resolver(
    _INT, re.compile(r"^[-+]?(0|[1-9][0-9]*)$"), list("-+0123456789")
)
_ScenarioLoader.add_implicit_resolver(
    _FLOAT, re.compile(r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)$"), list("-+0123456789.")
)


def load_file(path: Path) -> list[Scenario]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_ScenarioLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    if isinstance(data, dict) and "scenarios" in data:
        items = data["scenarios"]
        if not isinstance(items, list):
            raise ConfigError(f"{path}: 'scenarios' must be a list")
        return [parse_scenario(item, f"{path}[{i}]") for i, item in enumerate(items)]
    return [parse_scenario(data, str(path))]


def load_scenarios(paths: Iterable[Path]) -> list[Scenario]:
    """Load every ``*.yaml``/``*.yml`` file under the given files or folders; ids must be unique."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(q for q in p.rglob("*") if q.suffix in (".yaml", ".yml")))
        elif p.exists():
            files.append(p)
        else:
            raise ConfigError(f"{p}: no such scenario file or folder")
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for f in files:
        for s in load_file(f):
            if s.id in seen:
                raise ConfigError(
                    f"{s.source}: duplicate scenario id {s.id!r} (first in {seen[s.id]})"
                )
            seen[s.id] = s.source
            scenarios.append(s)
    return scenarios


def select(scenarios: Iterable[Scenario], selector: str) -> list[Scenario]:
    """Scenarios matching a comma-separated list of ``all``, ids and tags; none is an error."""
    wanted = [s.strip() for s in selector.split(",") if s.strip()]
    chosen = [s for s in scenarios if any(s.matches(w) for w in wanted)]
    if not chosen:
        raise ConfigError(f"no scenario matches {selector!r} (use 'all', an id or a tag)")
    return chosen
