"""Only the right people act (guarantee 6), on every route of every service: one table says what each
kind of caller gets from each route, and the test holds every route of the four OpenAPI documents to it.

The scenario (tests/support/world.py) is one 2022 campaign driven through the services' APIs, so "own",
"another's", "assigned" and "conflicted" are real: unit-a's nominations and quota, acme's applications to
unit-a, target T1 (先导技术榜 · 先进材料) of MATERIALS with experts seated and e00 in conflict, a target
with submitted results, a closed notice of a published list and an open one with an objection.

Every refusal, and every allowed read, is checked where nothing else moves (first, on the settled
scenario): a refusal's status and code, problem+json with a Chinese detail (401: with WWW-Authenticate);
a read's status and, where the route lists things, that the caller sees only its own (`sees`); and NOTHING
changed — every topic's end offsets and every table of the services' schemas (tests/support/unchanged.py).
The allowed writes then run in the table's order, each with the status the table gives (a write changes
what the next ones find, so the order is part of the table)."""

from __future__ import annotations

import functools
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from tests.support.authz import (NF, Expect, Row, audit_names_people, expert_queue, expert_queue_page, only,
                                 open_notices, optional, own_applications, own_nominations, page, public,
                                 ranking_scope)
from tests.support.callers import CALLERS, Callers
from tests.support.intake import Keys, application_body, nomination_body
from tests.support.intake_pages import typed_leading_form
from tests.support.publish import objection
from tests.support.review import plan_body
from tests.support.unchanged import Quietly, Unchanged, settled
from tests.support.world import (C, CLEAN, LIST_N, LIST_O, LIST_P, MATCH_ASK, MATERIALS, ROSTER, SCORES, World,
                                 all_in_process, build_world)

OPENAPI = Path(__file__).resolve().parents[2] / "contracts" / "openapi"
SERVICES = ("intake", "quota", "review", "publish", "notify")
CJK = re.compile(r"[\u4e00-\u9fff]")
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

TARGET = "/v1/review/campaigns/{campaign}/targets/{list_code}/{domain}"
SEAT_PAGE = "/workbench/review/campaigns/{campaign}/targets/{list_code}/{domain}/nominations/{nomination_id}"
ON_T1 = {"campaign": lambda w: C, "list_code": lambda w: "leading_tech", "domain": lambda w: "advanced_materials"}
ON_GREEN = {**ON_T1, "domain": lambda w: "green_low_carbon"}
CAMPAIGN = {"campaign": lambda w: C}
PUB = "/v1/publish/campaigns/{campaign}"
VOTE = {"eligible": 15, "present": 12, "recused": 1, "yes": 10, "no": 1, "abstain": 1}
AMENDED = {**nomination_body(domain="advanced_materials")["form"], "maturity_stage": "pilot"}
SHEET = "unit_id,name,channels\nunit-imported,导入的推荐单位,national_society\n".encode()
EXPERTS = ("expert_assigned", "expert_unassigned", "expert_conflicted")
ATTACHMENT = {"nomination_id": lambda w: w.nomination_a, "sha256": lambda w: w.attachment}
INTAKE_FILE = "http://127.0.0.1:8000/v1/nominations/"
FINAL_PAGE = "/workbench/review/campaigns/{campaign}/final"
BODY_PAGE = "/workbench/review/body/campaigns/{campaign}/targets/{list_code}/{domain}"
INTAKE_PAGES = "/workbench/intake"
INTAKE_PAGE_ROLES = ("applicant", "applicant_other", "unit_own", "unit_other")
MATCH_PAGE = "/workbench/publish/campaigns/{campaign}"
ACCEPTED = {"campaign": lambda w: C, "match_id": lambda w: w.matching["accepted"]}
HOLDER = {"unit_own": "unit-b", "unit_other": "unit-a"}  # LIST_P's entries are unit-b's


def own_match_requests(kind: str, body: dict, world: World) -> str | None:
    """A requester its own, the holder (unit-b) those accepted on its entries, the secretariat all."""
    seen = {r["match_id"] for r in body["requests"]}
    expected = {"requester": {world.matching["accepted"], world.matching["new"]}, "requester_other": set(),
                "unit_own": {world.matching["accepted"]}, "unit_other": set()}.get(kind)
    if expected is not None and seen != expected:
        return f"sees {sorted(seen)}, expected {sorted(expected)}"
    if kind == "secretariat" and not {world.matching["accepted"], world.matching["new"]} <= seen:
        return "the secretariat does not see every request"
    return None


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # where the review sends a reader of an attachment


def applications_page(owner: str):
    """An applications page lists acme's applications sent to unit-a to their owner (`owner`) only."""
    def sees(kind: str, html: str, w: World) -> str | None:
        shown = {a for a in w.sent.values() if str(a) in html}
        if kind == owner and len(shown) != len(w.sent):
            return f"does not see its own applications: {len(shown)} of {len(w.sent)}"
        return f"sees another's applications {sorted(map(str, shown))}" if kind != owner and shown else None
    return sees


def nominations_page(kind: str, html: str, w: World) -> str | None:
    mine = str(w.nomination_a) in html
    return None if mine == (kind == "unit_own") else f"nomination_a shown: {mine}"


# (service, method, path) -> Row, in the order the allowed writes run. The rules (tests/support/authz.py):
#   only(kind=status, ...)  those kinds get that status; bad tokens and anonymous 401; every other kind 403
#   public()                anyone, credentials ignored          optional()   anyone; a token sent must verify
#   NF(code)                404: another's resource answers as absent, never as forbidden
def unsubscribe_params() -> dict[str, str]:
    """A valid one-click unsubscribe (the token is the link's proof, not a login)."""
    from services.notify.domain import unsubscribe_token
    from services.notify.render import unsubscribe_secret

    recipient = f"unit:{C}:unit-a"
    return {"recipient": recipient, "kind": "collection_deadline",
            "token": unsubscribe_token(unsubscribe_secret(), recipient, "collection_deadline")}


