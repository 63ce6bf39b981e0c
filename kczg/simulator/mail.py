"""The simulator's mail, fictional and per run: every unit, roster expert, applicant, objector and the package's
audience gets an address of its own under example.org that names its role and carries the run's tag (never a
name or a phone number of the seed's); at the end the check counts at the SMTP sink (KCZG_MAIL_DIR) what each
role received, per kind (the X-Kczg-Notice header), against what the campaign implies (`mail_expected`).

Exact counts are kept to the kinds whose timing the simulator controls. Left out of them, and only reported:
- the time ladders (collection_deadline, results_due, results_late, expert_reminder, secretariat_digest): the
  notifier computes them at its own clock, not at the simulator's X-Kczg-Clock;
- expert_assigned, returned_for_correction and re_review: checked again at send time, and not sent if the
  expert has scored (or the unit resubmitted) before the sender came to it — a race the run does not fix;
- plan_filed: bodies file no address in the simulation;
- the nominations a review body submitted itself (not a unit): the notifier has no unit address for them; the
  simulator counts them per kind (`by_review_bodies`) and takes them off the expectation;
- nomination_received and over_quota of a withdrawn nomination (the withdrawal may be read before either is
  sent, or after): those subjects are left out of the count, on both sides.
"""

from __future__ import annotations

import asyncio
import collections
import os
from pathlib import Path

DOMAIN = "example.org"
EXACT = ("nomination_received", "over_quota", "screening_passed", "screening_failed", "decision_selected",
         "decision_not_selected", "released", "application_recommended", "objection_received", "objection_resolved",
         "package_sent")


def unit_email(unit_id: str) -> str:
    return f"unit-{unit_id}@{DOMAIN}"


def expert_email(expert_id: str) -> str:
    return f"expert-{expert_id}@{DOMAIN}"


def applicant_email(applicant_id: str) -> str:
    return f"applicant-{applicant_id}@{DOMAIN}"


def objector_email(tag: str, n: int) -> str:
    return f"objector-sim-{tag}-{n:02d}@{DOMAIN}"


def audience_email(tag: str, n: int) -> str:
    return f"audience-sim-{tag}-{n:02d}@{DOMAIN}"


def by_review_bodies(driver, shown: dict[str, dict], holding: list[str], releaser, withdrawn: set[str]) -> dict[str, int]:
    """kind -> how many of the summary's nominations were submitted by a review body itself (a 渠道 of its own),
    not by a registered unit: the notifier has no unit address for them, so nothing is sent (left out of the
    expectation, and reported as `by_review_bodies`)."""
    bodies = {n for n, i in driver.accepted.items() if i.role != "unit"}
    out = {"nomination_received": len(bodies - withdrawn),
           "over_quota": sum(shown.get(n, {}).get("status") == "rejected" and shown[n].get("reason") == "over_quota"
                             for n in bodies)}
    if releaser is not None:
        in_review = bodies & set(releaser.target_of)
        out |= {"screening_passed": len(in_review), "screening_failed": len(bodies & set(holding)) - len(in_review),
                "decision_selected": sum(releaser.selected.get(n) is True for n in bodies),
                "decision_not_selected": sum(releaser.selected.get(n) is False for n in bodies),
                "released": len(bodies & (releaser.published | releaser.revoked))}
    return out


def mail_expected(summary: dict, unaddressed: dict[str, int] | None = None) -> dict[str, int]:
    """kind -> how many messages the run implies, from its own summary (the e2e test derives the same), less
    those about nominations a review body submitted itself (`unaddressed`, by_review_bodies)."""
    views, release = summary.get("views", {}), summary.get("release", {})
    screening = summary.get("review", {}).get("screening", {})
    out = {"nomination_received": sum(views.values()) - views.get("withdrawn", 0),
           "over_quota": summary.get("quota_rejections", {}).get("over_quota", 0),
           "application_recommended": summary.get("via_application", 0)}
    if screening:
        out |= {"screening_passed": screening["passed"], "screening_failed": screening["failed"]}
    if release:
        filed = release["objections"]["filed"]
        out |= {"decision_selected": release["selected"], "decision_not_selected": release["not_selected"],
                "released": release["released"] + release["revoked"],  # the revoked entry was told at version 1
                "objection_received": filed, "objection_resolved": filed}
    if "matching" in summary:
        out["package_sent"] = summary["matching"].get("package_addresses", 0)
    return {k: v - (unaddressed or {}).get(k, 0) for k, v in out.items()}


