"""The release's guarded, embargoed and corrective steps, taken once each (issue 19), through the review and
publish services' HTTP APIs and checked as they go against what the simulator decided itself:

- a notice refused while one domain is outstanding: 先导技术榜's committee sits on every domain but one (the
  seed's); the secretariat's notice is refused `review_outstanding`, naming that domain and exactly its ranked
  nominations, and writes nothing; the domain is decided, and the notice then opens;
- an embargoed release: every list is released scheduled for the annual meeting (the release day, 09:30 in the
  campaign's time zone) and the correction keeps that instant. A minute before it, through the public routes
  with the services' injectable clock (X-Kczg-Clock), the public finds nothing released while the secretariat
  previews every list; at the instant the public reads them, with no further command;
- a correction that changes one entry and revokes another: after the release, the secretariat corrects one entry's
  title and revokes (撤销) another of 先导技术榜, each with its reason: version 2, under the same embargo; the
  revoked entry corrected again is refused `entry_not_listed`. verify.py then holds the release files, the
  versions, the page (with its correction notice) and the ranking view (the revoked entry `revoked`) to exactly
  that change, and version 1 to what it was.
"""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, time, timedelta

from markupsafe import escape

from kczg.simulator.release.plan import CORRECTION, RENAME_REASON, RENAMED_SUFFIX, REVOKE_REASON

SCENARIOS = ("notice_outstanding", "embargo", "correction")
OUTSTANDING_AT, HELD_AT = "2022-12-12T10:00:00+08:00", "2022-12-13T10:00:00+08:00"
MEETING_TIME = time(9, 30)   # the annual meeting's opening, on the release day
SETTLE_S = 120


def held_target(ranked: dict[str, list[str]], list_code: str, seed: int) -> str | None:
    """The one target of `list_code` whose committee sits last: the notice must wait for it."""
    keys = sorted(k for k, ids in ranked.items() if k.split(":")[1] == list_code and ids)
    return random.Random(f"{seed}:held").choice(keys) if keys else None


def meeting(book) -> datetime:
    day = book.timeline.release_planned_from.astimezone(book.tz).date()
    return datetime.combine(day, MEETING_TIME, tzinfo=book.tz)


async def refused_until_named(rel, list_code: str, key: str, undecided: set[str]) -> None:
    """Open the list's notice while `key` is undecided: refused, until the refusal names exactly that domain and
    its undecided nominations (the publish service reads the other domains' sittings from the log meanwhile)."""
    facts = rel.scenario.setdefault("notice_outstanding", {"list": list_code, "held": key, "ok": False})
    domain = key.split(":", 2)[2] or None
    name = next(d.name for d in rel.book.ranking_list(list_code).domains if d.code == domain)
    want = [{"domain": domain, "name": name, "results_submitted": True, "undecided": sorted(undecided)}]
    url = f"{rel.pub}/lists/{list_code}/notice"
    deadline, attempts, r = asyncio.get_running_loop().time() + SETTLE_S, 0, None
    while asyncio.get_running_loop().time() < deadline:
        r = await rel.d.call("POST", url, json={}, headers=rel.sec(OUTSTANDING_AT))
        attempts += 1
        if r.status_code != 409 or r.json().get("code") != "review_outstanding":
            break  # opened, or refused for another reason: either is wrong
        got = [{**e, "undecided": sorted(e["undecided"])} for e in r.json().get("errors", [])]
        if got == want and r.headers.get("content-type", "").startswith("application/problem+json") \
                and name in r.json()["detail"]:
            facts.update(domain=domain, name=name, undecided=len(undecided), attempts=attempts, refused=True)
            return
        await asyncio.sleep(0.5)
    rel.problems.append(f"the notice of {list_code} with {key} undecided: {r.status_code} {r.text[:300]}")


