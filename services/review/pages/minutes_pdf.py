"""The final-review minutes as a PDF (终评会议表决记录), printed by WeasyPrint from the decisions on record for
one list (or one domain of it): each ranked candidate with its preliminary rank and aggregate, the vote the
sitting recorded (eligible, present, recused, yes, no, abstain), the decision, its revision and the sitting that
took it, with room for the committee's signatures. Inline HTML and CSS only: no URL is fetched."""

from __future__ import annotations

import asyncio
from datetime import datetime

import orjson

from contracts.deadline_text import BEIJING

from .access import T

PDF = "application/pdf"
VOTE_KEYS = ("eligible", "present", "recused", "yes", "no", "abstain")


class PrinterMissing(RuntimeError):
    """WeasyPrint cannot load its libraries here (pango): the minutes cannot be printed."""


def minutes_rows(candidates: list[dict]) -> list[dict]:
    """The candidates with their recorded vote unpacked (None: decided without a vote count, or undecided)."""
    out = []
    for c in candidates:
        vote = orjson.loads(c["decision_vote"]) if c.get("decision_vote") else None
        out.append({**c, "vote": {k: vote.get(k, 0) for k in VOTE_KEYS} if vote else None})
    return out


def minutes_html(title: str, rows: list[dict], printed_at: datetime) -> str:
    sittings = sorted({r["decision_sitting"] for r in rows if r.get("decision_sitting")})
    return T.render("minutes_print.html", title=title, rows=rows, sittings=sittings,
                    printed_at=printed_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
                    selected=sum(1 for r in rows if r["selected"]), decided=sum(1 for r in rows if r["selected"] is not None))


def _print(html: str) -> bytes:
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except OSError as exc:  # pango missing: the service runs, this file does not
        raise PrinterMissing(str(exc)) from exc
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


async def minutes_pdf(title: str, rows: list[dict], printed_at: datetime) -> bytes:
    """The PDF, printed off the event loop (WeasyPrint takes a second or so for a few hundred rows)."""
    return await asyncio.to_thread(_print, minutes_html(title, rows, printed_at))
