"""Benchmark samples (one per LLM request) and their summary per endpoint and setting."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from quickturn.bench.stats import Distribution, distributions

METRICS = ("ttft_s", "ttfs_s", "total_s")
RATES = ("output_tok_s",)
"""Per-request rates (not latencies): completion tokens per second."""
GroupKey = tuple[str, str]  # (endpoint, setting)


@dataclass(frozen=True)
class Sample:
    """One timed LLM request inside a replayed conversation.

    ``turn_index`` counts caller turns from 0; ``round_index`` counts LLM requests inside one turn
    (a tool call makes a second round). ``started_s`` is relative to the start of the run.
    """

    endpoint: str
    setting: str
    conversation_id: str
    repetition: int
    turn_index: int
    round_index: int
    warmup: bool
    started_s: float
    ttft_s: float | None
    ttfs_s: float | None
    total_s: float | None
    output_chars: int = 0
    tool_calls: int = 0
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None
    error_type: str | None = None
    error_message: str | None = None
    output_head: str = ""  # the reply's first characters: tells prose from a call sent as text

    @property
    def ok(self) -> bool:
        return self.error_type is None

    @property
    def output_tok_s(self) -> float | None:
        """Completion tokens per second of the whole request (what speculative decoding should
        raise). Not (tokens - 1) / (total - TTFT): a reply the gateway holds back as a possible
        tool call reaches the client all at once, which would make that rate meaningless."""
        if self.total_s is None or self.total_s <= 0 or not self.completion_tokens:
            return None
        return self.completion_tokens / self.total_s

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Sample:
        return cls(**data)


@dataclass(frozen=True)
class GroupSummary:
    """Latency of the measured (non-warmup) requests of one endpoint under one setting."""

    endpoint: str
    setting: str
    requests: int
    failures: int
    metrics: dict[str, Distribution | None] = field(hash=False)
    errors: dict[str, int] = field(hash=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "setting": self.setting,
            "requests": self.requests,
            "failures": self.failures,
            "metrics": {k: None if v is None else v.to_json() for k, v in self.metrics.items()},
            "errors": dict(self.errors),
        }


def group_keys(samples: Iterable[Sample]) -> list[GroupKey]:
    """(endpoint, setting) pairs in first-seen order, so tables follow the command line."""
    seen: dict[GroupKey, None] = {}
    for s in samples:
        seen.setdefault((s.endpoint, s.setting), None)
    return list(seen)


def summarize(samples: Sequence[Sample]) -> list[GroupSummary]:
    out: list[GroupSummary] = []
    for endpoint, setting in group_keys(samples):
        group = [
            s for s in samples if s.endpoint == endpoint and s.setting == setting and not s.warmup
        ]
        ok = [s for s in group if s.ok]
        errors: dict[str, int] = {}
        for s in group:
            if s.error_type is not None:
                errors[s.error_type] = errors.get(s.error_type, 0) + 1
        rows = [{m: getattr(s, m) for m in (*METRICS, *RATES)} for s in ok]
        out.append(
            GroupSummary(
                endpoint=endpoint,
                setting=setting,
                requests=len(group),
                failures=len(group) - len(ok),
                metrics=distributions(rows, (*METRICS, *RATES)),
                errors=errors,
            )
        )
    return out


def per_turn_p50(samples: Sequence[Sample], metric: str) -> dict[GroupKey, list[tuple[int, float]]]:
    """Median ``metric`` at each caller-turn index, per group: latency vs. conversation depth."""
    out: dict[GroupKey, list[tuple[int, float]]] = {}
    for key in group_keys(samples):
        by_turn: dict[int, list[float]] = {}
        for s in samples:
            value = getattr(s, metric)
            if (s.endpoint, s.setting) == key and not s.warmup and s.ok and value is not None:
                by_turn.setdefault(s.turn_index, []).append(value)
        points = []
        for turn in sorted(by_turn):
            dist = Distribution.of(by_turn[turn])
            if dist is not None:
                points.append((turn, dist.p50))
        out[key] = points
    return out