TABLE: dict[tuple[str, str, str], Row] = {
    # --- intake :8000 -------------------------------------------------------------------------------------
    ("intake", "GET", "/healthz"): Row(public()),
    ("intake", "GET", "/readyz"): Row(public()),
    ("intake", "GET", "/v1/clock"): Row(public()),
    ("intake", "GET", "/v1/campaigns/{code}"): Row(public(), {"code": lambda w: C}),
    ("intake", "GET", "/v1/applications"): Row(only(applicant=200, applicant_other=200),
                                               sees=own_applications("applicant_id")),
    ("intake", "GET", "/v1/unit/applications"): Row(only(unit_own=200, unit_other=200), sees=own_applications("unit_id")),
    ("intake", "GET", "/v1/applications/{application_id}"): Row(
        only(applicant=200, applicant_other=NF("application_not_found"), unit_own=200,
             unit_other=NF("application_not_found"), secretariat=200),
        {"application_id": lambda w: w.sent["return"]}),
    ("intake", "PUT", "/v1/applications/{application_id}"): Row(
        only(applicant=200, applicant_other=NF("application_not_found")),
        {"application_id": lambda w: w.draft}, lambda w: {"json": application_body(unit_id="unit-a", headcount=80)}),
    ("intake", "POST", "/v1/applications/{application_id}/send"): Row(
        only(applicant=200, applicant_other=NF("application_not_found")), {"application_id": lambda w: w.draft}),
    ("intake", "POST", "/v1/applications"): Row(
        only(applicant=201, applicant_other=201), request=lambda w: {"json": application_body(unit_id="unit-a")}),
    ("intake", "POST", "/v1/applications/{application_id}/return"): Row(
        only(unit_own=200, unit_other=NF("application_not_found")), {"application_id": lambda w: w.sent["return"]},
        lambda w: {"json": {"comments": "请补充近三年应用数据。"}}),
    ("intake", "POST", "/v1/applications/{application_id}/decline"): Row(
        only(unit_own=200, unit_other=NF("application_not_found")), {"application_id": lambda w: w.sent["decline"]},
        lambda w: {"json": {"reason": "不符合本单位推荐条件。"}}),
    ("intake", "POST", "/v1/applications/{application_id}/recommend"): Row(
        only(unit_own=202, unit_other=NF("application_not_found")), {"application_id": lambda w: w.sent["recommend"]},
        lambda w: {"json": {"opinion": "同意推荐。"}}),
    ("intake", "POST", "/v1/attachments"): Row(
        only(applicant=201, applicant_other=201, unit_own=201, unit_other=201, body_own=201, body_other=201),
        request=lambda w: {"files": {"file": ("检测报告.pdf", PDF, "application/pdf")}}),
    ("intake", "GET", "/v1/nominations"): Row(only(unit_own=200, unit_other=200, body_own=200, body_other=200),
                                              sees=own_nominations),
    ("intake", "POST", "/v1/nominations"): Row(
        only(unit_own=202, unit_other=(403, "not_your_unit"), body_own=(403, "not_your_unit"),
             body_other=(403, "not_your_unit")),
        request=lambda w: {"json": {**nomination_body(domain="advanced_materials"), "unit_id": "unit-a"}}),
    ("intake", "GET", "/v1/nominations/{nomination_id}"): Row(
        only(unit_own=200, unit_other=NF("nomination_not_found"), body_own=NF("nomination_not_found"),
             body_other=NF("nomination_not_found"), secretariat=200),
        {"nomination_id": lambda w: w.nomination_a}),
    ("intake", "PUT", "/v1/nominations/{nomination_id}"): Row(
        only(unit_own=200, unit_other=NF("nomination_not_found"), body_own=NF("nomination_not_found"),
             body_other=NF("nomination_not_found")),
        {"nomination_id": lambda w: w.nomination_a}, lambda w: {"json": {"form": AMENDED}}),
    ("intake", "POST", "/v1/nominations/{nomination_id}/withdraw"): Row(
        only(unit_own=200, unit_other=NF("nomination_not_found"), body_own=NF("nomination_not_found"),
             body_other=NF("nomination_not_found")),
        {"nomination_id": lambda w: w.nomination_w}, lambda w: {"json": {"reason": "经复核，撤回推荐。"}}),
    ("intake", "POST", "/v1/nominations/{nomination_id}/withdrawal-request"): Row(  # the scenario's clock: collecting
        only(unit_own=(409, "withdraw_directly"), unit_other=NF("nomination_not_found"),
             body_own=NF("nomination_not_found"), body_other=NF("nomination_not_found")),
        {"nomination_id": lambda w: w.nomination_a}, lambda w: {"json": {"reason": "成果已转让，申请撤回。"}}),
    ("intake", "POST", "/v1/nominations/{nomination_id}/resubmit"): Row(  # returned for correction in the scenario
        only(unit_own=200, unit_other=NF("nomination_not_found"), body_own=NF("nomination_not_found"),
             body_other=NF("nomination_not_found")),
        {"nomination_id": lambda w: w.nomination_r}),
    # A nomination's attachment: with the caller's own token, its unit and the secretariat (the target's bodies and
    # seated experts read through the review's signed link: test_workbench_dossier.py).
    ("intake", "GET", "/v1/nominations/{nomination_id}/attachments/{sha256}"): Row(
        only(unit_own=200, unit_other=NF("nomination_not_found"), body_own=NF("nomination_not_found"),
             body_other=NF("nomination_not_found"), secretariat=200),
        {"nomination_id": lambda w: w.nomination_a, "sha256": lambda w: w.attachment}),
    ("intake", "GET", "/v1/quota-use"): Row(only(unit_own=200, unit_other=200),
                                            request=lambda w: {"params": {"campaign": C}}),
    # The applicant's and the unit's pages (HTML; the API's handlers under the form's key: test_intake_pages.py).
    # A refused form writes nothing: the unit's answer without a reason and the withdrawal without one are 422.
    ("intake", "GET", "/workbench/"): Row(page(signed_out=303, refused=200, **dict.fromkeys(INTAKE_PAGE_ROLES, 303))),
    ("intake", "GET", "/workbench/login"): Row(public()),
    ("intake", "GET", "/workbench/static/{name}"): Row(public(), {"name": lambda w: "workbench.css"}),
    ("intake", "GET", INTAKE_PAGES + "/applications"): Row(page(applicant=200, applicant_other=200),
                                                         sees=applications_page("applicant")),
    ("intake", "GET", INTAKE_PAGES + "/applications/new"): Row(
        page(applicant=200, applicant_other=200),
        request=lambda w: {"params": {"list_code": "leading_tech", "domain": "advanced_materials"}}),
    ("intake", "GET", INTAKE_PAGES + "/applications/{application_id}"): Row(
        page(applicant=200, applicant_other=404), {"application_id": lambda w: w.sent["return"]}),
    ("intake", "POST", INTAKE_PAGES + "/applications"): Row(  # a new draft saved: on to its page
        page(applicant=303, applicant_other=303), request=lambda w: {"data": {
            **typed_leading_form(), "campaign": C, "list_code": "leading_tech", "domain": "advanced_materials",
            "unit_id": "unit-a", "action": "save", "submission": "0" * 32}}),
    ("intake", "GET", INTAKE_PAGES + "/unit"): Row(page(unit_own=303, unit_other=303)),
    ("intake", "GET", INTAKE_PAGES + "/unit/applications"): Row(page(unit_own=200, unit_other=200),
                                                              sees=applications_page("unit_own")),
    ("intake", "GET", INTAKE_PAGES + "/unit/applications/{application_id}"): Row(
        page(unit_own=200, unit_other=404), {"application_id": lambda w: w.sent["return"]}),
    ("intake", "POST", INTAKE_PAGES + "/unit/applications/{application_id}"): Row(
        page(unit_own=422, unit_other=404), {"application_id": lambda w: w.sent["return"]},
        lambda w: {"data": {"action": "return", "comments": ""}}),
    ("intake", "GET", INTAKE_PAGES + "/unit/quota"): Row(page(unit_own=200, unit_other=200)),
    ("intake", "GET", INTAKE_PAGES + "/unit/nominations"): Row(page(unit_own=200, unit_other=200),
                                                             sees=nominations_page),
    ("intake", "GET", INTAKE_PAGES + "/unit/nominations.xlsx"): Row(page(unit_own=200, unit_other=200)),
    ("intake", "POST", INTAKE_PAGES + "/unit/nominations/{nomination_id}/withdraw"): Row(
        page(unit_own=422, unit_other=404), {"nomination_id": lambda w: w.nomination_a},
        lambda w: {"data": {"reason": ""}}),
    ("intake", "GET", INTAKE_PAGES + "/unit/nominations/{nomination_id}"): Row(
        page(unit_own=200, unit_other=404), {"nomination_id": lambda w: w.nomination_a}),
    ("intake", "POST", INTAKE_PAGES + "/unit/nominations/{nomination_id}"): Row(  # no action chosen: nothing sent
        page(unit_own=422, unit_other=404), {"nomination_id": lambda w: w.nomination_a}, lambda w: {"data": {}}),
    ("intake", "GET", INTAKE_PAGES + "/unit/nominate"): Row(
        page(unit_own=200, unit_other=200),
        request=lambda w: {"params": {"list_code": "leading_tech", "domain": "advanced_materials"}}),
    ("intake", "POST", INTAKE_PAGES + "/unit/nominate"): Row(  # no list chosen: nothing sent
        page(unit_own=422, unit_other=422), request=lambda w: {"data": {}}),
    ("intake", "POST", "/workbench/login"): Row(public(), request=lambda w: {"data": {"token": w.login_token}}),
    ("intake", "POST", "/workbench/logout"): Row(public()),
    # --- quota :8001 --------------------------------------------------------------------------------------
    ("quota", "GET", "/healthz"): Row(public()),
    ("quota", "GET", "/readyz"): Row(public()),
    ("quota", "POST", "/v1/campaigns/{campaign}/units"): Row(
        only(secretariat=201), CAMPAIGN,
        lambda w: {"json": {"unit_id": "unit-new", "name": "新登记的推荐单位", "channels": ["provincial_cast"]}}),
    ("quota", "POST", "/v1/campaigns/{campaign}/units/import"): Row(
        only(secretariat=201), CAMPAIGN, lambda w: {"files": {"file": ("units.csv", SHEET, "text/csv")}}),
    ("quota", "PUT", "/v1/campaigns/{campaign}/units/{unit_id}/channels"): Row(
        only(secretariat=200), {**CAMPAIGN, "unit_id": lambda w: "unit-c"},
        lambda w: {"json": {"channels": ["provincial_cast", "national_society"], "reason": "新增推荐渠道"}}),
    ("quota", "GET", "/v1/campaigns/{campaign}/units/{unit_id}/quota"): Row(
        only(unit_own=200, unit_other=NF("unknown_unit"), secretariat=200), {**CAMPAIGN, "unit_id": lambda w: "unit-a"}),
    # --- notify :8004 -------------------------------------------------------------------------------------
    ("notify", "GET", "/healthz"): Row(public()),
    ("notify", "GET", "/readyz"): Row(public()),
    ("notify", "GET", "/v1/notify/messages"): Row(
        only(secretariat=200), request=lambda w: {"params": {"subject": w.nomination_a}}),
    ("notify", "GET", "/v1/notify/bounces"): Row(only(secretariat=200)),
    ("notify", "GET", "/v1/notify/inbox"): Row(only(  # everyone signed in: their own messages
        applicant=200, applicant_other=200, unit_own=200, unit_other=200, body_own=200, body_other=200,
        expert_assigned=200, expert_unassigned=200, expert_conflicted=200, secretariat=200)),
    ("notify", "GET", "/v1/notify/reminders/preview"): Row(
        only(secretariat=200, body_own=200, body_other=200), request=lambda w: {"params": {"campaign": C}}),
    ("notify", "POST", "/v1/notify/reminders/send"): Row(  # a body's button sends only its own and its experts'
        only(secretariat=200, body_own=200, body_other=200), request=lambda w: {"params": {"campaign": C}}),
    ("notify", "POST", "/v1/notify/unsubscribe"): Row(public(), request=lambda w: {"params": unsubscribe_params()}),
    # --- review :8003 -------------------------------------------------------------------------------------
    ("review", "GET", "/healthz"): Row(public()),
    ("review", "GET", "/readyz"): Row(public()),
    ("review", "GET", "/v1/review/campaigns/{campaign}/screening"): Row(only(secretariat=200), CAMPAIGN),
    ("review", "POST", "/v1/review/nominations/{nomination_id}/screening"): Row(
        only(secretariat=201), {"nomination_id": lambda w: w.nomination_s}, lambda w: {"json": {"passed": True}}),
    # The secretariat's screening queue page: its batch form through the same handler (already passed above: 200).
    ("review", "GET", "/workbench/review/screening"): Row(page(secretariat=303)),
    ("review", "GET", "/workbench/review/campaigns/{campaign}/screening"): Row(page(secretariat=200), CAMPAIGN),
    ("review", "POST", "/workbench/review/campaigns/{campaign}/screening"): Row(
        page(secretariat=200), CAMPAIGN,
        lambda w: {"data": {"action": "pass", "nomination": str(w.nomination_s), "submission": "matrix-batch-01"}}),
    ("review", "POST", "/v1/review/nominations/{nomination_id}/return"): Row(
        only(secretariat=201), {"nomination_id": lambda w: w.nomination_t},
        lambda w: {"json": {"reasons": ["推荐表缺少推荐单位盖章页。"], "correction_due": "2022-11-30"}}),
    ("review", "POST", "/v1/review/nominations/{nomination_id}/withdrawal"): Row(  # no request in the scenario
        only(secretariat=(409, "no_withdrawal_request")), {"nomination_id": lambda w: w.nomination_a},
        lambda w: {"json": {"decision": "grant", "reason": "同意撤回。"}}),
    ("review", "GET", "/v1/review/nominations/{nomination_id}/audit"): Row(
        only(secretariat=200), {"nomination_id": lambda w: w.nomination_a}, sees=audit_names_people),
    ("review", "GET", "/v1/review/campaigns/{campaign}/targets"): Row(
        only(body_own=200, body_other=200, secretariat=200), CAMPAIGN),
    ("review", "GET", "/v1/review/campaigns/{campaign}/progress"): Row(only(secretariat=200), CAMPAIGN),
    ("review", "GET", "/v1/review/campaigns/{campaign}/final"): Row(only(secretariat=200), CAMPAIGN),
    ("review", "POST", "/v1/review/campaigns/{campaign}/nominations/{nomination_id}/decision"): Row(
        only(secretariat=201), {**CAMPAIGN, "nomination_id": lambda w: w.nomination_c},
        lambda w: {"json": {"selected": True, "vote": VOTE, "note": "终评委员会表决通过。"}}),
    ("review", "POST", "/v1/review/campaigns/{campaign}/final/sittings"): Row(
        only(secretariat=201), CAMPAIGN,
        lambda w: {"json": {"decisions": [{"nomination_id": str(w.nomination_c), "selected": True, "vote": VOTE}]}}),
    # The sitting's page: the same decision again through the sittings handler (on record already: 200); the
    # minutes read into a preview (nothing recorded); the exports as workbooks (test_workbench_final.py).
    ("review", "GET", "/workbench/review/final"): Row(page(secretariat=303)),
    ("review", "GET", FINAL_PAGE): Row(page(secretariat=200), CAMPAIGN),
    ("review", "POST", FINAL_PAGE): Row(page(secretariat=200), CAMPAIGN, lambda w: {"data": {
        **{k: str(v) for k, v in VOTE.items() if k in ("eligible", "present", "recused")}, "n.0": str(w.nomination_c),
        "yes.0": "10", "no.0": "1", "abstain.0": "1", "selected.0": "1", "submission": "matrix-sitting-01"}}),
    ("review", "GET", FINAL_PAGE + "/minutes.xlsx"): Row(page(secretariat=200), CAMPAIGN),
    ("review", "GET", FINAL_PAGE + "/minutes.pdf"): Row(page(secretariat=200), CAMPAIGN),
    ("review", "POST", FINAL_PAGE + "/minutes"): Row(page(secretariat=200), CAMPAIGN, lambda w: {
        "data": {"list": "leading_tech"}, "files": {"file": ("终评会议纪要.xlsx", filled_minutes(w.nomination_c), XLSX)}}),
    ("review", "GET", "/workbench/review/exports"): Row(page(secretariat=200)),
    # The secretariat's home and dashboard (test_workbench_dashboard.py).
    ("review", "GET", "/workbench/review/secretariat"): Row(page(secretariat=200)),
    ("review", "GET", "/workbench/review/dashboard"): Row(page(secretariat=303)),
    ("review", "GET", "/workbench/review/campaigns/{campaign}/dashboard"): Row(page(secretariat=200), CAMPAIGN),
    ("review", "GET", "/workbench/review/campaigns/{campaign}/exports/nominations.xlsx"): Row(page(secretariat=200), CAMPAIGN),
    ("review", "GET", "/workbench/review/campaigns/{campaign}/exports/results.xlsx"): Row(page(secretariat=200), CAMPAIGN),
    ("review", "GET", TARGET): Row(
        only(body_own=200, body_other=NF("target_not_found"), secretariat=200), ON_T1),
    ("review", "GET", TARGET + "/plan/defaults"): Row(only(body_own=200, body_other=NF("target_not_found")), ON_T1),
    # The secretariat's receipt (回执) of T1's plan, before the row below files it again; the plans it lists.
    ("review", "GET", "/v1/review/campaigns/{campaign}/plans"): Row(only(secretariat=200), CAMPAIGN),
    ("review", "POST", TARGET + "/plan/receipt"): Row(
        only(secretariat=201), ON_T1, lambda w: {"json": {"plan_event_id": w.t1_plan, "acknowledged": True}}),
    ("review", "GET", "/workbench/review/plans"): Row(page(secretariat=303)),
    ("review", "GET", "/workbench/review/campaigns/{campaign}/plans"): Row(page(secretariat=200), CAMPAIGN),
    ("review", "POST", "/workbench/review/campaigns/{campaign}/plans"): Row(  # the joint plan, not yet confirmed
        page(secretariat=409), CAMPAIGN, lambda w: {"data": {
            "plan_event_id": w.green_plan, "list_code": "leading_tech", "domain": "green_low_carbon",
            "decision": "acknowledge"}}),
    # A plan's 方案 document: uploaded by a body (its own, content-addressed), read by the secretariat and the body
    # that filed T1's plan (MATERIALS) only.
    ("review", "POST", "/v1/review/plan-documents"): Row(
        only(body_own=201, body_other=201), {}, lambda w: {"files": {"file": ("方案.pdf", PDF, "application/pdf")}}),
    ("review", "GET", "/workbench/review/campaigns/{campaign}/plans/{list_code}/{domain}/{sha256}.pdf"): Row(
        page(secretariat=200, body_own=200, body_other=404), {**ON_T1, "sha256": lambda w: w.t1_document}),
    ("review", "PUT", TARGET + "/plan"): Row(
        only(body_own=201, body_other=NF("target_not_found")), ON_T1,
        lambda w: {"json": plan_body(ROSTER, per_item=2)}),
    ("review", "POST", TARGET + "/plan/confirmation"): Row(  # the joint target: ECO filed, CLEAN confirms
        only(body_own=201, body_other=NF("target_not_found")), ON_GREEN,
        lambda w: {"json": {"plan_event_id": w.green_plan}}, owners={"body_own": CLEAN, "body_other": MATERIALS}),
    ("review", "POST", TARGET + "/assignments"): Row(
        only(body_own=200, body_other=NF("target_not_found")), ON_T1,
        lambda w: {"json": {"nomination_id": w.nomination_b, "expert_id": w.free_on_b}}),
    ("review", "POST", TARGET + "/assignments/auto"): Row(
        only(body_own=200, body_other=NF("target_not_found")), ON_T1, lambda w: {"json": {}}),
    ("review", "POST", TARGET + "/assignments/{nomination_id}/{expert_id}/unassign"): Row(
        only(body_own=200, body_other=NF("target_not_found")),
        {**ON_T1, "nomination_id": lambda w: w.nomination_b, "expert_id": lambda w: w.seated_on_b},
        lambda w: {"json": {"reason": "专家工作调整。"}}),
    # The dossier's attachment: a short-lived link for whoever may read it.
    ("review", "GET", "/v1/review/nominations/{nomination_id}/attachments/{sha256}"): Row(
        only(unit_own=200, unit_other=NF("nomination_not_found"), body_own=200, body_other=NF("nomination_not_found"),
             expert_assigned=200, expert_unassigned=NF("nomination_not_found"),
             expert_conflicted=NF("nomination_not_found"), secretariat=200), ATTACHMENT),
    ("review", "GET", "/workbench/review/nominations/{nomination_id}/attachments/{sha256}"): Row(  # on to the link
        page(unit_own=303, unit_other=404, body_own=303, body_other=404, expert_assigned=303, expert_unassigned=404,
             expert_conflicted=404, secretariat=303), ATTACHMENT),
    ("review", "GET", "/v1/review/me/queue"): Row(
        only(expert_assigned=200, expert_unassigned=200, expert_conflicted=200), sees=expert_queue),
    ("review", "PUT", TARGET + "/nominations/{nomination_id}/scores"): Row(
        only(expert_assigned=200, expert_unassigned=NF("not_assigned"), expert_conflicted=(403, "expert_conflicted")),
        {**ON_T1, "nomination_id": lambda w: w.nomination_a}, lambda w: {"json": {"scores": SCORES}}),
    # The expert's pages (HTML; a bearer caller needs no CSRF token, a cookie's form does: test_workbench_expert.py).
    ("review", "GET", "/workbench/"): Row(page(signed_out=303, refused=200, secretariat=303, body_own=303, body_other=303,
                                              **dict.fromkeys(EXPERTS, 303))),
    ("review", "GET", "/workbench/login"): Row(public()),
    ("review", "GET", "/workbench/static/{name}"): Row(public(), {"name": lambda w: "workbench.css"}),
    ("review", "GET", "/workbench/review/me"): Row(page(**dict.fromkeys(EXPERTS, 200)), sees=expert_queue_page),
    ("review", "GET", SEAT_PAGE): Row(  # the page hides a seat the expert does not hold, as the queue does
        page(expert_assigned=200, expert_unassigned=404, expert_conflicted=404),
        {**ON_T1, "nomination_id": lambda w: w.nomination_a}),
    ("review", "POST", SEAT_PAGE + "/scores"): Row(  # the API's scores again: nothing new, 200
        page(expert_assigned=200, expert_unassigned=404, expert_conflicted=404),
        {**ON_T1, "nomination_id": lambda w: w.nomination_a},
        lambda w: {"data": {f"score.{code}": v for code, v in SCORES.items()}}),
    ("review", "POST", TARGET + "/nominations/{nomination_id}/conflict"): Row(
        only(expert_assigned=201, expert_unassigned=201, expert_conflicted=200),  # on record already: 200
        {**ON_T1, "nomination_id": lambda w: w.nomination_a},
        lambda w: {"json": {"reason_code": "collaboration", "reason": "近三年与完成单位有合作项目。"}}),
    ("review", "POST", SEAT_PAGE + "/conflict"): Row(  # the API's handler: each on record by the row above, 200
        page(**dict.fromkeys(EXPERTS, 200)), {**ON_T1, "nomination_id": lambda w: w.nomination_a},
        lambda w: {"data": {"reason_code": "collaboration", "reason": "近三年与完成单位有合作项目。"}}),
    ("review", "POST", "/workbench/login"): Row(  # the token in the form counts, not the caller's header
        public(), request=lambda w: {"data": {"token": w.login_token}}),
    ("review", "POST", "/workbench/logout"): Row(public()),
    # Reaching the domain is the body's right; with one score on record nothing diverges, and nothing is open.
    ("review", "POST", TARGET + "/nominations/{nomination_id}/re-review"): Row(
        only(body_own=(409, "not_divergent"), body_other=NF("target_not_found")),
        {**ON_T1, "nomination_id": lambda w: w.nomination_b}, lambda w: {"json": {"revisit": [w.seated_on_b]}}),
    ("review", "POST", TARGET + "/nominations/{nomination_id}/re-review/close"): Row(
        only(body_own=(409, "re_review_not_open"), body_other=NF("target_not_found")),
        {**ON_T1, "nomination_id": lambda w: w.nomination_b}, lambda w: {"json": {"reason": "分歧已说明。"}}),
    # A body's pages: the same commands through the same handlers, after the API's rows above (the same
    # assignment again: nothing new, 200), refusals that write nothing; another body's target is not found.
    ("review", "GET", "/workbench/review/body"): Row(page(body_own=303, body_other=303)),
    ("review", "GET", BODY_PAGE): Row(page(body_own=200, body_other=404), ON_T1),
    ("review", "GET", BODY_PAGE + "/plan"): Row(page(body_own=200, body_other=404), ON_T1),
    ("review", "GET", BODY_PAGE + "/plan/roster.xlsx"): Row(page(body_own=200, body_other=404), ON_T1),
    ("review", "POST", BODY_PAGE + "/plan"): Row(  # a roster without a name: refused by the API's model
        page(body_own=422, body_other=404), ON_T1, lambda w: {
            "data": {"plan": "初评采用专家独立评分。", "expert_composition": "高校与企业专家。", "experts_per_item": "3"},
            "files": {"roster": ("专家名单.xlsx", roster_workbook([{**ROSTER[1], "name": None}]), XLSX)}}),
    ("review", "POST", BODY_PAGE + "/plan/confirmation"): Row(
        page(body_own=200, body_other=404), ON_GREEN, lambda w: {"data": {"plan_event_id": w.green_plan}},
        owners={"body_own": CLEAN, "body_other": MATERIALS}),
    ("review", "POST", BODY_PAGE + "/assignments/auto"): Row(page(body_own=200, body_other=404), ON_T1,
                                                             lambda w: {"data": {"submission": "matrix-auto-01"}}),
    ("review", "POST", BODY_PAGE + "/assignments"): Row(
        page(body_own=200, body_other=404), ON_T1,
        lambda w: {"data": {"nomination_id": str(w.nomination_b), "expert_id": w.free_on_b}}),
    ("review", "POST", BODY_PAGE + "/nominations/{nomination_id}/re-review"): Row(
        page(body_own=409, body_other=404), {**ON_T1, "nomination_id": lambda w: w.nomination_b},
        lambda w: {"data": {"revisit": w.seated_on_b}}),
    ("review", "POST", BODY_PAGE + "/nominations/{nomination_id}/re-review/close"): Row(
        page(body_own=409, body_other=404), {**ON_T1, "nomination_id": lambda w: w.nomination_b},
        lambda w: {"data": {"reason": "分歧已说明。"}}),
    ("review", "GET", BODY_PAGE + "/results"): Row(page(body_own=200, body_other=404), ON_T1),
    ("review", "POST", BODY_PAGE + "/results"): Row(  # without the reason the unscored ones need: refused
        page(body_own=409, body_other=404), ON_T1, lambda w: {"data": {"reason": ""}}),
    ("review", "GET", BODY_PAGE + "/results.xlsx"): Row(page(body_own=200, body_other=404), ON_T1),
    ("review", "GET", BODY_PAGE + "/results.pdf"): Row(page(body_own=200, body_other=404), ON_T1),
    ("review", "POST", TARGET + "/results"): Row(
        only(body_own=201, body_other=NF("target_not_found")), ON_T1,
        lambda w: {"json": {"reason": "部分专家声明回避，先行报送。"}}),
    # --- publish :8002 ------------------------------------------------------------------------------------
    ("publish", "GET", "/healthz"): Row(public()),
    ("publish", "GET", "/readyz"): Row(public()),
    ("publish", "GET", PUB + "/lists"): Row(public(), CAMPAIGN),
    ("publish", "GET", PUB + "/lists/{list_code}/versions"): Row(public(), {**CAMPAIGN, "list_code": lambda w: LIST_P}),
    ("publish", "GET", PUB + "/lists/{list_code}/versions/{version}"): Row(
        public(), {**CAMPAIGN, "list_code": lambda w: LIST_P, "version": lambda w: 1}),
    ("publish", "GET", PUB + "/release/{file}"): Row(public(), {**CAMPAIGN, "file": lambda w: "release.json"}),
    ("publish", "GET", PUB + "/notices"): Row(optional(), CAMPAIGN, sees=open_notices),
    ("publish", "GET", PUB + "/notices/{notice_id}"): Row(  # closed: the public no longer sees it
        optional(NF("notice_not_found"), secretariat=200), {**CAMPAIGN, "notice_id": lambda w: w.notice_closed}),
    ("publish", "POST", PUB + "/notices/{notice_id}/objections"): Row(
        public(201), {**CAMPAIGN, "notice_id": lambda w: w.notice_open},
        lambda w: {"json": objection(w.chains[LIST_O].nomination_id)}),
    ("publish", "GET", PUB + "/objections"): Row(only(secretariat=200), CAMPAIGN),
    ("publish", "POST", PUB + "/objections/{objection_id}/resolution"): Row(
        only(secretariat=200), {**CAMPAIGN, "objection_id": lambda w: w.objection},
        lambda w: {"json": {"upheld": False, "note": "经核实，异议不成立。"}}),
    ("publish", "POST", PUB + "/lists/{list_code}/notice"): Row(
        only(secretariat=201), {**CAMPAIGN, "list_code": lambda w: LIST_N}),
    ("publish", "POST", PUB + "/lists/{list_code}/release"): Row(  # a correction of the published list
        only(secretariat=201), {**CAMPAIGN, "list_code": lambda w: LIST_P}, lambda w: {"json": {"reason": "更正单位名称。"}}),
    ("publish", "POST", PUB + "/lists/{list_code}/corrections"): Row(  # version 3: one entry's title corrected
        only(secretariat=201), {**CAMPAIGN, "list_code": lambda w: LIST_P}, lambda w: {"json": {
            "reason": "更正名称。", "changes": [{"nomination_id": str(w.chains[LIST_P].nomination_id),
                                               "title": "示例创新联合体（更正）", "reason": "推荐单位来函。"}]}}),
    # After the release (anyone reads the listed entries, statistics and news; only the secretariat publishes news).
    ("publish", "GET", PUB + "/entries"): Row(public(), CAMPAIGN, lambda w: {"params": {"q": "示例"}}),
    ("publish", "GET", PUB + "/entries/{nomination_id}"): Row(
        public(), {**CAMPAIGN, "nomination_id": lambda w: w.chains[LIST_P].nomination_id}),
    ("publish", "GET", PUB + "/entries/{nomination_id}/verify"): Row(  # a certificate that was never issued
        {k: (404, "certificate_unknown") for k in CALLERS},
        {**CAMPAIGN, "nomination_id": lambda w: w.chains[LIST_P].nomination_id},
        lambda w: {"params": {"version": "00000000-0000-0000-0000-000000000000", "code": "0" * 20}}),
    ("publish", "GET", PUB + "/statistics"): Row(public(), CAMPAIGN),
    ("publish", "GET", PUB + "/news"): Row(public(), CAMPAIGN),
    ("publish", "POST", PUB + "/news"): Row(
        only(secretariat=201), CAMPAIGN, lambda w: {"json": {"title": "榜单发布", "body": "年度榜单已发布。"}}),
    # The secretariat's news form (the shared workbench login on publish too).
    ("publish", "GET", "/workbench/publish/news"): Row(page(secretariat=303)),
    ("publish", "GET", "/workbench/publish/campaigns/{campaign}/news"): Row(page(secretariat=200), CAMPAIGN),
    ("publish", "POST", "/workbench/publish/campaigns/{campaign}/news"): Row(
        page(secretariat=201), CAMPAIGN,
        lambda w: {"data": {"title": "宣传推广周", "body": "上榜技术路演。", "submission": "matrix-news-01"}}),
    # The secretariat's controls and objections pages (test_workbench_publish_controls.py): the same handlers; each
    # secretariat's post refused by the domain whenever it runs (a published list, an objection that is not).
    ("publish", "GET", "/workbench/publish"): Row(page(secretariat=303)),
    ("publish", "GET", "/workbench/publish/campaigns/{campaign}/controls"): Row(page(secretariat=200), CAMPAIGN),
    ("publish", "GET", "/workbench/publish/campaigns/{campaign}/objections"): Row(page(secretariat=200), CAMPAIGN),
    ("publish", "POST", "/workbench/publish/campaigns/{campaign}/controls/lists/{list_code}/notice"): Row(
        page(secretariat=409), {**CAMPAIGN, "list_code": lambda w: LIST_P}),
    ("publish", "POST", "/workbench/publish/campaigns/{campaign}/controls/lists/{list_code}/release"): Row(
        page(secretariat=409), {**CAMPAIGN, "list_code": lambda w: LIST_N}),
    ("publish", "POST", "/workbench/publish/campaigns/{campaign}/objections/{objection_id}/resolution"): Row(
        page(secretariat=404), {**CAMPAIGN, "objection_id": lambda w: "00000000-0000-4000-8000-000000000000"},
        lambda w: {"data": {"upheld": "0", "note": "经核实，异议不成立。"}}),
    ("publish", "GET", "/v1/rankings/nominations"): Row(
        only(anonymous=(401, "unauthenticated"), unit_own=200, unit_other=200, body_own=200, body_other=200,
             secretariat=200), sees=ranking_scope),
    ("publish", "GET", "/v1/rankings/nominations/{nomination_id}"): Row(
        only(anonymous=(401, "unauthenticated"), unit_own=200, unit_other=NF("nomination_not_found"), body_own=200,
             body_other=NF("nomination_not_found"), secretariat=200),
        {"nomination_id": lambda w: w.nomination_a}),
    ("publish", "GET", "/v1/campaigns/{campaign}/progress"): Row(only(secretariat=200), CAMPAIGN),
    # 资源对接: park-a's request on LIST_P's entry (its holder unit-b is unit_own here), accepted, and one untriaged
    ("publish", "GET", PUB + "/match-requests"): Row(
        only(requester=200, requester_other=200, unit_own=200, unit_other=200, secretariat=200), CAMPAIGN,
        owners=HOLDER, sees=own_match_requests),
    ("publish", "GET", PUB + "/match-requests/{match_id}"): Row(
        only(requester=200, requester_other=NF("match_not_found"), unit_own=200, unit_other=NF("match_not_found"),
             secretariat=200), ACCEPTED, owners=HOLDER),
    ("publish", "GET", PUB + "/match-requests/{match_id}/contacts"): Row(  # before consent: no side's contact
        only(requester=(403, "contact_before_consent"), requester_other=NF("match_not_found"),
             unit_own=(403, "contact_before_consent"), unit_other=NF("match_not_found"), secretariat=200),
        ACCEPTED, owners=HOLDER),
    ("publish", "GET", PUB + "/match-statistics"): Row(public(), CAMPAIGN),
    ("publish", "GET", PUB + "/packages"): Row(only(secretariat=200), CAMPAIGN),
    ("publish", "GET", PUB + "/packages/{package_id}/{file}"): Row(  # the audience's mail links it: no account
        public(), {**CAMPAIGN, "package_id": lambda w: w.matching["package"], "file": lambda w: "sheet.xlsx"}),
    ("publish", "POST", PUB + "/entries/{nomination_id}/match-requests"): Row(
        only(requester=201, requester_other=201),
        {**CAMPAIGN, "nomination_id": lambda w: w.chains[LIST_P].nomination_id}, lambda w: {"json": MATCH_ASK}),
    ("publish", "POST", PUB + "/match-requests/{match_id}/triage"): Row(
        only(secretariat=200), {**CAMPAIGN, "match_id": lambda w: w.matching["new"]},
        lambda w: {"json": {"accepted": False, "reason": "incomplete"}}),
    ("publish", "POST", PUB + "/match-requests/{match_id}/consent"): Row(  # before the outcomes: they need it
        only(unit_own=200, unit_other=NF("match_not_found")), ACCEPTED,
        lambda w: {"json": {"consent": True, "contact": "成果转化处 010-00000000"}}, owners=HOLDER),
    ("publish", "POST", PUB + "/match-requests/{match_id}/outcomes"): Row(
        only(requester=200, requester_other=NF("match_not_found"), unit_own=200, unit_other=NF("match_not_found"),
             secretariat=200), ACCEPTED, lambda w: {"json": {"outcome": "negotiating"}}, owners=HOLDER),
    ("publish", "POST", MATCH_PAGE + "/matches/{match_id}/{action}"): Row(  # after the consent: an outcome
        page(requester=200, requester_other=404, unit_own=200, unit_other=404, secretariat=200),
        {**ACCEPTED, "action": lambda w: "outcome"}, lambda w: {"data": {"outcome": "signed", "submission": "s1"}},
        owners=HOLDER),
    ("publish", "GET", "/workbench/"): Row(page(signed_out=303, refused=200, secretariat=303, unit_own=303,
                                                unit_other=303, requester=303, requester_other=303)),
    ("publish", "GET", "/workbench/login"): Row(public()),
    ("publish", "GET", "/workbench/static/{name}"): Row(public(), {"name": lambda w: "workbench.css"}),
    ("publish", "POST", "/workbench/login"): Row(public(), request=lambda w: {"data": {"token": w.login_token}}),
    ("publish", "POST", "/workbench/logout"): Row(public()),
    ("publish", "GET", "/workbench/publish/matches"): Row(
        page(requester=303, requester_other=303, unit_own=303, unit_other=303, secretariat=303)),
    ("publish", "GET", MATCH_PAGE + "/matches"): Row(
        page(requester=200, requester_other=200, unit_own=200, unit_other=200, secretariat=200), CAMPAIGN),
    ("publish", "GET", MATCH_PAGE + "/entries/{nomination_id}/match-request"): Row(
        page(requester=200, requester_other=200), {**CAMPAIGN, "nomination_id": lambda w: w.chains[LIST_P].nomination_id}),
    ("publish", "POST", MATCH_PAGE + "/entries/{nomination_id}/match-request"): Row(
        page(requester=303, requester_other=303), {**CAMPAIGN, "nomination_id": lambda w: w.chains[LIST_P].nomination_id},
        lambda w: {"data": MATCH_ASK}),
    ("publish", "POST", PUB + "/packages"): Row(
        only(secretariat=201), CAMPAIGN, lambda w: {"json": {"audience": "各试点园区", "list_code": LIST_P}}),
}


