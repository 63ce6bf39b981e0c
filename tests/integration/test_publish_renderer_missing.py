"""A machine without release.pdf's renderer: /readyz is red and says what to install, release.pdf answers
503 renderer_unavailable, and every other release file, the manifest and the public page are served.
`kczg release build` says the same in one line and exits 1, writing nothing."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from eventlog.clock import FixedClock
from services.publish.release import renderer
from tests.integration.publish_support import Facts
from tests.support.events import open_campaign, publish
from tests.support.intake import Keys, wait_for
from tests.support.publish import AFTER_NOTICE, C, NOTICE_TIME, facts_caught_up, open_notice, publish_in_process, release

MISSING = renderer.Missing(("libharfbuzz-subset0",), "没有 HarfBuzz 字体子集库")
MESSAGE = ("本机暂时无法生成 release.pdf，缺少 Debian 软件包 libharfbuzz-subset0（没有 HarfBuzz 字体子集库）。"
           "请安装：apt-get install -y --no-install-recommends libharfbuzz-subset0；其余发布文件照常提供。")
SERVED = ("release.json", "release.csv", "release.xlsx")


@pytest.fixture
async def without_renderer(env, tmp_path, monkeypatch):
    """The publish service in-process on a machine whose probe finds libharfbuzz-subset0 missing, with
    先导技术榜 released."""
    monkeypatch.setattr(renderer, "probe", lambda: MISSING)
    facts = Facts()
    await open_campaign()
    await publish(*facts.events())
    async with publish_in_process(Keys(tmp_path), FixedClock(NOTICE_TIME)) as client:
        await facts_caught_up()
        assert (await open_notice(client, "leading_tech")).status_code == 201
        client.clock.at = AFTER_NOTICE
        assert (await release(client, "leading_tech")).status_code == 201
        yield client


async def test_readyz_is_red_and_names_the_package(without_renderer):
    r = await without_renderer.get("/readyz")
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert (body["code"], body["detail"]) == ("not_ready", MESSAGE)
    assert {"field": "renderer", "code": "renderer_unavailable", "message": MESSAGE} in body["errors"]


async def test_only_the_pdf_is_refused_and_the_rest_is_served(without_renderer):
    client = without_renderer

    async def manifest_served():
        r = await client.get(f"/v1/publish/campaigns/{C}/release/manifest.json")
        return r.status_code == 200 and r.json()["versions"] == {"leading_tech": 1}

    await wait_for(manifest_served)
    pdf = await client.get(f"/v1/publish/campaigns/{C}/release/release.pdf")
    assert pdf.status_code == 503
    assert pdf.headers["content-type"] == "application/problem+json"
    assert (pdf.json()["code"], pdf.json()["detail"]) == ("renderer_unavailable", MESSAGE)
    for name in SERVED:
        assert (await client.get(f"/v1/publish/campaigns/{C}/release/{name}")).status_code == 200, name
    manifest = (await client.get(f"/v1/publish/campaigns/{C}/release/manifest.json")).json()
    assert sorted(manifest["files"]) == sorted(SERVED)  # the manifest lists what is served, no more
    page = await client.get(f"/campaigns/{C}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f"/v1/publish/campaigns/{C}/release/release.xlsx" in page.text
    assert f"/v1/publish/campaigns/{C}/release/release.pdf" not in page.text


async def test_release_build_says_what_to_install_in_one_line_and_writes_nothing(without_renderer, tmp_path):
    from kczg.release_cli import app

    out = tmp_path / "out"
    done = await asyncio.to_thread(CliRunner().invoke, app, ["build", C, "--out", str(out)])
    assert (done.exit_code, done.stdout, done.stderr) == (1, "", f"{MESSAGE}（renderer_unavailable）\n")
    assert not out.exists()
