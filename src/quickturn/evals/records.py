"""What one simulated call leaves behind: transcript, tool calls, per-turn timings, grade."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from quickturn.evals.grader import Grade, GradeOptions, Snapshot
from quickturn.tools.types import ToolRegistry

EndedBy = Literal["caller", "max_turns", "error"]


class World(Protocol):
    """One conversation's private world: its own database copy and the tools bound to it."""

    @property
    def registry(self) -> ToolRegistry: ...

    @property
    def system_prompt(self) -> str: ...

    @property
    def greeting(self) -> str | None:
        """What the agent says on picking up (a phone call starts with the hotel speaking)."""
        ...

    def snapshot(self) -> Snapshot: ...

    def close(self) -> None: ...


class Domain(Protocol):
    """Makes fresh worlds that all start from the same seed."""

    @property
    def grade_options(self) -> GradeOptions: ...

    def seed_snapshot(self) -> Snapshot: ...

    def new_world(self) -> World: ...


@dataclass(frozen=True)
class ToolCallRecord:
    name: str
    arguments: Mapping[str, Any]
    ok: bool
    result: str
    repaired: bool
    schema_valid: bool  # the name exists and the arguments validate against its schema
    turn: int
    asked_caller: bool = False
    """Answered by asking the caller instead of running: what it lacked was the caller's to
    give (among them, calls the engine ended at an invented name: never valid, by design)."""


@dataclass(frozen=True)
class TurnMetrics:
    turn: int
    reply_s: float  # caller's line handed over -> agent's reply complete (tools included)
    ttft_s: float | None  # -> first spoken text of the reply; None when it said nothing
    rounds: int
    finish_reason: str = "stop"  # the reply's: "deadline" and "elicitation" are counted


@dataclass(frozen=True)
class Utterance:
    speaker: Literal["caller", "agent"]
    text: str
    turn: int


@dataclass(frozen=True)
class Conversation:
    """One call as it happened, before grading."""

    transcript: tuple[Utterance, ...]
    tool_calls: tuple[ToolCallRecord, ...]
    turns: tuple[TurnMetrics, ...]
    ended_by: EndedBy
    error: str | None = None


@dataclass(frozen=True)
class JudgeVerdict:
    expectation: str
    met: bool
    reason: str


@dataclass(frozen=True)
class TrialResult:
    scenario_id: str
    trial: int
    conversation: Conversation
    grade: Grade
    judge: tuple[JudgeVerdict, ...] = ()
    judged: bool = False  # False when the scenario has judge items but no judge was configured

    @property
    def passed(self) -> bool:
        return (
            self.conversation.error is None and self.grade.passed and all(v.met for v in self.judge)
        )


@dataclass(frozen=True)
class EvalResult:
    trials: int
    results: Sequence[TrialResult]
    meta: Mapping[str, Any] = field(default_factory=dict)