def roster_workbook(experts: list[dict]) -> bytes:
    """The plan page's roster workbook filled with `experts`."""
    import io

    from openpyxl import load_workbook

    from services.review.pages import roster_sheet

    wb = load_workbook(io.BytesIO(roster_sheet.template("专家名单")))
    for i, e in enumerate(experts):
        for j, (field, _) in enumerate(roster_sheet.COLUMNS):
            if isinstance(e.get(field), str):
                wb.active.cell(row=4 + i, column=1 + j, value=e[field])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def filled_minutes(nomination_id) -> bytes:
    """The sitting page's minutes workbook with one candidate's vote filled in."""
    import io

    from openpyxl import load_workbook

    from services.review.pages import minutes

    wb = load_workbook(io.BytesIO(minutes.template("终评会议", [{"nomination_id": str(nomination_id), "rank": 1,
        "domain_name": "电子信息", "title": "矩阵", "unit_id": "unit-a", "aggregate": None}])))
    for cell, value in {"B3": 15, "B4": 12, "B5": 1, "H9": 10, "I9": 1, "J9": 1, "K9": "入选"}.items():
        wb.active[cell] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def page_routes() -> set[tuple[str, str, str]]:
    """Every (service, method, path) of the workbench pages the apps serve (not in OpenAPI: they are no API)."""
    from fastapi.routing import iter_route_contexts

    from tests.unit.test_service_front import APPS

    return {(service, method, route.path) for service, make in APPS.items()
            for route in iter_route_contexts(make().routes) if route.path.startswith("/workbench")
            for method in route.methods}


