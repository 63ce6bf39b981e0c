"""A service's larger body limits (uploads) by path: an exact path's own, a templated one's for any path it
matches (the plan's form with its document, per campaign and target), else the default."""

from eventlog.http.path_limits import limit_of

PLAN = "/workbench/review/body/campaigns/{campaign}/targets/{list_code}/{domain}/plan"
LIMITS = {"/v1/review/plan-documents": 10, PLAN: 20}


def test_an_exact_path_and_a_templated_one_have_their_own_limits_and_nothing_else_does() -> None:
    assert limit_of(LIMITS, "/v1/review/plan-documents", 1) == 10
    assert limit_of(LIMITS, "/workbench/review/body/campaigns/kczg-2022/targets/leading_tech/-/plan", 1) == 20
    for other in ("/workbench/review/body/campaigns/kczg-2022/targets/leading_tech/-/plan/roster.xlsx",
                  "/workbench/review/body/campaigns/kczg-2022/targets/leading_tech/plan",
                  "/workbench/review/body/campaigns/k/x/targets/l/d/plan", "/v1/review/plan-documents/x"):
        assert limit_of(LIMITS, other, 1) == 1, other
