"""`kczg mail list|show|refuse`: what the local mail sink (deploy/local/mail_sink.py) received, read from its
folder (KCZG_MAIL_DIR, else this checkout's .stack/mail/received/)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from deploy.local import mailbox

app = typer.Typer(no_args_is_help=True)


def mail_dir() -> Path:
    from deploy.local.mail import RECEIVED_DIR

    return Path(os.environ.get("KCZG_MAIL_DIR") or RECEIVED_DIR)


@app.command("list")
def list_messages(to: str = typer.Option(None, "--to", help="Only messages to this address."),
                  as_json: bool = typer.Option(False, "--json", help="One JSON object per line.")) -> None:
    """Every message received, oldest first: id, time, recipients, subject, Message-ID."""
    found = mailbox.received(mail_dir(), to)
    if not found:
        typer.echo("邮件接收器尚未收到邮件。")
        return
    for m in found:
        if as_json:
            typer.echo(json.dumps(m.summary(), ensure_ascii=False))
        else:
            typer.echo(f"{m.id}  {m.received_at[:19]}  {', '.join(m.rcpt_to):30}  {m.subject}  {m.message_id}")


@app.command()
def show(message_id: str = typer.Argument(..., help="the sink's id (from `kczg mail list`)"),
         html: bool = typer.Option(False, "--html", help="The HTML part instead of the plain text."),
         raw: bool = typer.Option(False, "--raw", help="The stored message as received.")) -> None:
    """One message: its headers and its plain-text body (or HTML part, or raw)."""
    try:
        m = mailbox.one(mail_dir(), message_id)
    except (FileNotFoundError, ValueError):
        typer.echo(f"没有编号为 {message_id} 的邮件。", err=True)
        raise typer.Exit(1) from None
    if raw:
        typer.echo(m.message.as_string())
        return
    for name in ("From", "To", "Subject", "Date", "Message-ID"):
        typer.echo(f"{name}: {m.message.get(name, '')}")
    typer.echo("")
    typer.echo(m.html() if html else m.text())


@app.command()
def refuse(address: str = typer.Argument(..., help="an e-mail address")) -> None:
    """Make the sink refuse this address permanently (550), as a bad mailbox would: to try bounces."""
    mailbox.refuse(mail_dir(), address)
    typer.echo(f"邮件接收器将以 550 拒收：{address}")
