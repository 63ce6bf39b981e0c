"""Bad input gets a clear error and changes nothing (guarantee 5), on every writing route of the four
services beyond POST /v1/nominations and /v1/attachments (tests/integration/test_intake_bad_input.py):
malformed JSON, wrong types, missing fields, oversized bodies (declared, and chunked without a
Content-Length), text PostgreSQL cannot store (U+0000), unknown list/domain/unit/target/nomination,
out-of-range values, wrong states.

Each case runs on the settled scenario of the authorization matrix (tests/support/world.py), as a caller
the route lets in, and must answer the status and `code` given, as problem+json with a Chinese detail
(the public page's objection form: an HTML page carrying the Chinese message), and leave every topic's
end offsets and every table of the services' schemas exactly as they were (tests/support/unchanged.py)."""

from __future__ import annotations

import re
from datetime import datetime
from uuid import UUID, uuid4

import orjson

from tests.support.callers import Callers
from tests.support.intake import Keys, application_body, nomination_body
from tests.support.publish import objection
from tests.support.review import plan_body
from tests.support.unchanged import Quietly, Unchanged, settled
from tests.support.world import (C, ECO, INFO, LIST_N, LIST_O, LIST_P, ROSTER, SCORES, T1, T2, GREEN, World,
                                 all_in_process, build_world, ok, secretariat)

CJK = re.compile(r"[\u4e00-\u9fff]")
BIG = "长" * 400_000  # 1.2 MB of UTF-8: past every service's body limit
CLOSED = datetime.fromisoformat("2022-11-01T00:00:00+08:00")  # submissions closed
BEFORE_REVIEW = datetime.fromisoformat("2022-10-31T23:00:00+08:00")
CORRECTION_OVER = datetime.fromisoformat("2022-12-01T00:00:00+08:00")  # nomination_r's correction period over
UNKNOWN = str(uuid4())


def J(body) -> dict:  # noqa: N802 — reads as a kind of body in the table
    return {"content": orjson.dumps(body), "headers": {"content-type": "application/json"}}


def RAW(data: bytes, media_type: str = "application/json") -> dict:  # noqa: N802
    return {"content": data, "headers": {"content-type": media_type}}


def CHUNKED(data: bytes, media_type: str = "application/json") -> dict:  # noqa: N802
    """A body streamed in 64 KiB chunks without a Content-Length (httpx sends a generator that way)."""
    async def chunks():
        for i in range(0, len(data), 65536):
            yield data[i:i + 65536]
    return {"content": chunks(), "headers": {"content-type": media_type}}


def FILE(name: str, data: bytes, media_type: str = "text/csv") -> dict:  # noqa: N802
    return {"files": {"file": (name, data, media_type)}}


def FORM(fields: dict[str, str]) -> dict:  # noqa: N802
    return {"data": fields}


AMEND = nomination_body(domain="advanced_materials")["form"]
APP = application_body(unit_id="unit-a")
PLAN = plan_body(ROSTER, per_item=2)
VOTE = {"eligible": 15, "present": 12, "recused": 1, "yes": 10, "no": 1, "abstain": 1}
UNIT = {"unit_id": "unit-d", "name": "新登记的推荐单位", "channels": ["provincial_cast"]}
CSV = "unit_id,name,channels\n"
NOMINATION, APPLICATION = "/v1/nominations/{w.nomination_a}", "/v1/applications/{w.draft}"
SENT = "/v1/applications/{w.sent[%s]}"
UNITS, CHANNELS = f"/v1/campaigns/{C}/units", f"/v1/campaigns/{C}/units/unit-c/channels"
SCREEN, DECIDE = "/v1/review/nominations/{w.nomination_s}/screening", f"/v1/review/campaigns/{C}/nominations/%s/decision"
SIT = f"/v1/review/campaigns/{C}/final/sittings"
RETURN, RETURNED = "/v1/review/nominations/{w.nomination_s}/return", "/v1/nominations/{w.nomination_r}"
DUE = {"reasons": ["推荐表缺少盖章页。"], "correction_due": "2022-11-30"}
SCORE, CONFLICT = T1 + "/nominations/{w.nomination_a}/scores", T1 + "/nominations/{w.nomination_a}/conflict"
PUB = f"/v1/publish/campaigns/{C}"
FIX = PUB + "/lists/%s/corrections"
OBJECT, PAGE_OBJECT = PUB + "/notices/{w.notice_open}/objections", f"/campaigns/{C}/notices/{{w.notice_open}}/objections"
RESOLVE = PUB + "/objections/{w.objection}/resolution"


def obj(w: World, **changes) -> dict:
    return objection(w.chains[LIST_O].nomination_id, **changes)


def page_form(w: World, **changes) -> dict:
    fields = {"name": "张三", "org": "某某大学", "contact": "zhangsan@example.edu.cn",
              "nomination_id": str(w.chains[LIST_O].nomination_id), "grounds": "该项目的核心专利归属存在争议。"}
    return FORM({**fields, **changes})


