"""The secretariat's home and dashboard (工作台首页、进度看板): one home linking the review's pages and the
publish service's (the notice, release and objection controls live beside the public site, at
KCZG_PUBLISH_URL); per list and domain how many were collected, screened, assigned, scored and submitted,
who is late, quota use by channel, and the charts — each target's score distribution, its experts' leniency,
progress day by day — each with its table. Read from the review's views only: services never call each other."""

from __future__ import annotations

from itertools import accumulate

from fastapi import APIRouter, Request
from markupsafe import Markup
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from eventlog.http.front_door import now_for, service_of
from eventlog.http.page_session import PAGES
from eventlog.pages import charts
from eventlog.pages.addresses import service_url
from eventlog.pages.render import PAGE_HEADERS

from .. import roster_names
from ..domain.targets import bodies_of, targets_of
from ..views import dashboard_queries as q, review_queries
from .access import T, signed_in

router = APIRouter(include_in_schema=False)
HOME = PAGES + "/review/secretariat"
DASHBOARD = PAGES + "/review/campaigns/{campaign}/dashboard"
UNCHANNELLED = "（不占渠道名额）"
# The drawn dashboard per (campaign, target asked for, past the deadline, the deadline), with the views'
# position it was read at: it is read far more often than the views move, and costs ~40 ms to read and draw.
# Kept encoded and set into each reader's page as it is: encoding it anew was a tenth of a request's time.
_RENDERED: dict[tuple, tuple[int, bytes]] = {}
_BODY = Markup("\x00dashboard\x00")  # where the drawn dashboard goes in the reader's page


def publish_url() -> str:
    """The publish service as browsers reach it (its workbench pages: notice, release, objections)."""
    return service_url("publish")


@router.get(HOME)
async def home(request: Request) -> Response:
    who, csrf = signed_in(request, "secretariat")
    titles = service_of(request).campaigns.titles()
    publish = publish_url()
    return T.page("secretariat_home.html", title="秘书处工作台", who=who, csrf=csrf, campaigns=[{
        "title": title, "dashboard": DASHBOARD.format(campaign=code),
        "screening": f"{PAGES}/review/campaigns/{code}/screening", "plans": f"{PAGES}/review/campaigns/{code}/plans",
        "final": f"{PAGES}/review/campaigns/{code}/final",
        "exports": f"{PAGES}/review/campaigns/{code}/exports/nominations.xlsx",
        "notices": f"{publish}{PAGES}/publish/campaigns/{code}/controls",
        "objections": f"{publish}{PAGES}/publish/campaigns/{code}/objections",
        "public": f"{publish}/campaigns/{code}"} for code, title in sorted(titles.items())],
        exports=PAGES + "/review/exports", publish=publish)


def _target_name(found, target) -> str:
    lst = found.ranking_list(target.list_code)
    return " · ".join([lst.name] + ([lst.domain(target.domain).name] if target.domain else []))


@router.get(DASHBOARD)
async def dashboard(campaign: str, request: Request, target: str | None = None) -> Response:
    who, csrf = signed_in(request, "secretariat")
    state = service_of(request)
    found = await state.campaigns.knowing(campaign)
    now, due = now_for(request), found.timeline.prelim_due_at
    async with state.pool.acquire() as conn:
        stamp = await q.stamp(conn)
    key = (campaign, target, now >= due, due)
    cached = _RENDERED.get(key)
    if cached is None or cached[0] != stamp:  # the views moved (or the campaign did): read and draw again
        if len(_RENDERED) >= 64:
            _RENDERED.clear()
        _RENDERED[key] = cached = (stamp, (await _body(state, found, campaign, target, now, due)).encode())
    head, tail = T.render("dashboard.html", title="进度看板", who=who, csrf=csrf, body=_BODY).split(_BODY)
    return HTMLResponse(b"".join((head.encode(), cached[1], tail.encode())), headers=PAGE_HEADERS)


