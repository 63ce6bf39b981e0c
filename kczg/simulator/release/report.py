"""The release phase's summary: per list and domain what was decided, noticed, objected to and released,
the refusals provoked beside those expected, and whether the files, page and views agree."""

from __future__ import annotations

import collections

from rich.console import Console
from rich.table import Table

from kczg.simulator.release.scenarios import SCENARIOS

EXPECTED_REFUSALS = {"no_quorum": 1, "notice_open": 1, "notice_closed": 1, "entry_not_listed": 1}
COLUMNS = ("ranked", "selected", "revised", "noticed", "objections", "upheld", "revoked", "released", "version")
CHECKS = ("files", "versions", "page", "view", "correction")


def target_rows(rel) -> dict[str, dict]:
    upheld = {p.nomination_id for p, _ in rel.objections if p.upheld}
    noticed = {n for notice in rel.notices.values() for n in notice["nominations"]}
    objected = collections.Counter(rel.target_of[p.nomination_id] for p, _ in rel.objections)
    rows = {}
    for key, stats in rel.targets.items():
        ids = [n for n, k in rel.target_of.items() if k == key]
        list_code = key.split(":")[1]
        rows[key] = {"ranked": stats["ranked"], "selected": sum(bool(rel.selected.get(n)) for n in ids),
                     "revised": stats["revised"], "noticed": sum(n in noticed for n in ids),
                     "objections": objected[key], "upheld": sum(n in upheld for n in ids),
                     "revoked": sum(n in rel.revoked for n in ids),
                     "released": sum(n in rel.published for n in ids),
                     "version": rel.versions.get(list_code, 0)}
    return rows


def release_report(rel) -> dict:
    targets = target_rows(rel)
    lists: dict[str, dict] = {}
    for key, row in targets.items():
        _, list_code, domain = key.split(":", 2)
        lst = lists.setdefault(list_code, {c: 0 for c in COLUMNS} | {"domains": {}})
        for c in COLUMNS[:-1]:
            lst[c] += row[c]
        lst["version"] = row["version"]
        lst["domains"][domain or "-"] = row["released"]
    upheld = sum(p.upheld for p, _ in rel.objections)
    summary = {
        "vote_rule": {"quorum": str(rel.rule.quorum), "approval": str(rel.rule.approval)} if rel.rule else None,
        "decided": len(rel.selected), "selected": sum(rel.selected.values()),
        "not_selected": sum(not s for s in rel.selected.values()),
        "revised": sum(r["revised"] for r in targets.values()),
        "notices": len(rel.notices),
        "objections": {"filed": len(rel.objections), "upheld": upheld, "dismissed": len(rel.objections) - upheld},
        "released": sum(r["released"] for r in targets.values()), "released_on": rel.released_on,
        "revoked": len(rel.revoked), "renamed": len(rel.retitled),
        "versions": dict(rel.versions), "corrections": dict(rel.reasons), "lists": lists, "targets": targets,
        "refusals": dict(sorted(rel.refusals.items())), "expected_refusals": EXPECTED_REFUSALS,
        "unexpected": dict(sorted(rel.unexpected.items())), "files": rel.files, "checks": rel.checks,
        "scenarios": rel.scenario, "problem_count": len(rel.problems), "problems": rel.problems[:20],
        "seconds": rel.seconds}
    wanted = CHECKS + (("rebuild",) if rel.rebuild else ())
    summary["release_consistent"] = (
        not rel.problems and not rel.unexpected and dict(rel.refusals) == EXPECTED_REFUSALS
        and all(rel.checks.get(c) for c in wanted) and summary["decided"] == rel.planned["decided"]
        and summary["revised"] == rel.planned["revised"] and len(rel.objections) == rel.planned["objections"] > 0
        and 0 < upheld < len(rel.objections) and bool(rel.reasons) and len(rel.revoked) == len(rel.retitled) == 1
        and all(rel.scenario.get(name, {}).get("ok") for name in SCENARIOS))
    print_table(summary, lists, targets)
    return summary


def print_table(summary: dict, lists: dict, targets: dict) -> None:
    table = Table(title=f"科创中国 · 模拟终评、公示与发布（发布日期 {summary['released_on']}）")
    table.add_column("list / domain", min_width=36)
    for column in COLUMNS:
        table.add_column(column, justify="right", no_wrap=True)
    for list_code, lst in lists.items():
        table.add_row(f"[bold]{list_code}[/bold]", *(str(lst[c]) for c in COLUMNS))
        for key, row in targets.items():
            if key.split(":")[1] == list_code and key.split(":", 2)[2]:
                table.add_row(f"  {key.split(':', 2)[2]}", *(str(row[c]) for c in COLUMNS[:-1]), "")
    table.add_row("all", *(str(sum(lst[c] for lst in lists.values())) for c in COLUMNS[:-1]), "")
    console = Console(width=max(Console().width, 124))
    console.print(table)
    o = summary["objections"]
    verdict = "consistent" if summary["release_consistent"] else (
        f"INCONSISTENT: {summary['problem_count']} problems {summary['problems'][:3]}, "
        f"unexpected {summary['unexpected']}, checks {summary['checks']}")
    console.print(f"release: {summary['decided']} decided ({summary['revised']} revisions), "
                  f"{summary['notices']} notices, objections {o['filed']} filed / {o['upheld']} upheld / {o['dismissed']} dismissed, "
                  f"{summary['released']} released in {len(summary['versions'])} lists {summary['versions']}, "
                  f"refusals {summary['refusals']}; {verdict}")
