"""The intake's projection of its own events from the log: what another writer (or a crashed command)
put there is applied once, redelivered copies are not, and a broken record of an intake type goes to
the dead-letter topic while the projection goes on."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

import orjson

from contracts.events import Actor, ApplicationSaved, ApplicationSentToUnit, NominationSubmitted, unit_key
from contracts.topics import APPLICATIONS, DEADLETTER, NOMINATIONS
from services.intake.examples import example_form
from tests.support.events import LogWriter, publish
from tests.support.intake import wait_for
from tests.support.events import SECRETARIAT
from tests.support.kafka import read_topic


def submitted(title: str) -> NominationSubmitted:
    form = example_form("leading_tech", technology_name=title)
    return NominationSubmitted(
        occurred_at=datetime.fromisoformat("2022-10-15T10:00:00+08:00"), campaign="kczg-2022",
        key=unit_key("kczg-2022", "unit-a"), actor=SECRETARIAT, nomination_id=uuid4(), unit_id="unit-a",
        list_code="leading_tech", domain=form["domain"], title=title, form=form)


async def test_events_from_the_log_are_applied_once_and_poison_is_set_aside(intake):
    first, second = submitted("日志中的技术一"), submitted("日志中的技术二")
    encoded = orjson.loads(first.model_dump_json())
    broken_id = uuid4()
    broken = orjson.dumps({**encoded, "event_id": str(broken_id), "revision": "not a number"})
    key = first.key.encode()
    async with LogWriter() as log:
        # first, a broken record of an intake type, first again (a redelivery), then second
        await log.unit_stream([first])
        await log.raw(NOMINATIONS.name, key, broken)
        await log.unit_stream([first, second])
    headers = intake.keys.headers("unit", "unit-a")

    async def listed() -> list[dict]:
        items = (await intake.get("/v1/nominations", headers=headers)).json()["items"]
        return items if len(items) >= 2 else []

    items = await wait_for(listed)
    assert sorted(i["title"] for i in items) == ["日志中的技术一", "日志中的技术二"]
    async def letters() -> list[dict]:
        return [orjson.loads(v) for v in await read_topic(DEADLETTER.name)]

    dead = await wait_for(letters)
    assert len(dead) == 1 and "undecodable" in str(dead[0])
    async with intake.app.state.service.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM intake.nomination_status") == 2
        claimed = {r["event_id"] for r in await conn.fetch("SELECT event_id FROM intake.inbox")}
    # The broken record was not applied, so its id is not claimed: a fixed replay would still apply it.
    assert claimed == {first.event_id, second.event_id}


async def test_a_recommendation_read_before_its_application_still_recommends_it(intake):
    """The projection reads the nominations topic and the applications topic in no fixed order (a replay
    may be far ahead on one): an application it meets after the nomination that recommends it is
    recommended all the same, as its command left it."""
    at = datetime.fromisoformat("2022-10-15T10:00:00+08:00")
    unit = dict(campaign="kczg-2022", key=unit_key("kczg-2022", "unit-a"), unit_id="unit-a")
    app_id, form = uuid4(), example_form("emerging_enterprise")
    by_applicant = dict(**unit, actor=Actor(role="applicant", id="acme-tech"), application_id=app_id,
                        applicant_id="acme-tech", revision=1)
    saved = ApplicationSaved(**by_applicant, occurred_at=at, list_code="emerging_enterprise", title="某智能科技有限公司",
                             form=form)
    sent = ApplicationSentToUnit(**by_applicant, occurred_at=at.replace(minute=5))
    nominated = NominationSubmitted(**unit, actor=Actor(role="unit", id="unit-a"), occurred_at=at.replace(minute=9),
                                    nomination_id=uuid4(), list_code="emerging_enterprise", title=saved.title,
                                    form=form, application_id=app_id, opinion="同意推荐")
    unit_a = intake.keys.headers("unit", "unit-a")
    # The recommendation is applied first; the application's own events arrive after it.
    await publish((NOMINATIONS, nominated))
    await wait_for(lambda: _status(intake, f"/v1/nominations/{nominated.nomination_id}", unit_a))
    await publish((APPLICATIONS, saved), (APPLICATIONS, sent))

    async def both_applied():
        async with intake.app.state.service.pool.acquire() as conn:
            return await conn.fetchrow("SELECT status, nomination_id, created_at, updated_at FROM intake.applications "
                                       "WHERE application_id = $1 AND ever_sent", app_id)

    row = await wait_for(both_applied)
    assert (row["status"], row["nomination_id"], row["created_at"], row["updated_at"]) == (
        "recommended", nominated.nomination_id, saved.occurred_at, nominated.occurred_at)
    shown = await _status(intake, f"/v1/applications/{app_id}", unit_a)
    assert (shown["status"], shown["nomination_id"]) == ("recommended", str(nominated.nomination_id))


async def _status(client, url: str, headers: dict) -> dict | None:
    r = await client.get(url, headers=headers)
    return r.json() if r.status_code == 200 else None
