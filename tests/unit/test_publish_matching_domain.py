"""The matching rules, pure (services/publish/domain/matching.py, packages.py): each step from the state it needs,
each refusal with its code, the contacts kept back until the introduction, a package's selection."""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID, uuid4

import pytest

from contracts.errors import DomainError
from contracts.events import MatchConsented, MatchIntroduced, MatchOutcomeRecorded, MatchRequested, MatchTriaged
from contracts.identity import Identity
from contracts.personal import Sealed
from services.publish.domain import matching, packages
from services.publish.domain.matching import (AnswerMatch, ListedEntry, MatchContext, RecordOutcome, RequestMatch,
                                              TriageMatch, contact_sides, decide, evolve)

NOW = datetime(2023, 3, 1, 2, tzinfo=timezone.utc)
ENTRY = ListedEntry("kczg-2022", UUID(int=7), "leading_tech", "electronic_info", "存算一体芯片", "unit-b", "丁半导体有限公司",
                    "北京市科学技术协会")
PARK, SEC = Identity(sub="p", role="requester", org="park"), Identity(sub="s", role="secretariat", org="kczg_secretariat")
HOLDER, OTHER = Identity(sub="h", role="unit", org="unit-b"), Identity(sub="o", role="unit", org="unit-a")


class Sealer:
    def seal(self, pid: str, text: str) -> Sealed:
        return Sealed(pid=pid, clear=text)


def requested():
    cmd = RequestMatch(uuid4(), ENTRY.nomination_id, "合肥高新区", "landing", "中试线", "安徽", "王女士 0551")
    (e,) = decide(None, cmd, MatchContext(NOW, PARK, ENTRY, Sealer()))
    return evolve(None, [e]), e


def code_of(state, cmd, who) -> str:
    with pytest.raises(DomainError) as refused:
        decide(state, cmd, MatchContext(NOW, who, sealer=Sealer()))
    return refused.value.code


def test_a_request_names_the_entry_its_holder_and_seals_the_contact():
    state, e = requested()
    assert isinstance(e, MatchRequested) and (e.holder_unit, e.requester, e.key) == ("unit-b", "park",
                                                                                   f"kczg-2022:entry:{UUID(int=7)}")
    assert e.contact.pid == f"match_contact:{e.match_id}:requester" and state.status == "requested"


def test_an_entry_not_listed_is_refused():
    cmd = RequestMatch(uuid4(), UUID(int=8), "x", "landing", "y", "z", "c")
    with pytest.raises(DomainError) as refused:
        decide(None, cmd, MatchContext(NOW, PARK, None))
    assert (refused.value.code, refused.value.http_status) == ("entry_not_listed", 404)


def test_the_whole_way_and_each_refusal_on_it():
    state, _ = requested()
    assert code_of(state, AnswerMatch(state.match_id, True, "c"), HOLDER) == "match_not_found"  # not yet asked
    assert code_of(state, TriageMatch(state.match_id, False), SEC) == "decline_reason_required"
    state = evolve(state, decide(state, TriageMatch(state.match_id, True), MatchContext(NOW, SEC)))
    assert state.status == "accepted"
    assert code_of(state, AnswerMatch(state.match_id, True, "c"), OTHER) == "match_not_found"
    assert code_of(state, AnswerMatch(state.match_id, True, "c"), PARK) == "not_the_holder"
    assert code_of(state, RecordOutcome(state.match_id, "signed"), PARK) == "not_introduced"
    with pytest.raises(DomainError) as refused:
        contact_sides(state, HOLDER)
    assert refused.value.code == "contact_before_consent"
    events = decide(state, AnswerMatch(state.match_id, True, "成果处 010"), MatchContext(NOW, HOLDER, sealer=Sealer()))
    assert [type(e) for e in events] == [MatchConsented, MatchIntroduced]
    state = evolve(state, events)
    assert contact_sides(state, HOLDER) == ("requester",) and contact_sides(state, PARK) == ("holder",)
    for n, outcome in enumerate(("negotiating", "landed"), start=1):
        (e,) = decide(state, RecordOutcome(state.match_id, outcome), MatchContext(NOW, PARK))
        assert isinstance(e, MatchOutcomeRecorded) and e.revision == n
        state = evolve(state, [e])
    assert (state.outcome, state.outcomes) == ("landed", 2)


def test_a_decline_at_triage_carries_its_coded_reason():
    state, _ = requested()
    (e,) = decide(state, TriageMatch(state.match_id, False, "too_early"), MatchContext(NOW, SEC))
    assert isinstance(e, MatchTriaged) and e.reason == "too_early" and evolve(state, [e]).status == "declined"
    assert matching.DECLINE_REASONS[e.reason] == "时机尚早"


def test_a_package_selects_by_list_domain_region_and_keyword():
    other = ListedEntry("kczg-2022", UUID(int=9), "leading_tech", "biomedicine", "细胞治疗", "unit-a", "丙医药",
                        "安徽省科学技术协会")
    listed = (ENTRY, other)
    assert packages.selected(listed, region="北京") == [ENTRY]
    assert packages.selected(listed, domain="biomedicine") == [other]
    assert packages.selected(listed, keyword="芯片") == [ENTRY]
    assert packages.selected(listed, list_code="leading_tech") == [ENTRY, other]
    # An entry listed with its unit's region is chosen by it (code or name), whatever its names say.
    coded = ListedEntry("kczg-2022", UUID(int=10), "leading_tech", "biomedicine", "基因编辑", "unit-c", "戊生物",
                        "北京市科学技术协会", region="anhui")
    assert packages.selected((ENTRY, other, coded), region="anhui") == [other, coded]
    assert packages.selected((ENTRY, other, coded), region="安徽") == [other, coded]
    assert packages.selected((ENTRY, other, coded), region="北京") == [ENTRY]
    with pytest.raises(DomainError) as refused:
        packages.decide(None, packages.SendPackage(uuid4(), "园区", region="西藏"),
                        packages.PackageContext(NOW, SEC, "kczg-2022", listed))
    assert refused.value.code == "package_empty"
