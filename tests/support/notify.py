"""The notifier in a test: in-process (its follower running, its sender driven by the test) over ASGI, and the
events a unit's nomination goes through, put straight onto the log; what the session's mail sink received."""

from __future__ import annotations

import os
import uuid
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx

from contracts.events import (Actor, NominationResubmitted, NominationReturned, NominationScreened,
                              NominationSubmitted, NominationWithdrawn, QuotaRejected, unit_key)
from contracts.topics import NOMINATIONS, QUOTA
from deploy.local import mailbox
from tests.support.events import SECRETARIAT, open_campaign, publish, registered
from tests.support.intake import Keys, wait_for

C = "kczg-2022"
AT = datetime(2022, 10, 20, 2, 30, tzinfo=timezone.utc)  # 2022-10-20 10:30 Beijing
DUE_EXAMPLE = datetime(2022, 11, 10, 16, 0, tzinfo=timezone.utc)  # 2022-11-11 00:00 Beijing: the end of 11月10日


def address(tag: str) -> str:
    """An address no other test uses (the sink is the session's)."""
    return f"{tag}-{uuid.uuid4().hex[:8]}@unit.example.cn"


def mail_to(to: str) -> list[mailbox.Received]:
    return mailbox.received(Path(os.environ["KCZG_MAIL_DIR"]), to)


def _unit(unit_id: str, actor: Actor | None = None) -> dict:
    return dict(occurred_at=AT, campaign=C, key=unit_key(C, unit_id), actor=actor or Actor(role="unit", id=unit_id))


def submitted(unit_id: str, title: str, domain: str = "biomedicine") -> NominationSubmitted:
    return NominationSubmitted(nomination_id=uuid.uuid4(), unit_id=unit_id, list_code="leading_tech", domain=domain,
                               title=title, **_unit(unit_id))


def screened(n: NominationSubmitted, passed: bool, *reasons: str) -> NominationScreened:
    return NominationScreened(nomination_id=n.nomination_id, unit_id=n.unit_id, passed=passed, reasons=reasons,
                              **_unit(n.unit_id, SECRETARIAT))


def returned(n: NominationSubmitted, due: datetime, *reasons: str, round: int = 1) -> NominationReturned:
    return NominationReturned(nomination_id=n.nomination_id, unit_id=n.unit_id, reasons=reasons,
                              correction_due_at=due, round=round, **_unit(n.unit_id, SECRETARIAT))


def resubmitted(n: NominationSubmitted, round: int = 1) -> NominationResubmitted:
    return NominationResubmitted(nomination_id=n.nomination_id, unit_id=n.unit_id, round=round, revision=2,
                                 **_unit(n.unit_id))


def withdrawn(n: NominationSubmitted) -> NominationWithdrawn:
    return NominationWithdrawn(nomination_id=n.nomination_id, unit_id=n.unit_id, reason="单位撤回", **_unit(n.unit_id))


def over_quota(n: NominationSubmitted, limit: int = 3) -> QuotaRejected:
    return QuotaRejected(nomination_id=n.nomination_id, unit_id=n.unit_id, list_code=n.list_code, domain=n.domain,
                         reason="over_quota", message="超出名额", limit=limit, used=limit,
                         **_unit(n.unit_id, Actor(role="system", id="quota")))


async def unit_registered(unit_id: str, email: str | None) -> None:
    await publish((NOMINATIONS, registered(unit_id, "provincial_cast", contact_email=email)))


def on_units(*events) -> list[tuple]:
    return [(QUOTA if isinstance(e, QuotaRejected) else NOMINATIONS, e) for e in events]


async def notices(db_url: str | None = None) -> list[dict]:
    conn = await asyncpg.connect(db_url or os.environ["DATABASE_URL"])
    try:
        return [dict(r) for r in await conn.fetch("SELECT * FROM notify.notices ORDER BY id")]
    except asyncpg.UndefinedTableError:
        return []
    finally:
        await conn.close()


async def notices_made(count: int, db_url: str | None = None, timeout_s: float = 30) -> list[dict]:
    """Once the follower has written at least `count` notices."""
    async def enough():
        found = await notices(db_url)
        return found if len(found) >= count else None
    return await wait_for(enough, timeout_s)


