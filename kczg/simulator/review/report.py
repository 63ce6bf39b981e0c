"""The review phase's summary: per target what the simulator did beside what the views show, the
screening accounted for, the late body, and whether every recomputed aggregate and rank agrees."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from kczg.simulator.review.scenarios import SCENARIOS

COLUMNS = ("in_review", "roster", "unit_experts", "assigned", "automatic_conflicts", "declared_conflicts",
           "topped_up", "scores", "ranked", "late")

HEADERS = {"in_review": "in", "unit_experts": "unit", "assigned": "seats", "automatic_conflicts": "auto",
           "declared_conflicts": "declared", "topped_up": "topped"}


def review_report(rd) -> dict:
    s, progress = rd.screening, rd.progress
    targets = {t.key: {"bodies": t.bodies, "aggregation": t.plan.get("aggregation"),
                       **{k: t.stats[k] for k in COLUMNS}} for t in rd.targets}
    expected_late = sorted(t.key for t in rd.targets if t.filer == rd.late_body)
    summary = {
        "screening": s, "targets": targets,
        "targets_submitted": sum(r["results_submitted"] for r in progress["targets"]),
        "late_body": rd.late_body, "late_targets": sorted(progress["late"]), "expected_late": expected_late,
        "zscore_target": rd.zscore_target,
        "missing": progress["missing"],
        **{k: sum(t.stats[k] for t in rd.targets) for k in ("scores", "automatic_conflicts", "declared_conflicts",
                                                            "topped_up", "ranked")},
        "outcomes": dict(sorted(rd.outcomes.items())), "scenarios": rd.sc.facts,
        "problem_count": len(rd.problems), "problems": rd.problems[:20]}
    summary["review_consistent"] = (
        not rd.problems and not rd.outcomes and s["passed"] + s["failed"] == s["holding_slot"]
        and s["failed"] == s["failed_planned"] and summary["late_targets"] == expected_late and not progress["missing"]
        and summary["targets_submitted"] == len(rd.targets) and summary["scores"] == len(rd.posted) and rd.sc.ok())
    table = Table(title=f"科创中国 · 模拟评审（形式审查 {s['holding_slot']} 条，不通过 {s['failed']} 条）")
    table.add_column("target", min_width=36)
    for column in COLUMNS:
        table.add_column(HEADERS.get(column, column), justify="right", no_wrap=True)
    for key, row in targets.items():
        table.add_row(key.split(":", 1)[1].strip(":").replace(":", "/"), *(str(row[c]) for c in COLUMNS))
    table.add_row("all", *(str(sum(r[c] for r in targets.values())) for c in COLUMNS))
    console = Console(width=max(Console().width, 124))  # eleven columns: wider than a default 80
    console.print(table)
    verdict = "consistent" if summary["review_consistent"] else (
        f"INCONSISTENT: {len(rd.problems)} disagreements {rd.problems[:3]}, refusals {dict(rd.outcomes)}, "
        f"screening {s}, late {summary['late_targets']} (expected {expected_late}), missing {progress['missing']}")
    console.print("corrective steps: " + "; ".join(f"{name} {'ok' if rd.sc.facts.get(name, {}).get('ok') else 'FAILED'}"
                                                    for name in SCENARIOS))
    console.print(f"review: {summary['targets_submitted']} targets submitted, "
                    f"late {summary['late_targets']}, z-score {rd.zscore_target}, {verdict}")
    return summary
