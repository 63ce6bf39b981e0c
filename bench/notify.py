"""Notification messages per second through SMTP to the local mail sink, against raw SMTP sends of the same
messages to the same sink in the same run.

    python bench/notify.py [--messages 2000]

Needs KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL (e.g. `eval "$(kczg stack env)"`, which also names the stack's
mail sink; without SMTP_HOST/SMTP_PORT/KCZG_MAIL_DIR a sink of its own is started). A fresh topic set and
database; one unit with an address and `messages` nominations on the log, so as many receipts are due. The
notifier measured: its sender (sender.py) alone, once the follower has written every notice — each message
claimed, checked, worded, marked `sending`, sent and marked `sent`, over `--senders` connections. The baseline: the same count of messages
sent by aiosmtplib over one connection, nothing else. Prints one final JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.intake import Keys  # noqa: E402
from tests.support.isolation import isolated_env  # noqa: E402
from tests.support.notify import address, notices_made, notify_in_process, on_units, submitted, unit_registered  # noqa: E402
from tests.support.events import publish  # noqa: E402
from tests.support.stack import mail_sink  # noqa: E402


async def raw_smtp(count: int, to: str) -> float:
    smtp = aiosmtplib.SMTP(hostname=os.environ["SMTP_HOST"], port=int(os.environ["SMTP_PORT"]), start_tls=False)
    await smtp.connect()
    started = time.perf_counter()
    for i in range(count):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "bench@kczg.cloud", to, f"【科创中国】推荐已收到：第{i}项"
        message["Message-ID"] = f"<raw-{i}-{time.time_ns()}@bench.kczg.cloud>"
        message.set_content("贵单位推荐的项目已提交成功，平台已收到。" * 3)
        message.add_alternative("<p>贵单位推荐的项目已提交成功，平台已收到。</p>" * 3, subtype="html")
        await smtp.send_message(message)
    took = time.perf_counter() - started
    await smtp.quit()
    return count / took


async def run(count: int, senders: int) -> dict:
    stack_env = {k: os.environ[k] for k in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL")}
    with mail_sink() as mail:
        os.environ.update(mail)
        async with isolated_env({**stack_env, **mail}):
            to = address("bench")
            async with notify_in_process(Keys(Path(tempfile.mkdtemp()))) as notify:
                await unit_registered("unit-bench", to)
                await publish(*on_units(*(submitted("unit-bench", f"第{i}项推荐") for i in range(count))))
                await notices_made(count, timeout_s=300)
                started = time.perf_counter()
                sent = await notify.sender.send_due(senders)
                notifier = sent / (time.perf_counter() - started)
            raw = await raw_smtp(count, address("raw"))
    return {"messages": count, "senders": senders, "notifier_messages_per_s": round(notifier, 1), "raw_smtp_messages_per_s": round(raw, 1),
            "notifier_share_of_raw": round(notifier / raw, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=4, help="sending connections (NOTIFY_SENDERS)")
    args = parser.parse_args()
    os.environ["NOTIFY_SENDERS"] = str(args.senders)
    print(orjson.dumps(asyncio.run(run(args.messages, args.senders))).decode())


if __name__ == "__main__":
    main()
