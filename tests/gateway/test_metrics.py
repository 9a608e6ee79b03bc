"""Prometheus metrics (prometheus-client) and first-sentence detection."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from quickturn.gateway.metrics import GatewayMetrics
from quickturn.gateway.timing import FirstSentence


def test_gateway_metrics_render_the_prometheus_text_format_per_model_and_upstream() -> None:
    m = GatewayMetrics()
    m.ttft.labels("openai", "gpt-4o", "http://a/v1").observe(0.2)
    m.ttft.labels("openai", "gpt-4o", "http://b/v1").observe(0.7)
    m.ttfs.labels("openai", "gpt-4o", "http://a/v1").observe(0.4)
    m.requests.labels("openai", "200").inc()
    families = {f.name: f for f in text_string_to_metric_families(m.render().decode())}
    ttft = {
        (s.labels["upstream"], s.labels["le"]): s.value
        for s in families["quickturn_gateway_ttft_seconds"].samples
        if s.name.endswith("_bucket")
    }
    assert ttft[("http://a/v1", "0.2")] == 1.0
    assert ttft[("http://b/v1", "0.5")] == 0.0
    assert ttft[("http://b/v1", "0.75")] == 1.0
    ttfs = families["quickturn_gateway_ttfs_seconds"].samples
    assert any(s.name.endswith("_count") and s.value == 1.0 for s in ttfs)
    requests = families["quickturn_gateway_requests"].samples
    assert [(s.labels, s.value) for s in requests if s.name.endswith("_total")] == [
        ({"engine": "openai", "status": "200"}, 1.0)
    ]


def test_two_apps_keep_separate_registries() -> None:
    a, b = GatewayMetrics(), GatewayMetrics()
    a.requests.labels("x", "200").inc()
    assert b'quickturn_gateway_requests_total{engine="x",status="200"} 1.0' in a.render()
    assert b'engine="x"' not in b.render()


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
