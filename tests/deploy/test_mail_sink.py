"""The local mail sink as a stack component: `stack.py start mail` runs it (its own directory and port here),
it keeps what it receives over SMTP, refuses listed addresses with 550, `kczg mail list|show` read it back,
`status` shows it and `kill mail` stops it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from email.message import EmailMessage

import aiosmtplib
import pytest
from typer.testing import CliRunner

from kczg.cli import app
from tests.support.private_stack import spare_ports
from tests.support.processes import ROOT


def stack(settings: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "deploy" / "local" / "stack.py"), *args], cwd=ROOT,
                          env={**os.environ, **settings}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_sink_keeps_what_it_receives_and_refuses_what_it_is_told_to(tmp_path):
    (port,) = spare_ports(1)
    settings = {"KCZG_STACK_DIR": str(tmp_path / "stack"), "KCZG_SMTP_PORT": str(port)}
    folder = tmp_path / "stack" / "mail" / "received"
    stack(settings, "start", "mail")
    try:
        assert f"mail      running (pid " in stack(settings, "status")
        cli = CliRunner()
        refused = cli.invoke(app, ["mail", "refuse", "gone@unit.example.cn"], env={"KCZG_MAIL_DIR": str(folder)})
        assert refused.exit_code == 0 and "550" in refused.output

        async def send(to: str) -> None:
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "noreply@kczg.cloud", to, "【科创中国】推荐已收到"
            message["Message-ID"] = "<k1@notify.kczg.cloud>"
            message.set_content("贵单位推荐的项目已提交成功。")
            message.add_alternative("<p>贵单位推荐的项目已提交成功。</p>", subtype="html")
            await aiosmtplib.send(message, hostname="127.0.0.1", port=port)

        asyncio.run(send("unit@unit.example.cn"))
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refusal:
            asyncio.run(send("gone@unit.example.cn"))
        assert refusal.value.recipients[0].code == 550

        listed = cli.invoke(app, ["mail", "list"], env={"KCZG_MAIL_DIR": str(folder)})
        assert listed.exit_code == 0
        (line,) = listed.output.splitlines()
        assert line.startswith("000001  ") and "unit@unit.example.cn" in line and line.endswith(
            "【科创中国】推荐已收到  <k1@notify.kczg.cloud>")
        shown = cli.invoke(app, ["mail", "show", "1"], env={"KCZG_MAIL_DIR": str(folder)})
        assert "Subject: 【科创中国】推荐已收到" in shown.output and "贵单位推荐的项目已提交成功。" in shown.output
        html = cli.invoke(app, ["mail", "show", "1", "--html"], env={"KCZG_MAIL_DIR": str(folder)})
        assert "<p>贵单位推荐的项目已提交成功。</p>" in html.output
        missing = cli.invoke(app, ["mail", "show", "9"], env={"KCZG_MAIL_DIR": str(folder)})
        assert missing.exit_code == 1
    finally:
        stack(settings, "kill", "mail")
    assert "mail      stopped" in stack(settings, "status")
