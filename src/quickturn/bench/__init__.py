"""The latency lab: TTFT and time-to-first-sentence over whole production-shaped conversations.

- ``workload`` / ``synthetic`` / ``conversations``: the agent (prompt + tools) and caller scripts.
- ``timing``: the one timing wrapper around ``ChatClient.stream``.
- ``runner``: replays conversations against a target (endpoint x setting), concurrently.
- ``stats`` / ``results``: percentiles and per-group summaries.
- ``report`` / ``charts`` / ``html_report``: table, ``results.json``, PNG charts, HTML.
- ``overhead``: the gateway vs. the same engine called directly.
- ``command``: ``quickturn bench``.
"""