def _kind_and_subject(message) -> tuple[str, str]:
    header = str(message.message.get("X-Kczg-Notice", ""))
    kind = header.split(";", 1)[0].strip()
    subject = next((p.split("=", 1)[1] for p in header.split("; ") if p.startswith("subject=")), "")
    return kind, subject


WITHDRAWN_MAY_HAVE = ("nomination_received", "over_quota")
_READ: dict[str, tuple[tuple[str, ...], str, str]] = {}  # a sink file, once read: (rcpt_to, kind, subject)


_BEFORE: set[str] = set()  # sink files written before the run began: another run's, never read


def _since(entry: os.DirEntry, since: float) -> bool:
    if entry.path in _READ:
        return True
    if entry.path in _BEFORE:
        return False
    if entry.stat().st_mtime < since:
        _BEFORE.add(entry.path)
        return False
    return True


def _read(path: str) -> tuple[tuple[str, ...], str, str]:
    from deploy.local import mailbox

    if path not in _READ:
        message = mailbox.read_message(Path(path), head_only=True)
        _READ[path] = (message.rcpt_to, *_kind_and_subject(message))
    return _READ[path]


def received(tag: str, withdrawn: set[str], folder: Path | None = None, since: float = 0) -> dict[str, dict[str, int]]:
    """role -> kind -> messages at the sink for this run's addresses (the tag), withdrawn nominations' left out.
    Polled every second while the sender works: each file is read once, and files last written before `since`
    (another run's: a sink many runs wrote to holds tens of thousands of messages) are not read at all."""
    if folder is None:
        from kczg.mail_cli import mail_dir  # KCZG_MAIL_DIR, else the stack's own sink (`kczg mail`)

        folder = mail_dir()
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    if not folder.is_dir():
        return {}
    ours_only = f"sim-{tag}-"
    with os.scandir(folder) as entries:
        paths = [e.path for e in entries if e.name.endswith(".eml") and _since(e, since)]
    for path in paths:
        rcpt_to, kind, subject = _read(path)
        ours = [a for a in rcpt_to if ours_only in a]
        if not ours:
            continue
        if kind in WITHDRAWN_MAY_HAVE and subject in withdrawn:
            continue
        counts[ours[0].split("-", 1)[0]][kind] += 1
    return {role: dict(sorted(kinds.items())) for role, kinds in sorted(counts.items())}


async def mail_check(summary: dict, tag: str, withdrawn: set[str], unaddressed: dict[str, int] | None = None,
                     timeout_s: float = 120, since: float = 0) -> dict:
    """The sink's counts once they reach what the run implies (the sender works behind the log), or at the
    timeout; `mail_consistent` if every exact kind matches. since: when the run began (time.time())."""
    expected = mail_expected(summary, unaddressed)
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        got = await asyncio.to_thread(received, tag, withdrawn, None, since)
        by_kind = collections.Counter()
        for kinds in got.values():
            by_kind.update(kinds)
        exact = {k: by_kind.get(k, 0) for k in expected}
        if exact == expected or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(1)
    problems = [f"{k}: {exact[k]} at the sink, {expected[k]} implied" for k in expected if exact[k] != expected[k]]
    return {"expected": expected, "by_review_bodies": unaddressed or {}, "received": got, "not_counted_exactly": sorted(set(by_kind) - set(expected)),
            "problems": problems, "mail_consistent": not problems}
