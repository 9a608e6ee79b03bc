"""The run folder: results.json (machine-readable) and report.html (one self-contained page)."""

from __future__ import annotations

import dataclasses
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from quickturn.evals.metrics import Summary, by_scenario, summarize
from quickturn.evals.records import EvalResult, TrialResult
from quickturn.evals.scenarios import Scenario


def trial_json(r: TrialResult) -> dict[str, Any]:
    c = r.conversation
    return {
        "trial": r.trial,
        "passed": r.passed,
        "ended_by": c.ended_by,
        "error": c.error,
        "transcript": [
            {"speaker": u.speaker, "turn": u.turn, "text": u.text} for u in c.transcript
        ],
        "tool_calls": [dataclasses.asdict(t) for t in c.tool_calls],
        "turns": [dataclasses.asdict(t) for t in c.turns],
        "checks": [dataclasses.asdict(ch) for ch in r.grade.checks],
        "diff": {
            table: {"added": list(d.added), "removed": list(d.removed)}
            for table, d in r.grade.diff.items()
        },
        "judged": r.judged,
        "judge": [dataclasses.asdict(v) for v in r.judge],
    }


def to_json(
    run: EvalResult, scenarios: Sequence[Scenario], summary: Summary | None = None
) -> dict[str, Any]:
    info = {s.id: s for s in scenarios}
    summary = summary or summarize(run, {s.id: s.tags for s in scenarios})
    per: list[dict[str, Any]] = []
    for sid, trials in by_scenario(run.results).items():
        s = info.get(sid)
        per.append(
            {
                "id": sid,
                "title": s.title if s else "",
                "tags": list(s.tags) if s else [],
                "passed_trials": sum(t.passed for t in trials),
                "trials": [trial_json(t) for t in sorted(trials, key=lambda t: t.trial)],
            }
        )
    return {
        "task_completion": summary.task_completion,
        "pass_hat_k": summary.pass_hat_k,
        "k": summary.trials,
        "summary": dataclasses.asdict(summary),
        "meta": dict(run.meta),
        "scenarios": per,
    }


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "–" if value is None else str(value)


_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
.pass{color:#16794a;font-weight:600}.fail{color:#b3261e;font-weight:600}
details{border:1px solid #ddd;border-radius:6px;margin:6px 0;padding:4px 10px}
summary{cursor:pointer}.caller{color:#0b57d0}.agent{color:#333}
.tool{font-family:monospace;font-size:12px;background:#f6f6f6;padding:2px 6px;margin:2px 0}
.bad{background:#fde7e7}pre{white-space:pre-wrap;font-size:12px;background:#f6f6f6;padding:6px}
"""


def _trial_html(t: Mapping[str, Any]) -> str:
    e = html.escape
    mark = '<span class="pass">PASS</span>' if t["passed"] else '<span class="fail">FAIL</span>'
    parts = [f"<h4>trial {t['trial']}: {mark} (ended by {e(t['ended_by'])})</h4>"]
    if t["error"]:
        parts.append(f'<p class="fail">{e(t["error"])}</p>')
    calls_by_turn: dict[int, list[Mapping[str, Any]]] = {}
    for c in t["tool_calls"]:
        calls_by_turn.setdefault(c["turn"], []).append(c)
    for u in t["transcript"]:
        if u["speaker"] == "agent":
            for c in calls_by_turn.pop(u["turn"], []):
                cls = "tool" if c["ok"] and c["schema_valid"] else "tool bad"
                flag = " [repaired]" if c["repaired"] else ""
                args = json.dumps(c["arguments"], ensure_ascii=False, default=str)
                parts.append(
                    f'<div class="{cls}">→ {e(c["name"])}({e(args)}){flag}<br>'
                    f"← {e(c['result'][:400])}</div>"
                )
        parts.append(f'<div class="{u["speaker"]}"><b>{u["speaker"]}:</b> {e(u["text"])}</div>')
    parts.append(
        "<ul>"
        + "".join(
            f'<li class="{"pass" if ch["passed"] else "fail"}">'
            f"{e(ch['kind'])}: {e(ch['detail'])}</li>"
            for ch in t["checks"]
        )
        + "".join(
            f'<li class="{"pass" if v["met"] else "fail"}">judge: {e(v["expectation"])} '
            f"({e(v['reason'])})</li>"
            for v in t["judge"]
        )
        + "</ul>"
    )
    if t["diff"]:
        parts.append(
            f"<pre>{e(json.dumps(t['diff'], indent=1, ensure_ascii=False, default=str))}</pre>"
        )
    return "".join(parts)


def to_html(report: Mapping[str, Any]) -> str:
    e = html.escape
    s = report["summary"]
    rows = "".join(
        f"<tr><th>{e(k)}</th><td>{e(_fmt(v))}</td></tr>" for k, v in s.items() if k != "by_tag"
    )
    tags = "".join(f"<tr><td>{e(k)}</td><td>{v:.2f}</td></tr>" for k, v in s["by_tag"].items())
    blocks = []
    for sc in report["scenarios"]:
        n = len(sc["trials"])
        ok = sc["passed_trials"] == n
        mark = f'<span class="{"pass" if ok else "fail"}">{sc["passed_trials"]}/{n}</span>'
        body = "".join(_trial_html(t) for t in sc["trials"])
        blocks.append(
            f"<details><summary>{mark} <b>{e(sc['id'])}</b> {e(sc['title'])} "
            f"<small>[{e(', '.join(sc['tags']))}]</small></summary>{body}</details>"
        )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>quickturn eval</title>"
        f"<style>{_CSS}</style></head><body><h1>quickturn eval</h1>"
        f"<p>task completion <b>{report['task_completion']:.3f}</b>, "
        f"pass^{report['k']} <b>{report['pass_hat_k']:.3f}</b></p>"
        f"<table>{rows}</table><h2>By tag</h2><table>{tags}</table>"
        f"<h2>Scenarios</h2>{''.join(blocks)}</body></html>"
    )


def write_run(folder: Path, report: Mapping[str, Any], json_path: Path | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=1, ensure_ascii=False, default=str)
    (folder / "results.json").write_text(text, encoding="utf-8")
    (folder / "report.html").write_text(to_html(report), encoding="utf-8")
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(text, encoding="utf-8")
