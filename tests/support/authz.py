"""The authorization matrix's vocabulary (tests/integration/test_authorization_matrix.py): what a kind of
caller gets from a route — a rule per route family (only some roles, anyone, anyone whose token verifies)
— and, for the reads that list things, what a caller must see and must not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.support.callers import BAD_TOKENS, CALLERS, UNAUTHENTICATED
from tests.support.world import ECO, LIST_N, LIST_O, LIST_P, MATERIALS, World

Expect = tuple[int, str | None]  # status, and the problem's code for a refusal (None: any)


def NF(code: str) -> Expect:  # noqa: N802 — reads as a status in the table
    """Not found: another's resource answers as if it did not exist."""
    return (404, code)


def only(anonymous: Expect = (401, None), refused: Expect = (403, "role_not_allowed"), **allowed) -> dict[str, Expect]:
    """The callers named get what they are given; bad tokens 401; every other caller `refused`."""
    out = {k: (401, UNAUTHENTICATED[k]) for k in BAD_TOKENS}
    out["anonymous"] = (anonymous[0], anonymous[1] or UNAUTHENTICATED["anonymous"])
    for kind in CALLERS:
        if kind not in out:
            given = allowed.get(kind, refused)
            out[kind] = given if isinstance(given, tuple) else (given, None)
    return out


def public(status: int = 200) -> dict[str, Expect]:
    """Anyone, with any credentials or none: the route reads no token (a bad one is ignored, not refused)."""
    return {k: (status, None) for k in CALLERS}


def optional(status: Expect | int = 200, **special) -> dict[str, Expect]:
    """Anyone without credentials or with good ones; a token that is sent must verify (bad ones 401)."""
    default = status if isinstance(status, tuple) else (status, None)
    out = {k: (401, UNAUTHENTICATED[k]) for k in BAD_TOKENS}
    for kind in CALLERS:
        if kind not in out:
            given = special.get(kind, default)
            out[kind] = given if isinstance(given, tuple) else (given, None)
    return out


def page(signed_out: int = 401, refused: int = 403, **allowed: int) -> dict[str, Expect]:
    """A workbench page (HTML, never problem+json): nobody verified gets `signed_out` (the login's words),
    the callers named what they are given, every other caller `refused`."""
    out = {k: (signed_out, None) for k in ("anonymous", *BAD_TOKENS)}
    return out | {k: (allowed.get(k, refused), None) for k in CALLERS if k not in out}


@dataclass(frozen=True)
class Row:
    expect: dict[str, Expect]
    path: dict[str, Callable[[World], Any]] = field(default_factory=dict)  # path parameter -> its value
    request: Callable[[World], dict[str, Any]] = lambda w: {}  # httpx keyword arguments: json, files, params
    owners: dict[str, str] = field(default_factory=dict)  # who the own/other kinds are here, if not the default
    sees: Callable[[str, dict, World], str | None] | None = None  # a read's answer: what is wrong with it, if anything


# --- who sees what: an allowed read lists the caller's own things only -------------------------------------
ORG = {"applicant": "acme", "applicant_other": "globex", "unit_own": "unit-a", "unit_other": "unit-b",
       "body_own": MATERIALS, "body_other": ECO}


def _ids(body: dict) -> set[str]:
    return {str(i["nomination_id"]) for i in body["items"]}


def own_nominations(kind: str, body: dict, w: World) -> str | None:
    others = {i["unit_id"] for i in body["items"]} - {ORG[kind]}
    if others:
        return f"sees the nominations of {sorted(others)}"
    if kind == "unit_own" and w.nomination_a not in _ids(body):
        return "does not see its own nomination"
    return None


def own_applications(side: str):
    def check(kind: str, body: dict, w: World) -> str | None:
        others = {i[side] for i in body["items"]} - {ORG[kind]}
        if others:
            return f"sees the applications of {sorted(others)}"
        mine = {i["application_id"] for i in body["items"]}
        wanted = set(w.sent.values()) | ({w.draft} if side == "applicant_id" else set())
        if kind in ("applicant", "unit_own") and not wanted <= mine:
            return f"does not see its own applications: {sorted(wanted - mine)}"
        return None
    return check


