"""Results stay confidential until the notice (issue 19, item 8) and a release until its embargo lifts (item 7),
in the ranking views, against the real broker and database.

By default (kczg-2022's rules.results_to_units: at_notice) a unit reads its nominations' preliminary score, rank,
recommendation and decision only once a public notice of the list covers their target: before it they read as
under review, and no status filter finds them by result; a target the notice was opened without stays
confidential. With the setting at as_recorded the unit reads them from the start. The secretariat and the review
bodies always do. A release scheduled for the annual meeting shows as published to the secretariat alone until
that instant, and to everyone at it, with no further command (the service's injectable clock). Nor does a confidential
rank show in the order the rows come in."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from contracts.campaign import load_builtin_campaign
from contracts.events import PrelimScored
from contracts.topics import NOMINATIONS
from eventlog.clock import FixedClock
from services.publish.views import RANKINGS
from tests.integration.publish_support import Facts, publish_2022  # noqa: F401  (fixture)
from tests.integration.test_publish_notice_guard import NOTICE, scene  # noqa: F401  (fixture)
from tests.support.events import LogWriter, nomination_chain, open_campaign, publish, registered
from tests.support.intake import Keys, OffsetWatch
from tests.support.projections import caught_up
from tests.support.publish import (AFTER_NOTICE, C, NOTICE_TIME, facts_caught_up, open_notice, publish_in_process,
                                   secretariat)

R = "/v1/rankings/nominations"
RESULTS = ("prelim_aggregate", "prelim_raw_sum", "prelim_rank", "prelim_expert_count", "prelim_method",
           "recommended_rank", "recommended_late", "selected", "decision_note")
HIDDEN = dict.fromkeys(RESULTS)
MEETING = datetime.fromisoformat("2023-02-20T09:30:00+08:00")


def shown(selected: bool | None, recommended: int | None = 2) -> dict:
    """The results of a publish_2022 chain as recorded: every chain scored 88.50 and ranked first by its score;
    unit-a's are second in their body's submitted results, unit-b's unselected one third."""
    return {"prelim_aggregate": 88.5, "prelim_raw_sum": 619.5, "prelim_rank": 1, "prelim_expert_count": 7,
            "prelim_method": "trimmed_mean", "recommended_rank": recommended,
            "recommended_late": None if recommended is None else False, "selected": selected,
            "decision_note": None if selected is None else "终评"}


