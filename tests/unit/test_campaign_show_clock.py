"""`kczg campaign show` reads the phase at the services' clock (KCZG_CLOCK, parsed as eventlog/clock.py parses
it) and says which clock: with the demo clock of the README the 2022 campaign is 征集中, as the services say."""

from __future__ import annotations

from datetime import datetime

import pytest
from typer.testing import CliRunner

from contracts.campaign.book import CampaignBook, evolve
from kczg import campaign_cli
from kczg.campaign_view import BEIJING
from tests.support.events import campaign_opened


@pytest.fixture(autouse=True)
def the_2022_campaign_on_the_log(monkeypatch):
    async def book() -> CampaignBook:
        return evolve(CampaignBook(), campaign_opened())

    monkeypatch.setattr(campaign_cli, "book", book)


def phase_row(env: dict[str, str]) -> tuple[int, str]:
    done = CliRunner().invoke(campaign_cli.app, ["show", "kczg-2022"], env=env)
    rows = [line for line in done.stdout.splitlines() if "当前阶段" in line]
    return done.exit_code, " ".join(rows[0].strip(" │|").split()) if rows else done.stdout + done.stderr


def test_the_phase_at_the_services_start_clock():
    assert phase_row({"KCZG_CLOCK": "start:2022-10-15T10:00:00+08:00"}) == (
        0, "当前阶段 │ 征集中（按KCZG_CLOCK=start:2022-10-15T10:00:00+08:00：2022-10-15 10:00 北京时间）")


def test_the_phase_at_a_fixed_clock_after_the_deadline():
    assert phase_row({"KCZG_CLOCK": "2022-11-05T09:30:00+08:00"}) == (
        0, "当前阶段 │ 初评中（按KCZG_CLOCK=2022-11-05T09:30:00+08:00：2022-11-05 09:30 北京时间）")


def test_without_kczg_clock_the_system_clock_and_says_so():
    before = datetime.now(BEIJING)
    code, row = phase_row({"KCZG_CLOCK": ""})
    after = datetime.now(BEIJING)  # the minute may turn meanwhile: either reading is the system clock's
    assert code == 0
    assert row in {f"当前阶段 │ 已发布（按系统时钟：{at:%Y-%m-%d %H:%M} 北京时间）" for at in (before, after)}


def test_an_unreadable_clock_is_one_line_and_exit_1():
    done = CliRunner().invoke(campaign_cli.app, ["show", "kczg-2022"], env={"KCZG_CLOCK": "start:yesterday"})
    assert (done.exit_code, done.stdout) == (1, "")
    assert done.stderr.startswith("KCZG_CLOCK 无法解析（invalid_clock）：")
    assert done.stderr.count("\n") == 1
