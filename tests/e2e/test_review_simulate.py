"""`kczg simulate` at a tenth of 2022's size through intake, quota and review processes: every slot-holder
screened, every target's plan, panel, scores and results, one body late, and the simulator's own
recomputation of every aggregate and rank agreeing with the views."""

from __future__ import annotations

from kczg.simulate import simulate_async
from kczg.simulate_review_plan import PER_ITEM
from kczg.token_cli import PRIVATE_NAME, PUBLIC_NAME


async def test_simulated_review_is_consistent_with_the_views(review_services, tmp_path):
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir()
    (keys_dir / PRIVATE_NAME).write_bytes(review_services["keys"].private_pem)
    (keys_dir / PUBLIC_NAME).write_bytes(review_services["keys"].public_path.read_bytes())

    summary = await simulate_async(0.1, review_services["base"], review_services["quota_base"], "kczg-2022", seed=7,
                                   concurrency=16, keys_dir=keys_dir, review=review_services["review_base"])

    assert summary["consistent"], summary
    review = summary["review"]
    assert summary["review_consistent"] and review["review_consistent"], review
    # Every nomination holding a slot was screened, and exactly the planned ones failed.
    screening = review["screening"]
    assert screening["holding_slot"] == summary["views"]["reserved"] > 0
    assert screening["passed"] + screening["failed"] == screening["holding_slot"]
    assert screening["failed"] == screening["failed_planned"] >= 1
    in_review = sum(t["in_review"] for t in review["targets"].values())
    assert in_review == screening["passed"]
    # All 12 targets (the joint 绿色低碳 one once) submitted; the late body's targets, and only those, late.
    assert review["targets_submitted"] == len(review["targets"]) == 12 and review["missing"] == []
    assert review["late_targets"] == review["expected_late"] != []
    assert review["targets"]["kczg-2022:leading_tech:green_low_carbon"]["bodies"] == [
        "cast_eco_env_consortium", "cast_clean_energy_consortium"]
    # Conflicts were found from the experts' organisations and declared; declared ones were topped up.
    assert review["automatic_conflicts"] > 0
    assert review["topped_up"] == review["declared_conflicts"] > 0
    # Every seat scored once, everything in review ranked, nothing refused.
    assert review["scores"] == PER_ITEM * in_review and review["ranked"] == in_review
    assert review["outcomes"] == {} and review["problems"] == []