async def _body(state, found, campaign: str, target: str | None, now, due) -> Markup:
    """The dashboard below the navigation: the same for every secretariat reader until the views move."""
    targets = targets_of(found)
    bodies = {t.key: [b.code for b in bodies_of(found, t)] for t in targets}
    body_names = {b.code: b.name for b in found.bodies}
    chosen = next((t for t in targets if t.key == target), None)
    async with state.pool.acquire() as conn:
        funnel = await q.funnel(conn, campaign)
        progress = await review_queries.campaign_progress(conn, campaign, due, bodies)
        channels = await q.quota_by_channel(conn, campaign)
        owing = await q.owing_experts(conn, campaign)
        days = await q.by_day(conn, campaign)
        if chosen is None:  # the target with most scores in so far, else the first
            chosen = max(targets, key=lambda t: next((r["scores_received"] for r in progress["targets"]
                                                      if r["target_key"] == t.key), 0), default=None)
        plan = (await review_queries.target(conn, chosen.key) or {}).get("plan") if chosen else None
        totals = await q.totals(conn, chosen.key) if chosen else []
        leniency = await q.leniency(conn, chosen.key) if chosen else []
        experts = await roster_names.names_of(conn, {e["target_key"] for e in owing} | ({chosen.key} if chosen else set()))
    for e in owing:
        e["label"] = roster_names.labelled(e["expert_id"], experts.get((e["target_key"], e["expert_id"])))
    for e in leniency:
        e["label"] = roster_names.labelled(e["expert_id"], experts.get((chosen.key, e["expert_id"])))
    names = {t.key: _target_name(found, t) for t in targets}
    rows = []
    for p in progress["targets"]:
        f = funnel.get(p["target_key"], dict.fromkeys(q._FUNNEL_COUNTS, 0))
        overdue = p["missing"] and now >= due
        rows.append({**p, **f, "name": names[p["target_key"]], "overdue": overdue,
                     "body_names": "、".join(body_names.get(b, b) for b in p["bodies"])})
    late_bodies = [r for r in rows if r["late"] or r["overdue"]]
    channel_names = {c.code: c.name for c in found.channels}
    quota = [{**c, "name": channel_names.get(c["channel"], c["channel"]) if c["channel"] else UNCHANNELLED}
             for c in channels]
    low, high = (plan["score_min"], plan["score_max"]) if plan else (0, 100)
    distribution, bins = charts.histogram("专家评分分布", totals, low, high)
    labels = [d[0].strftime("%m-%d") for d in days]
    cumulative = [list(accumulate(d[i] for d in days)) for i in (1, 2, 3)]
    return Markup(T.render(
        "dashboard_body.html", campaign=campaign, campaign_title=found.title,
        rows=rows, late_bodies=late_bodies, due=due, overdue_now=now >= due, owing=owing, names=names,
        quota=quota, quota_chart=charts.bars("各渠道名额使用", [charts.Bar(c["name"], c["reserved"]) for c in quota]),
        targets=[(t.key, names[t.key]) for t in targets], chosen=chosen.key if chosen else None,
        chosen_name=names[chosen.key] if chosen else "", distribution=distribution, bins=bins, total_count=len(totals),
        leniency=leniency, leniency_chart=charts.bars("专家平均分与同组均分", [
            charts.Bar(e["label"], e["mean"], e["panel_mean"]) for e in leniency], scale_max=high),
        days=[(d[0], *c) for d, *c in zip(days, *cumulative)],
        progress_chart=charts.lines("累计进度", labels, [("收集", cumulative[0]), ("形式审查", cumulative[1]),
                                                        ("专家评分", cumulative[2])]),
        action=DASHBOARD.format(campaign=campaign)))


@router.get(PAGES + "/review/dashboard")
async def first_dashboard(request: Request) -> Response:
    signed_in(request, "secretariat")
    titles = service_of(request).campaigns.titles()
    return RedirectResponse(DASHBOARD.format(campaign=sorted(titles)[0]) if titles else HOME, 303)
