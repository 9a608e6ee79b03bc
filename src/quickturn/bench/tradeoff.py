"""The trade-off matrix: each setting against its baseline, milliseconds saved and what it cost.

Every row comes from a measured distribution on both sides (never a constant): ``saved`` is
baseline minus setting, so a positive number means the setting is faster, at its p50 and its p95.
The cost is measured too and stated in its own unit (false turn ends, withdrawn audio, facts
lost, extra audio).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from quickturn.bench.stats import Distribution
from quickturn.bench.table import text_table
from quickturn.errors import ConfigError


@dataclass(frozen=True)
class TradeoffRow:
    ablation: str
    setting: str
    baseline: str
    metric: str
    """What the milliseconds are (e.g. "end of turn", "time to first audio")."""
    setting_ms: Distribution | None
    baseline_ms: Distribution | None
    cost: str
    """The measured price, in words with its numbers ("14 % false turn ends vs 6 %")."""
    n: int = 0

    def __post_init__(self) -> None:
        if not self.ablation or not self.setting or not self.baseline:
            raise ConfigError("a trade-off row needs an ablation, a setting and a baseline")

    def saved_ms(self, stat: str) -> float | None:
        if self.setting_ms is None or self.baseline_ms is None:
            return None
        saved: float = getattr(self.baseline_ms, stat) - getattr(self.setting_ms, stat)
        return saved

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["setting_ms"] = None if self.setting_ms is None else self.setting_ms.to_json()
        out["baseline_ms"] = None if self.baseline_ms is None else self.baseline_ms.to_json()
        out["saved_p50_ms"] = self.saved_ms("p50")
        out["saved_p95_ms"] = self.saved_ms("p95")
        return out


def _signed(v: float | None) -> str:
    return "-" if v is None else f"{v:+.0f}"


def format_tradeoffs(rows: Sequence[TradeoffRow]) -> str:
    head = ["ablation", "setting", "vs", "metric", "p50", "saved p50", "saved p95", "n", "cost"]
    table = [head]
    for r in rows:
        table.append([
            r.ablation, r.setting, r.baseline, r.metric,
            "-" if r.setting_ms is None else f"{r.setting_ms.p50:.0f}",
            _signed(r.saved_ms("p50")), _signed(r.saved_ms("p95")), str(r.n), r.cost,
        ])
    lines = text_table(table, left=(0, 1, 2, 3, 8))
    lines.append("(ms; saved = baseline - setting, positive is faster; every number measured "
                 "in this run)")
    return "\n".join(lines)
