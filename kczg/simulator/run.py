"""One simulated campaign: the intake phase, then (given the review service's URL) the review phase
(kczg/simulator/review/): screening, plans, assignment, conflicts, scores and every target's results, checked
against its own recomputation. Given the publish service's URL too, it goes on to the end
(kczg/simulator/release/): final review with votes, each list's public notice with named objections, the
release and one correction, and checks that the release files, the public page and the views agree
(release_consistent)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from kczg.simulator.intake.driver import Driver
from kczg.simulator.intake.plan import Intent, plan
from kczg.simulator.intake.report import report
from kczg.simulator.latencies import slowest_routes
from kczg.simulator.mail import by_review_bodies, mail_check
from kczg.simulator.matching import MatchingDriver
from kczg.simulator.phases import PhaseClock
from kczg.simulator.release.driver import ReleaseDriver
from kczg.simulator.release.report import release_report
from kczg.simulator.review.driver import ReviewDriver
from kczg.simulator.review.report import review_report
from kczg.token_cli import ensure_key_pair

console = Console(stderr=True)


async def simulate_async(scale: float, intake: str, quota: str, campaign: str, seed: int, concurrency: int,
                         keys_dir: Path, review: str | None = None, publish: str | None = None,
                         release_on: date | None = None, rebuild: bool = True, cpu_probe=None, mail: bool = False) -> dict:
    """The intake phase, then (given `review`, the review service's base URL) the review phase, then (given
    `publish` too) the final review, notice and release; `release_on` moves the campaign's release day first,
    `rebuild` compares the served files with `kczg release build`'s. `mail`: a notifier follows the same log and
    sends to the SMTP sink (KCZG_MAIL_DIR); at the end the sink's counts per role and kind are checked against
    what the run implies (kczg/simulator/mail.py, `mail_consistent`)."""
    tag = uuid.uuid4().hex[:6]
    units, intents = plan(scale, seed, tag)
    private, _ = ensure_key_pair(keys_dir)
    driver = Driver(intake.rstrip("/"), quota.rstrip("/"), campaign, private.read_bytes(), tag, concurrency)
    started = asyncio.get_running_loop().time()
    began_at = time.time()  # the sink's files written before this are another run's
    phases = PhaseClock(cpu_probe)
    try:
        await driver.ensure_campaign()
        reviewer = None
        if review:  # the review service knows the campaign and has no results yet: else stop before any intake
            reviewer = ReviewDriver(driver, review.rstrip("/"), seed, {u.unit_id: u.name for u in units})
            await reviewer.preflight()
        releaser = None
        if reviewer and publish:  # the notice's close is passed through X-Kczg-Clock: the services must honour it
            if not driver.clock_header:
                raise RuntimeError("the release phase needs the services' KCZG_CLOCK_HEADER=1")
            releaser = ReleaseDriver(reviewer, publish.rstrip("/"), scale, rebuild)
            await releaser.preflight()
            if release_on:
                await driver.move_release(release_on)
        await phases.start()
        with Progress(console=console) as progress:
            async with phases.phase("intake"):
                await driver.register(units, progress)
                task = progress.add_task("submitting", total=len(intents))

                async def one(intent: Intent) -> None:
                    await driver.submit(intent)
                    progress.advance(task)

                await asyncio.gather(*(one(i) for i in intents))
                withdrawals = [(nid, i) for nid, i in driver.accepted.items() if i.kind == "withdrawn"]
                await asyncio.gather(*(driver.withdraw(nid, i) for nid, i in withdrawals))
        orgs = {u.unit_id: "unit" for u in units} | {i.org: "review_body" for i in intents if i.role == "review_body"}
        async with phases.phase("quota"):  # every decision taken and shown
            shown = await driver.views(orgs)
        summary = report(driver, shown, len(intents), asyncio.get_running_loop().time() - started)
        summary["via_application"] = sum(i.via_application for i in driver.accepted.values())
        if reviewer:
            holding = [n for n in sorted(driver.accepted, key=lambda n: driver.accepted[n].seq)
                       if shown.get(n, {}).get("status") == "reserved"]
            with Progress(console=console) as progress:
                await reviewer.run(holding, progress, phases)
            summary["review"] = review_report(reviewer)
            summary["review_consistent"] = summary["review"]["review_consistent"]
        if releaser:
            with Progress(console=console) as progress:
                await releaser.run(progress, phases)
            summary["release"] = release_report(releaser)
            summary["release_consistent"] = summary["release"]["release_consistent"]
            matcher = MatchingDriver(releaser)  # after the release: 资源对接 and one 定向推介 package
            async with phases.phase("matching"):
                await matcher.run()
            summary["matching"] = matcher.report()
            summary["matching_consistent"] = summary["matching"]["matching_consistent"]
        if mail:
            async with phases.phase("mail"):
                withdrawn = {n for n, v in shown.items() if n in driver.accepted and v.get("status") == "withdrawn"}
                unaddressed = by_review_bodies(driver, shown, holding if reviewer else [], releaser, withdrawn)
                summary["mail"] = await mail_check(summary, tag, withdrawn, unaddressed, since=began_at)
            summary["mail_consistent"] = summary["mail"]["mail_consistent"]
        if reviewer:
            summary["seconds"] = round(asyncio.get_running_loop().time() - started, 1)
        summary["phases"] = phases.summary()
        summary["retries"] = dict(sorted(driver.retries.items()))
        summary["slowest_routes"] = slowest_routes(driver.latencies)
        return summary
    finally:
        await phases.stop()
        await driver.http.aclose()

