"""What the local mail sink received (deploy/local/mail_sink.py stores one .eml per message), read back:
the list, one message whole, and the addresses it refuses. Stdlib only; `kczg mail` and the tests read it."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

REFUSE_FILE = "refuse.txt"


@dataclass(frozen=True)
class Received:
    id: str
    mail_from: str
    rcpt_to: tuple[str, ...]
    received_at: str
    message_id: str
    subject: str
    to: str
    message: EmailMessage

    def text(self) -> str:
        """The plain-text body (decoded)."""
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""

    def summary(self) -> dict:
        return {"id": self.id, "received_at": self.received_at, "from": self.mail_from, "to": list(self.rcpt_to),
                "subject": self.subject, "message_id": self.message_id}


def read_message(path: Path) -> Received:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return Received(
        id=path.stem, mail_from=str(message.get("X-Sink-Mail-From", "")),
        rcpt_to=tuple(a.strip() for a in str(message.get("X-Sink-Rcpt-To", "")).split(",") if a.strip()),
        received_at=str(message.get("X-Sink-Received-At", "")), message_id=str(message.get("Message-ID", "")).strip(),
        subject=str(message.get("Subject", "")), to=str(message.get("To", "")), message=message)


def received(folder: Path, to: str | None = None) -> list[Received]:
    """Every message in the order received; only those for `to` (an envelope recipient) when given."""
    paths = sorted(folder.glob("*.eml"))
    if to is None:
        return [read_message(p) for p in paths]
    # Parse only the messages whose envelope may name `to`: a sink a whole test session wrote to holds
    # thousands, and parsing each of them made every poll for one recipient's mail take seconds.
    wanted = to.lower()
    found = [read_message(p) for p in paths if wanted in _envelope(p)]
    return [m for m in found if wanted in (a.lower() for a in m.rcpt_to)]


def _envelope(path: Path) -> str:
    """The sink's envelope headers (the first lines it writes), lower-cased, without parsing the message."""
    with open(path, "rb") as f:
        head = f.read(4096)
    return head.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("utf-8", "replace").lower()


def one(folder: Path, message_id: str) -> Received:
    """One message by its sink id (`000042`, or `42`); FileNotFoundError if there is none."""
    stem = f"{int(message_id):06d}" if message_id.isdigit() else message_id
    return read_message(folder / f"{stem}.eml")


def refused_addresses(folder: Path) -> set[str]:
    try:
        lines = (folder / REFUSE_FILE).read_text().splitlines()
    except OSError:
        return set()
    return {line.strip().lower() for line in lines if line.strip() and not line.startswith("#")}


def refuse(folder: Path, address: str) -> None:
    """From now on the sink answers 550 to RCPT TO this address (a permanent refusal, for tests and demos)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / REFUSE_FILE, "a") as f:
        f.write(address.strip().lower() + "\n")
