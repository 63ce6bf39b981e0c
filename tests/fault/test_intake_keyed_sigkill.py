"""SIGKILL of the intake, three times, in the middle of keyed writes on every write path: nominations
under an Idempotency-Key, their amendments and withdrawals, and the applicant's flow (save, send to the
unit, the unit's recommendation). Each client retries under the same key until it has an answer, as
the public platform does. Afterwards: every key's write is on the log exactly once, a replay of every
key answers what it answered the first time and logs nothing, and every row reads back as the log
says."""

from __future__ import annotations

import asyncio
import collections
import time

import httpx

from contracts.events import ApplicationSaved, ApplicationSentToUnit, NominationAmended, NominationSubmitted, \
    NominationWithdrawn
from contracts.topics import APPLICATIONS, NOMINATIONS
from tests.support.events import open_campaign, register_units
from tests.support.intake import Keys, application_body, distinct_events, end_offsets, nomination_body
from tests.support.kafka import read_topic
from tests.support.processes import ServiceProcess, free_port, wait_http_ready
from tests.support.traffic import KeyedWriter
from tests.support.state import assert_state_equals_replay

UNITS = 30
NOMINATIONS_PER_UNIT = 4      # each submitted, then amended; every other one withdrawn
APPLICATIONS_PER_UNIT = 2     # each saved, sent, recommended
WRITES = UNITS * (NOMINATIONS_PER_UNIT * 2 + NOMINATIONS_PER_UNIT // 2 + APPLICATIONS_PER_UNIT * 3)
KILL_AT = (0.2, 0.45, 0.7)    # of WRITES answered


def start_intake(env, keys: Keys, log, port: int) -> ServiceProcess:
    return ServiceProcess("services.intake", env, log, extra_env={
        **keys.env(), "KCZG_CLOCK": "2022-10-15T10:00:00+08:00", "INTAKE_PORT": str(port)}).start()


async def nominate(writer: KeyedWriter, client, keys: Keys, unit: str, j: int) -> None:
    headers = keys.headers("unit", unit)
    body = nomination_body(technology_name=f"{unit}技术{j}")
    accepted = await writer.write(client, "POST", "/v1/nominations", f"sub-{unit}-{j}", body, headers)
    url = f"/v1/nominations/{accepted['nomination_id']}"
    await writer.write(client, "PUT", url, f"amend-{unit}-{j}",
                       {"form": {**body["form"], "summary": f"修订后的简介{j}。"}}, headers)
    if j % 2 == 0:
        await writer.write(client, "POST", url + "/withdraw", f"withdraw-{unit}-{j}", {"reason": "单位决定撤回。"},
                           headers)


async def apply_and_recommend(writer: KeyedWriter, client, keys: Keys, unit: str, j: int) -> None:
    applicant = keys.headers("applicant", f"applicant-{unit}-{j}")
    body = application_body(unit_id=unit, list_code="leading_tech", technology_name=f"{unit}申报{j}")
    saved = await writer.write(client, "POST", "/v1/applications", f"app-{unit}-{j}", body, applicant)
    url = f"/v1/applications/{saved['application_id']}"
    await writer.write(client, "POST", url + "/send", f"send-{unit}-{j}", {}, applicant)
    await writer.write(client, "POST", url + "/recommend", f"recommend-{unit}-{j}", {"opinion": "同意推荐。"},
                       keys.headers("unit", unit))


async def test_sigkill_of_intake_on_its_keyed_amend_withdraw_and_application_paths(env, tmp_path):
    keys = Keys(tmp_path)
    units = [f"unit-{u}" for u in range(UNITS)]
    await open_campaign()
    await register_units({u: ("provincial_cast", "national_society") for u in units})
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    intake = start_intake(env, keys, tmp_path / "intake-0.log", port)
    writer = KeyedWriter(timeout_s=10)
    answered_at_kill: list[int] = []
    restart_s: list[float] = []  # from the kill to the new process answering
    try:
        await asyncio.to_thread(wait_http_ready, base, intake)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 60
            while (await client.get("/v1/campaigns/kczg-2022")).json()["registered_units"] < UNITS:
                assert time.monotonic() < deadline, f"the intake never saw the {UNITS} units registered"
                await asyncio.sleep(0.1)  # the intake learns the registry from the log
            flows = asyncio.gather(*(nominate(writer, client, keys, u, j) for u in units
                                     for j in range(NOMINATIONS_PER_UNIT)),
                                   *(apply_and_recommend(writer, client, keys, u, j) for u in units
                                     for j in range(APPLICATIONS_PER_UNIT)))
            for n, share in enumerate(KILL_AT, start=1):
                deadline = time.monotonic() + 300
                while len(writer.acked) < share * WRITES:
                    assert not flows.done(), flows.exception() if flows.done() else None
                    assert time.monotonic() < deadline, f"only {len(writer.acked)} acked before kill {n}"
                    await asyncio.sleep(0.01)
                intake.kill9()
                killed_at = time.monotonic()
                answered_at_kill.append(len(writer.acked))
                intake = start_intake(env, keys, tmp_path / f"intake-{n}.log", port)
                await asyncio.to_thread(wait_http_ready, base, intake)
                restart_s.append(time.monotonic() - killed_at)
            await flows
            first_answers = dict(writer.acked)
            assert len(first_answers) == WRITES
            # Every key again: the same answer, and nothing more on the log.
            before = await end_offsets()
            assert await writer.replay(client) == first_answers
            assert await end_offsets() == before
            rows = {nid: (await client.get(f"/v1/nominations/{nid}", headers=keys.headers("unit", unit))).json()
                    for unit, nid in _nominations_by_unit(first_answers)}
    finally:
        intake.stop()

    print(f"\nintake killed at {answered_at_kill} of {WRITES} answered; answering again after "
          f"{', '.join(f'{t:.1f}' for t in restart_s)} s; {writer.summary()}")
    assert [a < WRITES for a in answered_at_kill] == [True] * len(KILL_AT), answered_at_kill
    cut_off = [a for a in writer.attempts if a.status is None]
    assert len({a.url for a in cut_off}) > len(KILL_AT), "the kills must cut requests off mid-flight"
    nominations = distinct_events(await read_topic(NOMINATIONS.name), NominationSubmitted, NominationAmended,
                                  NominationWithdrawn)
    applications = distinct_events(await read_topic(APPLICATIONS.name), ApplicationSaved, ApplicationSentToUnit)
    per_kind = collections.Counter((type(e).__name__, str(getattr(e, "nomination_id", None) or e.application_id))
                                   for e in nominations + applications)
    assert [k for k, n in per_kind.items() if n != 1] == [], "a write logged twice"
    submitted = {str(e.nomination_id) for e in nominations if isinstance(e, NominationSubmitted)}
    direct = {a["nomination_id"] for k, a in first_answers.items() if k.startswith("sub-")}
    recommended = {a["nomination_id"] for k, a in first_answers.items() if k.startswith("recommend-")}
    assert submitted == direct | recommended and len(submitted) == UNITS * (NOMINATIONS_PER_UNIT + APPLICATIONS_PER_UNIT)
    assert {str(e.nomination_id) for e in nominations if isinstance(e, NominationAmended)} == direct
    withdrawn = {a["nomination_id"] for k, a in first_answers.items() if k.startswith("withdraw-")}
    assert {str(e.nomination_id) for e in nominations if isinstance(e, NominationWithdrawn)} == withdrawn
    assert len(withdrawn) == UNITS * NOMINATIONS_PER_UNIT // 2
    assert len([e for e in applications if isinstance(e, ApplicationSentToUnit)]) == UNITS * APPLICATIONS_PER_UNIT
    # Every row as the log says: direct ones at revision 2, every other one withdrawn; recommended at 1.
    assert {nid: (r["revision"], r["status"]) for nid, r in rows.items()} == {
        **{nid: (2, "withdrawn" if nid in withdrawn else "submitted") for nid in direct},
        **{nid: (1, "submitted") for nid in recommended}}
    # The service's own tables, as well as its views, equal a replay of the log.
    await assert_state_equals_replay("intake")


def _nominations_by_unit(answers: dict[str, dict]) -> list[tuple[str, str]]:
    """(unit, nomination id) of every submission and recommendation; keys are `kind-unit-j`."""
    return [(key.split("-", 1)[1].rsplit("-", 1)[0], a["nomination_id"]) for key, a in answers.items()
            if key.startswith(("sub-", "recommend-"))]
