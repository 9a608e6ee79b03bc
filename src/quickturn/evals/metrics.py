"""Aggregate metrics of an eval run.

pass^k (tau-bench): the chance that *all* k independent trials of a scenario succeed, estimated
per scenario as C(c, k) / C(n, k) from n trials with c successes, then averaged over scenarios.
It punishes an agent that succeeds only sometimes, which task completion (pass^1) hides.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from math import comb

from quickturn.errors import ConfigError
from quickturn.evals.records import EvalResult, TrialResult


def pass_hat_k(n: int, c: int, k: int) -> float:
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ConfigError(f"pass^k needs 0 <= c <= n and 1 <= k <= n (n={n}, c={c}, k={k})")
    return comb(c, k) / comb(n, k)


def _quantile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    # Nearest-rank on the sorted sample: no interpolation, so a reported p90 is a real turn.
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


@dataclass(frozen=True)
class Summary:
    conversations: int
    scenarios: int
    trials: int
    task_completion: float
    pass_hat_k: float
    tool_calls: int
    schema_valid_rate: float | None
    repaired_calls: int
    repaired_rate: float | None
    errors: int
    turns_per_call_mean: float
    reply_s_p50: float | None
    reply_s_p90: float | None
    ttft_s_p50: float | None
    ttft_s_p90: float | None
    by_tag: dict[str, float]
    schema_valid_run_rate: float | None = None
    """Schema-valid share of the calls that were not answered by asking the caller."""
    deadline_turns: int = 0  # replies the hard deadline cut short
    elicitation_turns: int = 0  # replies that asked the caller for a tool's missing fields


def by_scenario(results: Sequence[TrialResult]) -> dict[str, list[TrialResult]]:
    groups: dict[str, list[TrialResult]] = defaultdict(list)
    for r in results:
        groups[r.scenario_id].append(r)
    return dict(groups)


def summarize(run: EvalResult, tags: dict[str, tuple[str, ...]] | None = None) -> Summary:
    """``tags`` (scenario id -> tags) adds task completion per tag."""
    results = list(run.results)
    if not results:
        raise ConfigError("no results to summarize")
    groups = by_scenario(results)
    k = run.trials
    per_scenario = [
        pass_hat_k(len(g), sum(r.passed for r in g), min(k, len(g))) for g in groups.values()
    ]
    calls = [c for r in results for c in r.conversation.tool_calls]
    turns = [t for r in results for t in r.conversation.turns]
    replies = [t.reply_s for t in turns]
    ttfts = [t.ttft_s for t in turns if t.ttft_s is not None]
    tag_rates: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        for tag in (tags or {}).get(r.scenario_id, ()):
            tag_rates[tag].append(r.passed)
    return Summary(
        conversations=len(results),
        scenarios=len(groups),
        trials=k,
        task_completion=sum(r.passed for r in results) / len(results),
        pass_hat_k=sum(per_scenario) / len(per_scenario),
        tool_calls=len(calls),
        schema_valid_rate=(sum(c.schema_valid for c in calls) / len(calls)) if calls else None,
        repaired_calls=sum(c.repaired for c in calls),
        repaired_rate=(sum(c.repaired for c in calls) / len(calls)) if calls else None,
        errors=sum(r.conversation.error is not None for r in results),
        turns_per_call_mean=statistics.fmean(len(r.conversation.turns) for r in results),
        reply_s_p50=_quantile(replies, 0.5),
        reply_s_p90=_quantile(replies, 0.9),
        ttft_s_p50=_quantile(ttfts, 0.5),
        ttft_s_p90=_quantile(ttfts, 0.9),
        by_tag={t: sum(v) / len(v) for t, v in sorted(tag_rates.items())},
        schema_valid_run_rate=_share([c.schema_valid for c in calls if not c.asked_caller]),
        deadline_turns=sum(t.finish_reason == "deadline" for t in turns),
        elicitation_turns=sum(t.finish_reason == "elicitation" for t in turns),
    )


def _share(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None
