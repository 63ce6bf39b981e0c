"""Topic names, partition counts and what each carries. The only place topic names are spelled.

`KCZG_TOPIC_PREFIX` (empty by default) lets tests and demos run on their own topic set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    base: str
    partitions: int
    carries: str

    @property
    def name(self) -> str:
        return os.environ.get("KCZG_TOPIC_PREFIX", "") + self.base


CAMPAIGNS = Topic("kczg.campaigns", 1, "CampaignOpened, CampaignTimelineChanged; keyed by campaign")
# One unit's stream: registry changes and nominations on one partition, so the quota decision
# sees the unit's channels and submissions in one order. Keyed campaign:unit.
NOMINATIONS = Topic("kczg.nominations", 6,
                    "UnitRegistered/ChannelsChanged, NominationSubmitted/Amended/Withdrawn/Screened")
QUOTA = Topic("kczg.quota", 6, "QuotaReserved/Rejected/Released, keyed campaign:unit")
APPLICATIONS = Topic("kczg.applications", 6, "ApplicationSaved/SentToUnit/Returned/Declined, keyed campaign:unit")
# Keyed campaign:list:domain (events.target_key): one partition orders all work on one review target,
# both bodies' of a joint target (绿色低碳) included, and the final decisions on it.
REVIEW = Topic("kczg.review", 6, "review plans and confirmations, experts, conflicts, scores, prelim results, "
                                 "final decisions; keyed campaign:list:domain")
# Keyed campaign:list (events.list_key): a list's notice, objections and versions in one order.
PUBLISH = Topic("kczg.publish", 3, "PublicNoticeOpened, ObjectionFiled/Resolved, EntriesCorrected, ListPublished; keyed campaign:list; "
                                   "NewsPublished keyed campaign:news; after the release Match* keyed campaign:entry:<nomination>, "
                                   "PackageSent campaign:package:<id>")
DEADLETTER = Topic("kczg.deadletter", 1, "undecodable or unprocessable records with the reason")

ALL_TOPICS: tuple[Topic, ...] = (CAMPAIGNS, NOMINATIONS, QUOTA, APPLICATIONS, REVIEW, PUBLISH, DEADLETTER)
