"""Each role's limits: a caller sees and changes only its own organisation's items, and learns nothing else."""

from __future__ import annotations

from contracts.topics import NOMINATIONS
from tests.support.intake import end_offsets, nomination_body
from tests.support.kafka import read_topic


async def test_another_unit_gets_404_and_sees_nothing_of_the_nomination(intake):
    unit_a, unit_b = intake.keys.headers("unit", "unit-a"), intake.keys.headers("unit", "unit-b")
    r = await intake.post("/v1/nominations", json=nomination_body(), headers=unit_a)
    nid = r.json()["nomination_id"]
    before = await end_offsets()
    # unit-b can neither read, amend nor withdraw unit-a's nomination: it does not exist for unit-b.
    responses = [
        await intake.get(f"/v1/nominations/{nid}", headers=unit_b),
        await intake.put(f"/v1/nominations/{nid}", json={"form": nomination_body()["form"]}, headers=unit_b),
        await intake.post(f"/v1/nominations/{nid}/withdraw", json={"reason": "x"}, headers=unit_b),
    ]
    for r in responses:
        assert r.status_code == 404 and r.json()["code"] == "nomination_not_found"
        assert "unit-a" not in r.text and "碳纤维" not in r.text
    # Its listing and quota use show none of unit-a's nominations.
    assert (await intake.get("/v1/nominations", headers=unit_b)).json()["total"] == 0
    use = (await intake.get("/v1/quota-use?campaign=kczg-2022", headers=unit_b)).json()
    assert all(p["used"] == 0 and p["pending"] == 0 for p in use["pools"])
    # An applicant or an expert cannot read nominations at all; the secretariat can.
    for role, org in (("applicant", "unit-a"), ("expert", "unit-a")):
        r = await intake.get(f"/v1/nominations/{nid}", headers=intake.keys.headers(role, org))
        assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    r = await intake.get(f"/v1/nominations/{nid}", headers=intake.keys.headers("secretariat", "kczg_secretariat"))
    assert r.status_code == 200 and r.json()["unit_id"] == "unit-a"
    assert await end_offsets() == before


async def test_who_may_nominate(intake):
    body = nomination_body()
    cases = [
        (("applicant", "acme"), 403, "role_not_allowed"),
        (("expert", "e-1"), 403, "role_not_allowed"),
        (("secretariat", "kczg_secretariat"), 403, "role_not_allowed"),
        (("review_body", "cast_advanced_materials_consortium"), 403, "role_not_allowed"),  # a channel list
        (("unit", "unit-not-registered"), 403, "unknown_unit"),
    ]
    for (role, org), status, code in cases:
        r = await intake.post("/v1/nominations", json=body, headers=intake.keys.headers(role, org))
        assert (r.status_code, r.json()["code"]) == (status, code), (role, r.text)
    # Acting for another unit is refused even with a valid token.
    r = await intake.post("/v1/nominations", json={**body, "unit_id": "unit-b"},
                          headers=intake.keys.headers("unit", "unit-a"))
    assert (r.status_code, r.json()["code"]) == (403, "not_your_unit")
    assert [v for v in await read_topic(NOMINATIONS.name) if b"UnitRegistered" not in v] == []
