"""Reading the ranking views: filtered, paged nomination lists and campaign progress.

Only nominations whose content has arrived are shown (a quota decision or a score can land
before the submission it is about). A nomination's channels are the ones its submission carried,
else (older submissions) its unit's; `channels` in a row stays the unit's own set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from .ranking_tables import status_case
from .rankings import RANKINGS

S = RANKINGS.schema
_FROM = (f"FROM {S}.nominations n LEFT JOIN {S}.units u ON u.campaign = n.campaign AND u.unit_id = n.unit_id "
         "WHERE n.revision IS NOT NULL")
_CHANNELS = "COALESCE(n.submitted_channels, u.channels, '{}')"
# Each nomination counts once, so by_channel sums to the total: under its channel when it was
# recommended under one, under "multiple" when under several (a unit in several channels: which one
# "earned" the slot is not a fact the log holds), under "none" when no channel is known.
_BUCKET = (f"CASE cardinality({_CHANNELS}) WHEN 0 THEN 'none' WHEN 1 THEN ({_CHANNELS})[1] "
           "ELSE 'multiple' END")
_BY_CHANNEL = (f"SELECT {_BUCKET} AS channel, count(*) AS n {_FROM} AND n.campaign = $1 GROUP BY 1")
# A unit's results (preliminary score and rank, recommendation, decision) while they are confidential read as
# NULL, its status as under review, and its rows sort as if unscored: nothing of them leaks, not by the order.
_RESULTS = ("prelim_aggregate", "prelim_raw_sum", "prelim_rank", "prelim_expert_count", "prelim_method",
            "recommended_rank", "recommended_late", "selected", "decision_note")
# Covered by a public notice of its list: one that was not opened without its target.
_NOTICED = (f"EXISTS (SELECT 1 FROM {S}.notices t WHERE t.campaign = n.campaign AND t.list_code = n.list_code "
            "AND NOT coalesce(n.domain, '') = ANY(t.omitted_domains))")
_FACTS = ("n.nomination_id::text AS nomination_id, n.campaign, n.list_code, n.domain, n.title, n.unit_id, "
          "u.name AS unit_name, COALESCE(u.channels, '{}') AS channels, "
          f"{_CHANNELS} AS nomination_channels, n.revision, n.submitted_at, "
          "n.withdrawn_at, n.screening_passed, n.quota_outcome, n.quota_slot, n.quota_limit, n.quota_used, "
          "n.quota_reason")


@dataclass(frozen=True)
class Visibility:
    """What of each row the caller sees beyond its facts (domain/access.py decides it for the caller).

    results_as_recorded: None, every row's results; else only rows of these campaigns (which show a unit its
        results as recorded) and rows whose target a public notice covers — the others read as under review.
    release_seen_at: None, a published row is published (the secretariat's preview of an embargoed release);
        else it is published only once public at this instant, and until then reads as what it was before."""

    results_as_recorded: tuple[str, ...] | None
    release_seen_at: datetime | None

    def sql(self, args: list[Any]) -> Shown:
        """The SQL of what the caller sees, binding its values into `args`."""
        results = released = None
        if self.results_as_recorded is not None:
            args.append(list(self.results_as_recorded))
            results = f"(n.campaign = ANY(${len(args)}::text[]) OR {_NOTICED})"
        revoked = None
        if self.release_seen_at is not None:
            args.append(self.release_seen_at)
            released, revoked = f"n.public_from <= ${len(args)}", f"n.revoked_from <= ${len(args)}"
        status = ("n.status" if results is None and released is None
                  else f"({status_case('n.', released, results, revoked)})")
        shown = {c: f"CASE WHEN {results} THEN n.{c} END" if results else f"n.{c}" for c in _RESULTS}
        published = f"CASE WHEN {released} THEN n.published_at END" if released else "n.published_at"
        columns = (f"{_FACTS}, {status} AS status, " + ", ".join(f"{e} AS {c}" for c, e in shown.items())
                   + f", {published} AS published_at")
        return Shown(columns, status, shown["prelim_rank"], results, released, revoked)


@dataclass(frozen=True)
class Shown:
    columns: str                # the SELECT list
    status: str                 # the status as the caller sees it
    rank: str                   # the preliminary rank as the caller sees it (the order)
    results: str | None         # when a row's results show (None: always)
    released: str | None        # when a published row shows as published (None: always)
    revoked: str | None = None  # when a revoked row shows as revoked (None: always)

    def status_is(self, status: str, placeholder: str) -> str:
        """A row whose status as shown is `status` (bound at `placeholder`), written so the planner estimates
        it from the stored status where it can: an expression it cannot estimate led it to a nested loop
        over every unit for each row (bench/rankings_read.py)."""
        if self.status == "n.status":
            return f"n.status = {placeholder}"
        if self.results is not None:  # a unit's own rows: few, whatever the plan
            return f"{self.status} = {placeholder}"
        # Only the embargo moves a row from its stored status, and only a published or revoked one.
        if status == "revoked":
            return f"n.status = {placeholder} AND {self.revoked}"
        if status == "published":
            return (f"((n.status = {placeholder} AND {self.released}) OR "
                    f"(n.status = 'revoked' AND ({self.revoked}) IS NOT TRUE AND {self.status} = {placeholder}))")
        return (f"(n.status = {placeholder} OR (n.status IN ('published', 'revoked') AND ({self.released}) IS NOT TRUE "
                f"AND {self.status} = {placeholder}))")


SEE_ALL = Visibility(results_as_recorded=None, release_seen_at=None)


@dataclass(frozen=True)
class NominationFilter:
    visibility: Visibility  # no default: every read says what its caller may see
    campaign: str | None = None
    list_code: str | None = None
    domain: str | None = None
    unit_id: str | None = None
    channel: str | None = None
    status: str | None = None   # as the caller sees it: a unit cannot find a confidential result by filtering
    nomination_id: str | None = None
    # Who may see what (domain/access.py): one unit's own, or the (campaign, list, domain) a body reviews.
    own_unit: str | None = None
    targets: tuple[tuple[str, str, str], ...] | None = None

    def query(self) -> tuple[str, str, str, list[Any]]:
        """(SELECT list, WHERE clauses, ORDER BY, arguments)."""
        args: list[Any] = []
        seen = self.visibility.sql(args)
        clauses = []
        for column, value in (("n.campaign", self.campaign), ("n.list_code", self.list_code),
                              ("n.domain", self.domain), ("n.unit_id", self.unit_id), ("n.unit_id", self.own_unit)):
            if value is not None:
                args.append(value)
                clauses.append(f"{column} = ${len(args)}")
        if self.status is not None:
            args.append(self.status)
            clauses.append(seen.status_is(self.status, f"${len(args)}"))
        if self.nomination_id is not None:
            args.append(self.nomination_id)
            clauses.append(f"n.nomination_id = ${len(args)}::uuid")
        if self.channel is not None:
            args.append(self.channel)
            clauses.append(f"${len(args)} = ANY({_CHANNELS})")
        if self.targets is not None:
            args += [[t[0] for t in self.targets], [t[1] for t in self.targets], [t[2] for t in self.targets]]
            n = len(args)
            clauses.append(f"(n.campaign, n.list_code, coalesce(n.domain, '')) IN (SELECT * FROM "
                           f"unnest(${n - 2}::text[], ${n - 1}::text[], ${n}::text[]))")
        # Per list and domain: by preliminary rank where the caller sees one, then by recommending unit
        # (the order the published lists use), then by submission.
        order = (f"ORDER BY n.list_code, n.domain NULLS FIRST, {seen.rank} NULLS LAST, n.unit_id, n.submitted_at, "
                 "n.nomination_id")
        return seen.columns, "".join(f" AND {c}" for c in clauses), order, args


async def nominations(conn: asyncpg.Connection, where: NominationFilter, page: int,
                      page_size: int) -> tuple[int, list[dict]]:
    columns, clause, order, args = where.query()
    # Counted over the rows as selected (their shown status), every argument bound; the planner drops the rest.
    total = await conn.fetchval(f"SELECT count(*) FROM (SELECT {columns} {_FROM}{clause}) AS shown", *args)
    rows = await conn.fetch(f"SELECT {columns} {_FROM}{clause} {order} LIMIT {int(page_size)} "
                            f"OFFSET {int((page - 1) * page_size)}", *args)
    return total, [dict(r) for r in rows]


async def nomination(conn: asyncpg.Connection, where: NominationFilter) -> dict | None:
    columns, clause, _, args = where.query()
    row = await conn.fetchrow(f"SELECT {columns} {_FROM}{clause}", *args)
    return dict(row) if row else None


async def campaign_progress(conn: asyncpg.Connection, campaign: str) -> dict:  # the secretariat's
    """Counts by list, domain, channel and status, and submissions per day (Beijing time)."""
    groups = await conn.fetch(f"SELECT n.list_code, n.domain, n.status, count(*) AS n {_FROM} AND n.campaign = $1 "
                              "GROUP BY 1, 2, 3 ORDER BY 1, 2 NULLS FIRST, 3", campaign)  # a rebuild answers alike
    channels = await conn.fetch(_BY_CHANNEL, campaign)
    days = await conn.fetch(f"SELECT (n.submitted_at AT TIME ZONE 'Asia/Shanghai')::date AS day, count(*) AS n {_FROM} "
                            "AND n.campaign = $1 AND n.submitted_at IS NOT NULL GROUP BY 1 ORDER BY 1", campaign)
    progress: dict[str, Any] = {"campaign": campaign, "total": sum(r["n"] for r in groups),
                                "by_list": {}, "by_domain": {}, "by_status": {}, "by_list_domain_status": [],
                                "by_channel": {r["channel"]: r["n"] for r in channels},
                                "submissions_per_day": [{"date": r["day"].isoformat(), "count": r["n"]} for r in days]}
    for r in groups:
        for key, value in (("by_list", r["list_code"]), ("by_domain", r["domain"] or "-"), ("by_status", r["status"])):
            progress[key][value] = progress[key].get(value, 0) + r["n"]
        progress["by_list_domain_status"].append({"list_code": r["list_code"], "domain": r["domain"],
                                                  "status": r["status"], "count": r["n"]})
    return progress