async def rows(client, headers: dict, **params) -> dict[str, dict]:
    r = await client.get(R, params={"campaign": C, "page_size": 200, **params}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["total"] == len(r.json()["items"])
    return {i["nomination_id"]: i for i in r.json()["items"]}


def instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def results(row: dict) -> dict:
    return {k: row[k] for k in RESULTS}


async def test_a_unit_reads_its_results_only_once_the_notice_opens(publish_2022):
    client, f = publish_2022, publish_2022.facts
    await caught_up(RANKINGS)
    unit_a, unit_b = client.keys.headers("unit", "unit-a"), client.keys.headers("unit", "unit-b")
    sec, life = secretariat(client.keys), client.keys.headers("review_body", "cast_life_science_consortium")
    bio_a, elec_a, enterprise = (str(c.nomination_id) for c in (f.bio_a, f.elec_a, f.enterprise))
    # Before the notice: the unit's three read as under review, with no score, rank or decision.
    mine = await rows(client, unit_a)
    assert {n: (r["status"], results(r)) for n, r in mine.items()} == {
        n: ("under_review", HIDDEN) for n in (bio_a, elec_a, enterprise)}
    r = await client.get(f"{R}/{bio_a}", headers=unit_a)
    assert (r.json()["status"], results(r.json())) == ("under_review", HIDDEN)
    # No filter finds them by their result; under_review finds all three.
    for status in ("selected", "not_selected", "recommended", "scored", "published"):
        assert await rows(client, unit_a, status=status) == {}, status
    assert (await rows(client, unit_b, status="not_selected")) == {}
    assert set(await rows(client, unit_a, status="under_review")) == {bio_a, elec_a, enterprise}
    # The secretariat and the body of 生物医药 read them as recorded.
    everything = await rows(client, sec)
    assert (everything[bio_a]["status"], results(everything[bio_a])) == ("selected", shown(True))
    assert (everything[enterprise]["status"], results(everything[enterprise])) == ("scored", shown(None, None))
    assert (await rows(client, sec, status="under_review")) == {}
    theirs = await rows(client, life)
    assert (theirs[bio_a]["status"], results(theirs[bio_a])) == ("selected", shown(True))
    # 先导技术榜's notice opens: its results are the unit's to read; 新锐企业榜's (no notice) still are not.
    assert (await open_notice(client, "leading_tech")).status_code == 201
    await caught_up(RANKINGS)
    mine = await rows(client, unit_a)
    assert {n: (r["status"], results(r)) for n, r in mine.items()} == {
        bio_a: ("selected", shown(True)), elec_a: ("selected", shown(True)), enterprise: ("under_review", HIDDEN)}
    assert set(await rows(client, unit_a, status="selected")) == {bio_a, elec_a}
    assert set(await rows(client, unit_a, status="under_review")) == {enterprise}
    not_selected = await rows(client, unit_b, status="not_selected")
    assert {n: results(r) for n, r in not_selected.items()} == {str(f.not_selected.nomination_id): shown(False, 3)}


async def test_a_target_the_notice_was_opened_without_stays_confidential(scene):
    client, s = scene
    await caught_up(RANKINGS)
    unit_a = client.keys.headers("unit", "unit-a")
    materials, bio = str(s.materials[0].nomination_id), str(s.bio[0].nomination_id)
    reason = "生物医药领域初评延期，经主任办公会同意先行公示其余领域。"
    r = await client.post(NOTICE, json={"omit": [{"domain": "biomedicine", "reason": reason}]},
                          headers=secretariat(client.keys))
    assert r.status_code == 201, r.text
    await caught_up(RANKINGS)
    mine = await rows(client, unit_a)
    assert (mine[materials]["status"], mine[materials]["selected"], mine[materials]["prelim_rank"]) == \
        ("selected", True, 1)
    assert (mine[bio]["status"], results(mine[bio])) == ("under_review", HIDDEN)
    assert set(await rows(client, unit_a, status="scored")) == set()


@pytest.fixture
async def shown_as_recorded(env, tmp_path):
    """kczg-2022 with rules.results_to_units: as_recorded, the publish_2022 facts, the service caught up."""
    campaign = load_builtin_campaign("kczg-2022")
    async with LogWriter() as log:
        await log.open_campaign(campaign.model_copy(update={"rules": campaign.rules.model_copy(
            update={"results_to_units": "as_recorded"})}))
    facts = Facts()
    await publish(*facts.events())
    async with publish_in_process(Keys(tmp_path), FixedClock(NOTICE_TIME)) as client:
        client.facts = facts
        await facts_caught_up()
        await caught_up(RANKINGS)
        yield client


async def test_with_the_setting_off_a_unit_reads_its_results_from_the_start(shown_as_recorded):
    client, f = shown_as_recorded, shown_as_recorded.facts
    unit_a = client.keys.headers("unit", "unit-a")
    assert client.app.state.service.campaigns.campaign(C).rules.results_to_units == "as_recorded"
    mine = await rows(client, unit_a)
    assert {n: (r["status"], results(r)) for n, r in mine.items()} == {
        str(f.bio_a.nomination_id): ("selected", shown(True)), str(f.elec_a.nomination_id): ("selected", shown(True)),
        str(f.enterprise.nomination_id): ("scored", shown(None, None))}
    assert set(await rows(client, unit_a, status="selected")) == {str(f.bio_a.nomination_id),
                                                                  str(f.elec_a.nomination_id)}


async def test_an_embargoed_release_is_published_in_the_rankings_only_from_its_instant(publish_2022):
    client, f = publish_2022, publish_2022.facts
    sec, unit_a = secretariat(client.keys), client.keys.headers("unit", "unit-a")
    info = client.keys.headers("review_body", "cast_info_tech_consortium")
    elec_a = str(f.elec_a.nomination_id)
    assert (await open_notice(client, "leading_tech")).status_code == 201
    client.clock.at = AFTER_NOTICE
    r = await client.post(f"/v1/publish/campaigns/{C}/lists/leading_tech/release",
                          json={"public_at": MEETING.isoformat()}, headers=sec)
    assert r.status_code == 201, r.text
    await caught_up(RANKINGS)
    # Before the meeting: published to the secretariat; to the unit and the body, selected, with no release date.
    as_secretariat = (await client.get(f"{R}/{elec_a}", headers=sec)).json()
    assert (as_secretariat["status"], instant(as_secretariat["published_at"])) == ("published", AFTER_NOTICE)
    assert set(await rows(client, sec, status="published")) == {str(c.nomination_id) for c in f.listed}
    client.clock.at = MEETING - timedelta(microseconds=1)
    async with OffsetWatch() as watch:
        before = await watch.ends()
        for who in (unit_a, info):
            row = (await client.get(f"{R}/{elec_a}", headers=who)).json()
            assert (row["status"], row["published_at"], row["selected"]) == ("selected", None, True)
            assert await rows(client, who, status="published") == {}
        # Filtering by what it shows: selected, not yet published.
        assert set(await rows(client, info, status="selected")) == {
            str(c.nomination_id) for c in (f.reselected, f.elec_b, f.elec_a)}
        assert await watch.ends() == before  # reading changed nothing
    # At the instant, with no command: published to them too.
    client.clock.at = MEETING
    for who in (unit_a, info):
        row = (await client.get(f"{R}/{elec_a}", headers=who)).json()
        assert (row["status"], instant(row["published_at"])) == ("published", AFTER_NOTICE)
    assert set(await rows(client, unit_a, status="published")) == {str(f.bio_a.nomination_id), elec_a}
    assert await rows(client, info, status="selected") == {}


@pytest.fixture
async def two_ranked(env, tmp_path):
    """unit-a's two 生物医药 nominations, scored: the one with the larger id ranked first, so their order by rank
    is the reverse of their order by id (submitted at one instant, the order without a rank)."""
    first, second = sorted((nomination_chain("unit-a", "leading_tech", "biomedicine", title) for title in ("甲", "乙")),
                           key=lambda c: str(c.nomination_id))
    first, second = (nomination_chain_ranked(first, 2), nomination_chain_ranked(second, 1))
    await open_campaign()
    await publish((NOMINATIONS, registered("unit-a", "provincial_cast")), *first.events, *second.events)
    async with publish_in_process(Keys(tmp_path), FixedClock(NOTICE_TIME)) as client:
        await caught_up(RANKINGS)
        client.by_id = [str(first.nomination_id), str(second.nomination_id)]
        yield client


def nomination_chain_ranked(chain, rank: int):
    """The chain with its PrelimScored at `rank`."""
    events = tuple((topic, e.model_copy(update={"rank": rank}) if isinstance(e, PrelimScored) else e)
                   for topic, e in chain.events)
    return type(chain)(chain.submitted, events)


async def test_a_confidential_rank_does_not_show_in_the_order_either(two_ranked):
    client = two_ranked
    ranked = [(await rows(client, secretariat(client.keys)))[n]["prelim_rank"] for n in client.by_id]
    assert ranked == [2, 1]
    r = await client.get(R, params={"campaign": C}, headers=secretariat(client.keys))
    assert [i["nomination_id"] for i in r.json()["items"]] == client.by_id[::-1]   # by rank
    r = await client.get(R, params={"campaign": C}, headers=client.keys.headers("unit", "unit-a"))
    assert [i["nomination_id"] for i in r.json()["items"]] == client.by_id          # as if unranked
