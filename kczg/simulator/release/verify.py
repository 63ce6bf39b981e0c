"""Reading back what the release phase published, checked by kczg/simulator/release/check.py: the release files
and their manifest, each list's versions, the public page, the publish service's ranking view (as the
secretariat), and `kczg release build` (a separate process reading the log alone) into a temporary
directory, byte for byte. The views are eventually consistent: each read is retried until it agrees or
a deadline passes, and then its last disagreements count. The public reads are made at the annual meeting the
release was scheduled for (the services' clock, X-Kczg-Clock); before it the public finds nothing (scenarios.py)."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

from kczg.simulator.release.check import (check_correction, check_correction_notice, check_manifest, check_page,
                                          check_rebuild, check_release_json, check_view)

SETTLE_S = 120


async def settled(name: str, rel, read, check) -> None:
    """`check(value, problems)` on what `read()` gives, until it finds nothing or SETTLE_S pass."""
    deadline = asyncio.get_running_loop().time() + SETTLE_S
    while True:
        found: list[str] = []
        check(await read(), found)
        if not found or asyncio.get_running_loop().time() > deadline:
            rel.checks[name] = not found
            rel.problems.extend(found)
            return
        await asyncio.sleep(1)


async def served(rel) -> dict[str, bytes]:
    """The manifest and every release file it names, as served now (nothing before any release)."""
    r = await rel.d.call("GET", f"{rel.pub}/release/manifest.json", headers=rel.public())
    if r.status_code != 200:
        return {}
    files = {"manifest.json": r.content}
    for name in json.loads(r.content)["files"]:
        files[name] = (await rel.d.call("GET", f"{rel.pub}/release/{name}", headers=rel.public())).content
    return files


async def statuses(rel) -> dict[str, str]:
    out, page = {}, 1
    while True:
        r = await rel.rd.ok("GET", f"{rel.base}/v1/rankings/nominations", "ranking view",
                            headers=rel.sec(rel.after_close(3)), params={"campaign": rel.campaign, "page": page, "page_size": 200})
        body = r.json()
        out.update({i["nomination_id"]: i["status"] for i in body["items"]})
        if page * 200 >= body["total"]:
            return out
        page += 1


async def rebuilt(rel, problems: list[str]) -> dict[str, bytes]:
    """`kczg release build CAMPAIGN --out TMP` in its own process, on this process's environment (topics)."""
    with tempfile.TemporaryDirectory(prefix="kczg-release-") as tmp:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "kczg.cli", "release", "build", rel.campaign, "--out", tmp,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate()
        if proc.returncode:
            problems.append(f"kczg release build exited {proc.returncode}: {err.decode()[-300:]}")
            return {}
        return {p.name: p.read_bytes() for p in Path(tmp, rel.campaign).iterdir()}


async def verify(rel) -> None:
    upheld = {p.nomination_id for p, _ in rel.objections if p.upheld}
    expected = {lst.code: rel.expected(lst.code, upheld) for lst in rel.book.lists if lst.code in rel.versions}
    released = {i.nomination_id for items in expected.values() for i in items}
    # a revoked entry's title stays on the page in the correction notice, and only there (check_correction_notice)
    unreleased = [i for n, i in rel.items.items() if n not in released and n not in rel.revoked]
    day = rel.book.timeline.release_planned_from.astimezone(rel.book.tz).date().isoformat()
    private = [p.contact for p, _ in rel.objections]
    rel.released_on = day
    if not rel.versions:
        rel.problems.append("nothing was released")
        return
    files: dict[str, bytes] = {}

    def check_files(read, found):
        files.clear()
        files.update(read)
        rel.files = {name: len(data) for name, data in files.items()}
        if not {"manifest.json", "release.json"} <= set(files):
            found.append(f"release files served: {sorted(files)}")
            return
        lists = json.loads(files["release.json"])["lists"]
        rel.published = {e["nomination_id"] for lst in lists for e in lst["entries"]}
        check_manifest(files["manifest.json"], files, rel.versions, day, found)
        check_release_json(json.loads(files["release.json"]), expected, rel.versions, rel.reasons, day, found,
                           rel.corrections)
        for name in ("release.json", "release.csv"):
            if any(c.encode() in files.get(name, b"") for c in private):
                found.append(f"{name} carries an objector's contact")

    await settled("files", rel, lambda: served(rel), check_files)

    async def versions():
        got = {}
        for code in rel.versions:
            r = await rel.rd.ok("GET", f"{rel.pub}/lists/{code}/versions", f"versions of {code}", headers=rel.public())
            got[code] = [(v["version"], v["reason"]) for v in r.json()["versions"]]
        return got

    want = {code: [(n, rel.reasons.get(code) if n > 1 else None) for n in range(1, v + 1)]
            for code, v in rel.versions.items()}

    def check_versions(got, found):
        if got != want:
            found.append(f"list versions {got}, expected {want}")

    await settled("versions", rel, versions, check_versions)

    async def page():
        return (await rel.rd.ok("GET", f"{rel.base}/campaigns/{rel.campaign}", "the public page",
                                headers=rel.public())).text

    def check_public(html, found):
        check_page(html, expected, unreleased, private, found)
        for code, reason in rel.reasons.items():
            if f"更正说明：{reason}" not in html:
                found.append(f"page: no correction note for {code}")
        for code, corrections in rel.corrections.items():
            check_correction_notice(html, corrections, found)

    await settled("page", rel, page, check_public)
    not_selected = {n for n, s in rel.selected.items() if not s}
    await settled("view", rel, lambda: statuses(rel),
                  lambda got, found: check_view(got, released, upheld, not_selected, found, rel.revoked))

    async def corrected_versions():
        return {code: [(await rel.rd.ok("GET", f"{rel.pub}/lists/{code}/versions/{v}", f"{code} version {v}",
                                        headers=rel.public())).json() for v in (1, 2)]
                for code in rel.corrections}

    def check_corrected(got, found):
        for code, (first, second) in got.items():
            check_correction(first, second, rel.before_correction[code], rel.corrections[code], found)

    await settled("correction", rel, corrected_versions, check_corrected)
    facts = rel.scenario.get("correction", {})
    facts["ok"] = bool(facts.get("answered") and rel.corrections and rel.checks.get("correction")
                       and all(rel.checks.get(c) for c in ("files", "versions", "page", "view")))
    if rel.rebuild:
        found: list[str] = []
        check_rebuild(files, await rebuilt(rel, found), found)
        rel.checks["rebuild"] = not found
        rel.problems.extend(found)
