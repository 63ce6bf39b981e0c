"""A nomination travels intake -> Kafka -> quota -> Kafka -> intake's view, each service its own process."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import wait_for_status


def nomination(unit: str, title: str) -> dict:
    return {"campaign": "kczg-2022", "unit_id": unit, "list_code": "leading_tech",
            "domain": "biomedicine", "title": title}


def test_within_limit_is_reserved_and_over_limit_is_rejected_with_reason(services):
    with httpx.Client(base_url=services["base"], timeout=10) as client:
        # The unit nominates four technologies in one domain; the fixed limit is three.
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
    with httpx.Client(base_url=services["base"], timeout=10) as client:
        a = [client.post("/v1/nominations", json=nomination("unit-a", f"A{i}")).json()["nomination_id"]
             for i in range(3)]
        b = client.post("/v1/nominations", json=nomination("unit-b", "B0")).json()["nomination_id"]
        statuses = [wait_for_status(client, i, {"reserved", "rejected"})["status"] for i in [*a, b]]
    assert statuses == ["reserved"] * 4
