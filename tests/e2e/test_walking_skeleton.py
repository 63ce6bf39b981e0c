"""A nomination travels intake -> Kafka -> quota -> Kafka -> intake's view, each service its own process."""

from __future__ import annotations

import httpx

from services.intake.examples import example_form
from tests.e2e.conftest import wait_for_status


def nomination(unit: str, title: str) -> dict:
    form = example_form("leading_tech", domain="biomedicine", technology_name=title)
    return {"campaign": "kczg-2022", "unit_id": unit, "list_code": "leading_tech",
            "domain": "biomedicine", "title": title, "form": form, "opinion": "同意推荐。"}


def as_unit(services, unit: str) -> dict:
    return services["keys"].headers("unit", unit)


def test_within_limit_is_reserved_and_over_limit_is_rejected_with_reason(services):
    # unit-a belongs to one channel: three per 先导技术榜 domain.
    services["register"]({"unit-a": ["provincial_cast"]})
    with httpx.Client(base_url=services["base"], timeout=10, headers=as_unit(services, "unit-a")) as client:
        # The unit nominates four technologies in one domain; the limit is three.
        ids = []
        for i in range(4):
            r = client.post("/v1/nominations", json=nomination("unit-a", f"技术{i}"))
            assert r.status_code == 202, r.text
            ids.append(r.json()["nomination_id"])

        # Each becomes visible through the intake API with its decision.
        final = [wait_for_status(client, i, {"reserved", "rejected"}) for i in ids]

    # The partition key keeps one unit's submissions in order: the first three win.
    assert [f["status"] for f in final] == ["reserved", "reserved", "reserved", "rejected"]
    assert sorted(f["slot"] for f in final[:3]) == [1, 2, 3]
    rejected = final[3]
    assert rejected["reason"] == "over_quota"
    assert rejected["quota_limit"] == 3 and rejected["used"] == 3
    assert "推荐名额已满" in rejected["message"]


def test_another_unit_has_its_own_quota(services):
    services["register"]({"unit-a": ["provincial_cast"], "unit-b": ["provincial_cast"]})
    base = services["base"]
    with httpx.Client(base_url=base, timeout=10, headers=as_unit(services, "unit-a")) as a_client, \
            httpx.Client(base_url=base, timeout=10, headers=as_unit(services, "unit-b")) as b_client:
        a = [a_client.post("/v1/nominations", json=nomination("unit-a", f"A{i}")).json()["nomination_id"]
             for i in range(3)]
        b = b_client.post("/v1/nominations", json=nomination("unit-b", "B0")).json()["nomination_id"]
        statuses = [wait_for_status(a_client, i, {"reserved", "rejected"})["status"] for i in a]
        statuses.append(wait_for_status(b_client, b, {"reserved", "rejected"})["status"])
    assert statuses == ["reserved"] * 4


BAD_SUBMISSIONS = [
    # (raw body, expected status, expected code)
    (b'{"unit_id": "unit-a", "list_code": ', 400, "malformed_json"),
    (b'{"unit_id": 7, "list_code": "leading_tech", "domain": "biomedicine", "title": "x"}', 422, "invalid_request"),
    (b'{"campaign": "kczg-2022", "unit_id": "unit-a", "list_code": "no_such_list", "title": "x"}', 422, "unknown_list"),
    (b'{"campaign": "kczg-2022", "unit_id": "unit-a", "list_code": "leading_tech", "domain": "astrology", '
     b'"title": "x"}', 422, "unknown_domain"),
    (b'{"campaign": "kczg-2022", "unit_id": "unit-a", "list_code": "leading_tech", "title": "x"}', 422, "domain_required"),
    (b'{"campaign": "kczg-2022", "unit_id": "unit-a", "list_code": "leading_tech", "domain": "biomedicine", '
     b'"title": "' + b"x" * 300 + b'"}', 422, "invalid_request"),
    (b'{"campaign": "kczg-2022", "unit_id": "unit-a", "list_code": "emerging_enterprise", "title": "x", '
     b'"form": {"pad": "' + b"x" * 300_000 + b'"}}', 413, "payload_too_large"),
]


def test_bad_submissions_get_a_clear_4xx_and_put_nothing_on_the_log(services):
    import asyncio

    from contracts.topics import NOMINATIONS
    from tests.support.kafka import read_topic

    with httpx.Client(base_url=services["base"], timeout=10) as client:
        for raw, status, code in BAD_SUBMISSIONS:
            r = client.post("/v1/nominations", content=raw,
                            headers={"content-type": "application/json", **as_unit(services, "unit-a")})
            assert r.status_code == status, (code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            problem = r.json()
            assert problem["code"] == code
            # Chinese first: the detail shown to the applicant carries CJK text.
            assert any("\u4e00" <= ch <= "\u9fff" for ch in problem["detail"]), problem
    assert asyncio.run(read_topic(NOMINATIONS.name)) == []
