"""定向推介 in the notifier, pure: one notice per distinct audience address, named by a digest (no address in the
key or the unsubscribe link), optional mail, always still due; and the simulator's mail expectations derived
from its own summary."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from contracts.events import PackageSent, package_key
from kczg.simulator.mail import mail_expected
from services.notify.domain import (Package, audience_recipient, audience_rows, is_optional, package_links,
                                    package_notices, still_due)
from tests.support.events import SECRETARIAT

AT = datetime(2023, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=8)))


def test_a_package_makes_one_notice_per_distinct_address_named_by_a_digest():
    pid = uuid.uuid4()
    event = PackageSent(occurred_at=AT, campaign="kczg-2022", key=package_key("kczg-2022", pid), actor=SECRETARIAT,
                        package_id=pid, audience="安徽省园区", entries=(uuid.uuid4(), uuid.uuid4()),
                        addresses=("a@park.example.cn", "b@park.example.cn", "A@park.example.cn"))
    found = package_notices(event)
    assert [(n.recipient, n.subject, n.kind, n.round) for n in found] == [
        (audience_recipient("kczg-2022", "a@park.example.cn"), str(pid), "package_sent", 1),
        (audience_recipient("kczg-2022", "b@park.example.cn"), str(pid), "package_sent", 1)]
    assert found[0].facts == {"audience": "安徽省园区", "entries": 2, "list_code": None, "domain": None,
                              "region": None, "keyword": None}
    assert all("@" not in n.recipient and n.recipient.startswith("audience:kczg-2022:") for n in found)
    assert [a for _, _, a in audience_rows(event)] == ["a@park.example.cn", "b@park.example.cn"]
    assert is_optional("package_sent")
    assert still_due(found[0], Package(str(pid), "安徽省园区", 2), AT + timedelta(days=1)) is None
    assert package_links("https://x.example.org/", "kczg-2022", str(pid)) == {
        "brochure": f"https://x.example.org/v1/publish/campaigns/kczg-2022/packages/{pid}/brochure.pdf",
        "sheet": f"https://x.example.org/v1/publish/campaigns/kczg-2022/packages/{pid}/sheet.xlsx"}


def test_the_simulators_mail_expectations_follow_its_summary():
    summary = {"views": {"reserved": 10, "rejected": 3, "withdrawn": 2}, "quota_rejections": {"over_quota": 3},
               "via_application": 4, "review": {"screening": {"passed": 8, "failed": 1}},
               "release": {"selected": 5, "not_selected": 3, "released": 4, "revoked": 1,
                           "objections": {"filed": 4}},
               "matching": {"package_addresses": 2}}
    assert mail_expected(summary) == {
        "nomination_received": 13, "over_quota": 3, "application_recommended": 4, "screening_passed": 8,
        "screening_failed": 1, "decision_selected": 5, "decision_not_selected": 3, "released": 5,
        "objection_received": 4, "objection_resolved": 4, "package_sent": 2}