async def correction(rel, code: str, upheld: set[str]) -> None:
    """After the release: one entry of `code` renamed, another revoked (seeded), as version 2; then the revoked one
    again, refused. What the answer says is checked here; what the services show, by verify.py."""
    facts = rel.scenario.setdefault("correction", {"list": code, "ok": False})
    listed = rel.expected(code, upheld)
    if len(listed) < 2:
        rel.problems.append(f"a correction of {code}: {len(listed)} entries released, two needed")
        return
    renamed, revoked = random.Random(f"{rel.seed}:correction").sample(listed, 2)
    title = renamed.title[:200 - len(RENAMED_SUFFIX)] + RENAMED_SUFFIX
    changes = [{"nomination_id": renamed.nomination_id, "title": title, "reason": RENAME_REASON},
               {"nomination_id": revoked.nomination_id, "revoke": True, "reason": REVOKE_REASON}]
    url = f"{rel.pub}/lists/{code}/corrections"
    r = await rel.post(url, "correction", rel.after_close(2), {"reason": CORRECTION, "changes": changes}, 201)
    if r.status_code != 201:
        return
    body = r.json()
    rel.before_correction[code] = listed
    rel.versions[code], rel.reasons[code] = body["version"], CORRECTION
    rel.retitled[renamed.nomination_id], rel.revoked = title, {revoked.nomination_id}
    rel.corrections[code] = [
        {"nomination_id": renamed.nomination_id, "title": renamed.title, "revoked": False, "reason": RENAME_REASON,
         "changes": [{"field": "title", "before": renamed.title, "after": title}]},
        {"nomination_id": revoked.nomination_id, "title": revoked.title, "revoked": True, "reason": REVOKE_REASON,
         "changes": []}]
    kept = body["public_at"] is not None and datetime.fromisoformat(body["public_at"]) == rel.meeting
    again = await rel.post(url, "correction_again", rel.after_close(2), {"reason": CORRECTION, "changes": [
        {"nomination_id": revoked.nomination_id, "revoke": True, "reason": REVOKE_REASON}]}, 422)
    if again.status_code == 422 and again.json().get("code") == "entry_not_listed":
        rel.refusals["entry_not_listed"] += 1
    facts.update(version=body["version"], renamed=renamed.nomination_id, revoked=revoked.nomination_id,
                 entries_before=len(listed), entries_after=body["entries"], embargo_kept=kept,
                 answered=(body["version"] == 2 and body["entries"] == len(listed) - 1 and kept
                           and body["corrections"] == rel.corrections[code]))
    if not facts["answered"]:
        rel.problems.append(f"the correction of {code}: {facts} {body}")


async def embargo(rel) -> None:
    """A minute before the meeting the public sees nothing released and the secretariat every list; at the
    meeting the public sees every list."""
    facts = rel.scenario.setdefault("embargo", {"ok": False})
    at = rel.meeting
    before = (at - timedelta(minutes=1)).isoformat()
    codes = {code: v for code, v in rel.versions.items()}

    async def lists(headers: dict) -> dict[str, int]:
        r = await rel.d.call("GET", f"{rel.pub}/lists", headers=headers)
        return {lst["list_code"]: lst["version"] for lst in r.json()["lists"]} if r.status_code == 200 else {}

    preview = await settle(lambda: lists(rel.sec(before)), lambda got: got == codes)
    public = await lists({"X-Kczg-Clock": before})
    a_unit = next(i.org for i in rel.d.accepted.values() if i.role == "unit")
    unit = await lists({**rel.d.auth("unit", a_unit), "X-Kczg-Clock": before})
    reads = {}
    for name, path in (("manifest", "/release/manifest.json"), ("release.json", "/release/release.json"),
                       ("versions", "/lists/leading_tech/versions")):
        reads[name] = (await rel.d.call("GET", rel.pub + path, headers={"X-Kczg-Clock": before})).status_code
    page = (await rel.d.call("GET", f"{rel.base}/campaigns/{rel.campaign}", headers={"X-Kczg-Clock": before})).text
    titles = [i.title for code in codes for i in rel.expected(code)]
    shown = sum(str(escape(title)) in page for title in titles)
    # Not part of the check (the routes the embargo names are the files, lists and page): what a unit's own
    # ranking view says of its released nomination before the meeting.
    mine = next((i for code in codes for i in rel.expected(code) if rel.d.accepted[i.nomination_id].role == "unit"),
                None)
    if mine is not None:
        r = await rel.d.call("GET", f"{rel.base}/v1/rankings/nominations/{mine.nomination_id}",
                             headers={**rel.d.auth("unit", mine.unit_id), "X-Kczg-Clock": before})
        facts["unit_ranking_status_before"] = r.json().get("status") if r.status_code == 200 else r.status_code
    after = await settle(lambda: lists({"X-Kczg-Clock": at.isoformat()}), lambda got: got == codes)
    facts.update(public_at=at.isoformat(), scheduled=rel.scheduled, preview_before=preview == codes,
                 public_before=public, unit_before=unit, reads_before=reads, page_titles_before=shown,
                 public_at_meeting=after == codes)
    scheduled = {code: datetime.fromisoformat(v) if v else None for code, v in rel.scheduled.items()}
    facts["ok"] = (scheduled == {code: at for code in codes} and preview == codes and public == {}
                   and unit == {} and set(reads.values()) == {404} and shown == 0 and after == codes)
    if not facts["ok"]:
        rel.problems.append(f"embargo until {at.isoformat()}: {facts}")


async def settle(read, done):
    deadline = asyncio.get_running_loop().time() + SETTLE_S
    while True:
        value = await read()
        if done(value) or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.5)
