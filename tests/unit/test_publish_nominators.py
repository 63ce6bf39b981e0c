"""Who a separately organised list's entries name as 推荐单位: the body that reviews the list and takes its
nominations, with the name the campaign gives it; and the views fold the campaign's opening into that name."""

from __future__ import annotations

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from contracts.campaign import campaign_to_dict, load_builtin_campaign
from contracts.events import encode_event
from services.publish.domain.nominators import nominating_bodies, nominating_bodies_of
from services.publish.views import RANKINGS, RELEASE_FACTS
from tests.support.events import campaign_opened, registered

KCZG_2022 = load_builtin_campaign("kczg-2022")


def test_the_bodies_of_the_two_separately_organised_lists_and_no_other():
    assert nominating_bodies(KCZG_2022) == (("cistc", "中国国际科技交流中心"),
                                            ("kczg_open_source_consortium", "“科创中国”开源创新联合体"))


def test_the_definition_on_the_log_gives_the_same_and_one_that_does_not_validate_none():
    assert nominating_bodies_of(campaign_to_dict(KCZG_2022)) == nominating_bodies(KCZG_2022)
    broken = {**campaign_to_dict(KCZG_2022), "bodies": "not a list"}
    assert nominating_bodies_of(broken) == ()


def folded_names(projection, events) -> dict[str, str]:
    folded = projection.new_batch()
    values = [encode_event(e) for e in events]
    projection.fold_into(folded, {TopicPartition("t", 0): [
        ConsumerRecord("t", 0, i, 0, 0, b"k", v, None, 1, len(v), ()) for i, v in enumerate(values)]})
    assert folded.letters == []
    (units,) = [t for t in projection.tables if t.name == "units"]
    return {unit_id: dict(zip(units.column_names, row))["name"]
            for (_, unit_id), row in folded.view.units.rows.items()}


def test_both_views_name_the_bodies_and_a_unit_registered_since_names_itself():
    opened = campaign_opened()
    # A unit registers after its campaign opened; one registered under a body's code would name itself.
    itself = registered("cistc").model_copy(update={"name": "自行登记的名称"})
    for projection in (RELEASE_FACTS, RANKINGS):
        assert folded_names(projection, [opened]) == {"cistc": "中国国际科技交流中心",
                                                      "kczg_open_source_consortium": "“科创中国”开源创新联合体"}
        for order in ([opened, itself], [itself, opened]):
            assert folded_names(projection, order)["cistc"] == "自行登记的名称", projection.name


def test_an_entry_recorded_without_its_units_name_still_names_the_body_in_the_release():
    from datetime import datetime, timezone
    from uuid import uuid4

    from contracts.events import ListPublished, PublishedEntry
    from services.publish.release.assemble import release_of, version_of
    from services.publish.release.table import HEADERS, release_rows
    from tests.support.events import SECRETARIAT

    at = datetime(2023, 1, 5, 2, tzinfo=timezone.utc)
    # As a version written before entries carried the name: only the body's code.
    entries = (PublishedEntry(nomination_id=uuid4(), title="开源分布式数据库社区", unit_id="kczg_open_source_consortium"),
               PublishedEntry(nomination_id=uuid4(), title="某开源项目", unit_id="unit-unnamed"))
    published = ListPublished(occurred_at=at, campaign="kczg-2022", key="kczg-2022:open_source", actor=SECRETARIAT,
                              list_code="open_source", entries=entries, published_at=at)
    release = release_of(KCZG_2022, [version_of(published)])
    (lst,) = release.lists
    # The body by its campaign name; a unit the log never named keeps its code (nothing better is known).
    assert [(e.unit_id, e.unit_name) for e in lst.entries] == [
        ("kczg_open_source_consortium", "“科创中国”开源创新联合体"), ("unit-unnamed", "unit-unnamed")]
    # The rows the CSV, XLSX and PDF files print.
    assert [dict(zip(HEADERS, row))["推荐单位"] for row in release_rows(release)] == [
        "“科创中国”开源创新联合体", "unit-unnamed"]
