"""Read one histogram out of a Prometheus text exposition (the gateway's ``/metrics``).

Only what the load benchmark needs: the ``_sum``, ``_count`` and ``_bucket`` lines of one
histogram, added up over every label set. Anything that is not a quickturn gateway (no such
series, not Prometheus text, unreachable) yields None: queue wait is then unknown, not zero.
"""

from __future__ import annotations

import math
import re

import httpx

from quickturn.bench.load import QueueSnapshot

QUEUE_WAIT = "quickturn_gateway_queue_wait_seconds"
_LINE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})?\s+(?P<v>\S+)")
_LE = re.compile(r'le="(?P<le>[^"]+)"')


def parse_histogram(text: str, name: str) -> QueueSnapshot | None:
    total = 0.0
    count = 0
    buckets: dict[float, int] = {}
    seen = False
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None or not match["name"].startswith(name):
            continue
        suffix = match["name"][len(name):]
        try:
            value = float(match["v"])
        except ValueError:
            continue
        if suffix == "_sum":
            total += value
            seen = True
        elif suffix == "_count":
            count += int(value)
        elif suffix == "_bucket":
            le = _LE.search(match["labels"] or "")
            if le is not None:
                bound = math.inf if le["le"] == "+Inf" else float(le["le"])
                buckets[bound] = buckets.get(bound, 0) + int(value)
    if not seen:
        return None
    return QueueSnapshot(total, count, tuple(sorted(buckets.items())))


async def scrape_queue_wait(http: httpx.AsyncClient, metrics_url: str) -> QueueSnapshot | None:
    try:
        response = await http.get(metrics_url)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    return parse_histogram(response.text, QUEUE_WAIT)
