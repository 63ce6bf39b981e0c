"""Rebuild = live for every service's own state: a small campaign through intake, quota, review and
publish (in-process, real broker and database, still running), then `kczg state verify` replays the
log from offset 0 into fresh databases and finds every table equal, row for row; a row changed behind
a service's back is reported, that table and that row only."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import asyncpg
import pytest

from eventlog.verify.state_verify import verify_states
from kczg.state_cli import states
from tests.support.intake import Keys
from tests.support.isolation import isolated_env
from tests.support.processes import ROOT
from tests.support.state_scenario import EXPECTED_ROWS, driven


def kczg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kczg.cli", *args], cwd=ROOT, env={**os.environ, "COLUMNS": "220"},
                          capture_output=True, text=True, timeout=300)


# Four services in one process on a server other tests share: small pools are plenty for one client.
SMALL_POOLS = {"INTAKE_DB_POOL": "3", "REVIEW_DB_POOL": "3", "PUBLISH_DB_POOL": "3"}


@pytest.fixture(scope="module")
async def run(stack_env, tmp_path_factory):
    """The campaign driven on its own database and topics; the four services keep running."""
    saved = {k: os.environ.get(k) for k in SMALL_POOLS}
    os.environ.update(SMALL_POOLS)
    try:
        async with isolated_env(stack_env) as env, driven(Keys(tmp_path_factory.mktemp("keys")),
                                                          env["DATABASE_URL"]) as driven_run:
            yield driven_run
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)


async def test_every_services_state_equals_a_replay_of_the_log(run):
    results = await verify_states(states("all"))
    rows = {t.table: (t.live_rows, t.rebuilt_rows) for r in results for t in r.tables}
    # Every table the run fills holds exactly what it made, live and replayed alike, and row for row the same.
    assert rows == {table: (n, n) for table, n in EXPECTED_ROWS.items()}
    assert [(r.service, r.ok, [t.differences for t in r.tables if t.differences]) for r in results] == [
        (s, True, []) for s in ("intake", "quota", "review", "publish")]
    # The operator's command says so too.
    started = time.monotonic()
    ok = await asyncio.to_thread(kczg, "state", "verify", "all")
    seconds = time.monotonic() - started
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count(": identical to a replay of the log") == 4 and "all identical" in ok.stdout
    print(f"kczg state verify all: {seconds:.1f}s for {sum(r.rows for r in results)} rows")


async def test_a_row_changed_behind_a_services_back_is_reported_exactly(run):
    a1 = run.ids["a1"]
    conn = await asyncpg.connect(run.db)
    try:
        # One row edited in each service: a slot, a score's total, an objection's outcome, a listing gone.
        await conn.execute("UPDATE quota.holders SET slot = 9 WHERE nomination_id = $1", a1)
        scored = await conn.fetchrow("UPDATE review.scores SET total = total + 1 WHERE (nomination_id, expert_id) = "
                                     "(SELECT nomination_id, expert_id FROM review.scores ORDER BY 1, 2 LIMIT 1) "
                                     "RETURNING nomination_id::text, expert_id, total")
        objection = await conn.fetchval("UPDATE publish.objections SET upheld = NOT upheld WHERE nomination_id = $1 "
                                        "RETURNING objection_id::text", a1)
        await conn.execute("DELETE FROM intake.listings WHERE nomination_id = $1", a1)
    finally:
        await conn.close()

    found = {}
    for result in await verify_states(states("all")):
        found[result.service] = [(d.table, d.key, d.kind, d.columns) for t in result.tables for d in t.differences]
        assert (result.differing, result.uncovered, result.ok) == (1, [], False)
    assert found == {
        "intake": [("intake.listings", {"campaign": "kczg-2022", "list_code": "leading_tech", "nomination_id": a1},
                    "missing_in_live", ())],
        "quota": [("quota.holders", {"nomination_id": a1}, "differs", ("slot",))],
        "review": [("review.scores", {"nomination_id": scored["nomination_id"], "expert_id": scored["expert_id"]},
                    "differs", ("total",))],
        "publish": [("publish.objections", {"objection_id": objection}, "differs", ("upheld",))],
    }

    bad = await asyncio.to_thread(kczg, "state", "verify", "quota")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "quota: differs from a replay of the log" in bad.stdout and "differing: quota" in bad.stdout
    assert f"quota.holders {{'nomination_id': '{a1}'}} differs — slot: live=9 replayed=1" in bad.stdout


async def test_a_table_neither_compared_nor_excluded_fails_the_verification(run):
    # A table a service gained that its restore.py neither compares nor names as excluded is not verified.
    conn = await asyncpg.connect(run.db)
    try:
        await conn.execute("CREATE TABLE publish.unaccounted (id int PRIMARY KEY)")
        (result,) = await verify_states(states("publish"))
    finally:
        await conn.execute("DROP TABLE publish.unaccounted")
        await conn.close()
    assert (result.uncovered, result.ok) == (["publish.unaccounted"], False)
