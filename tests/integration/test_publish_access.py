"""Who sees what in the publish API (guarantee 6): the public only published lists, open notices and release
files; the secretariat everything; a review body its own targets' nominations; a unit its own."""

from __future__ import annotations

from contracts.topics import PUBLISH
from services.publish.views import RANKINGS
from tests.integration.publish_support import publish_2022  # noqa: F401  (fixture)
from tests.support.intake import wait_for
from tests.support.kafka import end_offsets
from tests.support.projections import caught_up
from tests.support.publish import AFTER_NOTICE, C, open_notice, release

R = "/v1/rankings/nominations"


async def visible(client, headers: dict | None = None, **params) -> set[str]:
    r = await client.get(R, params={"campaign": C, "page_size": 200, **params}, headers=headers or {})
    assert r.status_code == 200, r.text
    return {item["nomination_id"] for item in r.json()["items"]}


def ids(*chains) -> set[str]:
    return {str(c.nomination_id) for c in chains}


async def test_anonymous_callers_see_no_ranking_view(publish_2022):
    client = publish_2022
    await caught_up(RANKINGS)
    some = client.facts.bio_z.nomination_id
    for path in (R, f"{R}/{some}", f"/v1/campaigns/{C}/progress"):
        r = await client.get(path)
        assert r.status_code == 401 and "登录" in r.json()["detail"], (path, r.text)
    assert (await client.get(R, headers={"Authorization": "Bearer not-a-token"})).status_code == 401


async def test_the_public_sees_published_lists_open_notices_and_files_only(publish_2022):
    client, facts = publish_2022, publish_2022.facts
    # Before anything is published or noticed: empty lists, no notice, no files, no titles anywhere.
    assert (await client.get(f"/v1/publish/campaigns/{C}/lists")).json()["lists"] == []
    assert (await client.get(f"/v1/publish/campaigns/{C}/notices")).json()["notices"] == []
    assert (await client.get(f"/v1/publish/campaigns/{C}/release/release.json")).status_code == 404
    page = (await client.get(f"/campaigns/{C}")).text
    assert all(c.submitted.title not in page for c in facts.chains)
    # Noticed and released: the listed ones are public, the others never are.
    assert (await open_notice(client, "leading_tech")).status_code == 201
    client.clock.at = AFTER_NOTICE
    assert (await release(client, "leading_tech")).status_code == 201
    ends = await end_offsets(PUBLISH.name)

    async def released():
        r = await client.get(f"/v1/publish/campaigns/{C}/lists")
        return r.json()["lists"] if r.status_code == 200 else None

    (listed,) = await wait_for(released)
    assert [e["nomination_id"] for e in listed["entries"]] == [str(c.nomination_id) for c in facts.listed]
    files = await client.get(f"/v1/publish/campaigns/{C}/release/release.csv")
    assert files.status_code == 200 and "mRNA 疫苗递送平台" in files.content.decode("utf-8-sig")
    hidden = (facts.not_selected, facts.deselected, facts.enterprise)
    public = [await client.get(p) for p in (f"/v1/publish/campaigns/{C}/lists", f"/v1/publish/campaigns/{C}/notices",
                                            f"/campaigns/{C}", f"/campaigns/{C}/lists/leading_tech",
                                            f"/v1/publish/campaigns/{C}/release/release.json")]
    for r in public:
        assert r.status_code == 200
        assert not any(c.submitted.title in r.text or str(c.nomination_id) in r.text for c in hidden), r.url
    # The closed notice is the secretariat's to read, no longer the public's.
    assert (await client.get(f"/v1/publish/campaigns/{C}/notices")).json()["notices"] == []
    assert await end_offsets(PUBLISH.name) == ends  # reading changed nothing


async def test_the_secretariat_sees_every_nomination(publish_2022):
    client, facts = publish_2022, publish_2022.facts
    await caught_up(RANKINGS)
    secretariat = client.keys.headers("secretariat", "kczg_secretariat")
    assert await visible(client, secretariat) == ids(*facts.chains, facts.enterprise)
    progress = await client.get(f"/v1/campaigns/{C}/progress", headers=secretariat)
    assert progress.status_code == 200 and progress.json()["total"] == 8


async def test_a_review_body_sees_its_own_targets_only(publish_2022):
    client, f = publish_2022, publish_2022.facts
    await caught_up(RANKINGS)
    life = client.keys.headers("review_body", "cast_life_science_consortium")    # 先导技术榜 · 生物医药
    info = client.keys.headers("review_body", "cast_info_tech_consortium")       # 先导技术榜 · 电子信息
    emerging = client.keys.headers("review_body", "kczg_secretariat")             # 新锐企业榜
    assert await visible(client, life) == ids(f.bio_z, f.bio_a, f.not_selected)
    assert await visible(client, info) == ids(f.elec_b, f.elec_a, f.deselected, f.reselected)
    assert await visible(client, emerging) == ids(f.enterprise)
    assert await visible(client, life, domain="electronic_info") == set()
    r = await client.get(f"{R}/{f.elec_a.nomination_id}", headers=life)
    assert r.status_code == 404 and r.json()["code"] == "nomination_not_found"  # another body's: as if absent
    assert (await client.get(f"{R}/{f.bio_a.nomination_id}", headers=life)).status_code == 200
    assert (await client.get(f"/v1/campaigns/{C}/progress", headers=life)).status_code == 403


async def test_a_unit_sees_its_own_nominations_only(publish_2022):
    client, f = publish_2022, publish_2022.facts
    await caught_up(RANKINGS)
    unit_a = client.keys.headers("unit", "unit-a")
    assert await visible(client, unit_a) == ids(f.bio_a, f.elec_a, f.enterprise)
    assert await visible(client, unit_a, unit_id="unit-b") == set()  # asking for another unit's gives nothing
    assert (await client.get(f"{R}/{f.bio_z.nomination_id}", headers=unit_a)).status_code == 404
    r = await client.get(R, headers=client.keys.headers("expert", "expert-1"))
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
