"""The local mail sink: an SMTP server (aiosmtpd) that keeps every message it accepts as one .eml file in its
folder, and refuses (550) the addresses listed in the folder's refuse.txt — what development and the tests
send mail to instead of the world.

    python -m deploy.local.mail_sink FOLDER PORT [HOST]    # HOST: 127.0.0.1 unless given

Each message is stored as FOLDER/<id>.eml (ids 000001, 000002, … in the order received), the envelope
recorded in front of it as X-Sink-Mail-From / X-Sink-Rcpt-To / X-Sink-Received-At headers; the file appears
whole (written beside it, then renamed). deploy/local/mailbox.py reads them (`kczg mail list|show`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import datetime, timezone
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

from deploy.local.mailbox import REFUSE_FILE, refused_addresses

REFUSAL = "550 5.1.1 Mailbox unavailable (refused by the local sink)"


class KeepEveryMessage:
    """aiosmtpd handler: RCPT refused for listed addresses, DATA stored as the next numbered file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        numbers = [int(p.stem) for p in folder.glob("*.eml") if p.stem.isdigit()]
        self.next_id = max(numbers, default=0) + 1

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address.lower() in refused_addresses(self.folder):
            return REFUSAL
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        number, self.next_id = self.next_id, self.next_id + 1
        received = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        head = (f"X-Sink-Mail-From: {envelope.mail_from}\r\nX-Sink-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n"
                f"X-Sink-Received-At: {received}\r\n").encode()
        data = envelope.original_content or envelope.content
        target = self.folder / f"{number:06d}.eml"
        part = target.with_suffix(".part")
        part.write_bytes(head + (data if isinstance(data, bytes) else data.encode()))
        part.replace(target)
        return f"250 2.0.0 Stored as {target.stem}"


async def serve(folder: Path, port: int, host: str = "127.0.0.1") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / REFUSE_FILE).touch()
    handler = KeepEveryMessage(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="kczg-mail-sink", decode_data=False,
                                                   data_size_limit=20 * 1024 * 1024),
                                      host=host, port=port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"mail sink listening on {host}:{port}, storing in {folder}", flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str]) -> int:
    folder, port = Path(argv[0]), int(argv[1])
    os.umask(0o022)
    asyncio.run(serve(folder, port, argv[2] if len(argv) > 2 else "127.0.0.1"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
