"""Prometheus text rendering and first-sentence detection."""

from __future__ import annotations

import pytest

from quickturn.gateway.metrics import Counter, GatewayMetrics, Histogram
from quickturn.gateway.timing import FirstSentence


def test_histogram_renders_cumulative_buckets_sum_and_count() -> None:
    h = Histogram("lat_seconds", "Latency.", (0.1, 0.5, 1.0))
    for value in (0.05, 0.1, 0.3, 2.0):
        h.observe((("engine", "e"),), value)
    assert list(h.render()) == [
        "# HELP lat_seconds Latency.",
        "# TYPE lat_seconds histogram",
        'lat_seconds_bucket{engine="e",le="0.1"} 2',
        'lat_seconds_bucket{engine="e",le="0.5"} 3',
        'lat_seconds_bucket{engine="e",le="1"} 3',
        'lat_seconds_bucket{engine="e",le="+Inf"} 4',
        'lat_seconds_sum{engine="e"} 2.45',
        'lat_seconds_count{engine="e"} 4',
    ]


def test_label_values_are_escaped_and_counters_only_rise() -> None:
    c = Counter("reqs_total", "Requests.")
    c.inc((("engine", 'we"ird\\name\n'),), 2)
    assert list(c.render())[-1] == 'reqs_total{engine="we\\"ird\\\\name\\n"} 2'
    with pytest.raises(ValueError):
        c.inc((), -1)


def test_gateway_metrics_render_is_parseable_text() -> None:
    m = GatewayMetrics()
    m.ttft.observe((("engine", "x"),), 0.2)
    text = m.render()
    assert text.endswith("\n")
    for line in text.splitlines():
        assert line.startswith("# ") or line.startswith("quickturn_gateway_"), line
    assert 'quickturn_gateway_ttft_seconds_count{engine="x"} 1' in text


@pytest.mark.parametrize(
    ("deltas", "expected_at"),
    [
        (["Sure", ", the room", " is free.", " Anything", " else?"], 3.0),  # "." then " Anything"
        (["Hi!", " How"], 1.0),
        (["It costs 3", ".", "5 euros", ". Ok"], 4.0),  # "3.5" is no sentence end
        (["Done."], 1.0),  # punctuation at the very end counts once the stream ends
        (["no punctuation at all"], None),
        (['He said "yes."', " Then"], 1.0),
    ],
)
def test_first_sentence_end(deltas: list[str], expected_at: float | None) -> None:
    fs = FirstSentence()
    for i, text in enumerate(deltas, start=1):
        fs.feed(text, float(i))
    fs.finish()
    assert fs.at_s == expected_at
