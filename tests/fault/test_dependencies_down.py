"""The broker, then PostgreSQL, killed (-9) in the middle of a stream of keyed submissions to the intake
(the quota service deciding them) and of scores to the review service; brought back; nothing restarted.

While it is down every answer comes back within the client's bound, as a 503 problem+json with a
Retry-After and a Chinese message, and /readyz is red while /healthz stays green. Afterwards: every
write acknowledged is on the log exactly once, every nomination is decided exactly once, no pool holds
more than its limit, and the review views equal a rebuild.

It kills a broker and a database of its own (tests/support/private_stack.py: the local stack on spare ports,
started for this module), never the session's, which every other test uses and which may be given from
outside (another developer's, a CI service, testcontainers): it runs beside the other tests on any stack."""

from __future__ import annotations

import asyncio
import collections
import os
import subprocess
import sys
import time

import httpx
import pytest

from contracts.events import ExpertScoreRecorded, NominationSubmitted, QuotaRejected, QuotaReserved
from contracts.topics import NOMINATIONS, QUOTA, REVIEW
from services.intake.examples import example_form
from tests.integration.quota_support import start_quota
from tests.support.events import open_campaign, register_units
from tests.support.intake import Keys, distinct_events, wait_for
from tests.support.isolation import isolated_env
from tests.support.kafka import read_topic
from tests.support.private_stack import PrivateStack
from tests.support.processes import ROOT, ServiceProcess, free_port, stop_all, wait_http_ready
from tests.support.review import MATERIALS, plan_body, put_nominations, roster, views_show
from tests.support.traffic import KeyedWriter

UNITS, PER_UNIT, LIMIT = 10, 8, 3   # each unit nominates 8 to one 先导技术 domain: 3 reserved, 5 rejected
TARGET = "/v1/review/campaigns/kczg-2022/targets/leading_tech/advanced_materials"
CLIENT_BOUND_S = 10.0  # no answer within this is a hang
OUTAGE_S = 8.0  # how long the dependency stays away


def service(module: str, env: dict, keys: Keys, log, clock: str, port_var: str) -> tuple[ServiceProcess, str]:
    port = free_port()
    proc = ServiceProcess(module, env, log, extra_env={**keys.env(), "KCZG_CLOCK": clock, port_var: str(port)}).start()
    return proc, f"http://127.0.0.1:{port}"


async def quota_decisions() -> list:
    """The quota's decisions on this test's units, each event once (distinct_events)."""
    return [e for e in distinct_events(await read_topic(QUOTA.name), QuotaReserved, QuotaRejected)
            if e.unit_id.startswith("unit-")]


