"""Campaigns are events on the real broker: `kczg campaign load | extend-deadline | move-release | show`
run as an operator runs them (a subprocess), and the topic itself is read to prove what was published."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from contracts.campaign import campaign_to_dict, load_builtin_campaign
from contracts.events import CampaignOpened, CampaignTimelineChanged, decode_event
from contracts.topics import CAMPAIGNS
from eventlog.consume.campaign_follower import CampaignFollower, read_campaign_book
from tests.support.kafka import read_topic

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGNS_DIR = ROOT / "contracts" / "campaigns"
KCZG_2022 = str(CAMPAIGNS_DIR / "kczg-2022.yaml")
DEMO_2023 = str(CAMPAIGNS_DIR / "demo-2023.yaml")
BJ = timezone(timedelta(hours=8))


async def kczg(*args: str) -> subprocess.CompletedProcess:
    """Run the operator CLI against this test's topic set (the `env` fixture exported it)."""
    return await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "kczg.cli", *args], cwd=ROOT,
                                   env={**os.environ, "COLUMNS": "160"}, capture_output=True, text=True,
                                   timeout=120)


async def campaign_events() -> list:
    return [decode_event(raw) for raw in await read_topic(CAMPAIGNS.name)]


async def test_load_publishes_exactly_one_campaign_opened_and_reloading_is_a_no_op(env):
    # Load the 2022 notice's campaign.
    first = await kczg("campaign", "load", KCZG_2022, "--by", "secretariat-ops")
    assert first.returncode == 0, first.stderr
    # Load it again: the identical definition publishes nothing.
    again = await kczg("campaign", "load", KCZG_2022)
    assert again.returncode == 0 and "no-op" in again.stdout
    # The topic holds exactly one CampaignOpened, keyed by the code, carrying the whole definition.
    events = await campaign_events()
    assert len(events) == 1 and isinstance(events[0], CampaignOpened)
    opened = events[0]
    assert (opened.key, opened.campaign, opened.actor.id) == ("kczg-2022", "kczg-2022", "secretariat-ops")
    assert opened.definition == campaign_to_dict(load_builtin_campaign("kczg-2022"))


async def test_a_malformed_file_is_refused_with_line_and_field_and_publishes_nothing(env, tmp_path):
    bad = tmp_path / "bad.yaml"
    text = Path(KCZG_2022).read_text(encoding="utf-8").replace("quota_per_unit: 5", "quota_per_unit: -5")
    bad.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "quota_per_unit: -5" in row)
    result = await kczg("campaign", "load", str(bad))
    assert result.returncode == 1
    assert f"{bad}:{line}: lists[1].quota_per_unit: 不能为负数" in result.stderr
    assert "未发布任何事件" in result.stderr
    assert await read_topic(CAMPAIGNS.name) == []


async def test_a_different_definition_under_an_open_code_is_refused(env, tmp_path):
    assert (await kczg("campaign", "load", KCZG_2022)).returncode == 0
    changed = tmp_path / "kczg-2022-changed.yaml"
    changed.write_text(Path(KCZG_2022).read_text(encoding="utf-8").replace("quota_per_unit: 5", "quota_per_unit: 6"),
                       encoding="utf-8")
    result = await kczg("campaign", "load", str(changed))
    assert result.returncode == 1 and "campaign_already_open" in result.stderr
    assert len(await campaign_events()) == 1


async def test_extend_deadline_then_the_book_and_show_have_the_new_deadline(env):
    assert (await kczg("campaign", "load", KCZG_2022)).returncode == 0
    # Extend submissions by a week (no offset given: Beijing time, the campaign's zone).
    result = await kczg("campaign", "extend-deadline", "kczg-2022", "--until", "2022-11-08T00:00:00",
                        "--reason", "应多家推荐单位申请，申报截止延长一周")
    assert result.returncode == 0, result.stderr
    # Every service folding the topic now sees the new deadline.
    book = await read_campaign_book()
    assert book.as_of("kczg-2022").timeline.submission_closes_at == datetime(2022, 11, 8, tzinfo=BJ)
    # The operator's view shows it in Beijing time, with the original and the reason.
    shown = await kczg("campaign", "show", "kczg-2022")
    assert shown.returncode == 0, shown.stderr
    for text in ("申报截止", "2022-11-07 24:00", "已调整，原为 2022-10-31 24:00", "申报截止延长一周", "先导技术榜"):
        assert text in shown.stdout


async def test_an_invalid_extension_is_refused_and_publishes_nothing(env):
    assert (await kczg("campaign", "load", KCZG_2022)).returncode == 0
    # Past the preliminary-review due date: the campaign would be inconsistent.
    result = await kczg("campaign", "extend-deadline", "kczg-2022", "--until", "2022-12-15T00:00:00+08:00",
                        "--reason", "过晚")
    assert result.returncode == 1 and "invalid_campaign_change" in result.stderr
    assert [type(e) for e in await campaign_events()] == [CampaignOpened]


async def test_the_2022_release_moved_to_2023_02_20_replays_from_the_log(env):
    assert (await kczg("campaign", "load", KCZG_2022)).returncode == 0
    moved = await kczg("campaign", "move-release", "kczg-2022", "--to", "2023-02-20",
                       "--reason", "2023“科创中国”年度会议于2月20日举行，榜单在会上发布")
    assert moved.returncode == 0, moved.stderr
    # The move is a fact on the log...
    events = await campaign_events()
    assert [type(e) for e in events] == [CampaignOpened, CampaignTimelineChanged]
    assert events[1].changes == {"release_planned_from": datetime(2023, 2, 20, tzinfo=BJ),
                                 "release_planned_until": datetime(2023, 2, 21, tzinfo=BJ)}
    # ...so a service starting now, replaying from offset 0, plans the release for that day.
    campaign = (await read_campaign_book()).as_of("kczg-2022")
    assert campaign.timeline.release_planned_from == datetime(2023, 2, 20, tzinfo=BJ)
    assert campaign.phase_at(datetime(2023, 2, 1, tzinfo=BJ)) == "awaiting_release"
    assert campaign.phase_at(datetime(2023, 2, 20, 15, tzinfo=BJ)) == "release"


async def test_a_second_differently_shaped_campaign_runs_through_the_same_code(env):
    assert (await kczg("campaign", "load", KCZG_2022)).returncode == 0
    assert (await kczg("campaign", "load", DEMO_2023)).returncode == 0
    book = await read_campaign_book()
    assert book.codes == ("kczg-2022", "demo-2023")
    channels = ("national_society", "provincial_cast")
    assert book.as_of("kczg-2022").quota_limit("leading_tech", "biomedicine", channels) == 6
    assert book.as_of("demo-2023").quota_limit("leading_tech", "biomedicine", channels) == 2
    # `show` without a code shows the latest opened campaign and names the other.
    shown = await kczg("campaign", "show")
    assert shown.returncode == 0, shown.stderr
    for text in ("demo-2023", "数字经济", "名额不叠加", "往届已上榜", "其他活动：kczg-2022"):
        assert text in shown.stdout


async def test_a_service_book_learns_a_campaign_opened_after_start_up(env):
    # A service started before any campaign was loaded (and not following the topic yet)...
    follower = CampaignFollower()
    await follower.start()
    try:
        assert follower.book.codes == ()
        assert (await kczg("campaign", "load", DEMO_2023)).returncode == 0
        # ...meets an event naming demo-2023 and reads the topic on to its end once.
        found = await follower.knowing("demo-2023")
        assert found.title.startswith("示例")
        book = follower.book
        assert await follower.knowing("demo-2023") is found and follower.book is book
    finally:
        await follower.stop()
