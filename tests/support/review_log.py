"""Random but contract-valid review logs: a hypothesis strategy, its topics, and a producer for them.

A drawn log is one small campaign's review in a random production order: nominations (submitted with
attachments, amended, quota decisions, withdrawn, screened), plans filed by either body of a joint target
and confirmed by the other, experts assigned and unassigned, conflicts, exact-decimal scores, preliminary
scores and results, final decisions with revisions — some events re-published with the same id.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID, uuid5

from hypothesis import given, settings, strategies as st

from contracts.events import (
    Actor, AttachmentRef, ConflictDeclared, Event, ExpertAssigned, ExpertScoreRecorded, ExpertUnassigned,
    FinalDecisionRecorded, NominationAmended, NominationScreened, NominationSubmitted, NominationWithdrawn, PrelimGap,
    PrelimResultsSubmitted, PrelimScored, QuotaRejected, QuotaReleased, QuotaReserved, ReviewPlanConfirmed,
    ReviewPlanFiled, RosterExpert, target_key, unit_key,
)
from contracts.personal import Sealed
from contracts.review_terms import Criterion
from contracts.topics import NOMINATIONS, QUOTA, REVIEW

CAMPAIGN = "kczg-2022"
T0 = datetime(2022, 11, 20, 2, tzinfo=timezone.utc)
ACTOR = Actor(role="system", id="test")
# A joint target (绿色低碳: two bodies) and a single body's list without domains.
TARGETS = {("leading_tech", "green_low_carbon"): ("cast_eco_env_consortium", "cast_clean_energy_consortium"),
           ("emerging_enterprise", None): ("kczg_secretariat",)}
CRITERIA = (Criterion(code="innovation", name="创新性", weight=60), Criterion(code="value", name="产业价值", weight=40))
EXPERTS = ("expert-1", "expert-2", "expert-3")
TOPIC_OF = {NominationSubmitted: NOMINATIONS, NominationAmended: NOMINATIONS, NominationWithdrawn: NOMINATIONS,
            NominationScreened: NOMINATIONS, QuotaReserved: QUOTA, QuotaRejected: QUOTA, QuotaReleased: QUOTA}
CENT = Decimal("0.01")
points = st.decimals(min_value=0, max_value=100, places=2)


def plan(env: dict, list_code: str, domain: str | None, body: str, **terms) -> ReviewPlanFiled:
    return ReviewPlanFiled(**env, body_code=body, list_code=list_code, domain=domain, plan="评审工作方案",
                           expert_composition="学术、产业、投资专家", criteria=CRITERIA, aggregation="trimmed_mean",
                           roster=tuple(RosterExpert(expert_id=e, name=Sealed(pid=f"expert:x:{e}", clear=f"专家{e}"),
                                                     affiliation="某大学") for e in EXPERTS),
                           experts_per_item=3, **terms)


@st.composite
def review_events(draw) -> list[Event]:
    """The review facts of one small campaign, in a random production order, some of them repeated."""
    when = lambda: T0 + timedelta(hours=draw(st.integers(0, 3)))  # few instants: versions tie, ids decide  # noqa: E731
    used: set[UUID] = set()

    def event_id() -> UUID:
        # An event id names one event (the views break ties on it, consumers de-duplicate by it), but
        # hypothesis draws the same few uuids over and over: a new fact never takes an id already used.
        drawn = draw(st.uuids())
        while drawn in used:
            drawn = uuid5(drawn, "next")
        used.add(drawn)
        return drawn

    env = lambda key: dict(event_id=event_id(), occurred_at=when(), campaign=CAMPAIGN, key=key,  # noqa: E731
                           actor=ACTOR)
    events: list[Event] = []
    by_target: dict[tuple, list] = {t: [] for t in TARGETS}
    for nomination_id in draw(st.lists(st.uuids(), min_size=1, max_size=4, unique=True)):
        unit = draw(st.sampled_from(["unit-a", "unit-b"]))
        key, common = unit_key(CAMPAIGN, unit), dict(nomination_id=nomination_id, unit_id=unit)
        (list_code, domain) = target = draw(st.sampled_from(sorted(TARGETS, key=str)))
        by_target[target].append(nomination_id)
        files = tuple(AttachmentRef(name=f"附件{i}.pdf", size=draw(st.integers(0, 10**7)), media_type="application/pdf",
                                    sha256=f"{i:064x}") for i in range(draw(st.integers(0, 2))))
        events.append(NominationSubmitted(**env(key), **common, list_code=list_code, domain=domain, title="成果",
                                          form={"summary": "摘要", "figures": [1, 2.5]}, attachments=files))
        revisions = draw(st.integers(1, 2))
        events += [NominationAmended(**env(key), **common, revision=r, list_code=list_code, domain=domain,
                                     title=f"成果（第{r}版）", form={"summary": f"第{r}版"}) for r in range(2, revisions + 1)]
        quota = dict(**common, list_code=list_code, domain=domain)
        for revision in range(1, revisions + 1):
            outcome = draw(st.sampled_from(["reserved", "rejected", "refused_move", "none"]))
            if outcome == "reserved":
                events.append(QuotaReserved(**env(key), **quota, revision=revision, slot=1, limit=3, used=1))
            elif outcome != "none":
                events.append(QuotaRejected(**env(key), **quota, revision=revision, reason="over_quota", message="满",
                                            limit=3, used=3, keeps_previous=outcome == "refused_move"))
            if draw(st.booleans()):
                events.append(QuotaReleased(**env(key), **quota, revision=revision, slot=1, used=0, reason="withdrawn"))
        events += [NominationWithdrawn(**env(key), **common, reason="撤回") for _ in range(draw(st.integers(0, 1)))]
        events += [NominationScreened(**env(key), **common, passed=draw(st.booleans()), reasons=("材料不全",))
                   for _ in range(draw(st.integers(0, 2)))]
        review = dict(body_code=TARGETS[target][0], list_code=list_code, domain=domain)
        rkey = target_key(CAMPAIGN, list_code, domain)
        for expert in draw(st.lists(st.sampled_from(EXPERTS), unique=True)):
            panel = dict(nomination_id=nomination_id, expert_id=expert)
            for _ in range(draw(st.integers(0, 2))):
                events.append(ExpertAssigned(**env(rkey), **panel, **review,
                                             solver_input_hash=draw(st.none() | st.just("ab" * 32))))
            events += [ExpertUnassigned(**env(rkey), **panel, **review, reason="调整")
                       for _ in range(draw(st.integers(0, 1)))]
            events += [ConflictDeclared(**env(rkey), **panel, **review, reason_code=draw(st.sampled_from(
                ["same_organisation", "automatic"]))) for _ in range(draw(st.integers(0, 1)))]
            for _ in range(draw(st.integers(0, 2))):
                a, b = draw(points), draw(points)
                events.append(ExpertScoreRecorded(**env(rkey), **panel, **review, scores={"innovation": a, "value": b},
                                                  total=((a * 60 + b * 40) / 100).quantize(CENT)))
        events += [PrelimScored(**env(rkey), nomination_id=nomination_id, **review, aggregate=draw(points),
                                raw_sum=draw(points), rank=draw(st.integers(1, 4)), expert_count=3,
                                method="trimmed_mean", divergent=draw(st.booleans()))
                   for _ in range(draw(st.integers(0, 2)))]
        events += [FinalDecisionRecorded(**env(rkey), nomination_id=nomination_id, list_code=list_code, domain=domain,
                                         selected=draw(st.booleans()), revision=draw(st.integers(1, 2)))
                   for _ in range(draw(st.integers(0, 2)))]
    for (list_code, domain), bodies in TARGETS.items():
        rkey, target = target_key(CAMPAIGN, list_code, domain), dict(list_code=list_code, domain=domain)
        plans = [plan(env(rkey), list_code, domain, draw(st.sampled_from(bodies)),
                      divergence_threshold=draw(st.none() | st.just(Decimal("15.50"))))
                 for _ in range(draw(st.integers(0, 2)))]
        events += plans
        for filed in draw(st.lists(st.sampled_from(plans), max_size=2)) if plans else ():
            events.append(ReviewPlanConfirmed(**env(rkey), body_code=bodies[-1], **target,
                                              plan_event_id=filed.event_id))
        ids = by_target[(list_code, domain)]
        for _ in range(draw(st.integers(0, 2))):
            ranked = draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
            gaps = tuple(PrelimGap(nomination_id=n, reason="missing_scores") for n in ids if n not in ranked)
            events.append(PrelimResultsSubmitted(**env(rkey), body_code=bodies[0], **target, ranked=tuple(ranked),
                                                 late=draw(st.booleans()), gaps=gaps))
    events += draw(st.lists(st.sampled_from(events), max_size=3))  # re-published: same event, same id
    return draw(st.permutations(events))


def random_logs(count: int) -> list[Event]:
    """`count` drawn logs as one log (one_log), the same on every run. The logs draw the same uuids: their
    event ids are renamed apart (a re-published event keeps its one id), their nomination ids stay
    shared, so one nomination's facts come from several units' and targets' partitions."""
    drawn: list[list[Event]] = []

    @settings(max_examples=count, database=None, derandomize=True, deadline=None)
    @given(review_events())
    def collect(events: list[Event]) -> None:
        drawn.append(events)

    collect()
    return one_log(drawn)


def one_log(logs: list[list[Event]]) -> list[Event]:
    """Logs drawn apart, one after the other, each log's event ids renamed apart from the others'."""
    def renamed(e: Event, log: str) -> Event:
        update = {"event_id": uuid5(e.event_id, log)}
        if isinstance(e, ReviewPlanConfirmed):
            update["plan_event_id"] = uuid5(e.plan_event_id, log)
        return e.model_copy(update=update)

    return [renamed(e, str(i)) for i, events in enumerate(logs) for e in events]


def topic_of(event: Event):
    return TOPIC_OF.get(type(event), REVIEW)


async def produce_review_log(events: list[Event]) -> None:
    """The events onto their topics, keyed as the services key them, acked."""
    from tests.support.events import publish

    await publish(*((topic_of(e), e) for e in events))