def submission(unit: int, i: int) -> dict:
    form = example_form("leading_tech", domain="biomedicine", technology_name=f"技术{unit}-{i}")
    return {"campaign": "kczg-2022", "list_code": "leading_tech", "domain": "biomedicine", "form": form,
            "opinion": "同意推荐。"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Kafka and PostgreSQL of this module's own, to kill: started once for both tests, deleted at the end."""
    private = PrivateStack(tmp_path_factory.mktemp("private-stack"))
    try:
        private.up()
        yield private
    finally:
        private.down()


@pytest.fixture
async def env(stack):
    """A fresh database and topic set on the module's own stack, exported to this process's environment."""
    async with isolated_env(stack.env) as e:
        yield e


@pytest.mark.parametrize("component", ["kafka", "postgres"])
async def test_a_dependency_killed_mid_stream_gets_bounded_503s_and_loses_or_doubles_nothing(stack, env, tmp_path,
                                                                                                component):
    keys = Keys(tmp_path)
    await open_campaign()
    await register_units({f"unit-{u}": ("provincial_cast",) for u in range(UNITS)})
    await put_nominations({f"rev-{u}": 2 for u in range(20)}, domain="advanced_materials")
    quota = start_quota(env, tmp_path / "quota.log", **keys.env())
    intake, intake_base = service("services.intake", env, keys, tmp_path / "intake.log", "2022-10-15T10:00:00+08:00",
                                  "INTAKE_PORT")
    review, review_base = service("services.review", env, keys, tmp_path / "review.log", "2022-11-10T10:00:00+08:00",
                                  "REVIEW_PORT")
    processes = (quota, intake, review)
    submissions, scores = KeyedWriter(CLIENT_BOUND_S), KeyedWriter(CLIENT_BOUND_S)
    try:
        for base, proc in ((intake_base, intake), (review_base, review)):
            await asyncio.to_thread(wait_http_ready, base, proc)
        seats = await _review_ready(env, keys, review_base)
        async with httpx.AsyncClient(timeout=CLIENT_BOUND_S) as client:
            async def units_known() -> bool:
                return (await client.get(f"{intake_base}/v1/campaigns/kczg-2022")).json()["registered_units"] >= UNITS
            await wait_for(units_known, timeout_s=60, interval_s=0.1)

            async def submit_all(unit: int) -> None:
                for i in range(PER_UNIT):
                    await submissions.write(client, "POST", f"{intake_base}/v1/nominations", f"fault-{unit}-{i:02d}",
                                            submission(unit, i), keys.headers("unit", f"unit-{unit}"))
                    await asyncio.sleep(0.15)

            async def score_all(lane: list) -> None:
                for k, (nid, expert) in enumerate(lane):
                    body = {"scores": {"innovation": str(50 + k), "advancement": "80", "industrial_value": "80",
                                       "social_benefit": "80"}}
                    await scores.write(client, "PUT", f"{review_base}{TARGET}/nominations/{nid}/scores",
                                       f"s-{nid[:8]}-{expert}-{k}", body,
                                       keys.headers("expert", MATERIALS, sub=expert))
                    await asyncio.sleep(0.1)

            traffic = asyncio.gather(*(submit_all(u) for u in range(UNITS)),
                                     *(score_all(seats[i::8]) for i in range(8)))
            async def mid_stream() -> bool:  # both streams under way
                return len(submissions.acked) >= 20 and len(scores.acked) >= 20
            await wait_for(mid_stream, timeout_s=60)
            # The dependency dies mid-stream, stays away OUTAGE_S, and comes back; no service is restarted.
            # (in a thread: starting and stopping block, and the clients must keep running meanwhile)
            await asyncio.to_thread(stack.kill, component)
            down_at = time.monotonic()

            async def red() -> bool:  # both have noticed: /readyz red, /healthz still green
                nonlocal ready, alive
                ready = [(await client.get(f"{b}/readyz")).status_code for b in (intake_base, review_base)]
                alive = [(await client.get(f"{b}/healthz")).status_code for b in (intake_base, review_base)]
                return ready == [503, 503] or time.monotonic() > down_at + OUTAGE_S
            ready = alive = None
            await wait_for(red, timeout_s=OUTAGE_S + 5, interval_s=0.2)
            await asyncio.sleep(max(0.0, down_at + OUTAGE_S - time.monotonic()))  # the outage's length, not a wait
            await asyncio.to_thread(stack.start, component)
            up_at = time.monotonic()
            await traffic
            recovered_at = time.monotonic()
            for base in (intake_base, review_base):  # ready again, by themselves
                async def is_ready(base=base):
                    return (await client.get(f"{base}/readyz")).status_code == 200
                await wait_for(is_ready, timeout_s=60)

            async def all_decided() -> bool:  # the decider catches up by itself (its consumer rewound at the kill)
                return len({e.nomination_id for e in await quota_decisions()}) >= UNITS * PER_UNIT
            await wait_for(all_decided, timeout_s=60, interval_s=0.5)
        assert all(p.alive() for p in processes), "a service died with its dependency"
    finally:
        stack.up()  # whatever happened, both running again for the next test (a no-op for a running one)
        stop_all(list(processes))

    assert ready == [503, 503] and alive == [200, 200]
    # Every attempt answered within the client's bound, during the outage and around it (the services
    # never went away, only their dependency): an attempt that hung, or was refused, is a failure.
    unanswered = [(round(a.started - down_at, 1), round(a.seconds, 1), "hung" if a.hung else "refused or reset",
                   a.url.split("/v1/")[1][:40]) for a in submissions.attempts + scores.attempts if a.status is None]
    assert unanswered == [], f"{component}: {len(unanswered)} attempts without an answer within " \
                             f"{CLIENT_BOUND_S} s (s after the kill, s taken, what, where): {unanswered[:10]}"
    assert max(a.seconds for a in submissions.attempts + scores.attempts) <= CLIENT_BOUND_S
    outage = submissions.during(down_at, up_at) + scores.during(down_at, up_at)
    answered = [a for a in outage if a.status is not None]
    refusals = [a for a in answered if a.status >= 300]
    # A 2xx in the outage is a replay whose events were already on the log (nothing left to publish).
    assert refusals and all(a.status == 503 and a.problem_json and a.retry_after for a in refusals), \
        collections.Counter((a.status, a.code) for a in outage)
    worst = max(a.seconds for a in outage)
    print(f"\n{component}: down {up_at - down_at:.1f} s; {len(outage)} attempts during it, "
          f"{collections.Counter(a.code for a in answered)}, slowest answer {worst:.2f} s; "
          f"traffic done {recovered_at - up_at:.1f} s after it came back; slowest: "
          f"{sorted(((round(a.seconds, 1), a.status, a.url.split('/v1/')[1][:40]) for a in outage), reverse=True)[:4]}")

    # Every acknowledged write once on the log; every nomination decided once; no pool over its limit.
    log_nominations = [e for e in distinct_events(await read_topic(NOMINATIONS.name), NominationSubmitted)
                       if e.unit_id.startswith("unit-")]
    assert len(submissions.acked) == UNITS * PER_UNIT
    assert len({e.event_id for e in log_nominations}) == UNITS * PER_UNIT
    assert {str(e.nomination_id) for e in log_nominations} == {a["nomination_id"] for a in submissions.acked.values()}
    decisions = {e.event_id: e for e in await quota_decisions()}  # a repeat under one id must be the same record
    decided = collections.Counter(e.nomination_id for e in decisions.values())
    assert len(decided) == UNITS * PER_UNIT and set(decided.values()) == {1}
    reserved = collections.Counter(e.unit_id for e in decisions.values() if isinstance(e, QuotaReserved))
    assert reserved == {f"unit-{u}": LIMIT for u in range(UNITS)}
    recorded = {e.event_id for e in distinct_events(await read_topic(REVIEW.name), ExpertScoreRecorded)}
    assert len(recorded) == len(scores.acked) == len(seats)
    await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.panel WHERE scored_at IS NOT NULL",
                     len(seats))
    verified = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "kczg.cli", "projections", "verify",
                                                        "review.views"], cwd=ROOT, capture_output=True, text=True,
                                       env={**os.environ, "COLUMNS": "200"}, timeout=300)
    assert verified.returncode == 0 and "identical" in verified.stdout, verified.stdout + verified.stderr


