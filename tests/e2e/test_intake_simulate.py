"""`kczg simulate` at a tenth of 2022's size against intake and quota processes: its summary matches the views."""

from __future__ import annotations

from kczg.simulator.run import simulate_async
from kczg.token_cli import PRIVATE_NAME, PUBLIC_NAME
from tests.e2e.simulate_expected import expected, views_range


async def test_simulated_campaign_summary_matches_the_views(services, tmp_path):
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir()
    (keys_dir / PRIVATE_NAME).write_bytes(services["keys"].private_pem)
    (keys_dir / PUBLIC_NAME).write_bytes(services["keys"].public_path.read_bytes())

    summary = await simulate_async(0.1, services["base"], services["quota_base"], "kczg-2022", seed=7,
                                   concurrency=16, keys_dir=keys_dir)

    outcomes, views = summary["outcomes"], summary["views"]
    plan = expected(0.1, seed=7)  # the counts the seed gives (tests/e2e/simulate_expected.py)
    assert summary["consistent"], summary
    assert summary["planned"] == plan.planned == 228
    # Late ones were refused by the deadline, invalid ones by the form check; nothing else was refused.
    refused = {k: v for k, v in outcomes.items() if k.startswith("refused:")}
    assert set(refused) <= {"refused:submission_closed", "refused:invalid_form"}
    assert outcomes["accepted"] + sum(refused.values()) == 228
    assert {k: v for k, v in outcomes.items() if k in plan.outcomes or k.startswith(("refused:", "withdraw"))} \
        == plan.outcomes
    # Every accepted nomination got a quota decision or was withdrawn; the large units ran over quota exactly
    # as the rule says (which of a pool's nominations did depends on the concurrent order, how many does not).
    assert "submitted" not in views
    assert sum(views.values()) == outcomes["accepted"]
    assert views.get("withdrawn", 0) == outcomes["withdrawn"] == plan.outcomes["withdrawn"] > 0
    assert set(summary["quota_rejections"]) == set(plan.rejections) == {"over_quota"}
    reserved, rejected = views_range(plan)
    assert views["reserved"] in reserved and views.get("rejected", 0) in rejected, (views, reserved, rejected)
    assert summary["quota_rejections"]["over_quota"] == views.get("rejected", 0)
    assert summary["quota_rejections"].get("over_quota", 0) > 0
