"""The sender: takes the notices outbox's oldest due row, checks again that it is still due, words it
(render.py) and sends it over SMTP (aiosmtplib), one at a time.

Each notice is marked `sending` (with its address and Message-ID) and committed before the SMTP exchange, and
`sent` after it: a crash in between leaves it `sending`, and the next sender sends it again — the same
message, under the same Message-ID (derived from the notice's key), so the receiving end recognises the
resend. At most the notices in flight (one per sending connection, NOTIFY_SENDERS, 4) can be delivered twice. A permanent refusal (5xx) marks the address
bad (notify.bad_addresses) and the notice `bounced`: it is not retried, nor is anything else sent there.
A temporary failure (4xx, connection) is retried with a growing pause."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.message import Message

import aiosmtplib
import asyncpg
from prometheus_client import Counter

from contracts.campaign.book import UnknownCampaign
from eventlog.consume.campaign_follower import CampaignFollower

from . import store
from .domain import Nomination, held_until, is_optional, still_due
from .render import compose

log = logging.getLogger("notify")
MESSAGES = Counter("kczg_notify_messages", "Notices the sender finished, by kind and outcome "
                   "(sent, bounced, not_due, unaddressed, bad_address, deferred)", ("kind", "outcome"))
UNKNOWN_WAIT = timedelta(seconds=2)   # the recipient or the subject not read yet from its topic: look again soon
UNKNOWN_WAIT_CAP = timedelta(minutes=10)
MAX_RETRY_WAIT = timedelta(minutes=30)
HELD_WAIT = timedelta(minutes=1)      # an embargoed release: look again at the service's clock


def max_notice_age() -> timedelta:
    """A notice whose event is older than this at the service's clock is not sent (NOTIFY_MAX_AGE_DAYS, 30): a
    notifier first started on a long log tells nobody of its history."""
    return timedelta(days=float(os.environ.get("NOTIFY_MAX_AGE_DAYS", "30")))


def sending_lease() -> timedelta:
    """How long a notice marked `sending` is left to the sender that marked it before another takes it over (a
    crashed sender's): longer than the SMTP exchange may take (30 s timeout)."""
    return timedelta(seconds=float(os.environ.get("NOTIFY_SENDING_LEASE_S", "60")))


class Mailer:
    """One SMTP connection, opened when first needed and again after the server dropped it."""

    def __init__(self, host: str | None = None, port: int | None = None) -> None:
        self.host = host or os.environ.get("SMTP_HOST", "127.0.0.1")
        self.port = port or int(os.environ.get("SMTP_PORT", "11025"))
        self.username, self.password = os.environ.get("SMTP_USERNAME"), os.environ.get("SMTP_PASSWORD")
        self.start_tls = os.environ.get("SMTP_STARTTLS", "").lower() in ("1", "true", "yes")
        self._smtp: aiosmtplib.SMTP | None = None

    async def send(self, message: Message) -> str:
        for attempt in range(2):
            if self._smtp is None or not self._smtp.is_connected:
                self._smtp = aiosmtplib.SMTP(hostname=self.host, port=self.port, start_tls=self.start_tls,
                                             username=self.username, password=self.password, timeout=30)
                await self._smtp.connect()
            try:
                _, reply = await self._smtp.send_message(message)
                return reply
            except aiosmtplib.SMTPServerDisconnected:
                self._smtp = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self._smtp is not None and self._smtp.is_connected:
            try:
                await self._smtp.quit()
            except aiosmtplib.SMTPException:
                pass
        self._smtp = None


def refusal(exc: Exception) -> tuple[int, str] | None:
    """The SMTP code and text of a refusal, if `exc` is one."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        first = exc.recipients[0]
        return first.code, first.message
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return exc.code, exc.message
    return None


def unknown_wait(waited: timedelta) -> timedelta:
    """When to look again for a recipient or subject not read yet: soon at first (another topic's event is a
    moment behind), then half as often as it has waited so far, at most every 10 minutes — a recipient that
    never registers (a review body's own nomination has no unit to tell) costs a look now and then, not a
    query every 2 s for ever."""
    return min(max(UNKNOWN_WAIT, waited / 2), UNKNOWN_WAIT_CAP)


class Sender:
    def __init__(self, pool: asyncpg.Pool, campaigns: CampaignFollower, mailer: Callable[[], Mailer] = Mailer,
                 clock: Callable[[], datetime] | None = None, senders: int | None = None) -> None:
        self.pool, self.campaigns = pool, campaigns
        # Each sending connection works on its own notice (SKIP LOCKED): their SMTP exchanges overlap.
        self.mailers = [mailer() for _ in range(senders or int(os.environ.get("NOTIFY_SENDERS", "4")))]
        self.clock = clock or (lambda: datetime.now(timezone.utc))  # the domain's instant (a demo's may be moved)
        self.wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Send what is due until `stop`; woken by the follower, and every second for retries."""
        try:
            while not stop.is_set():
                self.wake.clear()
                try:
                    await self.send_due(len(self.mailers), stop)
                except Exception:  # the database or the mail server away: try again shortly
                    log.exception("sending notices failed; retrying")
                    await self._close()
                try:
                    await asyncio.wait_for(self.wake.wait(), timeout=1.0)
                except asyncio.TimeoutError:
                    pass
        finally:
            await self._close()

    async def send_due(self, concurrency: int = 1, stop: asyncio.Event | None = None) -> int:
        """Every notice due now (one connection: in order), the loop's work; how many were finished."""
        async def drain(mailer: Mailer) -> int:
            done = 0
            while not (stop and stop.is_set()) and await self.send_one(mailer):
                done += 1
            return done

        return sum(await asyncio.gather(*(drain(m) for m in self.mailers[:max(1, concurrency)])))

    async def _close(self) -> None:
        for mailer in self.mailers:
            await mailer.close()

    async def send_one(self, mailer: Mailer | None = None) -> bool:
        """Finish (or defer) the oldest due notice no other connection holds; False when none is due."""
        mailer = mailer or self.mailers[0]
        now = datetime.now(timezone.utc)
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                row = await store.claim_next(conn, now)
                if row is None:
                    return False
                notice = store.notice_of(row)
                message = await self._prepare(conn, row, notice, now)
                if message is None:
                    return True
            # Committed as `sending`: from here a crash means a resend under the same Message-ID.
            try:
                reply = await mailer.send(message)
            except (aiosmtplib.SMTPException, OSError) as exc:
                await mailer.close()
                async with conn.transaction():
                    return await self._failed(conn, row, notice, message["To"], exc, now)
            async with conn.transaction():
                await store.mark(conn, row["id"], "sent", reply[:500], at=datetime.now(timezone.utc))
            return self._finished(notice.kind, "sent")

    async def _prepare(self, conn: asyncpg.Connection, row: asyncpg.Record, notice, now: datetime) -> Message | None:
        """The message to send, the notice marked `sending`; or None, the notice finished or deferred here."""
        campaign = self._campaign(notice.campaign)
        subject = await store.subject_of(conn, notice, campaign, self.clock())
        party = await store.party_of(conn, notice.recipient)
        if party is None or subject is None or (isinstance(subject, Nomination) and not subject.title):
            await store.mark(conn, row["id"], row["status"], retry_at=now + unknown_wait(now - row["created_at"]))
            MESSAGES.labels(notice.kind, "deferred").inc()
            return None
        if held_until(notice, self.clock()) is not None:  # an embargoed release: not before its instant
            await store.mark(conn, row["id"], row["status"], "held_until_public", retry_at=now + HELD_WAIT)
            MESSAGES.labels(notice.kind, "deferred").inc()
            return None
        outcome = still_due(notice, subject, self.clock(), max_notice_age())
        if outcome is not None:
            await store.mark(conn, row["id"], "not_due", outcome)
            self._finished(notice.kind, "not_due")
            return None
        if is_optional(notice.kind) and await store.is_unsubscribed(conn, notice.recipient, notice.kind):
            await store.mark(conn, row["id"], "not_due", "unsubscribed")
            self._finished(notice.kind, "not_due")
            return None
        if not party.contact_email:
            await store.mark(conn, row["id"], "unaddressed", "no_contact_email")
            self._finished(notice.kind, "unaddressed")
            return None
        if await store.is_bad(conn, party.contact_email):
            await store.mark(conn, row["id"], "bad_address", "address_refused_before", address=party.contact_email)
            self._finished(notice.kind, "bad_address")
            return None
        message = compose(notice, subject, party, campaign, now)
        await store.mark(conn, row["id"], "sending", address=party.contact_email, message_id=message["Message-ID"],
                         attempt=True, retry_at=now + sending_lease())
        return message

    async def _failed(self, conn: asyncpg.Connection, row: asyncpg.Record, notice, address: str, exc: Exception,
                      now: datetime) -> bool:
        """A permanent refusal (5xx) bounces the notice and marks the address bad; anything else is retried."""
        refused = refusal(exc)
        if refused is not None and refused[0] >= 500:
            await store.mark_bad(conn, address, refused[0], refused[1], row["id"])
            await store.mark(conn, row["id"], "bounced", f"{refused[0]} {refused[1]}")
            log.warning("address refused permanently: %s (%s)", address, refused[0])
            return self._finished(notice.kind, "bounced")
        wait = min(MAX_RETRY_WAIT, timedelta(seconds=5 * 2 ** min(row["attempts"], 10)))
        await store.mark(conn, row["id"], "pending", f"temporary: {exc}"[:500], retry_at=now + wait)
        MESSAGES.labels(notice.kind, "deferred").inc()
        return True

    def _campaign(self, code: str):
        try:
            return self.campaigns.campaign(code)
        except UnknownCampaign:
            return None

    @staticmethod
    def _finished(kind: str, outcome: str) -> bool:
        MESSAGES.labels(kind, outcome).inc()
        return True
