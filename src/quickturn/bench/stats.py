"""Order statistics for latency samples: p50/p95/mean/min/max per group.

Percentiles interpolate linearly between closest ranks (rank = q/100 * (n-1), numpy's default
"linear" method), so p50 of an even-sized sample is the mean of the two middle values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from quickturn.errors import ConfigError


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) of ``values`` by linear interpolation."""
    if not values:
        raise ConfigError("percentile of an empty sample")
    if not 0.0 <= q <= 100.0:
        raise ConfigError(f"percentile must be within [0, 100], got {q}")
    ordered = sorted(values)
    if any(math.isnan(v) for v in ordered):
        raise ConfigError("percentile of a sample containing NaN")
    rank = q / 100.0 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    frac = rank - low
    return ordered[low] + (ordered[high] - ordered[low]) * frac


@dataclass(frozen=True)
class Distribution:
    """Summary of one metric over the successful samples of one group (seconds)."""

    count: int
    p50: float
    p95: float
    mean: float
    min: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Distribution | None:
        """None for an empty sample: a group where every request failed has no latency."""
        if not values:
            return None
        return cls(
            count=len(values),
            p50=percentile(values, 50),
            p95=percentile(values, 95),
            mean=math.fsum(values) / len(values),
            min=min(values),
            max=max(values),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def distributions(
    rows: Iterable[dict[str, float | None]], metrics: Sequence[str]
) -> dict[str, Distribution | None]:
    """One Distribution per metric over ``rows``; a row missing a metric (None) is skipped."""
    columns: dict[str, list[float]] = {m: [] for m in metrics}
    for row in rows:
        for metric in metrics:
            value = row.get(metric)
            if value is not None:
                columns[metric].append(value)
    return {m: Distribution.of(columns[m]) for m in metrics}
