"""The bad-input corpus: each case is a clear 4xx problem+json with a Chinese message, and nothing
changes: no topic's end offset and no table of the database moves after any case
(tests/support/unchanged.py); the topics are read at the end. The other writing routes of every
service: tests/integration/test_write_routes_bad_input.py."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from datetime import datetime
from uuid import uuid4

import httpx
import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from contracts.topics import ALL_TOPICS
from kczg.token_cli import mint
from services.intake.examples import example_form
from tests.support.intake import events_of, nomination_body
from tests.support.kafka import read_topic
from tests.support.unchanged import Quietly, Unchanged, settled

CJK = re.compile(r"[\u4e00-\u9fff]")
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _other_key_pem() -> bytes:
    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def nb(**changes) -> dict:
    return {**nomination_body(), **changes}


def with_form(list_code="leading_tech", **form_changes) -> dict:
    body = nomination_body(list_code=list_code) if list_code == "leading_tech" else {
        "campaign": "kczg-2022", "list_code": list_code, "opinion": "同意推荐。", "form": example_form(list_code)}
    body["form"].update(form_changes)
    return body


def form_without(field: str) -> dict:
    body = nomination_body()
    del body["form"][field]
    return body


def docx(kind: str = "word") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(f"{kind}/document.xml", "<x/>")
    return buf.getvalue()


# (name, method, path, auth, body kind, body, status, code[, clock])
# auth: (role, org) -> a valid token; a str -> that raw Authorization header; None -> no header
UA = ("unit", "unit-a")
CASES = [
    ("malformed JSON", "POST", "/v1/nominations", UA, "raw", b'{"list_code": ', 400, "malformed_json"),
    ("JSON nested too deep", "POST", "/v1/nominations", UA, "raw", b'{"form": ' + b"[" * 5000 + b"]" * 5000 + b"}",
     400, "malformed_json"),
    ("JSON array body", "POST", "/v1/nominations", UA, "json", [1, 2], 422, "invalid_request"),
    ("JSON string body", "POST", "/v1/nominations", UA, "json", "nominate me", 422, "invalid_request"),
    ("empty body", "POST", "/v1/nominations", UA, "raw", b"", 422, "invalid_request"),
    ("list_code wrong type", "POST", "/v1/nominations", UA, "json", nb(list_code=123), 422, "invalid_request"),
    ("form is a list", "POST", "/v1/nominations", UA, "json", nb(form=[1]), 422, "invalid_request"),
    ("opinion is a number", "POST", "/v1/nominations", UA, "json", nb(opinion=5), 422, "invalid_request"),
    ("attachments not strings", "POST", "/v1/nominations", UA, "json", nb(attachments=[1]), 422, "invalid_request"),
    ("unknown top-level field", "POST", "/v1/nominations", UA, "json", nb(score=100), 422, "invalid_request"),
    ("oversized body", "POST", "/v1/nominations", UA, "json", nb(form={"x": "长" * 200_000}), 413,
     "payload_too_large"),
    ("oversized body, chunked without a length", "POST", "/v1/nominations", UA, "chunked",
     orjson.dumps(nb(form={"x": "长" * 200_000})), 413, "payload_too_large"),
    ("oversized title", "POST", "/v1/nominations", UA, "json", nb(title="题" * 201), 422, "invalid_request"),
    # PostgreSQL stores no U+0000: accepted, the event would stop every view that reads it.
    ("NUL in the title", "POST", "/v1/nominations", UA, "json", nb(title="技\u0000术"), 422, "invalid_request"),
    ("NUL in a form field", "POST", "/v1/nominations", UA, "json", with_form(summary="简\u0000介"), 422, "invalid_request"),
    ("NUL in the opinion", "POST", "/v1/nominations", UA, "json", nb(opinion="同意\u0000"), 422, "invalid_request"),
    ("oversized opinion", "POST", "/v1/nominations", UA, "json", nb(opinion="意" * 1001), 422, "invalid_request"),
    ("oversized form text", "POST", "/v1/nominations", UA, "json", with_form(summary="简" * 2001), 422,
     "invalid_form"),
    ("unknown list", "POST", "/v1/nominations", UA, "json", nb(list_code="best_cakes"), 422, "unknown_list"),
    ("unknown domain", "POST", "/v1/nominations", UA, "json", nb(domain="quantum_cooking"), 422, "unknown_domain"),
    ("domain missing", "POST", "/v1/nominations", UA, "json", nb(domain=None), 422, "domain_required"),
    ("domain on a domainless list", "POST", "/v1/nominations", UA, "json",
     {**with_form("emerging_enterprise"), "domain": "biomedicine"}, 422, "domain_not_allowed"),
    ("unknown campaign", "POST", "/v1/nominations", UA, "json", nb(campaign="kczg-1999"), 404, "unknown_campaign"),
    ("bad campaign code", "POST", "/v1/nominations", UA, "json", nb(campaign="KCZG 2022!"), 422, "invalid_request"),
    ("unregistered unit", "POST", "/v1/nominations", ("unit", "unit-zzz"), "json", nb(), 403, "unknown_unit"),
    ("bad credit code check digit", "POST", "/v1/nominations", UA, "json",
     with_form("emerging_enterprise", credit_code="91350100M000100Y44"), 422, "invalid_form"),
    ("credit code too short", "POST", "/v1/nominations", UA, "json",
     with_form("emerging_enterprise", credit_code="9135"), 422, "invalid_form"),
    ("form field missing", "POST", "/v1/nominations", UA, "json", form_without("technology_name"), 422,
     "invalid_form"),
    ("form list_code mismatch", "POST", "/v1/nominations", UA, "json", with_form(list_code="leading_tech") | {
        "form": {**example_form("leading_tech"), "list_code": "open_source"}}, 422, "form_mismatch"),
    ("form domain mismatch", "POST", "/v1/nominations", UA, "json", with_form(domain="biomedicine"), 422,
     "form_mismatch"),
    ("headcount as text", "POST", "/v1/nominations", UA, "json", with_form("emerging_enterprise", headcount="60"),
     422, "invalid_form"),
    ("bad patent number", "POST", "/v1/nominations", UA, "json",
     with_form(patents=[{"kind": "invention", "status": "granted", "number": "ZL202110123456.0"}]), 422,
     "invalid_form"),
    ("negative revenue", "POST", "/v1/nominations", UA, "json", with_form(revenue_10k_cny=-1), 422, "invalid_form"),
    ("unknown form field", "POST", "/v1/nominations", UA, "json", with_form(bribe="yes"), 422, "invalid_form"),
    ("founded outside the window", "POST", "/v1/nominations", UA, "json",
     with_form("emerging_enterprise", founded_on="2001-01-01"), 422, "ineligible"),
    ("opinion missing", "POST", "/v1/nominations", UA, "json",
     {**with_form(recommending_opinion=None), "opinion": None}, 422, "opinion_required"),
    ("no token", "POST", "/v1/nominations", None, "json", nb(), 401, "missing_token"),
    ("basic auth", "POST", "/v1/nominations", "Basic dW5pdDpwdw==", "json", nb(), 401, "missing_token"),
    ("garbage token", "POST", "/v1/nominations", "Bearer not.a.jwt", "json", nb(), 401, "invalid_token"),
    ("alg none token", "POST", "/v1/nominations", "Bearer " + _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(
        {"sub": "x", "role": "unit", "org": "unit-a", "iss": "https://ranking.kczg.cloud", "aud": "kczg-rankings",
         "exp": 4102444800}) + ".", "json", nb(), 401, "invalid_token"),
    ("forged token", "POST", "/v1/nominations", "forged", "json", nb(), 401, "invalid_token"),
    ("expired token", "POST", "/v1/nominations", "expired", "json", nb(), 401, "token_expired"),
    ("wrong audience", "POST", "/v1/nominations", "audience", "json", nb(), 401, "token_wrong_audience"),
    ("wrong issuer", "POST", "/v1/nominations", "issuer", "json", nb(), 401, "token_wrong_issuer"),
    ("unknown role claim", "POST", "/v1/nominations", ("overlord", "unit-a"), "json", nb(), 401,
     "invalid_token_claims"),
    ("applicant nominates", "POST", "/v1/nominations", ("applicant", "acme"), "json", nb(), 403, "role_not_allowed"),
    ("acting for another unit", "POST", "/v1/nominations", UA, "json", nb(unit_id="unit-b"), 403, "not_your_unit"),
    ("unit to a separately organised list", "POST", "/v1/nominations", UA, "json",
     {"campaign": "kczg-2022", "list_code": "open_source", "form": example_form("open_source")}, 403,
     "separately_organised"),
    ("past the deadline", "POST", "/v1/nominations", UA, "json", nb(), 422, "submission_closed",
     datetime.fromisoformat("2022-11-01T00:00:00+08:00")),
    ("before collection opens", "POST", "/v1/nominations", UA, "json", nb(), 422, "collection_not_open",
     datetime.fromisoformat("2022-08-31T23:00:00+08:00")),
    ("malformed Idempotency-Key", "POST", "/v1/nominations", UA, "json", nb(), 400, "invalid_idempotency_key"),
    ("amend an unknown nomination", "PUT", f"/v1/nominations/{uuid4()}", UA, "json",
     {"form": example_form("leading_tech")}, 404, "nomination_not_found"),
    ("amend a non-UUID id", "PUT", "/v1/nominations/42", UA, "json", {"form": {}}, 422, "invalid_request"),
    ("withdraw without reason", "POST", f"/v1/nominations/{uuid4()}/withdraw", UA, "json", {"reason": ""}, 422,
     "invalid_request"),
    ("unknown attachment", "POST", "/v1/nominations", UA, "json", nb(attachments=["0" * 64]), 422,
     "unknown_attachment"),
    ("spoofed type: PNG named .pdf", "POST", "/v1/attachments", UA, "file", ("报告.pdf", PNG, "application/pdf"),
     415, "media_type_mismatch"),
    ("spoofed type: PDF declared image/png", "POST", "/v1/attachments", UA, "file", ("scan", PDF, "image/png"), 415,
     "media_type_mismatch"),
    ("executable renamed .docx", "POST", "/v1/attachments", UA, "file",
     ("tool.docx", b"MZ\x90\x00" + b"\x00" * 100, "application/octet-stream"), 415, "unsupported_media_type"),
    ("plain zip named .xlsx", "POST", "/v1/attachments", UA, "file", ("data.xlsx", docx("misc"), ""), 415,
     "unsupported_media_type"),
    ("oversized file", "POST", "/v1/attachments", UA, "file", ("big.pdf", PDF + b"0" * (21 * 1024 * 1024), ""), 413,
     "payload_too_large"),
    ("oversized file, chunked without a length", "POST", "/v1/attachments", UA, "chunked file",
     ("big.pdf", PDF + b"0" * (21 * 1024 * 1024), "application/pdf"), 413, "payload_too_large"),
    ("empty file", "POST", "/v1/attachments", UA, "file", ("empty.pdf", b"", ""), 422, "empty_file"),
    ("upload not multipart", "POST", "/v1/attachments", UA, "raw", PDF, 415, "multipart_required"),
    ("application to an unknown unit", "POST", "/v1/applications", ("applicant", "acme"), "json",
     {"campaign": "kczg-2022", "unit_id": "unit-zzz", "list_code": "emerging_enterprise",
      "form": example_form("emerging_enterprise")}, 422,
     "unknown_unit"),
    ("application to an unknown list", "POST", "/v1/applications", ("applicant", "acme"), "json",
     {"campaign": "kczg-2022", "unit_id": "unit-a", "list_code": "best_cakes", "form": {}}, 422, "unknown_list"),
    ("unit sends an application", "POST", f"/v1/applications/{uuid4()}/send", UA, "json", {}, 403,
     "role_not_allowed"),
    ("unknown route", "POST", "/v1/nominationz", UA, "json", {}, 404, "not_found"),
    ("wrong method", "DELETE", "/v1/nominations", UA, "json", None, 405, "method_not_allowed"),
]


def _authorization(intake, auth) -> dict[str, str]:
    keys = intake.keys
    if auth is None:
        return {}
    if isinstance(auth, tuple):
        return keys.headers(*auth)
    special = {
        "forged": lambda: mint(_other_key_pem(), role="unit", org="unit-a"),
        "expired": lambda: keys.token("unit", "unit-a", ttl_s=-60),
        "audience": lambda: keys.token("unit", "unit-a", audience="someone-else"),
        "issuer": lambda: keys.token("unit", "unit-a", issuer="https://evil.example"),
    }
    if auth in special:
        return {"Authorization": f"Bearer {special[auth]()}"}
    return {"Authorization": auth}


async def test_bad_input_corpus(intake):
    assert len(CASES) >= 40
    async with Unchanged() as watch:
        failures = await _run_corpus(intake, watch)
    intake.clock.at = datetime.fromisoformat("2022-10-15T10:00:00+08:00")
    assert not failures, "\n".join(failures)
    # Read every topic: only the test's set-up is there (the campaign and two unit registrations).
    on_log = [e for t in ALL_TOPICS for e in events_of(await read_topic(t.name))]
    assert sorted(e.type for e in on_log) == ["CampaignOpened", "UnitRegistered", "UnitRegistered"]


def _chunked(data: bytes):
    """The body streamed in 64 KiB chunks: httpx sends it without a Content-Length."""
    async def chunks():
        for i in range(0, len(data), 65536):
            yield data[i:i + 65536]
    return chunks()


async def _run_corpus(intake, watch: Unchanged) -> list[str]:
    quietly = Quietly(watch, await settled())
    failures = []
    for name, method, path, auth, kind, body, status, code, *clock in CASES:
        async def send(method=method, path=path, auth=auth, kind=kind, body=body, name=name, clock=clock):
            headers = _authorization(intake, auth)  # built at each send: a streamed body is read only once
            if name == "malformed Idempotency-Key":
                headers["Idempotency-Key"] = "x"
            intake.clock.at = clock[0] if clock else datetime.fromisoformat("2022-10-15T10:00:00+08:00")
            kwargs = {"headers": headers}
            if kind == "json" and body is not None:
                kwargs["content"] = orjson.dumps(body)
                headers["content-type"] = "application/json"
            elif kind == "raw":
                kwargs["content"] = body
                headers["content-type"] = "application/json" if path != "/v1/attachments" else "application/pdf"
            elif kind == "file":
                kwargs["files"] = {"file": body}
            elif kind == "chunked":
                kwargs["content"] = _chunked(body)
                headers["content-type"] = "application/json"
            elif kind == "chunked file":
                encoded = httpx.Request(method, "http://intake" + path, files={"file": body})
                kwargs["content"] = _chunked(encoded.read())
                headers["content-type"] = encoded.headers["content-type"]
            return await intake.request(method, path, **kwargs)

        r = await quietly.send(name, send)
        problem = r.json() if r.headers.get("content-type", "").startswith("application/problem+json") else None
        if (r.status_code != status or problem is None or problem.get("code") != code
                or not CJK.search(problem.get("detail", ""))):
            failures.append(f"{name}: {r.status_code} {r.text[:300]}")
    return failures + await quietly.finish()


async def test_accepted_attachments_travel_as_references_only(intake):
    unit_a = intake.keys.headers("unit", "unit-a")
    refs = []
    for name, data, declared in (("检测报告.pdf", PDF, "application/pdf"), ("照片.PNG", PNG, "image/png"),
                                 ("说明.docx", docx("word"), ""), ("数据.xlsx", docx("xl"), "application/octet-stream"),
                                 ("扫描件", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpg")):
        r = await intake.post("/v1/attachments", files={"file": (name, data, declared)}, headers=unit_a)
        assert r.status_code == 201, r.text
        refs.append(r.json())
    from services.intake.attachments import DOCX, JPEG, XLSX

    assert [r["media_type"] for r in refs] == ["application/pdf", "image/png", DOCX, XLSX, JPEG]
    r = await intake.post("/v1/nominations", json=nb(attachments=[refs[0]["sha256"], refs[2]["sha256"]]),
                          headers=unit_a)
    assert r.status_code == 202, r.text
    from contracts.events import NominationSubmitted
    from contracts.topics import NOMINATIONS

    raw = [v for v in await read_topic(NOMINATIONS.name) if b"NominationSubmitted" in v]
    (submitted,) = events_of(raw, NominationSubmitted)
    assert [a.model_dump() for a in submitted.attachments] == [refs[0], refs[2]]
    assert PDF not in raw[0] and base64.b64encode(PDF) not in raw[0]
    # Another unit cannot reference unit-a's upload.
    r = await intake.post("/v1/nominations", json=nb(attachments=[refs[0]["sha256"]]),
                          headers=intake.keys.headers("unit", "unit-b"))
    assert r.status_code == 422 and r.json()["code"] == "unknown_attachment"
