"""Reading only a stored message's headers (deploy/local/mailbox.py, head_only) gives the envelope and the
headers a whole read gives, without the body: what the simulator counts thousands of messages by."""

from __future__ import annotations

from email.message import EmailMessage

from deploy.local import mailbox


def _stored(tmp_path, name: str, line_end: str) -> tuple:
    message = EmailMessage()
    message["Subject"] = "【科创中国】推荐已收到：模拟项目"
    message["To"] = "unit-sim-x-u001@example.org"
    message["X-Kczg-Notice"] = "nomination_received; round=1; subject=b5cbcfac-e662-53c5-8b6c-e7be20ae8f12"
    message.set_content("正文" * 5000)
    envelope = (f"X-Sink-Mail-From: noreply@ranking.kczg.cloud{line_end}"
                f"X-Sink-Rcpt-To: a@example.org, b@example.org{line_end}")
    body = message.as_bytes().replace(b"\n", line_end.encode()) if line_end == "\r\n" else message.as_bytes()
    path = tmp_path / name
    path.write_bytes(envelope.encode() + body)
    return path, message


def test_the_head_alone_holds_the_envelope_and_the_notice_header(tmp_path):
    for line_end in ("\r\n", "\n"):
        path, _ = _stored(tmp_path, f"m{len(line_end)}.eml", line_end)
        whole, head = mailbox.read_message(path), mailbox.read_message(path, head_only=True)
        assert head.rcpt_to == whole.rcpt_to == ("a@example.org", "b@example.org")
        assert str(head.message["X-Kczg-Notice"]) == str(whole.message["X-Kczg-Notice"])
        assert head.message.get_payload() == ""  # the body was not read, let alone parsed
        assert "正文" in whole.text()


def test_a_message_with_no_body_is_read_to_its_end(tmp_path):
    path = tmp_path / "bare.eml"
    path.write_bytes(b"X-Sink-Rcpt-To: a@example.org\r\nX-Kczg-Notice: released; round=1; subject=x")
    assert mailbox.read_message(path, head_only=True).rcpt_to == ("a@example.org",)