def expert_queue(kind: str, body: dict, w: World) -> str | None:
    """Assigned: nomination_a is in the queue; unassigned and conflicted: it is not, nor anything of it."""
    if (w.nomination_a in _ids(body)) != (kind == "expert_assigned"):
        return f"nomination_a {'missing from' if kind == 'expert_assigned' else 'in'} the queue: {body['items']}"
    return None


def expert_queue_page(kind: str, body: str, w: World) -> str | None:
    """The queue page links nomination_a's seat for the assigned expert only."""
    if (w.nomination_a in body) != (kind == "expert_assigned"):
        return f"nomination_a {'missing from' if kind == 'expert_assigned' else 'on'} the queue page"
    return None


def open_notices(kind: str, body: dict, w: World) -> str | None:
    seen = {n["notice_id"] for n in body["notices"]}
    wanted = {w.notice_open, w.notice_closed} if kind == "secretariat" else {w.notice_open}
    return None if seen == wanted else f"sees notices {sorted(seen)}, expected {sorted(wanted)}"


def ranking_scope(kind: str, body: dict, w: World) -> str | None:
    """A unit its own nominations; a body its targets' (MATERIALS: 先进材料; ECO: 绿色低碳); the secretariat all."""
    items = body["items"]
    if kind in ("unit_own", "unit_other"):
        return own_nominations(kind, body, w) or results_until_notice(kind, body, w)
    if kind == "body_own" and ({(i["list_code"], i["domain"]) for i in items} != {("leading_tech", "advanced_materials")}
                               or w.nomination_a not in _ids(body)):
        return f"sees {[(i['list_code'], i['domain']) for i in items]}"
    if kind == "body_other" and any(i["domain"] != "green_low_carbon" for i in items):
        return f"sees {[(i['list_code'], i['domain']) for i in items]}"
    if kind == "secretariat" and body["total"] < 8:
        return f"sees only {body['total']} nominations"
    return None


RESULTS = ("prelim_aggregate", "prelim_raw_sum", "prelim_rank", "prelim_expert_count", "prelim_method",
           "recommended_rank", "recommended_late", "selected", "decision_note")


def results_until_notice(kind: str, body: dict, w: World) -> str | None:
    """A unit reads its results only in the lists noticed (LIST_O open, LIST_P closed and published); its
    scored nominations elsewhere (unit-a's nomination_c, unit-b's in LIST_N) read as under review, no result."""
    items = {i["nomination_id"]: i for i in body["items"]}
    hidden = {"unit_own": w.nomination_c, "unit_other": str(w.chains[LIST_N].nomination_id)}[kind]
    if items.get(hidden, {}).get("status") != "under_review":
        return f"sees {hidden} as {items.get(hidden, {}).get('status')}, expected under_review"
    for nid, item in items.items():
        if item["list_code"] not in (LIST_O, LIST_P) and any(item[k] is not None for k in RESULTS):
            return f"sees the results of {nid} before its notice: {[(k, item[k]) for k in RESULTS]}"
    if kind == "unit_other":
        shown = {lst: items[str(w.chains[lst].nomination_id)] for lst in (LIST_O, LIST_P)}
        if [(i["status"], i["selected"]) for i in shown.values()] != [("selected", True), ("published", True)]:
            return f"does not see its noticed results: {[(i['status'], i['selected']) for i in shown.values()]}"
    return None


def audit_names_people(kind: str, body: dict, w: World) -> str | None:
    """nomination_a's audit: each service's events on it name the person whose token caused them (the world's
    tokens carry the default subject ORG:dev); only a system component acts without one."""
    if body["nomination_id"] != w.nomination_a:
        return f"the audit of {body['nomination_id']}"
    seen = {(e["type"], e["actor"]["organisation"], e["actor"]["person"] or "-") for e in body["events"]}
    wanted = {("NominationSubmitted", "unit-a", "unit-a:dev"), ("QuotaReserved", "quota", "-"),
              ("NominationScreened", "kczg_secretariat", "kczg_secretariat:dev"),
              ("ExpertAssigned", MATERIALS, f"{MATERIALS}:dev")}
    unnamed = [e["type"] for e in body["events"] if e["actor"]["role"] != "system" and not e["actor"]["person"]]
    if wanted - seen or unnamed:
        return f"audit lacks {sorted(wanted - seen)}; without a person: {unnamed}"
    return None
