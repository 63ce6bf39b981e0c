"""The Atom feed (RFC 4287) of releases and news: plain XML, escaped, newest first."""

from __future__ import annotations

from datetime import datetime, timezone
from xml.sax.saxutils import escape, quoteattr

FeedEntry = tuple[str, str, str, datetime, str, str]  # kind (release, news), id, title, updated, summary, link
CATEGORIES = {"release": "榜单发布", "news": "宣传推广"}


def _when(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_feed(title: str, self_url: str, site_url: str, entries: list[FeedEntry], now: datetime) -> bytes:
    entries = sorted(entries, key=lambda e: (e[3], e[1]), reverse=True)
    updated = entries[0][3] if entries else now
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
           f"<title>{escape(title)}</title>", f"<id>{escape(self_url)}</id>",
           f'<link rel="self" href={quoteattr(self_url)}/>', f"<link href={quoteattr(site_url)}/>",
           f"<updated>{_when(updated)}</updated>", "<author><name>“科创中国”联合体秘书处</name></author>"]
    for kind, entry_id, entry_title, when, summary, link in entries:
        out += ["<entry>", f"<id>{escape(entry_id)}</id>", f"<title>{escape(entry_title)}</title>",
                f"<updated>{_when(when)}</updated>", f"<link href={quoteattr(link)}/>",
                f"<category term={quoteattr(kind)} label={quoteattr(CATEGORIES[kind])}/>",
                f"<summary>{escape(summary)}</summary>", "</entry>"]
    out.append("</feed>")
    return ("\n".join(out) + "\n").encode()
