"""The previously-listed rule in the intake, against the real broker and database: demo-2023 refuses
what kczg-2022 listed (ListPublished on kczg.publish, the 2022 forms on kczg.nominations), by credit
code for enterprises and by normalised title otherwise, with a Chinese reason and no event; a list
published again as a correction replaces the earlier one."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

import pytest

from contracts.events import ListPublished, NominationSubmitted, PublishedEntry, unit_key
from contracts.topics import NOMINATIONS, PUBLISH
from eventlog.clock import FixedClock
from services.intake.credit_code import check_char
from services.intake.examples import example_form
from tests.support.intake import Keys, OffsetWatch, intake_in_process, wait_for
from tests.support.events import SECRETARIAT, open_campaign, publish, register_units

IN_2023_COLLECTION = datetime.fromisoformat("2023-09-15T10:00:00+08:00")
RELEASED_2022 = datetime.fromisoformat("2023-02-20T10:00:00+08:00")


def credit_code(serial: str) -> str:
    body = f"91110108MA{serial:0>7}"
    return body + check_char(body)


LISTED_CODE, OTHER_CODE = credit_code("1ABCD0"), credit_code("2EFGH0")


def listed_2022(list_code: str, title: str, form: dict) -> NominationSubmitted:
    return NominationSubmitted(
        occurred_at=datetime.fromisoformat("2022-10-10T10:00:00+08:00"), campaign="kczg-2022",
        key=unit_key("kczg-2022", "unit-2022"), actor=SECRETARIAT, nomination_id=uuid4(), unit_id="unit-2022",
        list_code=list_code, domain="electronic_info" if list_code == "leading_tech" else None, title=title, form=form)


def published(*nominations: NominationSubmitted, at: datetime = RELEASED_2022, key: str | None = None) -> ListPublished:
    list_code = nominations[0].list_code
    return ListPublished(
        occurred_at=at, campaign="kczg-2022", key=key or f"kczg-2022:{list_code}", actor=SECRETARIAT,
        list_code=list_code,
        published_at=at, entries=tuple(PublishedEntry(nomination_id=n.nomination_id, title=n.title,
                                                      unit_id=n.unit_id, domain=n.domain) for n in nominations))


ENTERPRISE = listed_2022("emerging_enterprise", "北京示例科技有限公司", {"credit_code": LISTED_CODE})
CHIP = listed_2022("leading_tech", "“高性能”存算一体芯片", {"technology_name": "高性能存算一体芯片"})


async def listings_seen(client, n: int) -> bool:
    async with client.app.state.service.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM intake.listings") == n


@pytest.fixture
async def intake_2023(env, tmp_path):
    """demo-2023 open (re-nomination forbidden), kczg-2022's lists released, unit-a registered for 2023."""
    keys = Keys(tmp_path)
    await open_campaign("kczg-2022")
    await open_campaign("demo-2023")
    await register_units({"unit-a": ("provincial_cast",)}, campaign="demo-2023")
    await publish((NOMINATIONS, ENTERPRISE), (NOMINATIONS, CHIP), (PUBLISH, published(ENTERPRISE)),
                  (PUBLISH, published(CHIP)))
    async with intake_in_process(keys, FixedClock(IN_2023_COLLECTION)) as client:
        client.keys = keys
        await wait_for(lambda: listings_seen(client, 2))
        yield client


def enterprise(name: str, code: str) -> dict:
    form = example_form("emerging_enterprise", enterprise_name=name, credit_code=code)
    return {"campaign": "demo-2023", "list_code": "emerging_enterprise", "form": form, "opinion": "同意推荐。"}


def technology(name: str) -> dict:
    form = example_form("leading_tech", technology_name=name, domain="electronic_info")
    return {"campaign": "demo-2023", "list_code": "leading_tech", "domain": "electronic_info", "form": form,
            "opinion": "同意推荐。"}


async def test_an_enterprise_listed_in_2022_is_refused_by_credit_code_even_renamed(intake_2023):
    unit_a = intake_2023.keys.headers("unit", "unit-a")
    renamed = enterprise("北京示例智能科技有限公司", LISTED_CODE.lower())
    async with OffsetWatch() as watch:
        before = await watch.ends()
        r = await intake_2023.post("/v1/nominations", json=renamed, headers=unit_a)
        assert r.status_code == 422, r.text
        problem = r.json()
        assert problem["code"] == "previously_listed" and problem["errors"][0]["field"] == "form.credit_code"
        assert "“北京示例科技有限公司”（统一社会信用代码相同）已入选2022年“科创中国”系列榜单征集遴选（kczg-2022）新锐企业榜" \
            in problem["detail"]
        assert "往届已上榜" in problem["detail"]
        assert await watch.ends() == before  # refused: nothing on any topic
    # Another enterprise is nominated as usual.
    r = await intake_2023.post("/v1/nominations", json=enterprise("上海另一科技有限公司", OTHER_CODE), headers=unit_a)
    assert r.status_code == 202, r.text