def openapi_routes() -> set[tuple[str, str, str]]:
    """Every (service, method, path) the committed OpenAPI documents name (tests/unit/test_docs_current.py
    keeps them equal to what the apps serve)."""
    routes = set()
    for service in SERVICES:
        doc = json.loads((OPENAPI / f"{service}.json").read_text(encoding="utf-8"))
        routes |= {(service, method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    return routes


def test_the_table_has_a_row_for_every_route_and_no_other():
    routes = openapi_routes() | page_routes()
    missing, stale = sorted(routes - TABLE.keys()), sorted(TABLE.keys() - routes)
    assert not missing, f"routes without a row in the authorization table: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"
    assert all(set(row.expect) == set(CALLERS) for row in TABLE.values())


@dataclass(frozen=True)
class Pair:
    route: tuple[str, str, str]
    caller: str
    expect: Expect

    def __str__(self) -> str:
        return f"{self.route[0]} {self.route[1]} {self.route[2]} as {self.caller}"


async def test_every_route_answers_every_caller_as_the_table_says(env, tmp_path, monkeypatch):
    # Objections are rate-limited per client address: each request comes from its own address here.
    monkeypatch.setenv("PUBLISH_TRUST_FORWARDED", "1")
    assert openapi_routes() | page_routes() == TABLE.keys()
    async with all_in_process(Keys(tmp_path)) as services:
        world = await build_world(services)
        world.login_token = services.keys.token("expert", MATERIALS, sub=world.experts["assigned"])
        callers, addresses = Callers(services.keys, world), itertools.count(1)

        async def send(pair: Pair):
            service, method, template = pair.route
            row = TABLE[pair.route]
            path = template.format(**{k: v(world) for k, v in row.path.items()})
            n = next(addresses)
            headers = {**callers.headers(pair.caller, row.owners), "X-Forwarded-For": f"10.9.{n // 250}.{n % 250}"}
            client = getattr(services, service)
            try:
                return await client.request(method, path, headers=headers, **row.request(world))
            finally:
                client.cookies.clear()  # each caller only its own header: the login exchange's cookie stays there

        pairs = [Pair(route, caller, row.expect[caller]) for route, row in TABLE.items() for caller in CALLERS]
        quiet = [p for p in pairs if p.expect[0] >= 400 or p.route[1] == "GET"]  # refusals and reads
        failures: list[str] = []
        # First every refusal and every read, on the settled scenario: nothing else moves, so any change is the
        # request's own.
        async with Unchanged() as watch:
            quietly = Quietly(watch, await settled())
            for pair in quiet:
                r = await quietly.send(str(pair), functools.partial(send, pair))
                failures += [f"{pair}: {problem}" for problem in answer_problems(r, pair, world)]
            failures += await quietly.finish()
        # Then the allowed writes, in the table's order.
        for pair in (p for p in pairs if p not in quiet):
            r = await send(pair)
            if r.status_code != pair.expect[0]:
                failures.append(f"{pair}: {r.status_code}, expected {pair.expect[0]}: {r.text[:300]}")
        refusals = [p for p in pairs if p.expect[0] >= 400]
    assert not failures, f"{len(failures)} of {len(pairs)} not as the table says:\n" + "\n".join(failures)
    print(f"\nauthorization matrix: {len(TABLE)} routes x {len(CALLERS)} callers = {len(pairs)} pairs, all as the "
          f"table says; {len(refusals)} refusals and {len(quiet) - len(refusals)} reads, each leaving every topic and "
          f"table unchanged")


def answer_problems(r, pair: Pair, world: World) -> list[str]:
    status, code = pair.expect
    if r.status_code != status:
        return [f"{r.status_code}, expected {status}: {r.text[:300]}"]
    if pair.route[2].startswith("/workbench"):
        return page_problems(r, pair, world)
    if status < 400:
        sees = TABLE[pair.route].sees
        problem = sees(pair.caller, r.json(), world) if sees else None
        return [problem] if problem else []
    out = []
    if not r.headers.get("content-type", "").startswith("application/problem+json"):
        return [f"not problem+json: {r.headers.get('content-type')}"]
    body = r.json()
    if code is not None and body.get("code") != code:
        out.append(f"code {body.get('code')!r}, expected {code!r}")
    if not CJK.search(body.get("detail") or ""):
        out.append(f"detail not in Chinese: {body.get('detail')!r}")
    if status == 401 and not r.headers.get("www-authenticate", "").lower().startswith("bearer"):
        out.append("401 without WWW-Authenticate: Bearer")
    return out


def page_problems(r, pair: Pair, world: World) -> list[str]:
    """A page answers HTML in Chinese (a refusal too: never a stack trace, never problem+json)."""
    kind = r.headers.get("content-type", "")
    if pair.expect[0] == 303:
        to = "/workbench/" if "/attachments/" not in pair.route[2] else INTAKE_FILE
        return [] if r.headers.get("location", "").startswith(to) else [f"303 to {r.headers.get('location')}"]
    if pair.route[2].startswith("/workbench/static/"):
        return [] if kind.startswith("text/css") else [f"asset served as {kind}"]
    if pair.route[2].endswith(".xlsx") and r.status_code == 200:
        return [] if kind.startswith(XLSX) else [f"workbook served as {kind}"]
    if pair.route[2].endswith(".pdf") and r.status_code == 200:
        return [] if kind.startswith("application/pdf") and r.content.startswith(b"%PDF-") else [f"PDF served as {kind}"]
    if not kind.startswith("text/html") or not CJK.search(r.text) or 'lang="zh-CN"' not in r.text:
        return [f"not a Chinese page: {kind} {r.text[:200]}"]
    sees = TABLE[pair.route].sees
    problem = sees(pair.caller, r.text, world) if sees and r.status_code < 400 else None
    return [problem] if problem else []
