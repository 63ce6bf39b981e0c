"""A realistic, contract-valid event log for benchmarks and tests, generated fast as raw JSON.

Per campaign, in the order a real call runs: units register (a few change channels), units
submit nominations (forms of about 1 KB) each followed by its quota decision, a few amend or
withdraw, the secretariat screens, review bodies score, submit ranked results, the secretariat
decides and publishes. Deterministic for a seed. `validate_sample` proves the dicts are exactly
what contracts.events accepts.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import orjson

from contracts.codes import CHANNELS, DOMAINS
from contracts.events import EVENT_TYPES, decode_event

LISTS = {"leading_tech": list(DOMAINS), "emerging_enterprise": [None], "integrated_innovation_org": [None],
         "entrepreneurship_pioneer": [None], "tech_manager_pioneer": [None]}
START = datetime(2022, 9, 6, tzinfo=timezone.utc)
OVER_QUOTA = "推荐名额已满：本单位在该榜单（领域）的推荐名额为 3 个，已全部占用。"
Record = tuple[str, str, dict]  # topic base name, key, event
CURRENT_VERSION = {t: cls.model_fields["schema_version"].default for t, cls in EVENT_TYPES.items()}


class EventMix:
    def __init__(self, seed: int = 7, units_per_campaign: int = 400, nominations_per_unit: int = 8) -> None:
        self.rng = random.Random(seed)
        self.units, self.per_unit = units_per_campaign, nominations_per_unit

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def at(self, day: float) -> str:
        return (START + timedelta(days=day, seconds=self.rng.randrange(86_400))).isoformat().replace("+00:00", "Z")

    def event(self, type_: str, campaign: str, key: str, day: float, actor: str, **fields) -> dict:
        role = {"sec": "secretariat", "quota": "system", "body": "review_body"}.get(actor, "unit")
        # Each type at the version the services write today: the log a rebuild reads back. (Old versions
        # take contracts.upcasting's slow path; tests/unit/test_event_decoding.py covers them.)
        return {"event_id": self.uuid(), "type": type_, "schema_version": CURRENT_VERSION[type_], "occurred_at": self.at(day),
                "campaign": campaign, "key": key, "actor": {"role": role, "id": actor},
                "causation_id": None, "correlation_id": None, **fields}

    def events(self, limit: int) -> Iterator[Record]:
        """Up to `limit` events, campaign after campaign."""
        count, n = 0, 0
        while True:
            for record in self.campaign(f"bench-{2030 + n}"):
                yield record
                count += 1
                if count >= limit:
                    return
            n += 1

    def campaign(self, campaign: str) -> Iterator[Record]:
        units = [f"unit-{i:05d}" for i in range(self.units)]
        for unit in units:
            key = f"{campaign}:{unit}"
            channels = self.rng.sample(list(CHANNELS), self.rng.choice((1, 1, 1, 2)))
            yield "kczg.nominations", key, self.event("UnitRegistered", campaign, key, 0, "sec", unit_id=unit,
                                                      name=f"推荐单位{unit[-5:]}科协", channels=channels)
            if self.rng.random() < 0.1:
                yield "kczg.nominations", key, self.event("UnitChannelsChanged", campaign, key, 1, "sec", unit_id=unit,
                                                          channels=channels[:1] + ["other_unit"], reason="补充推荐渠道")
        nominations = [(unit, *self.submission(campaign, unit))
                       for unit in units for _ in range(self.rng.randrange(1, 2 * self.per_unit))]
        self.rng.shuffle(nominations)  # units submit over the weeks, interleaved
        for *_, records in nominations:
            yield from records
        reviewed = []
        for unit, nomination_id, list_code, domain, _ in nominations:
            key, passed = f"{campaign}:{unit}", self.rng.random() < 0.92
            yield "kczg.nominations", key, self.event("NominationScreened", campaign, key, 60, "sec",
                                                      nomination_id=nomination_id, unit_id=unit, passed=passed,
                                                      reasons=[] if passed else ["申报材料不完整"])
            if passed:
                reviewed.append((nomination_id, list_code, domain))
        yield from self.review(campaign, reviewed)

    def submission(self, campaign: str, unit: str) -> tuple:
        key, nomination_id = f"{campaign}:{unit}", self.uuid()
        list_code = self.rng.choice(list(LISTS))
        domain = self.rng.choice(LISTS[list_code])
        day = self.rng.uniform(5, 55)
        target = dict(nomination_id=nomination_id, unit_id=unit, list_code=list_code, domain=domain)
        title = f"面向产业化的关键技术成果{nomination_id[:8]}"
        records = [("kczg.nominations", key, self.event(
            "NominationSubmitted", campaign, key, day, unit, **target, title=title, form=self.form(),
            application_id=None, revision=1, opinion="经本单位组织专家评审，同意推荐。", attachments=[]))]
        reserved = self.rng.random() < 0.85
        records.append(("kczg.quota", key, self.quota(campaign, key, day, target, reserved)))
        if self.rng.random() < 0.04:
            records.append(("kczg.nominations", key, self.event("NominationWithdrawn", campaign, key, day + 3, unit,
                                                                nomination_id=nomination_id, unit_id=unit,
                                                                reason="申报单位主动撤回")))
            if reserved:
                records.append(("kczg.quota", key, self.event("QuotaReleased", campaign, key, day + 3, "quota",
                                                              **target, slot=1, used=0, reason="withdrawn",
                                                              revision=1)))
        elif self.rng.random() < 0.08:
            records.append(("kczg.nominations", key, self.event(
                "NominationAmended", campaign, key, day + 2, unit, **target, revision=2, title=f"{title}（修订）",
                form=self.form(), diff={"title": ["旧标题", "新标题"]})))
        return nomination_id, list_code, domain, records

    def quota(self, campaign: str, key: str, day: float, target: dict, reserved: bool) -> dict:
        if reserved:
            return self.event("QuotaReserved", campaign, key, day, "quota", **target, revision=1,
                              slot=self.rng.randrange(1, 4), limit=3, used=self.rng.randrange(1, 4))
        return self.event("QuotaRejected", campaign, key, day, "quota", **target, revision=1, reason="over_quota",
                          message=OVER_QUOTA, limit=3, used=3, keeps_previous=False)

    def form(self) -> dict:
        r = self.rng.randrange
        return {"summary": "本成果围绕产业链关键环节开展攻关，突破了核心工艺与装备瓶颈，" * 4,
                "key_innovations": ["提出新型结构设计方法", "研制关键装备并实现国产化替代", "建立完整的工艺标准体系"],
                "completing_units": ["某某大学", "某某研究院有限公司"], "people": ["张某", "李某", "王某"],
                "patents": {"granted": r(0, 40), "filed": r(0, 80)}, "maturity": "产业化",
                "economic_benefit": {"revenue_10k_yuan": r(100, 900000), "profit_10k_yuan": r(10, 90000)}}

    def review(self, campaign: str, reviewed: list) -> Iterator[Record]:
        by_target: dict[tuple, list] = {}
        for nomination_id, list_code, domain in reviewed:
            by_target.setdefault((list_code, domain), []).append(nomination_id)
        for (list_code, domain), ids in by_target.items():
            key, target = f"{campaign}:{list_code}:{domain or '-'}", dict(list_code=list_code, domain=domain)
            scores = sorted(((self.rng.uniform(55, 98), i) for i in ids), reverse=True)
            for rank, (aggregate, nomination_id) in enumerate(scores, start=1):
                yield "kczg.review", key, self.event(
                    "PrelimScored", campaign, key, 80, "body", nomination_id=nomination_id, **target,
                    aggregate=f"{aggregate:.2f}", raw_sum=f"{aggregate * 7:.2f}", rank=rank, expert_count=7,
                    method="trimmed_mean")
            top = [i for _, i in scores[: max(1, len(scores) // 2)]]
            yield "kczg.review", key, self.event("PrelimResultsSubmitted", campaign, key, 85, "body",
                                                 body_code="kczg_secretariat", **target, ranked=top, late=False)
            selected = set(top[: max(1, len(top) // 2)])
            for nomination_id in top:
                yield "kczg.review", key, self.event("FinalDecisionRecorded", campaign, key, 100, "sec",
                                                     nomination_id=nomination_id, **target,
                                                     selected=nomination_id in selected, note="")
            entries = [{"nomination_id": i, "title": f"成果{i[:8]}", "unit_id": "unit-00000", "domain": domain}
                       for i in sorted(selected)]
            published = f"{campaign}:{list_code}"
            yield "kczg.publish", published, self.event("ListPublished", campaign, published, 160, "sec",
                                                        list_code=list_code, entries=entries, published_at=self.at(160))


def encode(record: Record) -> tuple[str, bytes, bytes]:
    topic, key, event = record
    return topic, key.encode(), orjson.dumps(event)


def validate_sample(records: list[Record], every: int = 97) -> None:
    """Every `every`-th event and one of each type must decode under the contracts."""
    seen: set[str] = set()
    for i, (_, _, event) in enumerate(records):
        if i % every == 0 or event["type"] not in seen:
            seen.add(event["type"])
            decode_event(orjson.dumps(event))
