"""kill -9 of the notifier in the middle of sending 600 receipts: after a restart every due message reaches the
sink, each under the Message-ID its notice's key gives; a resend (the one message in flight at the kill, at
most: one per sending connection) carries the same Message-ID, so the receiving end can tell it is the same
message."""

from __future__ import annotations

import asyncio
import collections

from services.notify.domain import message_id, recipient_of
from tests.support.events import open_campaign, publish
from tests.support.notify import address, mail_to, notices, on_units, submitted, unit_registered
from tests.support.processes import ServiceProcess, free_port, stop_all, wait_http_ready

RECEIPTS = 600
SENDERS = 4


async def test_sigkill_of_the_notifier_mid_batch_delivers_every_message_once(env, tmp_path):
    to = address("unit-k")
    await open_campaign()
    await unit_registered("unit-k", to)
    nominations = [submitted("unit-k", f"第{i}项推荐") for i in range(RECEIPTS)]
    await publish(*on_units(*nominations))
    port = free_port()
    settings = {"NOTIFY_PORT": str(port), "NOTIFY_SENDING_LEASE_S": "1", "NOTIFY_SENDERS": str(SENDERS),
                # The service's clock on the day the receipts are about (older notices are not sent).
                "KCZG_CLOCK": "2022-10-20T11:00:00+08:00"}
    notify = ServiceProcess("services.notify", env, tmp_path / "notify.log", extra_env=settings).start()
    try:
        await asyncio.to_thread(wait_http_ready, f"http://127.0.0.1:{port}", notify)
        # Kill it once it has sent some but not all.
        deadline = asyncio.get_running_loop().time() + 120
        while len(mail_to(to)) < 60:
            assert asyncio.get_running_loop().time() < deadline and notify.alive(), notify.log_tail()
            await asyncio.sleep(0.02)
        notify.kill9()
        at_kill = len(mail_to(to))
        notify = ServiceProcess("services.notify", env, tmp_path / "notify2.log", extra_env=settings).start()
        deadline = asyncio.get_running_loop().time() + 180
        while sum(r["status"] == "sent" for r in await notices()) < RECEIPTS:
            assert asyncio.get_running_loop().time() < deadline, notify.log_tail()
            await asyncio.sleep(0.2)
    finally:
        stop_all([notify])

    assert at_kill < RECEIPTS, "the kill must land mid-batch for this test to mean anything"
    unit = recipient_of("kczg-2022", "unit-k")
    expected = {message_id(unit, str(n.nomination_id), "nomination_received", 1) for n in nominations}
    received = collections.Counter(m.message_id for m in mail_to(to))
    assert set(received) == expected  # every due message, none other
    resent = {mid: n for mid, n in received.items() if n > 1}
    assert len(resent) <= SENDERS and set(resent.values()) <= {2}, resent  # at most those in flight, once more
    print(f"sent before the kill: {at_kill}; resent after it: {len(resent)}")
