"""The simulator's summary: what it did (its own tally) beside what the intake's views show."""

from __future__ import annotations

import collections

from rich.console import Console
from rich.table import Table


def report(driver, shown: dict[str, dict], planned: int, seconds: float) -> dict:
    ours = {k: v for k, v in shown.items() if k in driver.accepted}
    statuses = collections.Counter(n["status"] for n in ours.values())
    reasons = collections.Counter(n["reason"] for n in ours.values() if n["status"] == "rejected")
    summary = {"planned": planned, "seconds": round(seconds, 1), "outcomes": dict(sorted(driver.outcomes.items())),
               "views": dict(sorted(statuses.items())), "quota_rejections": dict(reasons),
               "consistent": len(ours) == driver.outcomes["accepted"]
               and statuses.get("withdrawn", 0) == driver.outcomes["withdrawn"]}
    table = Table(title=f"科创中国 · 模拟征集（{planned} 条）")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in [*summary["outcomes"].items(), *(("view:" + k, v) for k, v in summary["views"].items()),
                       *(("quota_rejected:" + k, v) for k, v in reasons.items())]:
        table.add_row(key, str(value))
    Console().print(table)
    return summary
