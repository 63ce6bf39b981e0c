"""`kczg release build` rebuilds every release file from the log alone, byte for byte, twice alike and equal
to what the running service serves; `kczg release trace` prints an entry's chain of events."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from pathlib import Path

from contracts.topics import REVIEW
from eventlog.verify.projections import verify
from services.publish.views import RELEASE_FACTS
from tests.integration.publish_support import publish_2022  # noqa: F401  (fixture)
from tests.support.events import decision, publish, results_submitted
from tests.support.intake import wait_for
from tests.support.publish import AFTER_NOTICE, C, facts_caught_up, open_notice, release

ROOT = Path(__file__).resolve().parents[2]
FILES = ("release.json", "release.csv", "release.xlsx", "release.pdf", "manifest.json")


def kczg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kczg.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": "987", "TZ": "America/New_York"}, timeout=300)


async def test_build_twice_gives_the_bytes_the_service_serves(publish_2022, tmp_path):
    client, facts = publish_2022, publish_2022.facts
    # 新锐企业榜 gets its decision too; both lists are noticed and released, 先导技术榜 corrected once.
    await publish(*results_submitted(facts.enterprise),
                  (REVIEW, decision(facts.enterprise.nomination_id, "emerging_enterprise", None, True)))
    await facts_caught_up()
    for list_code in ("leading_tech", "emerging_enterprise"):
        assert (await open_notice(client, list_code)).status_code == 201
    client.clock.at = AFTER_NOTICE
    for list_code in ("leading_tech", "emerging_enterprise"):
        assert (await release(client, list_code)).status_code == 201
    assert (await release(client, "leading_tech", reason="更正推荐单位名称")).status_code == 201

    async def served():
        r = await client.get(f"/v1/publish/campaigns/{C}/release/manifest.json")
        return r.status_code == 200 and r.json()["versions"] == {"leading_tech": 2, "emerging_enterprise": 1}

    await wait_for(served)
    served_files = {name: (await client.get(f"/v1/publish/campaigns/{C}/release/{name}")).content for name in FILES}
    # Two builds, each its own process (another hash seed, another local time zone), from the log alone.
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        done = await asyncio.to_thread(kczg, "release", "build", C, "--out", str(out))
        assert done.returncode == 0, done.stderr
    for name in FILES:
        built = (first / C / name).read_bytes()
        assert built == (second / C / name).read_bytes(), name
        assert built == served_files[name], name
    assert hashlib.sha256(served_files["release.pdf"]).hexdigest() in served_files["manifest.json"].decode()
    # The index page links to the same files, with their checksums.
    page = (await client.get(f"/campaigns/{C}")).text
    assert f'href="/v1/publish/campaigns/{C}/release/release.xlsx"' in page
    assert hashlib.sha256(served_files["release.xlsx"]).hexdigest() in page
    # And the view the service served them from is what a clean rebuild of the log gives.
    result = await verify(RELEASE_FACTS)
    assert result.ok, result.differences[:3]


async def test_trace_prints_the_chain_behind_an_entry(publish_2022):
    client, chain = publish_2022, publish_2022.facts.bio_a
    notice = (await open_notice(client, "leading_tech")).json()
    client.clock.at = AFTER_NOTICE
    published = (await release(client, "leading_tech")).json()
    done = await asyncio.to_thread(kczg, "release", "trace", str(chain.nomination_id))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for _, event in chain.events:
        assert f"{event.event_id}  {event.type}" in out, (event.type, out)
    assert f"{notice['event_id']}  PublicNoticeOpened" in out and f"{published['event_id']}  ListPublished" in out
    assert [line.split()[0] for line in out.splitlines()[1:]] == [
        "nomination", "quota", "screening", "prelim", "decision", "notice", "release"]
    missing = await asyncio.to_thread(kczg, "release", "trace", str(client.facts.not_selected.nomination_id))
    assert missing.returncode == 1 and "不在任何已发布榜单中" in missing.stderr
