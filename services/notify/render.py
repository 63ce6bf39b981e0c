"""A notice worded as an e-mail: Chinese, plain text and HTML (Jinja2 templates beside this file, one pair per
kind), dates in Beijing time, the Message-ID its key gives (domain/notices.py)."""

from __future__ import annotations

import email
import email.policy
import os
from datetime import datetime
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from contracts.campaign import Campaign
from contracts.deadline_text import BEIJING, deadline_text

from .domain import (Acknowledged, Application, BodyTarget, Digest, ExpertSeats, Notice, Objection, Package, Party,
                     Rereview, UnitStanding, is_optional, message_id, package_links, unsubscribe_url)

TEMPLATES = Path(__file__).parent / "templates"
SUBJECTS = {
    "nomination_received": "推荐已收到：{title}",
    "over_quota": "超出推荐名额，未被受理：{title}",
    "screening_passed": "形式审查通过：{title}",
    "screening_failed": "形式审查未通过：{title}",
    "returned_for_correction": "退回补正，请于{correction_due}前重新提交：{title}",
    "expert_assigned": "诚邀您参加初评：{target}（请于{prelim_due}前完成评分）",
    "results_due": "初评结果报送提醒：{target}，须于{prelim_due}前报送",
    "results_late": "初评结果逾期未报送：{target}（截止于{prelim_due}）",
    "decision_selected": "终评结果：拟入选，正在公示：{title}",
    "decision_not_selected": "终评结果：未入选：{title}",
    "released": "榜单正式发布，贵单位推荐的“{title}”入选",
    "collection_deadline": "推荐截止提醒：距截止还有 {days} 天（{due}）",
    "plan_filed": "评审工作方案已备案：{target}",
    "plan_acknowledged": "评审工作方案已确认：{target}",
    "plan_returned": "评审工作方案被退回：{target}",
    "expert_reminder": "评分提醒：{target}尚有 {unscored} 项待评（请于{prelim_due}前完成）",
    "re_review": "复评请求：{title}",
    "objection_received": "您的异议已收到：{title}",
    "objection_resolved": "异议处理结果：{title}",
    "secretariat_digest": "秘书处每日简报（{day}）",
    "application_returned": "申报被退回修改：{title}",
    "application_declined": "推荐单位不予推荐：{title}",
    "application_recommended": "推荐单位已推荐：{title}",
    "package_sent": "定向推介：{entries} 项上榜项目（{audience}）",
}


def beijing(at: datetime | str) -> str:
    at = datetime.fromisoformat(at) if isinstance(at, str) else at
    local = at.astimezone(BEIJING)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（北京时间）"


def _environment(autoescape: bool) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]) if autoescape else False,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["beijing"] = beijing
    return env


_TEXT, _HTML = _environment(False), _environment(True)


def unsubscribe_secret() -> bytes:
    """The key of the unsubscribe links' tokens (NOTIFY_UNSUBSCRIBE_KEY; a development default)."""
    return os.environ.get("NOTIFY_UNSUBSCRIBE_KEY", "kczg-development-unsubscribe-key").encode()


def public_base() -> str:
    """Where mail readers reach the notifier (NOTIFY_PUBLIC_URL; default the local one)."""
    return os.environ.get("NOTIFY_PUBLIC_URL", "http://localhost:8004")


def publish_base() -> str:
    """Where mail readers reach publish, for a package's brochure and sheet (KCZG_PUBLISH_URL, as the review's
    pages link to it; default the local one)."""
    return os.environ.get("KCZG_PUBLISH_URL", "").rstrip("/") or f"http://127.0.0.1:{os.environ.get('PUBLISH_PORT', '8002')}"


def sender_address() -> str:
    return os.environ.get("NOTIFY_MAIL_FROM", "科创中国榜单平台 <noreply@ranking.kczg.cloud>")


def target_name(campaign: Campaign | None, list_code: str, domain: str | None) -> str:
    if campaign is None:
        return " · ".join(filter(None, (list_code, domain)))
    ranking = next((lst for lst in campaign.lists if lst.code == list_code), None)
    if ranking is None:
        return " · ".join(filter(None, (list_code, domain)))
    named = next((d.name for d in ranking.domains if d.code == domain), domain)
    return " · ".join(filter(None, (ranking.name, named)))


def body_name(campaign: Campaign | None, code: str | None) -> str:
    found = next((b.name for b in campaign.bodies if b.code == code), None) if campaign else None
    return found or code or ""


def _list_domain(target: str) -> tuple[str, str | None]:
    _, list_code, domain = target.rsplit(":", 2)
    return list_code, domain or None


