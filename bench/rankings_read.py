"""Ranking-view read benchmark: what the caller-dependent view (a unit's confidential results, an embargoed
release) costs a read, against the secretariat's read of the same rows in the same run (the stored status,
no per-row condition: the query as it was before the view depended on the caller), and a body's read against
the same read over the stored status (`*_stored_status`).

A fresh database gets the live view's tables (publish_rankings, as the projection declares them) filled with
N synthetic nominations of one campaign: 先导技术榜's six domains and four more lists, 400 units, every row
scored and decided, half the lists under a notice (one omitting a domain), one list published under an embargo.

    python bench/rankings_read.py                   # 200,000 nominations
    python bench/rankings_read.py --nominations 50000 --repeat 30

Prints one JSON line: per read, the median milliseconds, and its ratio to the secretariat's page.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable as a script from anywhere

import asyncpg  # noqa: E402
import typer  # noqa: E402

from eventlog.settings import database_url  # noqa: E402
from services.publish.views import RANKINGS  # noqa: E402
from services.publish.views.ranking_queries import (SEE_ALL, NominationFilter, Visibility,  # noqa: E402
                                                    nominations)

C = "kczg-2022"
LISTS = [("leading_tech", d) for d in ("electronic_info", "biomedicine", "equipment_manufacturing",
                                       "advanced_materials", "green_low_carbon", "industrial_foundation")]
LISTS += [(code, "") for code in ("emerging_enterprise", "integrated_innovation_org", "entrepreneurship_pioneer",
                                  "tech_manager_pioneer")]
NOW = datetime(2023, 1, 10, tzinfo=timezone.utc)
EMBARGO = datetime(2023, 2, 20, 1, 30, tzinfo=timezone.utc)


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


async def fill(conn: asyncpg.Connection, n: int) -> None:
    s = RANKINGS.schema
    await conn.execute(f"CREATE SCHEMA {s}")
    for table in RANKINGS.tables:
        await conn.execute(table.create_sql(s))
    lists, domains = [lc for lc, _ in LISTS], [d for _, d in LISTS]
    # Row i: list/domain i % 10, unit i % 400, rank by position, selected one in five; the published list's
    # selected ones published at NOW under an embargo until the meeting.
    await conn.execute(f"""
        INSERT INTO {s}.nominations (nomination_id, revision, content_event, campaign, unit_id, list_code, domain,
            title, submitted_at, screened_at, screening_event, screening_passed, quota_revision, quota_phase,
            quota_event, quota_outcome, prelim_at, prelim_event, prelim_aggregate, prelim_raw_sum, prelim_rank,
            prelim_expert_count, prelim_method, recommended_at, recommendation_event, recommended_rank,
            recommended_late, decision_revision, decided_at, decision_event, selected, decision_note,
            published_at, public_from)
        SELECT gen_random_uuid(), 1, 'e', $1, 'unit-' || (i % 400), ($2::text[])[1 + i % 10],
               nullif(($3::text[])[1 + i % 10], ''), '推荐 ' || i, $4::timestamptz, $4::timestamptz, 'e', true, 1, 0, 'e', 'reserved',
               $4::timestamptz, 'e', 80 + (i % 17), 560 + (i % 97), 1 + i / 10, 7, 'trimmed_mean', $4::timestamptz, 'e', 1 + i / 10,
               false, 1, $4::timestamptz, 'e', i % 5 = 0, '终评',
               CASE WHEN i % 10 = 6 AND i % 5 = 0 THEN $4::timestamptz END, CASE WHEN i % 10 = 6 AND i % 5 = 0 THEN $5::timestamptz END
        FROM generate_series(0, $6 - 1) AS i""", C, lists, domains, NOW, EMBARGO, n)
    await conn.execute(f"""INSERT INTO {s}.units (campaign, unit_id, registered_at, registration_event, name,
                               channels_at, channels_event, channels)
                           SELECT $1, 'unit-' || u, $2, 'e', '单位' || u, $2, 'e', '{{provincial_cast}}'
                           FROM generate_series(0, 399) AS u""", C, NOW)
    # Notices: 先导技术榜 without biomedicine, and 新锐企业榜.
    await conn.execute(f"""INSERT INTO {s}.notices (notice_event, opened_at, campaign, list_code, omitted_domains)
                           VALUES (gen_random_uuid(), $2, $1, 'leading_tech', '{{biomedicine}}'),
                                  (gen_random_uuid(), $2, $1, 'emerging_enterprise', '{{}}')""", C, NOW)
    for table in RANKINGS.tables:
        for ddl in table.index_sql(s):
            await conn.execute(ddl)
    await conn.execute("ANALYZE")


def reads() -> dict[str, NominationFilter]:
    unit = Visibility(results_as_recorded=(), release_seen_at=NOW)
    body = Visibility(results_as_recorded=None, release_seen_at=NOW)
    target = ((C, "leading_tech", "electronic_info"),)
    return {
        "secretariat_page": NominationFilter(SEE_ALL, campaign=C),
        "secretariat_selected": NominationFilter(SEE_ALL, campaign=C, status="selected"),
        # A body's read as it was before it depended on the embargo (the stored status), then as it is.
        "body_page_stored_status": NominationFilter(SEE_ALL, campaign=C, targets=target),
        "body_page": NominationFilter(body, campaign=C, targets=target),
        "body_selected_stored_status": NominationFilter(SEE_ALL, campaign=C, status="selected", targets=target),
        "body_selected": NominationFilter(body, campaign=C, status="selected", targets=target),
        "unit_page": NominationFilter(unit, campaign=C, own_unit="unit-7"),
        "unit_selected": NominationFilter(unit, campaign=C, status="selected", own_unit="unit-7"),
    }


async def measure(conn: asyncpg.Connection, where: NominationFilter, repeat: int) -> tuple[float, int]:
    times, total = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        total, _ = await nominations(conn, where, 1, 50)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), total


async def run(n: int, repeat: int) -> dict:
    admin = await asyncpg.connect(database_url())
    name = f"bench_rankings_{uuid.uuid4().hex[:8]}"
    await admin.execute(f"CREATE DATABASE {name}")
    try:
        conn = await asyncpg.connect(database_url().rsplit("/", 1)[0] + "/" + name)
        try:
            say(f"filling {n:,} nominations")
            await fill(conn, n)
            out: dict = {"bench": "rankings_read", "nominations": n, "repeat": repeat, "reads": {}}
            for label, where in reads().items():
                await measure(conn, where, 3)  # warm
                ms, total = await measure(conn, where, repeat)
                out["reads"][label] = {"median_ms": round(ms, 2), "total": total}
                say(f"{label}: {ms:.2f} ms (total {total})")
        finally:
            await conn.close()
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        await admin.close()
    base = out["reads"]["secretariat_page"]["median_ms"]
    for read in out["reads"].values():
        read["ratio_to_secretariat_page"] = round(read["median_ms"] / base, 2)
    return out


def main(nominations_: int = typer.Option(200_000, "--nominations"), repeat: int = 20) -> None:
    print(json.dumps(asyncio.run(run(nominations_, repeat)), ensure_ascii=False))


if __name__ == "__main__":
    typer.run(main)