@asynccontextmanager
async def notify_in_process(keys: Keys, clock=None, open_campaign_first: bool = True):
    """The notifier with its follower running and its sender idle: the test calls `client.sender.send_due()`
    (and `client.remind()`, the reminder clock's one step at the service's clock). `open_campaign_first` False:
    the campaign is open already (another fixture opened it)."""
    from eventlog.clock import FixedClock
    from services.notify.api import create_app
    from services.notify.reminders import schedule_reminders

    if open_campaign_first:
        await open_campaign()
    app = create_app(clock=clock or FixedClock(AT), verifier=keys.verifier(), send=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notify") as client:
            state = app.state.service
            client.sender, client.clock = state.own, state.clock
            client.remind = lambda: schedule_reminders(state.pool, state.campaigns, state.clock.now())
            yield client


def of_kind(rows: list[dict], subject: UUID | str, kind: str) -> dict:
    (row,) = [r for r in rows if r["subject"] == str(subject) and r["kind"] == kind]
    return row


# --- review: a body's roster and its experts' seats -----------------------------------------------------------

LIFE = "cast_life_science_consortium"  # 先导技术榜 · 生物医药's review body


def _target(actor: Actor) -> dict:
    from contracts.events import target_key

    return dict(occurred_at=AT, campaign=C, key=target_key(C, "leading_tech", "biomedicine"), actor=actor)


def roster_filed(experts: dict[str, str | None], body: str = LIFE, domain: str = "biomedicine",
                 contact_email: str | None = None):
    """`body`'s plan for 先导技术榜 · `domain`, its roster the experts given (id -> address)."""
    from contracts.events import RosterExpert
    from contracts.personal import Sealed
    from tests.support.events import plan_filed

    plan = plan_filed(body, "leading_tech", domain)
    # Names and addresses as a roster filed before sealing carries them (clear, under each expert's id): the
    # notifier reads them without a key; tests/integration/test_privacy_erasure.py seals with real keys.
    clear = lambda e, text: Sealed(pid=f"expert:{C}:{e}", clear=text) if text else None  # noqa: E731
    roster = tuple(RosterExpert(expert_id=e, name=clear(e, f"专家{e}"), affiliation="某大学", contact_email=clear(e, a))
                   for e, a in experts.items())
    return type(plan).model_validate({**plan.model_dump(), "roster": roster, "occurred_at": AT,
                                      "experts_per_item": min(len(roster), 3), "contact_email": contact_email})


def results_in(body: str, domain: str):
    from contracts.events import PrelimResultsSubmitted, target_key

    return PrelimResultsSubmitted(occurred_at=AT, campaign=C, key=target_key(C, "leading_tech", domain),
                                  actor=Actor(role="review_body", id=body), body_code=body, list_code="leading_tech",
                                  domain=domain, ranked=())


def assigned(n: NominationSubmitted, expert_id: str):
    from contracts.events import ExpertAssigned

    return ExpertAssigned(nomination_id=n.nomination_id, expert_id=expert_id, body_code=LIFE,
                          list_code="leading_tech", domain="biomedicine", **_target(Actor(role="review_body", id=LIFE)))


def unassigned(n: NominationSubmitted, expert_id: str):
    from contracts.events import ExpertUnassigned

    return ExpertUnassigned(nomination_id=n.nomination_id, expert_id=expert_id, body_code=LIFE,
                            list_code="leading_tech", domain="biomedicine", reason="专家回避",
                            **_target(Actor(role="review_body", id=LIFE)))


def scored(n: NominationSubmitted, expert_id: str):
    from contracts.events import ExpertScoreRecorded

    return ExpertScoreRecorded(nomination_id=n.nomination_id, expert_id=expert_id, body_code=LIFE,
                               list_code="leading_tech", domain="biomedicine", scores={"innovation": "80"},
                               total="80", **_target(Actor(role="expert", id=LIFE, person=expert_id)))


def on_review(*events) -> list[tuple]:
    from contracts.topics import REVIEW

    return [(REVIEW, e) for e in events]