def _words(notice: Notice, subject, party: Party, campaign: Campaign | None) -> dict:
    """What the kind's templates and subject line say beyond the addressee and the dates: per subject."""
    facts = notice.facts
    target = target_name(campaign, facts.get("list_code") or "", facts.get("domain"))
    prelim_due = deadline_text(campaign.timeline.prelim_due_at) if campaign else ""
    match subject:
        case BodyTarget():
            return dict(addressee=body_name(campaign, subject.body_code), title="", days=facts["days"], target=target,
                        prelim_due=deadline_text(datetime.fromisoformat(facts["due_at"])))
        case Acknowledged():
            return dict(addressee=body_name(campaign, facts.get("body_code")), title="", target=target)
        case ExpertSeats():
            return dict(addressee=f"{party.name}专家", title="", seats=subject.seats, target=target,
                        body=body_name(campaign, facts.get("body_code")), prelim_due=prelim_due,
                        unscored=sum(not seat.scored for seat in subject.seats), days=facts.get("days"))
        case Rereview():
            return dict(addressee=f"{party.name}专家", title=subject.title, target=target,
                        body=body_name(campaign, facts.get("body_code")), prelim_due=prelim_due)
        case UnitStanding():
            return dict(title="", days=facts["days"], due=deadline_text(datetime.fromisoformat(facts["due_at"])),
                        waiting=subject.waiting, unused=subject.unused)
        case Objection():
            return dict(title=subject.title or subject.nomination_id)
        case Digest():
            return dict(addressee=party.name, title="", day=facts["day"], digest=subject,
                        late=[(body_name(campaign, body), target_name(campaign, *_list_domain(target)))
                              for body, target in subject.late], prelim_due=prelim_due)
        case Application():
            return dict(title=subject.title, unit=subject.unit_name)
        case Package():
            criteria = "、".join(filter(None, (
                target_name(campaign, facts["list_code"], facts.get("domain")) if facts.get("list_code") else None,
                f"地区：{facts['region']}" if facts.get("region") else None,
                f"关键词：{facts['keyword']}" if facts.get("keyword") else None)))
            return dict(title="", audience=subject.audience, entries=subject.entries, criteria=criteria,
                        **package_links(publish_base(), notice.campaign, subject.package_id))
    words = dict(title=subject.title, target=target_name(campaign, subject.list_code, subject.domain),
                 correction_due=deadline_text(datetime.fromisoformat(facts["correction_due_at"]))
                 if "correction_due_at" in facts else "")
    if "closes_at" in facts:
        words["notice_closes"] = deadline_text(datetime.fromisoformat(facts["closes_at"]))
    return words


def compose(notice: Notice, subject, party: Party, campaign: Campaign | None, now: datetime) -> Message:
    """The e-mail of `notice` to `party` at its address, about `subject` as it stands at `now`."""
    words = dict(addressee=party.name, round=notice.round, facts=notice.facts, occurred_at=notice.occurred_at,
                 sent_at=now)
    words.update(_words(notice, subject, party, campaign))
    headline = "【科创中国】" + SUBJECTS[notice.kind].format(**words)
    words["subject"] = headline
    headers = [("Subject", headline), ("From", sender_address()), ("To", party.contact_email),
               ("Date", format_datetime(now.astimezone(BEIJING))), ("Message-ID", message_id(*notice.key)),
               ("X-Kczg-Notice", f"{notice.kind}; round={notice.round}; subject={notice.subject}")]
    if is_optional(notice.kind):  # RFC 8058: a one-click POST; duty mail carries no such header
        words["unsubscribe"] = unsubscribe_url(public_base(), unsubscribe_secret(), notice.recipient, notice.kind)
        headers += [("List-Unsubscribe", f"<{words['unsubscribe']}>"),
                    ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
    return mime_message(headers, _TEXT.get_template(f"{notice.kind}.txt").render(words),
                        _HTML.get_template(f"{notice.kind}.html").render(words))


def mime_message(headers: list[tuple[str, str]], text: str, html: str) -> Message:
    """multipart/alternative, plain text then HTML, in UTF-8. Built with the legacy (compat32) classes: the
    modern EmailMessage parses and folds every header through its registry, a third of the sender's CPU per
    message (2.6 ms against 0.8 ms to build and flatten one). Only an address outside ASCII, which needs
    SMTPUTF8 rather than encoded words, takes the modern API."""
    addresses = [parseaddr(value)[1] for name, value in headers if name in ("From", "To")]
    if not all(address.isascii() for address in addresses):
        message = EmailMessage()
        for name, value in headers:
            message[name] = value
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return message
    legacy = MIMEMultipart("alternative")
    for name, value in headers:
        legacy[name] = _encoded(name, value)
    legacy.attach(MIMEText(text, "plain", "utf-8"))
    legacy.attach(MIMEText(html, "html", "utf-8"))
    return legacy


class _AsGiven:
    """An ASCII header value the legacy generator (aiosmtplib flattens with compat32) writes on one line, as the
    modern API does: it would fold an unsubscribe link before the value, leaving a reader a leading blank."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def encode(self, linesep: str = "\n", maxlinelen: int | None = None) -> str:
        return self.value

    def __str__(self) -> str:
        return self.value

    def __eq__(self, other: object) -> bool:
        return str(self) == other if isinstance(other, str) else NotImplemented

    __hash__ = None


def as_read(message: Message) -> EmailMessage:
    """`message` as its reader gets it: parsed from the bytes sent, with the modern API (decoded headers, bodies)."""
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def _encoded(name: str, value: str) -> str | Header | _AsGiven:
    """A header as the wire carries it: ASCII, a display name or subject outside it as RFC 2047 encoded words."""
    if value.isascii():  # only a value the legacy generator would fold is wrapped; addresses stay as aiosmtplib reads them
        return _AsGiven(value) if len(name) + 2 + len(value) > 78 and name not in ("From", "To") else value
    if name in ("From", "To"):
        return formataddr(parseaddr(value), charset="utf-8")
    return Header(value, "utf-8")
