"""A separately organised list (开源创新榜, 国际创新合作榜) takes its nominations from its own review body, under
the body's code: its entries' 推荐单位 is the body's name as the campaign names it — in the rankings, the
notice, the ListPublished event, every release file and the public page — never the code. Real broker and
database."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pypdf
import pytest

from contracts.events import ListPublished
from contracts.topics import PUBLISH
from eventlog.clock import FixedClock
from services.publish.views import RANKINGS
from tests.support.events import nomination_chain, open_campaign, publish, results_submitted
from tests.support.intake import Keys, events_of, wait_for
from tests.support.kafka import read_topic
from tests.support.projections import caught_up
from tests.support.publish import (AFTER_NOTICE, C, NOTICE_TIME, facts_caught_up, open_notice, publish_in_process,
                                   release, secretariat)

BODY, BODY_NAME = "kczg_open_source_consortium", "“科创中国”开源创新联合体"   # contracts/campaigns/kczg-2022.yaml
TITLE, HOLDER = "开源分布式数据库社区", "某开源软件基金会"
CISTC, CISTC_NAME = "cistc", "中国国际科技交流中心"                             # 国际创新合作榜's body


@pytest.fixture
async def open_source(env, tmp_path):
    """kczg-2022 open; one 开源创新榜 and one 国际创新合作榜 nomination, each entered by its list's body (no unit
    registered under either code), selected; the publish service in-process and caught up."""
    chain = nomination_chain(BODY, "open_source", None, TITLE, {"organisation": HOLDER})
    international = nomination_chain(CISTC, "international_cooperation", None, "中欧联合实验室",
                                     {"lead_organisation": "某研究院"})
    await open_campaign()
    await publish(*chain.events, *international.events,  # each body's results, which the notice waits for
                  *results_submitted(chain, body_code=BODY), *results_submitted(international, body_code=CISTC))
    async with publish_in_process(Keys(tmp_path), FixedClock(NOTICE_TIME)) as client:
        client.chain, client.international = chain, international
        await facts_caught_up()
        await caught_up(RANKINGS, 120)
        yield client


async def test_the_body_is_named_as_the_recommending_unit_everywhere(open_source):
    client, nid = open_source, str(open_source.chain.nomination_id)
    # The rankings, as the secretariat reads them before anything is published.
    r = await client.get("/v1/rankings/nominations", params={"campaign": C}, headers=secretariat(client.keys))
    assert r.status_code == 200, r.text
    assert {(i["list_code"], i["unit_id"], i["unit_name"]) for i in r.json()["items"]} == {
        ("open_source", BODY, BODY_NAME), ("international_cooperation", CISTC, CISTC_NAME)}
    # The notice: its JSON and its page.
    r = await open_notice(client, "open_source")
    assert r.status_code == 201, r.text
    notice_id = r.json()["notice_id"]
    items = (await client.get(f"/v1/publish/campaigns/{C}/notices/{notice_id}")).json()["entries"]
    assert [(i["title"], i["unit_name"]) for i in items] == [(TITLE, BODY_NAME)]
    page = (await client.get(f"/campaigns/{C}/notices/{notice_id}")).text
    assert f"<td>{HOLDER}</td><td>{BODY_NAME}</td>" in page and BODY not in page
    # The release: the event carries the name beside the code.
    client.clock.at = AFTER_NOTICE
    r = await release(client, "open_source")
    assert r.status_code == 201, r.text
    (published,) = [e for e in events_of(await read_topic(PUBLISH.name)) if isinstance(e, ListPublished)]
    assert [(e.unit_id, e.unit_name) for e in published.entries] == [(BODY, BODY_NAME)]

    async def served():
        r = await client.get(f"/v1/publish/campaigns/{C}/release/manifest.json")
        return r.status_code == 200 and r.json()["versions"] == {"open_source": 1}

    await wait_for(served)
    files = {name: (await client.get(f"/v1/publish/campaigns/{C}/release/{name}")).content
             for name in ("release.json", "release.csv", "release.xlsx", "release.pdf")}
    (entry,) = [e for lst in json.loads(files["release.json"])["lists"] for e in lst["entries"]]
    assert (entry["unit_id"], entry["unit_name"]) == (BODY, BODY_NAME)
    header, row = csv.reader(io.StringIO(files["release.csv"].decode("utf-8-sig"), newline=""))
    assert dict(zip(header, row))["推荐单位"] == BODY_NAME and BODY not in files["release.csv"].decode("utf-8-sig")
    sheet = openpyxl.load_workbook(io.BytesIO(files["release.xlsx"]))["开源创新榜"]
    assert dict(zip((c.value for c in sheet[1]), (c.value for c in sheet[2])))["推荐单位"] == BODY_NAME
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(files["release.pdf"])).pages)
    assert BODY_NAME.strip("“”") in text.replace("\n", "") and BODY not in text
    # The public page of the list, and the rankings once published.
    page = (await client.get(f"/campaigns/{C}/lists/open_source")).text
    assert f"<td>{HOLDER}</td><td>{BODY_NAME}</td>" in page and BODY not in page

    async def published_in_rankings():
        r = await client.get(f"/v1/rankings/nominations/{nid}", headers=secretariat(client.keys))
        return r.status_code == 200 and r.json()["status"] == "published" and r.json()

    assert (await wait_for(published_in_rankings))["unit_name"] == BODY_NAME
