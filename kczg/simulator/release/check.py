"""The release's self-check, pure: what the simulator decided, objected and released, recomputed in the
declared order (domain in campaign order, then the recommending unit's name by code points, unit id,
title, nomination id), against what the release files, the manifest, the public page and the ranking
view show. Every disagreement is a line in `problems`."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from markupsafe import escape

ROW = re.compile(r'<tr><td class="number">\d+</td><td>(.*?)</td>', re.S)


@dataclass(frozen=True)
class Item:
    nomination_id: str
    list_code: str
    domain: str | None
    unit_id: str
    unit_name: str | None
    title: str


def declared_order(domains: list[str], items: list[Item]) -> list[Item]:
    rank = {d: i for i, d in enumerate(domains)}
    return sorted(items, key=lambda e: (rank.get(e.domain or "", len(rank)), e.domain or "", e.unit_name or e.unit_id,
                                        e.unit_id, e.title, e.nomination_id))


def check_manifest(manifest: bytes, served: dict[str, bytes], versions: dict[str, int], released_on: str,
                   problems: list[str]) -> None:
    doc = json.loads(manifest)
    if doc["versions"] != versions:
        problems.append(f"manifest versions {doc['versions']}, released {versions}")
    if doc["released_on"] != released_on:
        problems.append(f"manifest released_on {doc['released_on']}, expected {released_on}")
    for name, info in doc["files"].items():
        data = served.get(name)
        if data is None:
            problems.append(f"manifest names {name}, not served")
        elif (hashlib.sha256(data).hexdigest(), len(data)) != (info["sha256"], info["bytes"]):
            problems.append(f"{name}: served sha256 {hashlib.sha256(data).hexdigest()} / {len(data)} bytes, "
                            f"manifest {info['sha256']} / {info['bytes']}")


def check_release_json(doc: dict, expected: dict[str, list[Item]], versions: dict[str, int], reasons: dict[str, str],
                       released_on: str, problems: list[str], corrections: dict[str, list[dict]] | None = None) -> None:
    """Every list with exactly the expected entries, in order; its version, reason, corrections and release day."""
    shown = {lst["list_code"]: lst for lst in doc["lists"]}
    if list(shown) != list(expected):
        problems.append(f"release.json lists {list(shown)}, expected {list(expected)}")
    for code, items in expected.items():
        lst = shown.get(code)
        if lst is None:
            continue
        got = [(e["nomination_id"], e["title"], e["unit_id"], e["domain"]) for e in lst["entries"]]
        want = [(i.nomination_id, i.title, i.unit_id, i.domain) for i in items]
        if got != want:
            missing, extra = {w[0] for w in want} - {g[0] for g in got}, {g[0] for g in got} - {w[0] for w in want}
            problems.append(f"release.json {code}: {len(got)} entries, expected {len(want)}; "
                            f"missing {sorted(missing)[:3]}, extra {sorted(extra)[:3]}"
                            + ("; same set, other order" if not missing | extra else ""))
        if (lst["version"], lst["reason"] or "") != (versions[code], reasons.get(code, "")):
            problems.append(f"release.json {code}: version {lst['version']} ({lst['reason']}), "
                            f"expected {versions[code]} ({reasons.get(code)})")
        if lst["released_on"] != released_on:
            problems.append(f"release.json {code}: released_on {lst['released_on']}, expected {released_on}")
        if lst.get("corrections") != (corrections or {}).get(code, []):
            problems.append(f"release.json {code}: corrections {lst.get('corrections')}, "
                            f"expected {(corrections or {}).get(code, [])}")


def check_page(page: str, expected: dict[str, list[Item]], unreleased: list[Item], private: list[str],
               problems: list[str]) -> None:
    """Each list's section shows its entries' titles escaped, in order; no unreleased title, no contact."""
    for code, items in expected.items():
        start = page.find(f'id="list-{code}"')
        if start < 0:
            problems.append(f"page: no section for {code}")
            continue
        end = page.find("</section>", start)
        titles = ROW.findall(page[start:end])
        if titles != [str(escape(i.title)) for i in items]:
            problems.append(f"page {code}: {len(titles)} titles shown, expected {len(items)} (or another order)")
    for item in unreleased:
        if str(escape(item.title)) in page:
            problems.append(f"page shows the unreleased {item.nomination_id} ({item.title})")
    raw = {i.title for items in expected.values() for i in items if str(escape(i.title)) != i.title}
    if any(title in page for title in raw):
        problems.append("page shows a title unescaped")
    if any(secret in page for secret in private):
        problems.append("page shows an objector's contact")


def check_view(statuses: dict[str, str], released: set[str], upheld: set[str], not_selected: set[str],
               problems: list[str], revoked: set[str] = frozenset()) -> None:
    """The ranking view: published exactly for the released, selected for the upheld, revoked for the revoked,
    not_selected the rest."""
    want = {**{n: "not_selected" for n in not_selected}, **{n: "selected" for n in upheld},
            **{n: "published" for n in released}, **{n: "revoked" for n in revoked}}
    wrong = {n: (statuses.get(n), s) for n, s in want.items() if statuses.get(n) != s}
    extra = {n for n, s in statuses.items() if s == "published" and n not in released}
    if wrong:
        problems.append(f"ranking view: {len(wrong)} statuses differ, e.g. {dict(list(wrong.items())[:3])}")
    if extra:
        problems.append(f"ranking view: published but not released {sorted(extra)[:3]}")


def check_correction(version_1: dict, version_2: dict, before: list[Item], corrections: list[dict],
                     problems: list[str]) -> None:
    """Version 1 of the corrected list as it was released (nothing of the correction in it); version 2 carrying
    exactly the corrections made."""
    got = [(e["nomination_id"], e["title"]) for e in version_1.get("entries", [])]
    if got != [(i.nomination_id, i.title) for i in before] or version_1.get("corrections") != []:
        problems.append(f"version 1 changed by the correction: {len(got)} entries, corrections "
                        f"{version_1.get('corrections')}")
    if version_2.get("corrections") != corrections:
        problems.append(f"version 2 corrections {version_2.get('corrections')}, expected {corrections}")


def check_correction_notice(page: str, corrections: list[dict], problems: list[str]) -> None:
    """The page's correction notice names each correction: the renamed title's change, the revoked entry."""
    for c in corrections:
        if c["revoked"]:
            want = f"撤销“{escape(c['title'])}”。原因：{escape(c['reason'])}"
        else:
            want = "".join(f"由“{escape(f['before'])}”更正为“{escape(f['after'])}”" for f in c["changes"])
        if want not in page:
            problems.append(f"page: no correction notice {want[:80]!r}")


def check_rebuild(served: dict[str, bytes], rebuilt: dict[str, bytes], problems: list[str]) -> None:
    for name in sorted(set(served) | set(rebuilt)):
        if served.get(name) != rebuilt.get(name):
            problems.append(f"kczg release build: {name} differs from the file served")
