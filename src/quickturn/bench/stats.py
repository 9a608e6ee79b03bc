"""Order statistics for latency samples: p50/p95/mean/min/max per group.

Percentiles interpolate linearly between closest ranks (rank = q/100 * (n-1), numpy's default
"linear" method), so p50 of an even-sized sample is the mean of the two middle values.
"""

from __future__ import annotations

import math
import statistics
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


def slope_per_hour(points: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of ``(seconds, value)`` points, in value per hour; None with fewer
    than two distinct times."""
    if len({t for t, _ in points}) < 2:
        return None
    fit = statistics.linear_regression([t for t, _ in points], [v for _, v in points])
    return fit.slope * 3600.0


def change_interval(
    early: Sequence[float], late: Sequence[float], q: float = 95.0, *,
    resamples: int = 2000, seed: int = 0,
) -> tuple[float, float] | None:
    """A 95 % bootstrap interval of ``percentile(late, q) - percentile(early, q)``: each side
    is resampled with replacement. An interval that holds 0 is a change within the noise of
    samples this size. None when either side is empty."""
    import numpy as np

    if not early or not late:
        return None
    rng = np.random.default_rng(seed)
    a, b = np.asarray(early, dtype=float), np.asarray(late, dtype=float)
    da = np.percentile(rng.choice(a, (resamples, a.size)), q, axis=1)
    db = np.percentile(rng.choice(b, (resamples, b.size)), q, axis=1)
    low, high = np.percentile(db - da, [2.5, 97.5])
    return float(low), float(high)
