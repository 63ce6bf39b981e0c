"""Answers as documented, once for every route (eventlog/http/answers.py, http_problems.install): a method a
path does not take is a 405 problem naming every method it does take in `Allow`; every status a route can
answer is in its OpenAPI operation as problem+json, derived from what the route depends on, beside the
examples the route gives itself; no text the services refuse (U+0000) is documented as valid."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import APIRouter, Body, Depends, FastAPI, Query

from eventlog.http import problems as http_problems
from eventlog.http.auth import requires
from eventlog.http.answers import NO_NUL, answers
from eventlog.http.docs import problem_docs

PROBLEM_REF = {"$ref": "#/components/schemas/ProblemDetails"}


@answers(401)
async def token_if_sent() -> None:
    return None


def small_app() -> FastAPI:
    """One router included (as every service does), a public read, a secured write with a body and its
    own 409 example, a read with a marked dependency, and a route without parameters."""
    app = FastAPI()
    http_problems.install(app)
    router = APIRouter(prefix="/v1")

    @router.get("/things")
    async def list_things(kind: str | None = Query(None, max_length=8)) -> dict:
        return {"kind": kind}

    @router.post("/things", status_code=201,
                 responses=problem_docs({409: ("thing_exists", "已有同名的物品。")}, 409))
    async def add_thing(name: str = Body(..., embed=True, max_length=20),
                        caller=Depends(requires("secretariat"))) -> dict:
        return {"name": name}

    @router.get("/things/{thing_id}")
    async def get_thing(thing_id: str, _caller=Depends(token_if_sent)) -> dict:
        return {"id": thing_id}

    @router.get("/ping")
    async def ping() -> dict:
        return {}

    app.include_router(router)
    return app


async def answer(app: FastAPI, method: str, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client:
        return await client.request(method, path)


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("DELETE", "/v1/things", "GET, POST"),   # two routes on one path: both methods, not the first route's
    ("TRACE", "/v1/things/7", "GET"),
    ("PUT", "/v1/ping", "GET"),
])
async def test_an_undeclared_method_is_a_405_problem_naming_the_methods_the_path_takes(method, path, allow):
    r = await answer(small_app(), method, path)
    assert (r.status_code, r.headers["allow"], r.headers["content-type"]) == (405, allow, "application/problem+json")
    assert r.json() == {"type": "urn:kczg:problem:method_not_allowed", "title": "方法不允许", "status": 405,
                        "code": "method_not_allowed", "detail": "该地址不支持此请求方法。"}


async def test_other_refusals_answer_as_before_without_allow():
    r = await answer(small_app(), "GET", "/v1/nowhere")
    assert (r.status_code, r.json()["code"], "allow" in r.headers) == (404, "not_found", False)
    r = await answer(small_app(), "GET", "/v1/things?kind=much-too-long")
    assert (r.status_code, r.json()["code"], r.json()["errors"][0]["field"]) == (422, "invalid_request", "kind")


def responses(app: FastAPI, method: str, path: str) -> dict:
    return app.openapi()["paths"][path][method]["responses"]


def test_every_route_documents_the_problems_its_dependencies_parameters_and_method_can_answer():
    app = small_app()
    assert sorted(responses(app, "get", "/v1/things")) == ["200", "404", "422", "503"]
    assert sorted(responses(app, "post", "/v1/things")) == ["201", "400", "401", "403", "404", "409", "413", "422",
                                                                  "503"]
    assert sorted(responses(app, "get", "/v1/things/{thing_id}")) == ["200", "401", "404", "422", "503"]
    assert sorted(responses(app, "get", "/v1/ping")) == ["200"]


def test_every_problem_is_documented_as_problem_json_and_a_routes_own_example_stands():
    app = small_app()
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            for status, entry in operation["responses"].items():
                if int(status) >= 400:
                    assert list(entry["content"]) == ["application/problem+json"], (method, path, status)
                    assert entry["content"]["application/problem+json"]["schema"] == PROBLEM_REF
                    assert entry["content"]["application/problem+json"]["example"]["status"] == int(status)
    own = responses(app, "post", "/v1/things")["409"]["content"]["application/problem+json"]["example"]
    assert (own["code"], own["detail"]) == ("thing_exists", "已有同名的物品。")
    derived = responses(app, "get", "/v1/things")["503"]["content"]["application/problem+json"]["example"]
    assert derived["code"] == "outcome_unknown"  # eventlog.http.docs.COMMON_EXAMPLES
    assert {"HTTPValidationError", "ValidationError"} & app.openapi()["components"]["schemas"].keys() == set()


def test_no_free_text_is_documented_as_taking_u0000():
    doc = small_app().openapi()
    kind = doc["paths"]["/v1/things"]["get"]["parameters"][0]["schema"]["anyOf"][0]
    assert kind == {"type": "string", "maxLength": 8, "pattern": NO_NUL}
    body = next(s for n, s in doc["components"]["schemas"].items() if n.startswith("Body_"))
    assert body["properties"]["name"]["pattern"] == NO_NUL
    assert re.fullmatch(NO_NUL, "名字 ok") and not re.fullmatch(NO_NUL, "a\x00b")


# --- the four services ------------------------------------------------------------------------------------

def service_apps() -> dict[str, FastAPI]:
    from services.intake.app import create_app as intake_app
    from services.publish.api import create_app as publish_app
    from services.quota.api import app as quota_app
    from services.review.api import create_app as review_app

    return {"intake": intake_app(), "quota": quota_app, "review": review_app(), "publish": publish_app()}


@pytest.fixture(scope="module")
def services() -> dict[str, FastAPI]:
    return service_apps()


def test_every_operation_of_every_service_documents_what_its_shape_can_answer(services):
    for name, app in services.items():
        for path, operations in app.openapi()["paths"].items():
            for method, operation in operations.items():
                documented = {int(s) for s in operation["responses"] if int(s) >= 400}
                where = f"{name} {method.upper()} {path}"
                if operation.get("security"):
                    assert {401, 403} <= documented, where
                if operation.get("parameters") or "requestBody" in operation:
                    assert {404, 422, 503} <= documented, where
                if "requestBody" in operation:
                    assert {400, 413} <= documented, where
                if method in ("post", "put", "patch", "delete"):
                    assert {400, 409, 503} <= documented, where


def test_publishs_public_reads_document_the_401_of_a_bad_token_and_objections_their_429(services):
    paths = services["publish"].openapi()["paths"]
    for path in ("/v1/rankings/nominations", "/v1/rankings/nominations/{nomination_id}",
                 "/v1/publish/campaigns/{campaign}/notices", "/v1/publish/campaigns/{campaign}/notices/{notice_id}"):
        assert "401" in paths[path]["get"]["responses"], path
    assert "429" in paths["/v1/publish/campaigns/{campaign}/notices/{notice_id}/objections"]["post"]["responses"]


async def test_every_path_of_every_service_answers_an_undeclared_method_with_its_documented_methods(services):
    for name, app in services.items():
        for path, operations in app.openapi()["paths"].items():
            url = re.sub(r"\{[^}]+\}", "x", path)
            r = await answer(app, "TRACE", url)
            assert (r.status_code, r.headers.get("allow")) == (405, ", ".join(sorted(m.upper() for m in operations))), \
                f"{name} TRACE {url}"
            assert r.json()["code"] == "method_not_allowed"