# (name, service, method, path, caller, body, status, code[, (service, clock instant)])
# path: formatted with the world as `w`; caller: a kind of tests/support/callers.py, or (kind, org acting for);
# body: httpx keyword arguments, or a function of the world giving them; HTML cases: code is a phrase of the page.
CASES = [
    # --- intake: amend ---------------------------------------------------------------------------------
    ("amend: malformed JSON", "intake", "PUT", NOMINATION, "unit_own", RAW(b'{"form": '), 400, "malformed_json"),
    ("amend: form is a list", "intake", "PUT", NOMINATION, "unit_own", J({"form": [1]}), 422, "invalid_request"),
    ("amend: form missing", "intake", "PUT", NOMINATION, "unit_own", J({"title": "新名称"}), 422, "invalid_request"),
    ("amend: unknown field", "intake", "PUT", NOMINATION, "unit_own", J({"form": AMEND, "score": 100}), 422,
     "invalid_request"),
    ("amend: title too long", "intake", "PUT", NOMINATION, "unit_own", J({"form": AMEND, "title": "题" * 201}), 422,
     "invalid_request"),
    ("amend: to an unknown list", "intake", "PUT", NOMINATION, "unit_own", J({"list_code": "best_cakes", "form": AMEND}),
     422, "unknown_list"),
    ("amend: to an unknown domain", "intake", "PUT", NOMINATION, "unit_own",
     J({"domain": "quantum_cooking", "form": {**AMEND, "domain": "quantum_cooking"}}), 422, "unknown_domain"),
    ("amend: form field missing", "intake", "PUT", NOMINATION, "unit_own",
     J({"form": {k: v for k, v in AMEND.items() if k != "technology_name"}}), 422, "invalid_form"),
    ("amend: negative revenue", "intake", "PUT", NOMINATION, "unit_own", J({"form": {**AMEND, "revenue_10k_cny": -1}}),
     422, "invalid_form"),
    ("amend: oversized", "intake", "PUT", NOMINATION, "unit_own", J({"form": {**AMEND, "summary": BIG}}), 413,
     "payload_too_large"),
    ("amend: oversized, chunked", "intake", "PUT", NOMINATION, "unit_own",
     CHUNKED(orjson.dumps({"form": {**AMEND, "summary": BIG}})), 413, "payload_too_large"),
    ("amend: past the deadline", "intake", "PUT", NOMINATION, "unit_own", J({"form": AMEND}), 422, "submission_closed",
     ("intake", CLOSED)),
    ("amend: NUL in the form", "intake", "PUT", NOMINATION, "unit_own", J({"form": {**AMEND, "summary": "a\u0000b"}}),
     422, "invalid_request"),
    ("amend: a withdrawn nomination", "intake", "PUT", "/v1/nominations/{w.nomination_w}", "unit_own",
     J({"form": AMEND}), 409, "already_withdrawn"),
    # --- intake: withdraw ------------------------------------------------------------------------------
    ("withdraw: malformed JSON", "intake", "POST", NOMINATION + "/withdraw", "unit_own", RAW(b'{"reason": "x'), 400,
     "malformed_json"),
    ("withdraw: reason missing", "intake", "POST", NOMINATION + "/withdraw", "unit_own", J({}), 422, "invalid_request"),
    ("withdraw: reason a number", "intake", "POST", NOMINATION + "/withdraw", "unit_own", J({"reason": 5}), 422,
     "invalid_request"),
    ("withdraw: reason only spaces", "intake", "POST", NOMINATION + "/withdraw", "unit_own", J({"reason": "   "}), 422,
     "invalid_request"),
    ("withdraw: reason too long", "intake", "POST", NOMINATION + "/withdraw", "unit_own", J({"reason": "因" * 1001}),
     422, "invalid_request"),
    ("withdraw: NUL in the reason", "intake", "POST", NOMINATION + "/withdraw", "unit_own", J({"reason": "撤\u0000回"}),
     422, "invalid_request"),
    ("withdraw: twice", "intake", "POST", "/v1/nominations/{w.nomination_w}/withdraw", "unit_own",
     J({"reason": "再次撤回"}), 409, "already_withdrawn"),
    ("withdraw: past the deadline", "intake", "POST", NOMINATION + "/withdraw", "unit_own", J({"reason": "撤回"}), 422,
     "submission_closed", ("intake", CLOSED)),
    ("withdraw: oversized, chunked", "intake", "POST", NOMINATION + "/withdraw", "unit_own",
     CHUNKED(orjson.dumps({"reason": BIG})), 413, "payload_too_large"),
    # --- intake: a request to withdraw during the review ----------------------------------------------------
    ("withdrawal request: before the deadline", "intake", "POST", NOMINATION + "/withdrawal-request", "unit_own",
     J({"reason": "申请撤回"}), 409, "withdraw_directly"),
    ("withdrawal request: reason only spaces", "intake", "POST", NOMINATION + "/withdrawal-request", "unit_own",
     J({"reason": "   "}), 422, "invalid_request", ("intake", CLOSED)),
    ("withdrawal request: reason missing", "intake", "POST", NOMINATION + "/withdrawal-request", "unit_own", J({}),
     422, "invalid_request", ("intake", CLOSED)),
    ("withdrawal request: malformed JSON", "intake", "POST", NOMINATION + "/withdrawal-request", "unit_own",
     RAW(b'{"reason": "x'), 400, "malformed_json", ("intake", CLOSED)),
    ("withdrawal request: unknown nomination", "intake", "POST", f"/v1/nominations/{UNKNOWN}/withdrawal-request",
     "unit_own", J({"reason": "申请撤回"}), 404, "nomination_not_found", ("intake", CLOSED)),
    ("withdrawal request: withdrawn already", "intake", "POST", "/v1/nominations/{w.nomination_w}/withdrawal-request",
     "unit_own", J({"reason": "申请撤回"}), 409, "already_withdrawn", ("intake", CLOSED)),
    # --- intake: a return for correction (退回补正) --------------------------------------------------------
    ("resubmit: not returned", "intake", "POST", NOMINATION + "/resubmit", "unit_own", None, 409, "not_returned"),
    ("resubmit: unknown nomination", "intake", "POST", f"/v1/nominations/{UNKNOWN}/resubmit", "unit_own", None, 404,
     "nomination_not_found"),
    ("resubmit: a withdrawn nomination", "intake", "POST", "/v1/nominations/{w.nomination_w}/resubmit", "unit_own",
     None, 409, "already_withdrawn"),
    ("resubmit: past the correction deadline", "intake", "POST", RETURNED + "/resubmit", "unit_own", None, 422,
     "correction_closed", ("intake", CORRECTION_OVER)),
    ("amend: returned, past the correction deadline", "intake", "PUT", RETURNED, "unit_own", J({"form": AMEND}), 422,
     "correction_closed", ("intake", CORRECTION_OVER)),
    ("amend: returned, moved to another domain", "intake", "PUT", RETURNED, "unit_own",
     J({"domain": "biomedicine", "form": AMEND}), 422, "correction_keeps_target", ("intake", CLOSED)),
    # --- intake: the applicant's drafts ----------------------------------------------------------------
    ("application: malformed JSON", "intake", "POST", "/v1/applications", "applicant", RAW(b"{'unit_id': 1}"), 400,
     "malformed_json"),
    ("application: unit missing", "intake", "POST", "/v1/applications", "applicant",
     J({k: v for k, v in APP.items() if k != "unit_id"}), 422, "invalid_request"),
    ("application: unit code malformed", "intake", "POST", "/v1/applications", "applicant",
     J({**APP, "unit_id": "unit a!"}), 422, "invalid_request"),
    ("application: form a string", "intake", "POST", "/v1/applications", "applicant", J({**APP, "form": "表"}), 422,
     "invalid_request"),
    ("application: unknown unit", "intake", "POST", "/v1/applications", "applicant", J({**APP, "unit_id": "unit-zzz"}),
     422, "unknown_unit"),
    ("application: unknown list", "intake", "POST", "/v1/applications", "applicant", J({**APP, "list_code": "best_cakes"}),
     422, "unknown_list"),
    ("application: unknown domain", "intake", "POST", "/v1/applications", "applicant",
     J(application_body(unit_id="unit-a", list_code="leading_tech", domain="quantum_cooking")), 422, "unknown_domain"),
    ("application: unknown campaign", "intake", "POST", "/v1/applications", "applicant", J({**APP, "campaign": "kczg-1999"}),
     404, "unknown_campaign"),
    ("application: 21 attachments", "intake", "POST", "/v1/applications", "applicant",
     J({**APP, "attachments": ["0" * 64] * 21}), 422, "invalid_request"),
    ("application: unknown attachment", "intake", "POST", "/v1/applications", "applicant",
     J({**APP, "attachments": ["0" * 64]}), 422, "unknown_attachment"),
    ("application: NUL in a form key", "intake", "POST", "/v1/applications", "applicant",
     J({**APP, "form": {**APP["form"], "\u0000": 1}}), 422, "invalid_request"),
    ("application: oversized", "intake", "POST", "/v1/applications", "applicant", J({**APP, "title": BIG}), 413,
     "payload_too_large"),
    ("application: oversized, chunked", "intake", "POST", "/v1/applications", "applicant",
     CHUNKED(orjson.dumps({**APP, "title": BIG})), 413, "payload_too_large"),
    ("save: malformed JSON", "intake", "PUT", APPLICATION, "applicant", RAW(b"[" * 3), 400, "malformed_json"),
    ("save: headcount as text", "intake", "PUT", APPLICATION, "applicant",
     J(application_body(unit_id="unit-a", headcount="六十")), 422, "invalid_form"),
    ("save: while with the unit", "intake", "PUT", SENT % "return", "applicant", J(APP), 409, "wrong_status"),
    ("save: past the deadline", "intake", "PUT", APPLICATION, "applicant", J(APP), 422, "submission_closed",
     ("intake", CLOSED)),
    ("send: already sent", "intake", "POST", SENT % "return" + "/send", "applicant", None, 409, "wrong_status"),
    ("send: unknown application", "intake", "POST", f"/v1/applications/{UNKNOWN}/send", "applicant", None, 404,
     "application_not_found"),
    ("send: not an id", "intake", "POST", "/v1/applications/drop-table/send", "applicant", None, 422, "invalid_request"),
    # --- intake: the unit's answers --------------------------------------------------------------------
    ("return: comments missing", "intake", "POST", SENT % "return" + "/return", "unit_own", J({}), 422,
     "invalid_request"),
    ("return: comments too long", "intake", "POST", SENT % "return" + "/return", "unit_own",
     J({"comments": "请" * 2001}), 422, "invalid_request"),
    ("return: comments a list", "intake", "POST", SENT % "return" + "/return", "unit_own", J({"comments": ["请补充"]}),
     422, "invalid_request"),
    ("return: a draft never sent", "intake", "POST", APPLICATION + "/return", "unit_own", J({"comments": "请补充"}), 404,
     "application_not_found"),
    ("decline: malformed JSON", "intake", "POST", SENT % "decline" + "/decline", "unit_own", RAW(b'{"reason"'), 400,
     "malformed_json"),
    ("decline: reason missing", "intake", "POST", SENT % "decline" + "/decline", "unit_own", J({"note": "不推荐"}), 422,
     "invalid_request"),
    ("recommend: opinion missing", "intake", "POST", SENT % "recommend" + "/recommend", "unit_own", J({}), 422,
     "opinion_required"),
    ("recommend: opinion too long", "intake", "POST", SENT % "recommend" + "/recommend", "unit_own",
     J({"opinion": "同" * 1001}), 422, "invalid_request"),
    ("recommend: opinion a number", "intake", "POST", SENT % "recommend" + "/recommend", "unit_own", J({"opinion": 1}),
     422, "invalid_request"),
    ("recommend: past the deadline", "intake", "POST", SENT % "recommend" + "/recommend", "unit_own",
     J({"opinion": "同意推荐。"}), 422, "submission_closed", ("intake", CLOSED)),
    ("recommend: oversized, chunked", "intake", "POST", SENT % "recommend" + "/recommend", "unit_own",
     CHUNKED(orjson.dumps({"opinion": BIG})), 413, "payload_too_large"),
    # --- quota: the unit registry ----------------------------------------------------------------------
    ("register: malformed JSON", "quota", "POST", UNITS, "secretariat", RAW(b'{"unit_id": "u",}'), 400,
     "malformed_json"),
    ("register: channels missing", "quota", "POST", UNITS, "secretariat",
     J({k: v for k, v in UNIT.items() if k != "channels"}), 422, "invalid_request"),
    ("register: channels a string", "quota", "POST", UNITS, "secretariat", J({**UNIT, "channels": "provincial_cast"}),
     422, "invalid_request"),
    ("register: no channel", "quota", "POST", UNITS, "secretariat", J({**UNIT, "channels": []}), 422, "invalid_request"),
    ("register: unknown channel", "quota", "POST", UNITS, "secretariat", J({**UNIT, "channels": ["火星科协"]}), 422,
     "unknown_channel"),
    ("register: unit code malformed", "quota", "POST", UNITS, "secretariat", J({**UNIT, "unit_id": "unit d!"}), 422,
     "invalid_unit_id"),
    ("register: name too long", "quota", "POST", UNITS, "secretariat", J({**UNIT, "name": "名" * 201}), 422,
     "invalid_request"),
    ("register: unknown campaign", "quota", "POST", "/v1/campaigns/kczg-1999/units", "secretariat", J(UNIT), 404,
     "unknown_campaign"),
    ("register: a registered unit, otherwise", "quota", "POST", UNITS, "secretariat",
     J({**UNIT, "unit_id": "unit-a", "name": "另一个名称"}), 409, "unit_already_registered"),
    ("register: NUL in the name", "quota", "POST", UNITS, "secretariat", J({**UNIT, "name": "丁\u0000学会"}), 422,
     "invalid_request"),
    ("register: oversized", "quota", "POST", UNITS, "secretariat", J({**UNIT, "name": BIG * 5}), 413,
     "payload_too_large"),
    ("register: oversized, chunked", "quota", "POST", UNITS, "secretariat", CHUNKED(orjson.dumps({**UNIT, "name": BIG * 5})),
     413, "payload_too_large"),
    ("import: no file", "quota", "POST", UNITS + "/import", "secretariat", J(UNIT), 422, "invalid_request"),
    ("import: empty sheet", "quota", "POST", UNITS + "/import", "secretariat", FILE("units.csv", b""), 422,
     "import_refused"),
    ("import: unknown channel", "quota", "POST", UNITS + "/import", "secretariat",
     FILE("units.csv", f"{CSV}unit-d,丁学会,火星科协\n".encode()), 422, "import_refused"),
    ("import: a unit twice", "quota", "POST", UNITS + "/import", "secretariat",
     FILE("units.csv", f"{CSV}unit-d,丁学会,national_society\nunit-d,丁学会,national_society\n".encode()), 422,
     "import_refused"),
    ("import: column missing", "quota", "POST", UNITS + "/import", "secretariat",
     FILE("units.csv", b"unit_id,name\nunit-d,x\n"), 422, "import_refused"),
    ("import: not a sheet", "quota", "POST", UNITS + "/import", "secretariat",
     FILE("units.xlsx", b"PK\x03\x04" + b"\x00" * 64, "application/octet-stream"), 422, "import_refused"),
    ("import: NUL in a name", "quota", "POST", UNITS + "/import", "secretariat",
     FILE("units.csv", f"{CSV}unit-d,丁\x00学会,national_society\n".encode()), 422, "invalid_character"),
    ("import: oversized file", "quota", "POST", UNITS + "/import", "secretariat",
     FILE("units.csv", CSV.encode() + b"x" * (6 * 1024 * 1024)), 413, "payload_too_large"),
    ("channels: unknown unit", "quota", "PUT", f"/v1/campaigns/{C}/units/unit-zzz/channels", "secretariat",
     J({"channels": ["provincial_cast"], "reason": "调整"}), 404, "unknown_unit"),
    ("channels: reason missing", "quota", "PUT", CHANNELS, "secretariat", J({"channels": ["provincial_cast"]}), 422,
     "invalid_request"),
    ("channels: unknown channel", "quota", "PUT", CHANNELS, "secretariat", J({"channels": ["火星科协"], "reason": "调整"}),
     422, "unknown_channel"),
    ("channels: none", "quota", "PUT", CHANNELS, "secretariat", J({"channels": [], "reason": "调整"}), 422,
     "invalid_request"),
    # --- review: screening -----------------------------------------------------------------------------
    ("screening: malformed JSON", "review", "POST", SCREEN, "secretariat", RAW(b'{"passed": tru}'), 400,
     "malformed_json"),
    ("screening: passed missing", "review", "POST", SCREEN, "secretariat", J({"reasons": []}), 422, "invalid_request"),
    ("screening: passed a list", "review", "POST", SCREEN, "secretariat", J({"passed": [1]}), 422, "invalid_request"),
    ("screening: failed without reasons", "review", "POST", SCREEN, "secretariat", J({"passed": False}), 422,
     "reasons_required"),
    ("screening: 21 reasons", "review", "POST", SCREEN, "secretariat", J({"passed": False, "reasons": ["缺页"] * 21}),
     422, "invalid_request"),
    ("screening: NUL in a reason", "review", "POST", SCREEN, "secretariat", J({"passed": False, "reasons": ["缺\u0000页"]}),
     422, "invalid_request"),
    ("screening: unknown nomination", "review", "POST", f"/v1/review/nominations/{UNKNOWN}/screening", "secretariat",
     J({"passed": True}), 404, "nomination_not_found"),
    ("screening: reversed", "review", "POST", "/v1/review/nominations/{w.nomination_a}/screening", "secretariat",
     J({"passed": False, "reasons": ["改判"]}), 409, "already_screened"),
    ("screening: a withdrawn nomination", "review", "POST", "/v1/review/nominations/{w.nomination_w}/screening",
     "secretariat", J({"passed": True}), 409, "withdrawn"),
    # --- review: returns for correction ---------------------------------------------------------------
    ("return: malformed JSON", "review", "POST", RETURN, "secretariat", RAW(b'{"reasons": [}'), 400, "malformed_json"),
    ("return: no reasons", "review", "POST", RETURN, "secretariat", J({**DUE, "reasons": []}), 422, "reasons_required"),
    ("return: blank reasons", "review", "POST", RETURN, "secretariat", J({**DUE, "reasons": ["  "]}), 422,
     "reasons_required"),
    ("return: deadline missing", "review", "POST", RETURN, "secretariat", J({"reasons": ["缺页"]}), 422,
     "invalid_request"),
    ("return: deadline not a date", "review", "POST", RETURN, "secretariat", J({**DUE, "correction_due": "下周"}), 422,
     "invalid_request"),
    ("return: deadline past", "review", "POST", RETURN, "secretariat", J({**DUE, "correction_due": "2022-11-09"}), 422,
     "correction_due_past"),
    ("return: 21 reasons", "review", "POST", RETURN, "secretariat", J({**DUE, "reasons": ["缺页"] * 21}), 422,
     "invalid_request"),
    ("return: unknown field", "review", "POST", RETURN, "secretariat", J({**DUE, "passed": False}), 422,
     "invalid_request"),
    ("return: unknown nomination", "review", "POST", f"/v1/review/nominations/{UNKNOWN}/return", "secretariat", J(DUE),
     404, "nomination_not_found"),
    ("withdrawal answer: no request", "review", "POST", "/v1/review/nominations/{w.nomination_a}/withdrawal",
     "secretariat", J({"decision": "grant", "reason": "同意撤回。"}), 409, "no_withdrawal_request"),
    ("withdrawal answer: unknown nomination", "review", "POST", f"/v1/review/nominations/{UNKNOWN}/withdrawal",
     "secretariat", J({"decision": "refuse", "reason": "不同意。"}), 404, "nomination_not_found"),
    ("withdrawal answer: withdrawn already", "review", "POST", "/v1/review/nominations/{w.nomination_w}/withdrawal",
     "secretariat", J({"decision": "grant", "reason": "同意撤回。"}), 409, "already_withdrawn"),
    ("withdrawal answer: unknown decision", "review", "POST", "/v1/review/nominations/{w.nomination_a}/withdrawal",
     "secretariat", J({"decision": "maybe", "reason": "再议。"}), 422, "invalid_request"),
    ("withdrawal answer: reason missing", "review", "POST", "/v1/review/nominations/{w.nomination_a}/withdrawal",
     "secretariat", J({"decision": "grant"}), 422, "invalid_request"),
    ("withdrawal answer: NUL in the reason", "review", "POST", "/v1/review/nominations/{w.nomination_a}/withdrawal",
     "secretariat", J({"decision": "grant", "reason": "同\u0000意"}), 422, "invalid_request"),
    ("return: screened already", "review", "POST", "/v1/review/nominations/{w.nomination_a}/return", "secretariat",
     J(DUE), 409, "already_screened"),
    ("return: a withdrawn nomination", "review", "POST", "/v1/review/nominations/{w.nomination_w}/return",
     "secretariat", J(DUE), 409, "withdrawn"),
    ("return: returned already, another deadline", "review", "POST", "/v1/review/nominations/{w.nomination_r}/return",
     "secretariat", J({**DUE, "correction_due": "2022-12-05"}), 409, "already_returned"),
    ("screening: awaiting correction", "review", "POST", "/v1/review/nominations/{w.nomination_r}/screening",
     "secretariat", J({"passed": True}), 409, "awaiting_correction"),
    # --- review: the plan ------------------------------------------------------------------------------
    ("plan: malformed JSON", "review", "PUT", T1 + "/plan", "body_own", RAW(b'{"plan": "x", }'), 400, "malformed_json"),
    ("plan: roster missing", "review", "PUT", T1 + "/plan", "body_own",
     J({k: v for k, v in PLAN.items() if k != "roster"}), 422, "invalid_request"),
    ("plan: roster empty", "review", "PUT", T1 + "/plan", "body_own", J({**PLAN, "roster": []}), 422, "invalid_request"),
    ("plan: weights not 100%", "review", "PUT", T1 + "/plan", "body_own",
     J({**PLAN, "criteria": [{"code": "innovation", "name": "创新性", "weight": 60},
                             {"code": "advancement", "name": "先进性", "weight": 60}]}), 422, "invalid_plan"),
    ("plan: no experts per item", "review", "PUT", T1 + "/plan", "body_own", J({**PLAN, "experts_per_item": 0}), 422,
     "invalid_request"),
    ("plan: expert code malformed", "review", "PUT", T1 + "/plan", "body_own",
     J({**PLAN, "roster": [{"expert_id": "e 1", "name": "专家", "affiliation": "某大学"}]}), 422, "invalid_request"),
    ("plan: unknown aggregation", "review", "PUT", T1 + "/plan", "body_own", J({**PLAN, "aggregation": "coin_toss"}),
     422, "invalid_request"),
    ("plan: score range upside down", "review", "PUT", T1 + "/plan", "body_own",
     J({**PLAN, "score_min": "100", "score_max": "0"}), 422, "invalid_plan"),
    ("plan: NUL in an expert's name", "review", "PUT", T1 + "/plan", "body_own",
     J({**PLAN, "roster": [{**ROSTER[1], "name": "专\u0000家"}]}), 422, "invalid_request"),
    ("plan: unknown domain", "review", "PUT", f"/v1/review/campaigns/{C}/targets/leading_tech/quantum_cooking/plan",
     "body_own", J(PLAN), 404, "target_not_found"),
    ("plan: unknown list", "review", "PUT", f"/v1/review/campaigns/{C}/targets/best_cakes/-/plan", "body_own", J(PLAN),
     404, "target_not_found"),
    ("plan: unknown campaign", "review", "PUT", "/v1/review/campaigns/kczg-1999/targets/leading_tech/advanced_materials/plan",
     "body_own", J(PLAN), 404, "unknown_campaign"),
    ("plan: oversized", "review", "PUT", T1 + "/plan", "body_own", J({**PLAN, "plan": BIG}), 413, "payload_too_large"),
    ("plan: oversized, chunked", "review", "PUT", T1 + "/plan", "body_own", CHUNKED(orjson.dumps({**PLAN, "plan": BIG})),
     413, "payload_too_large"),
    ("confirm: plan id not an id", "review", "POST", GREEN + "/plan/confirmation", ("body_own", "cast_clean_energy_consortium"),
     J({"plan_event_id": "latest"}), 422, "invalid_request"),
    ("confirm: not the current plan", "review", "POST", GREEN + "/plan/confirmation",
     ("body_own", "cast_clean_energy_consortium"), J({"plan_event_id": UNKNOWN}), 409, "plan_not_current"),
    ("confirm: by the filing body", "review", "POST", GREEN + "/plan/confirmation", ("body_own", ECO),
     lambda w: J({"plan_event_id": w.green_plan}), 409, "confirm_by_other_body"),
    ("confirm: a single body's target", "review", "POST", T1 + "/plan/confirmation", "body_own",
     J({"plan_event_id": UNKNOWN}), 409, "not_joint"),
    # --- review: the panel -----------------------------------------------------------------------------
    ("assign: expert not on the roster", "review", "POST", T1 + "/assignments", "body_own",
     lambda w: J({"nomination_id": w.nomination_a, "expert_id": "e99"}), 422, "expert_not_on_roster"),
    ("assign: unknown nomination", "review", "POST", T1 + "/assignments", "body_own",
     J({"nomination_id": UNKNOWN, "expert_id": "e01"}), 404, "nomination_not_found"),
    # e00's conflict is on record (the world's automatic run found it); the rule refusing a hand seat with no
    # automatic run first is test_review_seating_flow.py's first test.
    ("assign: an expert whose conflict is on record", "review", "POST", T1 + "/assignments", "body_own",
     lambda w: J({"nomination_id": w.nomination_a, "expert_id": "e00"}), 409, "expert_conflicted"),
    ("assign: another target's nomination", "review", "POST", T1 + "/assignments", "body_own",
     lambda w: J({"nomination_id": w.nomination_c, "expert_id": "e01"}), 404, "nomination_not_found"),
    ("assign: expert missing", "review", "POST", T1 + "/assignments", "body_own",
     lambda w: J({"nomination_id": w.nomination_a}), 422, "invalid_request"),
    ("assign: nomination not an id", "review", "POST", T1 + "/assignments", "body_own",
     J({"nomination_id": 42, "expert_id": "e01"}), 422, "invalid_request"),
    ("auto-assign: load 0", "review", "POST", T1 + "/assignments/auto", "body_own", J({"max_load": 0}), 422,
     "invalid_request"),
    ("auto-assign: load as text", "review", "POST", T1 + "/assignments/auto", "body_own", J({"max_load": "多"}), 422,
     "invalid_request"),
    ("unassign: not assigned", "review", "POST", T1 + "/assignments/{w.nomination_a}/{w.experts[unassigned]}/unassign",
     "body_own", J({"reason": "调整"}), 404, "assignment_not_found"),
    ("unassign: reason missing", "review", "POST", T1 + "/assignments/{w.nomination_a}/{w.experts[assigned]}/unassign",
     "body_own", J({}), 422, "invalid_request"),
    # --- review: the expert's conflict and scores ------------------------------------------------------
    ("conflict: unknown reason", "review", "POST", CONFLICT, "expert_assigned", J({"reason_code": "grudge"}), 422,
     "invalid_request"),
    ("conflict: reason too long", "review", "POST", CONFLICT, "expert_assigned",
     J({"reason_code": "other", "reason": "因" * 1001}), 422, "invalid_request"),
    ("conflict: unknown nomination", "review", "POST", T1 + f"/nominations/{UNKNOWN}/conflict", "expert_assigned",
     J({"reason_code": "relative"}), 404, "nomination_not_found"),
    ("score: above the range", "review", "PUT", SCORE, "expert_assigned", J({"scores": {**SCORES, "innovation": "101"}}),
     422, "score_out_of_range"),
    ("score: below the range", "review", "PUT", SCORE, "expert_assigned", J({"scores": {**SCORES, "innovation": "-1"}}),
     422, "score_out_of_range"),
    ("score: unknown criterion", "review", "PUT", SCORE, "expert_assigned", J({"scores": {**SCORES, "charm": "90"}}),
     422, "criterion_unknown"),
    ("score: criterion missing", "review", "PUT", SCORE, "expert_assigned",
     J({"scores": {k: v for k, v in SCORES.items() if k != "innovation"}}), 422, "criterion_missing"),
    ("score: not a number", "review", "PUT", SCORE, "expert_assigned", J({"scores": {**SCORES, "innovation": "九十"}}),
     422, "invalid_request"),
    ("score: NaN", "review", "PUT", SCORE, "expert_assigned", J({"scores": {**SCORES, "innovation": "NaN"}}), 422,
     "invalid_request"),
    ("score: NUL in a criterion", "review", "PUT", SCORE, "expert_assigned", J({"scores": {**SCORES, "x\u0000": "1"}}),
     422, "invalid_request"),
    ("score: none", "review", "PUT", SCORE, "expert_assigned", J({"scores": {}}), 422, "invalid_request"),
    ("score: scores a list", "review", "PUT", SCORE, "expert_assigned", J({"scores": [90, 80]}), 422, "invalid_request"),
    ("score: before review opens", "review", "PUT", SCORE, "expert_assigned", J({"scores": SCORES}), 409,
     "review_not_open", ("review", BEFORE_REVIEW)),
    ("score: another target's nomination", "review", "PUT", T1 + "/nominations/{w.nomination_c}/scores",
     "expert_assigned", J({"scores": SCORES}), 404, "nomination_not_found"),
    # --- review: results and the final decision --------------------------------------------------------
    ("results: incomplete, no reason", "review", "POST", T1 + "/results", "body_own", J({}), 409, "results_incomplete"),
    ("results: reason too long", "review", "POST", T1 + "/results", "body_own", J({"reason": "因" * 2001}), 422,
     "invalid_request"),
    ("results: submitted already", "review", "POST", T2 + "/results", ("body_own", INFO), J({}), 409,
     "results_submitted"),
    ("decision: no preliminary results", "review", "POST", DECIDE % "{w.nomination_a}", "secretariat",
     J({"selected": True, "vote": VOTE}), 409, "no_prelim_results"),
    ("decision: unknown nomination", "review", "POST", DECIDE % UNKNOWN, "secretariat",
     J({"selected": True, "vote": VOTE}), 409, "no_prelim_results"),
    ("decision: no quorum", "review", "POST", DECIDE % "{w.nomination_c}", "secretariat",
     J({"selected": True, "vote": {**VOTE, "present": 5, "yes": 5, "no": 0, "abstain": 0}}), 422, "no_quorum"),
    ("decision: votes do not add up", "review", "POST", DECIDE % "{w.nomination_c}", "secretariat",
     J({"selected": True, "vote": {**VOTE, "yes": 12}}), 422, "vote_inconsistent"),
    ("decision: contradicts the vote", "review", "POST", DECIDE % "{w.nomination_c}", "secretariat",
     J({"selected": False, "vote": VOTE}), 422, "vote_contradicts_decision"),
    ("decision: negative count", "review", "POST", DECIDE % "{w.nomination_c}", "secretariat",
     J({"selected": True, "vote": {**VOTE, "no": -1}}), 422, "invalid_request"),
    ("decision: NUL in the note", "review", "POST", DECIDE % "{w.nomination_c}", "secretariat",
     J({"selected": True, "vote": VOTE, "note": "通\u0000过"}), 422, "invalid_request"),
    ("decision: selected missing", "review", "POST", DECIDE % "{w.nomination_c}", "secretariat", J({"vote": VOTE}), 422,
     "invalid_request"),
    ("sitting: no decisions", "review", "POST", SIT, "secretariat", J({"decisions": []}), 422, "invalid_request"),
    ("sitting: one nomination twice", "review", "POST", SIT, "secretariat",
     lambda w: J({"decisions": [{"nomination_id": w.nomination_c, "selected": True, "vote": VOTE}] * 2}), 422,
     "duplicate_nomination"),
    ("sitting: one decision without results refuses all", "review", "POST", SIT, "secretariat",
     lambda w: J({"decisions": [{"nomination_id": w.nomination_c, "selected": True, "vote": VOTE},
                                {"nomination_id": w.nomination_a, "selected": True, "vote": VOTE}]}), 409,
     "no_prelim_results"),
    ("sitting: one short of quorum refuses all", "review", "POST", SIT, "secretariat",
     lambda w: J({"decisions": [{"nomination_id": w.nomination_c, "selected": True,
                                 "vote": {**VOTE, "present": 5, "yes": 5, "no": 0, "abstain": 0}}]}), 422, "no_quorum"),
    ("sitting: too many decisions", "review", "POST", SIT, "secretariat",
     J({"decisions": [{"nomination_id": str(UUID(int=i)), "selected": True, "vote": VOTE} for i in range(3001)]}),
     422, "invalid_request"),
    # --- publish: notice, objections, resolution, release ----------------------------------------------
    ("notice: unknown list", "publish", "POST", PUB + "/lists/best_cakes/notice", "secretariat", None, 422,
     "unknown_list"),
    ("notice: unknown campaign", "publish", "POST", f"/v1/publish/campaigns/kczg-1999/lists/{LIST_O}/notice",
     "secretariat", None, 404, "unknown_campaign"),
    ("notice: already open", "publish", "POST", PUB + f"/lists/{LIST_O}/notice", "secretariat", None, 409,
     "notice_already_open"),
    ("notice: list published", "publish", "POST", PUB + f"/lists/{LIST_P}/notice", "secretariat", None, 409,
     "list_already_published"),
    ("notice: nothing decided", "publish", "POST", PUB + "/lists/tech_manager_pioneer/notice", "secretariat", None,
     409, "decisions_missing"),
    ("notice: omitting a complete target", "publish", "POST", PUB + f"/lists/{LIST_N}/notice", "secretariat",
     J({"omit": [{"domain": None, "reason": "先行公示"}]}), 422, "target_not_outstanding"),
    ("notice: omitting an unknown domain", "publish", "POST", PUB + "/lists/leading_tech/notice", "secretariat",
     J({"omit": [{"domain": "quantum", "reason": "先行公示"}]}), 422, "unknown_domain"),
    ("notice: unknown field in an omission", "publish", "POST", PUB + f"/lists/{LIST_N}/notice", "secretariat",
     J({"omit": [{"domain": None, "reason": "先行公示", "force": True}]}), 422, "invalid_request"),
    ("objection: malformed JSON", "publish", "POST", OBJECT, "anonymous", RAW(b'{"name": "\xe5'), 400,
     "malformed_json"),
    ("objection: grounds missing", "publish", "POST", OBJECT, "anonymous",
     lambda w: J({k: v for k, v in obj(w).items() if k != "grounds"}), 422, "invalid_request"),
    ("objection: name empty", "publish", "POST", OBJECT, "anonymous", lambda w: J(obj(w, name=" ")), 422,
     "invalid_objection"),
    ("objection: name too long", "publish", "POST", OBJECT, "anonymous", lambda w: J(obj(w, name="张" * 51)), 422,
     "invalid_objection"),
    ("objection: grounds too long", "publish", "POST", OBJECT, "anonymous", lambda w: J(obj(w, grounds="因" * 4001)),
     422, "invalid_objection"),
    ("objection: not on this notice", "publish", "POST", OBJECT, "anonymous",
     lambda w: J(objection(w.nomination_a)), 422, "invalid_objection"),
    ("objection: nomination not an id", "publish", "POST", OBJECT, "anonymous", lambda w: J(objection("1")),
     422, "invalid_request"),
    ("objection: unknown notice", "publish", "POST", PUB + f"/notices/{UNKNOWN}/objections", "anonymous",
     lambda w: J(obj(w)), 404, "notice_not_found"),
    ("objection: notice closed", "publish", "POST", PUB + "/notices/{w.notice_closed}/objections", "anonymous",
     lambda w: J(objection(w.chains[LIST_P].nomination_id)), 409, "notice_closed"),
    ("objection: oversized", "publish", "POST", OBJECT, "anonymous", lambda w: J(obj(w, grounds=BIG)), 413,
     "payload_too_large"),
    ("objection: oversized, chunked", "publish", "POST", OBJECT, "anonymous",
     lambda w: CHUNKED(orjson.dumps(obj(w, grounds=BIG))), 413, "payload_too_large"),
    ("page objection: fields missing", "publish", "POST", PAGE_OBJECT, "anonymous", FORM({"name": "张三"}), 422, "不能为空"),
    ("page objection: name too long", "publish", "POST", PAGE_OBJECT, "anonymous", lambda w: page_form(w, name="张" * 51),
     422, "姓名"),
    ("page objection: not on this notice", "publish", "POST", PAGE_OBJECT, "anonymous",
     lambda w: page_form(w, nomination_id=w.nomination_a), 422, "不在本次公示"),
    ("page objection: oversized form", "publish", "POST", PAGE_OBJECT, "anonymous",
     lambda w: page_form(w, grounds="因" * 10_000), 413, "提交内容过大"),
    ("page objection: unknown notice", "publish", "POST", f"/campaigns/{C}/notices/{UNKNOWN}/objections", "anonymous",
     lambda w: page_form(w), 404, "未找到正在进行的该公示"),
    ("page objection: notice closed", "publish", "POST", f"/campaigns/{C}/notices/{{w.notice_closed}}/objections",
     "anonymous", lambda w: page_form(w), 404, "未找到正在进行的该公示"),
    ("resolution: note missing", "publish", "POST", RESOLVE, "secretariat", J({"upheld": False}), 422, "invalid_request"),
    ("resolution: note empty", "publish", "POST", RESOLVE, "secretariat", J({"upheld": False, "note": ""}), 422,
     "invalid_request"),
    ("resolution: upheld a string", "publish", "POST", RESOLVE, "secretariat", J({"upheld": "也许", "note": "处理"}), 422,
     "invalid_request"),
    ("resolution: NUL in the note", "publish", "POST", RESOLVE, "secretariat", J({"upheld": False, "note": "不\u0000成立"}),
     422, "invalid_request"),
    ("resolution: unknown objection", "publish", "POST", PUB + f"/objections/{UNKNOWN}/resolution", "secretariat",
     J({"upheld": False, "note": "处理"}), 404, "objection_not_found"),
    ("resolution: resolved already", "publish", "POST", PUB + "/objections/{w.resolved}/resolution", "secretariat",
     J({"upheld": True, "note": "改判"}), 409, "objection_already_resolved"),
    ("release: correction without reason", "publish", "POST", PUB + f"/lists/{LIST_P}/release", "secretariat", None,
     422, "reason_required"),
    ("release: reason too long", "publish", "POST", PUB + f"/lists/{LIST_P}/release", "secretariat",
     J({"reason": "因" * 2001}), 422, "invalid_request"),
    ("release: NUL in the reason", "publish", "POST", PUB + f"/lists/{LIST_P}/release", "secretariat",
     J({"reason": "更\u0000正"}), 422, "invalid_request"),
    ("release: notice still open", "publish", "POST", PUB + f"/lists/{LIST_O}/release", "secretariat", None, 409,
     "notice_not_closed"),
    ("release: no notice", "publish", "POST", PUB + f"/lists/{LIST_N}/release", "secretariat", None, 409, "no_notice"),
    ("release: unknown list", "publish", "POST", PUB + "/lists/best_cakes/release", "secretariat", None, 422,
     "unknown_list"),
    ("release: unknown field", "publish", "POST", PUB + f"/lists/{LIST_P}/release", "secretariat",
     J({"reason": "更正", "force": True}), 422, "invalid_request"),
    ("release: malformed JSON", "publish", "POST", PUB + f"/lists/{LIST_P}/release", "secretariat", RAW(b"{reason}"),
     400, "malformed_json"),
    ("release: public_at without a time zone", "publish", "POST", PUB + f"/lists/{LIST_P}/release", "secretariat",
     J({"reason": "更正", "public_at": "2023-02-20T09:30:00"}), 422, "invalid_request"),
    ("release: public_at in the past", "publish", "POST", PUB + f"/lists/{LIST_P}/release", "secretariat",
     J({"reason": "更正", "public_at": "2022-01-01T00:00:00+08:00"}), 422, "public_at_past"),
    # --- publish: corrections of a list's entries (LIST_P published, LIST_O under notice, LIST_N without one) ------
    ("correction: no reason", "publish", "POST", FIX % LIST_P, "secretariat",
     lambda w: J(fix(w, reason=" ")), 422, "reason_required"),
    ("correction: no changes", "publish", "POST", FIX % LIST_P, "secretariat", J({"reason": "更正", "changes": []}),
     422, "changes_required"),
    ("correction: a change without its reason", "publish", "POST", FIX % LIST_P, "secretariat",
     lambda w: J({"reason": "更正", "changes": [{"nomination_id": str(w.chains[LIST_P].nomination_id), "title": "新"}]}),
     422, "invalid_request"),
    ("correction: a change's reason empty", "publish", "POST", FIX % LIST_P, "secretariat",
     lambda w: J(fix(w, change={"reason": ""})), 422, "reason_required"),
    ("correction: not on the list", "publish", "POST", FIX % LIST_P, "secretariat",
     lambda w: J(fix(w, change={"nomination_id": UNKNOWN})), 422, "entry_not_listed"),
    ("correction: another list's entry", "publish", "POST", FIX % LIST_P, "secretariat",
     lambda w: J(fix(w, change={"nomination_id": str(w.chains[LIST_O].nomination_id)})), 422, "entry_not_listed"),
    ("correction: nothing changed", "publish", "POST", FIX % LIST_P, "secretariat",
     lambda w: J(fix(w, change={"title": "示例创新联合体"})), 422, "nothing_changed"),
    ("correction: nothing named", "publish", "POST", FIX % LIST_P, "secretariat",
     lambda w: J(fix(w, change={"title": None})), 422, "nothing_changed"),
    ("correction: a blank title", "publish", "POST", FIX % LIST_P, "secretariat",
     lambda w: J(fix(w, change={"title": " \u200b "})), 422, "fact_invalid"),
    ("correction: revoked and changed at once", "publish", "POST", FIX % LIST_P, "secretariat",
     lambda w: J(fix(w, change={"revoke": True})), 422, "revoke_with_changes"),
    ("correction: one entry twice", "publish", "POST", FIX % LIST_P, "secretariat",
     lambda w: J({**fix(w), "changes": fix(w)["changes"] * 2}), 422, "duplicate_change"),
    ("correction: NUL in the title", "publish", "POST", FIX % LIST_P, "secretariat",
     lambda w: J(fix(w, change={"title": "新\u0000名称"})), 422, "invalid_request"),
    ("correction: unknown field", "publish", "POST", FIX % LIST_P, "secretariat",
     lambda w: J({**fix(w), "force": True}), 422, "invalid_request"),
    ("correction: malformed JSON", "publish", "POST", FIX % LIST_P, "secretariat", RAW(b"{changes}"), 400,
     "malformed_json"),
    ("correction: no notice", "publish", "POST", FIX % LIST_N, "secretariat",
     lambda w: J(fix(w, change={"nomination_id": str(w.chains[LIST_N].nomination_id)})), 409, "no_notice"),
    ("correction: unknown list", "publish", "POST", FIX % "best_cakes", "secretariat", lambda w: J(fix(w)), 422,
     "unknown_list"),
]


