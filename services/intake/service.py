"""The command path: one unit of work per request.

lock the aggregate's row -> pure decide -> publish (acks=all) -> fold into the row -> commit.
The event is on Kafka before the row commits, so a 2xx always means "on the log"; if the process
dies between the ack and the commit, the projection applies the event from the log instead.
A brand-new nomination has no row to lock: it is decided on a connection it then gives back, so
no connection waits on the broker, and its row joins the next group commit (group_commit.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import asyncpg

from contracts.campaign import Campaign
from contracts.errors import DomainError
from contracts.events import ApplicationSentToUnit, Event, NominationAmended, NominationSubmitted
from contracts.relisting import identity_key, refuse_if_listed
from contracts.topics import Topic
from eventlog.producer import EventPublisher

from . import idempotency, listings, store
from .campaigns import CampaignSource
from .clock import Clock
from .group_commit import NewRowWriter
from .idempotency import IdempotentRequest, Reply
from eventlog.http_problems import domain_problem_body

Work = Callable[[asyncpg.Connection], Awaitable[Reply]]


class EventLogUnavailable(DomainError):
    code = "event_log_unavailable"
    http_status = 503


class LazyConnection:
    """A pooled connection taken at the first query, if any: the ordinary new nomination (no
    attachments, a unit seen before, a campaign without the previously-listed rule) needs none, and
    taking one and giving it back costs more CPU than its rules. Only the read methods the decision
    uses; a transaction needs a real connection (`IntakeService.run`)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool, self._taken, self._conn = pool, None, None

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is None:
            taken = self._pool.acquire()
            self._conn = await taken.__aenter__()
            self._taken = taken  # only once taken: a failed or cancelled acquire has nothing to give back
        return self._conn

    async def fetch(self, query: str, *args):
        return await (await self._connection()).fetch(query, *args)

    async def fetchval(self, query: str, *args):
        return await (await self._connection()).fetchval(query, *args)

    async def __aenter__(self) -> "LazyConnection":
        return self

    async def __aexit__(self, *exc) -> None:
        if self._taken is not None:
            await self._taken.__aexit__(*exc)


class IntakeService:
    def __init__(self, pool: asyncpg.Pool, publisher: EventPublisher, campaigns: CampaignSource,
                 clock: Clock, row_pool: asyncpg.Pool) -> None:
        self.pool, self.publisher, self.campaigns, self.clock = pool, publisher, campaigns, clock
        self.new_rows = NewRowWriter(row_pool)
        self._known_units: set[tuple[str, str]] = set()  # registrations never disappear: a hit stays true

    def campaign(self, code: str) -> Campaign:
        return self.campaigns.get(code)

    async def unit_known(self, conn: asyncpg.Connection, campaign: str, unit_id: str) -> bool:
        if (campaign, unit_id) in self._known_units:
            return True
        if await store.unit_registered(conn, campaign, unit_id):
            self._known_units.add((campaign, unit_id))
            return True
        return False

    async def refuse_relisting(self, conn: asyncpg.Connection, events: Sequence[Event],
                               applications: dict | None = None) -> None:
        """The previously-listed rule (contracts/relisting.py) for what these events put forward: a
        nomination (new or amended), or an application sent to its unit (told early, before the unit acts)."""
        for e in events:
            if isinstance(e, (NominationSubmitted, NominationAmended)):
                campaign_code, list_code, form, title = e.campaign, e.list_code, e.form, e.title
            elif isinstance(e, ApplicationSentToUnit) and (app := (applications or {}).get(e.application_id)):
                campaign_code, list_code, form, title = app.campaign, app.list_code, app.form, app.title
            else:
                continue
            campaign = self.campaign(campaign_code)
            if not campaign.rules.previously_listed_not_renominable:
                continue
            key = identity_key(list_code, form, title)
            if earlier := await listings.earlier_listings(conn, campaign.code, list_code, key):
                refuse_if_listed(campaign, earlier, key, self.campaigns.titles())

    async def publish(self, topic: Topic, events: Sequence[Event]) -> None:
        try:
            await self.publisher.publish_many([(topic, e) for e in events])
        except Exception as exc:  # broker down or timed out: nothing is committed, the caller may retry
            raise EventLogUnavailable("事件日志暂不可用，本次提交未生效，请稍后重试。") from exc

    async def record(self, conn: asyncpg.Connection, topic: Topic, events: Sequence[Event],
                     known: tuple[dict, dict]) -> None:
        """Check the cross-campaign rule, claim the events (inside the command's transaction), publish
        them, fold them into the rows."""
        await self.refuse_relisting(conn, events, known[1])
        await store.claim_events(conn, events)
        await self.publish(topic, events)
        await store.apply_events(conn, events, known)

    async def record_new(self, topic: Topic, events: Sequence[NominationSubmitted]) -> None:
        """A brand-new aggregate's events, decided already: published, then its row saved by group commit."""
        await self.publish(topic, events)
        await self.new_rows.save(events)

    async def run(self, work: Work, idem: IdempotentRequest | None = None) -> Reply:
        """Run `work` in one transaction (with the Idempotency-Key claimed in it, if any).

        A refused command (DomainError) is answered as a problem; with a key, that answer is remembered too.
        """
        async with self.pool.acquire() as conn, conn.transaction():
            if idem is not None and (replay := await idempotency.claim(conn, idem)) is not None:
                return replay
            try:
                reply = await work(conn)
            except DomainError as exc:
                if idem is None or exc.http_status >= 500:  # a 5xx is not an answer: the retry redoes it
                    raise
                reply = Reply(exc.http_status, domain_problem_body(exc))
            if idem is not None:
                await idempotency.remember(conn, idem, reply)
            return reply
