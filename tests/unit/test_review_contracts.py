"""The review and publication contracts: what each event refuses, and that the old versions of the
events whose meaning changed still decode, upcast, as the current one."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from contracts import campaign, events, review_terms
from contracts.events import (Actor, CommitteeVote, ConflictDeclared, ExpertScoreRecorded, FinalDecisionRecorded,
                              ListPublished, NominationSubmitted, ObjectionFiled, PrelimScored, PublicNoticeOpened,
                              ReviewPlanFiled, decode_event, encode_event, list_key, target_key)
from contracts.personal import Sealed

T = datetime(2022, 11, 20, tzinfo=timezone.utc)
N = UUID(int=7)
GREEN = dict(list_code="leading_tech", domain="green_low_carbon")


def envelope(**extra: Any) -> dict[str, Any]:
    return dict(occurred_at=T, campaign="kczg-2022", key=target_key("kczg-2022", "leading_tech", "green_low_carbon"),
                actor=Actor(role="review_body", id="cast_eco_env_consortium"), **extra)


def v1(type_: str, **payload: Any) -> bytes:
    """A version-1 payload as it would sit on the log."""
    return json.dumps({"event_id": "00000000-0000-0000-0000-000000000001", "type": type_, "schema_version": 1,
                       "occurred_at": "2022-11-20T09:00:00+08:00", "campaign": "kczg-2022", "key": "k",
                       "actor": {"role": "review_body", "id": "b"}, "causation_id": None, "correlation_id": None,
                       **payload}).encode()


CRITERIA = [{"code": "innovation", "name": "创新性", "weight": 60}, {"code": "industrial_value", "name": "产业价值",
                                                                   "weight": 40}]


E1 = {"pid": "expert:kczg-2022:e1", "nonce": "bm9uY2Vub25jZTE=", "ct": "c2VhbGVk"}  # a sealed name


def plan(**changes: Any) -> ReviewPlanFiled:
    fields = dict(body_code="cast_eco_env_consortium", **GREEN, plan="方案", expert_composition="学术界、产业界、投资界",
                  criteria=CRITERIA, aggregation="trimmed_mean")
    return ReviewPlanFiled(**envelope(), **{**fields, **changes})


# --- one Criterion ----------------------------------------------------------------------------------

def test_campaign_and_events_share_one_criterion_type() -> None:
    assert campaign.Criterion is events.Criterion is review_terms.Criterion
    assert campaign.load_builtin_campaign("kczg-2022").review.criteria[0].weight == 30  # whole percent


# --- the plan -----------------------------------------------------------------------------------------

def test_a_plan_with_defaults_is_whole() -> None:
    p = plan()
    assert (p.schema_version, p.score_min, p.score_max, p.experts_per_item, p.trim_min_scores) == (4, 0, 100, 7, 5)
    assert p.tie_break == ("raw_sum", "earliest_submission") and p.divergence_threshold is None and p.document is None
    assert decode_event(encode_event(p)) == p


@pytest.mark.parametrize("changes, reason", [
    (dict(criteria=[{**CRITERIA[0], "weight": 50}, CRITERIA[1]]), "weights must sum to 100"),
    (dict(criteria=[{**CRITERIA[0], "weight": 50}, {**CRITERIA[1], "code": "innovation", "weight": 50}]),
     "duplicate criterion code"),
    (dict(score_min=100, score_max=100), "score_max must exceed score_min"),
    (dict(divergence_threshold="0"), "divergence_threshold outside the score range"),
    (dict(score_max=10, divergence_threshold="10.01"), "divergence_threshold outside the score range"),
    (dict(tie_break=["raw_sum", "raw_sum"]), "duplicate tie-break rule"),
    (dict(roster=[{"expert_id": "e1", "name": E1, "affiliation": "某大学"}] * 2), "duplicate expert"),
    (dict(experts_per_item=3, roster=[{"expert_id": "e1", "name": E1, "affiliation": "某大学"}]),
     "experts_per_item exceeds the roster"),
    (dict(aggregation="median"), "literal_error"),
    (dict(divergence_threshold="12.345"), "decimal_max_places"),
], ids=["weights", "duplicate-code", "range", "threshold-zero", "threshold-wide", "tie-break", "roster-dup",
        "roster-small", "aggregation", "threshold-places"])
def test_a_plan_that_is_not_whole_is_refused(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError) as e:
        plan(**changes)
    assert reason in str(e.value) or reason in {err["type"] for err in e.value.errors()}


def test_a_roster_expert_carries_declared_relations() -> None:
    p = plan(experts_per_item=1, divergence_threshold=15, max_load=30, roster=[{
        "expert_id": "e1", "name": E1, "affiliation": "某大学", "affiliation_credit_code": "12100000400000624D",
        "declared_relations": [{"name": "某公司", "credit_code": "91110000100000000X"}, {"name": "某研究所"}]}])
    assert p.roster[0].declared_relations[1].credit_code is None and p.divergence_threshold == Decimal(15)


def test_a_v1_plan_upcasts_fraction_weights_to_percent() -> None:
    raw = v1("ReviewPlanFiled", body_code="b", list_code="leading_tech", domain="biomedicine", plan="p",
             expert_composition="e", aggregation="mean", tie_break="earliest_submission",
             criteria=[{"code": f"c{i}", "name": f"指标{i}", "weight": 1 / 3} for i in range(3)])
    event = decode_event(raw)
    assert isinstance(event, ReviewPlanFiled) and event.schema_version == 3
    assert [c.weight for c in event.criteria] == [34, 33, 33]  # × 100, the remainder to the first
    assert event.tie_break == ("earliest_submission",)


def test_a_v2_roster_upcasts_its_clear_names_and_addresses_under_each_experts_id() -> None:
    raw = v1("ReviewPlanFiled", schema_version=2, body_code="b", list_code="leading_tech", domain="biomedicine",
             plan="p", expert_composition="e", aggregation="mean", experts_per_item=1,
             criteria=[{"code": "c", "name": "指标", "weight": 100}],
             roster=[{"expert_id": "e1", "name": "专家甲", "affiliation": "某大学", "contact_email": "jia@example.edu.cn"},
                     {"expert_id": "e2", "name": "专家乙", "affiliation": "某研究所"}])
    event = decode_event(raw)
    assert event.schema_version == 3
    assert [(x.name, x.contact_email, x.affiliation) for x in event.roster] == [
        (Sealed(pid="expert:kczg-2022:e1", clear="专家甲"), Sealed(pid="expert:kczg-2022:e1", clear="jia@example.edu.cn"),
         "某大学"),
        (Sealed(pid="expert:kczg-2022:e2", clear="专家乙"), None, "某研究所")]


def test_the_other_body_of_a_joint_target_confirms_the_plan() -> None:
    filed = plan()
    confirmed = events.ReviewPlanConfirmed(**envelope(), body_code="cast_clean_energy_consortium", **GREEN,
                                           plan_event_id=filed.event_id)
    assert decode_event(encode_event(confirmed)) == confirmed
    assert confirmed.key == filed.key == "kczg-2022:leading_tech:green_low_carbon"


# --- experts, conflicts, scores ---------------------------------------------------------------------

def test_keys_of_review_and_publish_events() -> None:
    assert target_key("kczg-2022", "emerging_enterprise", None) == "kczg-2022:emerging_enterprise:"
    assert list_key("kczg-2022", "leading_tech") == "kczg-2022:leading_tech"


def test_an_automatic_assignment_records_the_solver_input_hash() -> None:
    a = events.ExpertAssigned(**envelope(), nomination_id=N, expert_id="e1", body_code="b", **GREEN,
                              solver_input_hash="ab" * 32)
    assert decode_event(encode_event(a)) == a
    with pytest.raises(ValidationError):
        events.ExpertAssigned(**envelope(), nomination_id=N, expert_id="e1", body_code="b", solver_input_hash="xyz")
    u = events.ExpertUnassigned(**envelope(), nomination_id=N, expert_id="e1", body_code="b", **GREEN,
                                reason="申报后发现同单位")
    assert decode_event(encode_event(u)) == u


@pytest.mark.parametrize("automatic, code", [(True, "automatic"), (False, "other")])
def test_a_v1_conflict_upcasts_its_flag_to_a_reason_code(automatic: bool, code: str) -> None:
    event = decode_event(v1("ConflictDeclared", nomination_id=str(N), expert_id="e1", reason="同单位",
                            automatic=automatic))
    assert isinstance(event, ConflictDeclared)
    assert (event.reason_code, event.reason, event.automatic, event.list_code) == (code, "同单位", automatic, None)


def test_scores_are_exact_two_place_decimals_on_the_plans_range() -> None:
    s = ExpertScoreRecorded(**envelope(), nomination_id=N, expert_id="e1", body_code="b", **GREEN,
                            scores={"innovation": "87.50", "industrial_value": 140}, total="105.25")
    assert json.loads(encode_event(s))["total"] == "105.25"  # a string: no reader rounds through a float
    assert decode_event(encode_event(s)).scores["innovation"] == Decimal("87.50")
    with pytest.raises(ValidationError):
        ExpertScoreRecorded(**envelope(), nomination_id=N, expert_id="e1", scores={}, total="1.005")


def test_v1_scores_and_aggregates_upcast_to_two_places() -> None:
    score = decode_event(v1("ExpertScoreRecorded", nomination_id=str(N), expert_id="e1",
                            scores={"innovation": 86.125}, total=86.135))
    assert isinstance(score, ExpertScoreRecorded) and score.schema_version == 2
    assert (score.scores["innovation"], score.total) == (Decimal("86.12"), Decimal("86.14"))  # half-even
    prelim = decode_event(v1("PrelimScored", nomination_id=str(N), list_code="leading_tech", domain="biomedicine",
                             aggregate=85.3333333, raw_sum=597.3333, rank=1, expert_count=7, method="mean"))
    assert isinstance(prelim, PrelimScored) and (prelim.aggregate, prelim.raw_sum) == (Decimal("85.33"),
                                                                                       Decimal("597.33"))
    assert (prelim.divergent, prelim.totals, prelim.body_code) == (False, {}, None)


def test_prelim_results_name_their_gaps() -> None:
    r = events.PrelimResultsSubmitted(**envelope(), body_code="b", **GREEN, ranked=(N,), late=True,
                                      gaps=[{"nomination_id": str(UUID(int=8)), "reason": "all_experts_conflicted"}])
    assert decode_event(encode_event(r)) == r


# --- final review and publication -------------------------------------------------------------------

def test_a_committee_vote_must_add_up() -> None:
    vote = CommitteeVote(eligible=15, present=12, recused=1, yes=8, no=3, abstain=1)  # recused: not present
    d = FinalDecisionRecorded(**envelope(), nomination_id=N, **GREEN, selected=True, vote=vote, revision=2)
    assert decode_event(encode_event(d)) == d
    for bad in (dict(eligible=5, present=6, yes=6, no=0), dict(eligible=9, present=5, recused=5, yes=5, no=0),
                dict(eligible=9, present=9, yes=5, no=1)):
        with pytest.raises(ValidationError):
            CommitteeVote(**bad)


def test_a_v1_decision_still_decodes_without_a_vote() -> None:
    d = decode_event(v1("FinalDecisionRecorded", nomination_id=str(N), list_code="leading_tech",
                        domain="biomedicine", selected=False, note=""))
    assert isinstance(d, FinalDecisionRecorded) and (d.vote, d.revision) == (None, 1)


def test_a_v1_notice_takes_its_event_id_as_notice_id() -> None:
    n = decode_event(v1("PublicNoticeOpened", list_code="leading_tech", opens_at="2022-12-20T00:00:00+08:00",
                        closes_at="2022-12-27T00:00:00+08:00", nominations=[str(N)]))
    assert isinstance(n, PublicNoticeOpened) and n.notice_id == n.event_id
    with pytest.raises(ValidationError, match="closes_at must follow opens_at"):
        PublicNoticeOpened(**envelope(), notice_id=N, list_code="leading_tech", opens_at=T, closes_at=T,
                           nominations=())


def test_a_v1_objection_upcasts_filed_by_to_name_and_contact_is_private() -> None:
    o = decode_event(v1("ObjectionFiled", objection_id=str(UUID(int=9)), nomination_id=str(N), filed_by="某甲",
                        grounds="成果不实"))
    # v1 -> v2 -> v3: the clear name as the log holds it, under the objector's id; no contact was filed.
    assert isinstance(o, ObjectionFiled) and (o.organisation, o.contact, o.notice_id) == ("", None, None)
    assert o.name == Sealed(pid=f"objector:{UUID(int=9)}", clear="某甲")
    schema = ObjectionFiled.model_json_schema()
    assert schema["properties"]["contact"].get("x-private") is True
    assert events.PRIVATE_FIELDS["ObjectionFiled"] == {"contact"}
    assert events.PERSONAL_FIELDS["ObjectionFiled"] == {"name", "contact"}


def test_a_v2_objection_upcasts_its_clear_fields_into_envelopes_that_an_erasure_still_hides() -> None:
    from eventlog.privacy import reveal

    o = decode_event(v1("ObjectionFiled", schema_version=2, objection_id=str(UUID(int=9)), nomination_id=str(N),
                        name="某甲", organisation="某大学", contact="13800000000", grounds="成果不实"))
    pid = f"objector:{UUID(int=9)}"
    assert (o.schema_version, o.name, o.contact, o.organisation) == (
        3, Sealed(pid=pid, clear="某甲"), Sealed(pid=pid, clear="13800000000"), "某大学")
    # Shown while the objector is not erased; an erasure (a tombstone, key None) hides even the clear text.
    assert (reveal(o.name, {}), reveal(o.contact, {})) == ("某甲", "13800000000")
    assert (reveal(o.name, {pid: None}), reveal(o.contact, {pid: None})) == ("已删除", "已删除")


def test_no_view_struct_reads_a_private_field() -> None:
    # The views decode events into their own structs; a struct that names a private field could show it.
    import msgspec

    from services.publish.views import ranking_events
    for struct in vars(ranking_events).values():
        if isinstance(struct, type) and issubclass(struct, msgspec.Struct):
            assert not set(struct.__struct_fields__) & events.PRIVATE_FIELDS.get(struct.__name__, frozenset())


def test_a_list_version_and_its_entries_trace() -> None:
    entry = events.PublishedEntry(nomination_id=N, title="成果", unit_id="unit-a", domain="biomedicine",
                                  holder_org="某公司", unit_name="甲学会",
                                  trace=events.EntryTrace(nomination_event_id=UUID(int=1), decision_event_id=UUID(int=2)))
    published = ListPublished(**envelope(), list_code="leading_tech", entries=(entry,), published_at=T, version=2,
                              reason="更正单位名称", released_on="2023-02-20")
    assert decode_event(encode_event(published)) == published
    old = decode_event(v1("ListPublished", list_code="leading_tech", published_at="2023-02-20T10:00:00+08:00",
                          entries=[{"nomination_id": str(N), "title": "成果", "unit_id": "unit-a", "domain": None}]))
    assert isinstance(old, ListPublished) and (old.version, old.reason, old.released_on) == (1, "", None)
    assert old.entries[0].trace is None


def test_a_nomination_carries_its_channels_and_old_ones_none() -> None:
    fields = dict(nomination_id=str(N), unit_id="unit-a", list_code="leading_tech", domain="biomedicine", title="t")
    assert decode_event(v1("NominationSubmitted", **fields)).channels == ()
    n = NominationSubmitted(**envelope(), **{**fields, "channels": ("national_society", "provincial_cast")})
    assert decode_event(encode_event(n)).channels == ("national_society", "provincial_cast")


def test_a_v4_plan_carries_its_document_by_reference_and_a_v3_plan_has_none() -> None:
    ref = {"name": "评审工作方案.pdf", "size": 1024, "media_type": "application/pdf", "sha256": "ab" * 32}
    p = plan(document=ref)
    assert (p.schema_version, p.document.name, p.document.sha256) == (4, "评审工作方案.pdf", "ab" * 32)
    v3 = json.loads(plan().model_dump_json()) | {"schema_version": 3}
    v3.pop("document")
    decoded = decode_event(json.dumps(v3).encode())
    assert isinstance(decoded, ReviewPlanFiled) and decoded.document is None and decoded.schema_version == 3
    with pytest.raises(ValidationError):
        plan(document={**ref, "sha256": "not-a-hash"})