def fix(w: World, reason: str = "更正名称。", change: dict | None = None) -> dict:
    """A correction of LIST_P's entry's title, with `change` laid over it (None: a field left out)."""
    one = {"nomination_id": str(w.chains[LIST_P].nomination_id), "title": "示例创新联合体（更正）", "reason": "来函更正。",
           **(change or {})}
    return {"reason": reason, "changes": [{k: v for k, v in one.items() if v is not None}]}


async def prepare(services, world: World) -> None:
    """What some cases need beyond the scenario: unit-a's nomination_w withdrawn; a resolved objection."""
    r = await services.intake.post(f"/v1/nominations/{world.nomination_w}/withdraw", json={"reason": "撤回"},
                                   headers=services.keys.headers("unit", "unit-a"))
    ok(r)
    r = await services.publish.post(f"{PUB}/notices/{world.notice_open}/objections",
                                    json=obj(world, grounds="另一项异议。"), headers={"X-Forwarded-For": "10.8.0.1"})
    world.resolved = ok(r)["objection_id"]
    r = await services.publish.post(f"{PUB}/objections/{world.resolved}/resolution",
                                    json={"upheld": False, "note": "经核实，异议不成立。"}, headers=secretariat(services))
    ok(r)


async def test_bad_input_on_every_writing_route_is_refused_clearly_and_changes_nothing(env, tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLISH_TRUST_FORWARDED", "1")  # objections: each case from its own address
    assert len(CASES) >= 150
    async with all_in_process(Keys(tmp_path)) as services:
        world = await build_world(services)
        await prepare(services, world)
        callers = Callers(services.keys, world)
        failures: list[str] = []
        async with Unchanged() as watch:
            quietly = Quietly(watch, await settled())
            for n, (name, service, method, path, caller, body, status, code, *clock) in enumerate(CASES):
                kind, owners = (caller, None) if isinstance(caller, str) else (caller[0], {caller[0]: caller[1]})
                kwargs = dict((body(world) if callable(body) else body) or {})
                kwargs["headers"] = {**kwargs.get("headers", {}), **callers.headers(kind, owners),
                                     "X-Forwarded-For": f"10.8.1.{n % 250}"}

                async def send(service=service, method=method, path=path, kwargs=kwargs, clock=clock):
                    instant = services.clocks[clock[0][0]].at if clock else None
                    if clock:
                        services.clocks[clock[0][0]].at = clock[0][1]
                    try:
                        return await getattr(services, service).request(method, path.format(w=world), **kwargs)
                    finally:
                        if clock:
                            services.clocks[clock[0][0]].at = instant

                r = await quietly.send(name, send)
                failures += [f"{name}: {p}" for p in answer_problems(r, path, status, code)]
            failures += await quietly.finish()
    assert not failures, f"{len(failures)} problems in {len(CASES)} cases:\n" + "\n".join(failures)
    print(f"\nbad-input corpus: {len(CASES)} cases on every writing route, each refused as expected, nothing changed")


def answer_problems(r, path: str, status: int, code: str) -> list[str]:
    if r.status_code != status:
        return [f"{r.status_code}, expected {status}: {r.text[:300]}"]
    media = r.headers.get("content-type", "")
    if not path.startswith("/v1/"):  # the public page: the notice again (or an error page), the message on it
        if not media.startswith("text/html") or code not in r.text:
            return [f"not an HTML page saying {code!r}: {media} {r.text[:300]}"]
        return []
    if not media.startswith("application/problem+json"):
        return [f"not problem+json: {media} {r.text[:200]}"]
    body = r.json()
    out = [] if body.get("code") == code else [f"code {body.get('code')!r}, expected {code!r}: {r.text[:300]}"]
    if not CJK.search(body.get("detail") or ""):
        out.append(f"detail not in Chinese: {body.get('detail')!r}")
    return out