async def _review_ready(env: dict, keys: Keys, base: str) -> list[tuple[str, str]]:
    """Screened, a plan filed, experts assigned: the seats (nomination, expert) to score."""
    await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.nominations "
                     "WHERE quota_outcome = 'reserved' AND list_code = 'leading_tech' AND domain = 'advanced_materials'",
                     40)
    body, secretariat = keys.headers("review_body", MATERIALS), keys.headers("secretariat", "kczg_secretariat")
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        queue = (await client.get("/v1/review/campaigns/kczg-2022/screening?page_size=100", headers=secretariat)).json()
        for item in queue["items"]:
            r = await client.post(f"/v1/review/nominations/{item['nomination_id']}/screening", json={"passed": True},
                                  headers=secretariat)
            assert r.status_code == 201, r.text
        await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.nominations WHERE in_review", 40)
        assert (await client.put(TARGET + "/plan", json=plan_body(roster(10), per_item=3), headers=body)).status_code == 201
        assert (await client.post(TARGET + "/assignments/auto", json={}, headers=body)).status_code == 200
        await views_show(env["DATABASE_URL"], "SELECT count(*) FROM review_views.panel WHERE active", 120)
        items = (await client.get(TARGET + "?page_size=100", headers=body)).json()["nominations"]["items"]
    return [(i["nomination_id"], e) for i in items for e in i["experts"]]