async def test_a_technology_listed_in_2022_is_refused_by_its_normalised_title(intake_2023):
    unit_a = intake_2023.keys.headers("unit", "unit-a")
    r = await intake_2023.post("/v1/nominations", json=technology("高性能 存算一体芯片"), headers=unit_a)
    assert r.status_code == 422 and r.json()["code"] == "previously_listed", r.text
    assert r.json()["errors"][0]["field"] == "title" and "先导技术榜" in r.json()["detail"]
    r = await intake_2023.post("/v1/nominations", json=technology("低功耗存算一体芯片"), headers=unit_a)
    assert r.status_code == 202, r.text


async def test_an_amendment_to_a_listed_credit_code_is_refused_and_the_nomination_stays(intake_2023):
    unit_a = intake_2023.keys.headers("unit", "unit-a")
    r = await intake_2023.post("/v1/nominations", json=enterprise("上海另一科技有限公司", OTHER_CODE), headers=unit_a)
    nid = r.json()["nomination_id"]
    amended = example_form("emerging_enterprise", enterprise_name="上海另一科技有限公司", credit_code=LISTED_CODE)
    r = await intake_2023.put(f"/v1/nominations/{nid}", json={"form": amended}, headers=unit_a)
    assert r.status_code == 422 and r.json()["code"] == "previously_listed", r.text
    r = await intake_2023.get(f"/v1/nominations/{nid}", headers=unit_a)
    assert r.json()["revision"] == 1 and r.json()["form"]["credit_code"] == OTHER_CODE


async def test_an_applicant_is_told_when_sending_to_its_unit(intake_2023):
    applicant = intake_2023.keys.headers("applicant", "org-x")
    form = example_form("emerging_enterprise", enterprise_name="北京示例科技有限公司", credit_code=LISTED_CODE)
    form.pop("recommending_opinion", None)
    r = await intake_2023.post("/v1/applications", headers=applicant, json={
        "campaign": "demo-2023", "unit_id": "unit-a", "list_code": "emerging_enterprise", "form": form})
    assert r.status_code == 201, r.text  # a draft may be saved...
    r = await intake_2023.post(f"/v1/applications/{r.json()['application_id']}/send", headers=applicant)
    assert r.status_code == 422 and r.json()["code"] == "previously_listed", r.text  # ...but not sent


async def test_a_corrected_list_replaces_the_earlier_one(intake_2023):
    unit_a = intake_2023.keys.headers("unit", "unit-a")
    # The 2022 enterprise list is published again without the enterprise (a correction)...
    other = listed_2022("emerging_enterprise", "另一家企业", {"credit_code": OTHER_CODE})
    await publish((NOMINATIONS, other), (PUBLISH, published(other, at=RELEASED_2022.replace(hour=12))))
    # ...and an older publication arriving late changes nothing. (A third list, published behind it on
    # the same partition, shows when the late one has been read.)
    manager = listed_2022("tech_manager_pioneer", "某技术经理人", {})
    await publish((PUBLISH, published(ENTERPRISE, at=RELEASED_2022.replace(hour=9))),
                  (PUBLISH, published(manager, key="kczg-2022:emerging_enterprise")))
    await wait_for(lambda: listings_seen(intake_2023, 3))
    r = await intake_2023.post("/v1/nominations", json=enterprise("北京示例科技有限公司", LISTED_CODE), headers=unit_a)
    assert r.status_code == 202, r.text
    r = await intake_2023.post("/v1/nominations", json=enterprise("另一家企业", OTHER_CODE), headers=unit_a)
    assert r.status_code == 422 and r.json()["code"] == "previously_listed", r.text


async def test_a_list_naming_an_entry_twice_does_not_stop_the_projection(intake_2023):
    manager = listed_2022("tech_manager_pioneer", "某技术经理人", {})
    twice = published(manager, manager)
    await publish((PUBLISH, twice))
    await wait_for(lambda: listings_seen(intake_2023, 3))  # the entry counted once, and the list applied


async def test_rows_saved_before_credit_keys_existed_get_them_at_start(intake_2023):
    from services.intake import store

    async with intake_2023.app.state.service.pool.acquire() as conn:
        await conn.execute("UPDATE intake.nomination_status SET credit_key = NULL")
        await store.ensure_schema(conn)
        keys = await conn.fetch("SELECT credit_key FROM intake.nomination_status WHERE nomination_id = $1",
                                ENTERPRISE.nomination_id)
    assert [r["credit_key"] for r in keys] == [f"credit:{LISTED_CODE}"]
