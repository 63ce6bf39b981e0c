"""`kczg projections verify`: passes on a populated log, fails and shows the row when a view is tampered with."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg

from eventlog.projection.rebuild import rebuild
from services.publish.views import RANKINGS
from tests.support.processes import ROOT
from tests.support.projections import live_consumer, status_of
from tests.support.ranking_log import produce_mix


def kczg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kczg.cli", *args], cwd=ROOT, env={**os.environ, "COLUMNS": "200"},
                          capture_output=True, text=True, timeout=300)


async def test_verify_passes_on_a_populated_log_and_fails_on_a_tampered_row(env):
    # Half the log rebuilt in bulk, the other half applied by the live view: both engine paths.
    await produce_mix(6000, seed=11)
    await rebuild(RANKINGS)
    await produce_mix(3000, seed=12)
    async with live_consumer(RANKINGS) as consumer:
        await consumer.run_until(await consumer.end_offsets())  # catch-up mode: to the ends seen at start
    assert (await status_of(RANKINGS)).lag == 0

    ok = await asyncio.to_thread(kczg, "projections", "verify", RANKINGS.name)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "identical" in ok.stdout

    # Someone edits the live view behind the projection's back.
    conn = await asyncpg.connect(env["DATABASE_URL"])
    try:
        victim = await conn.fetchval(f"SELECT nomination_id::text FROM {RANKINGS.schema}.nominations "
                                     "WHERE title IS NOT NULL ORDER BY nomination_id LIMIT 1")
        await conn.execute(f"UPDATE {RANKINGS.schema}.nominations SET title = '篡改的标题' WHERE nomination_id = $1",
                           victim)
    finally:
        await conn.close()

    bad = await asyncio.to_thread(kczg, "projections", "verify", RANKINGS.name)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "1 differing row" in bad.stdout
    assert victim in bad.stdout and "title" in bad.stdout and "篡改的标题" in bad.stdout
