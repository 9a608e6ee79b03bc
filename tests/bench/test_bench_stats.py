import math

import pytest

from quickturn.bench.stats import Distribution, distributions, percentile
from quickturn.errors import ConfigError


def test_percentiles_interpolate_linearly_between_ranks() -> None:
    values = [4.0, 1.0, 3.0, 2.0]  # unsorted on purpose
    assert percentile(values, 50) == pytest.approx(2.5)  # rank 1.5
    assert percentile(values, 95) == pytest.approx(3.85)  # rank 2.85: 3 + 0.85 * (4 - 3)
    assert percentile(values, 25) == pytest.approx(1.75)  # rank 0.75
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0


def test_percentile_of_ten_values_by_hand() -> None:
    values = [0.1 * i for i in range(1, 11)]  # 0.1 .. 1.0
    # rank = 0.95 * 9 = 8.55 -> 0.9 + 0.55 * (1.0 - 0.9)
    assert percentile(values, 95) == pytest.approx(0.955)
    assert percentile(values, 50) == pytest.approx(0.55)


def test_single_value_is_every_percentile() -> None:
    assert percentile([0.3], 50) == 0.3
    assert percentile([0.3], 95) == 0.3


@pytest.mark.parametrize("q", [-1.0, 100.5])
def test_percentile_rejects_q_outside_range(q: float) -> None:
    with pytest.raises(ConfigError, match="within"):
        percentile([1.0], q)


def test_percentile_rejects_empty_and_nan() -> None:
    with pytest.raises(ConfigError, match="empty"):
        percentile([], 50)
    with pytest.raises(ConfigError, match="NaN"):
        percentile([1.0, math.nan], 50)


def test_distribution_summary() -> None:
    d = Distribution.of([0.2, 0.4, 0.1, 0.3])
    assert d is not None
    assert (d.count, d.min, d.max) == (4, 0.1, 0.4)
    assert d.mean == pytest.approx(0.25)
    assert d.p50 == pytest.approx(0.25)
    assert d.p95 == pytest.approx(0.385)
    assert Distribution.of([]) is None


def test_distributions_skip_missing_values_per_metric() -> None:
    rows: list[dict[str, float | None]] = [
        {"a": 1.0, "b": None},
        {"a": 3.0, "b": 2.0},
    ]
    out = distributions(rows, ("a", "b", "c"))
    assert out["a"] is not None and out["a"].p50 == 2.0
    assert out["b"] is not None and out["b"].count == 1
    assert out["c"] is None
