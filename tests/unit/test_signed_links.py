"""The dossier's signed links (eventlog/http/signed_links.py) and who may read a dossier
(services/review/domain/dossier.py), pure: a link is good for its path, its reader and its minutes only, under
the key it was signed with; the reading rule names exactly the secretariat, the target's bodies, its seated
experts and the nominating unit."""

from __future__ import annotations

import pytest

from contracts.identity import Identity
from eventlog.http.signed_links import DEV_LINK_KEY, LINK_TTL_S, LinkRefused, link_key, sign, verify
from services.review.domain.dossier import DossierFacts, reads_dossier

PATH = "/v1/nominations/0b6f3a5e-3c1e-4e43-9d55-0f7f1b0e9a11/attachments/" + "a" * 64
KEY = b"k" * 32
NOW = 1_668_045_600.0


def test_a_link_verifies_for_its_path_reader_and_minutes_only():
    link = sign(PATH, "expert:body:e01", key=KEY, now=NOW)
    assert link["expires"] == str(int(NOW) + LINK_TTL_S) and len(link["signature"]) == 64
    assert verify(PATH, **link, key=KEY, now=NOW + LINK_TTL_S - 1) == "expert:body:e01"
    refusals = {
        "another path": dict(path=PATH.replace("a" * 64, "b" * 64), **link),
        "another reader": dict(path=PATH, **{**link, "reader": "expert:body:e02"}),
        "a later expiry": dict(path=PATH, **{**link, "expires": str(int(link["expires"]) + 3600)}),
        "not a number": dict(path=PATH, **{**link, "expires": "soon"}),
        "another key": dict(path=PATH, **link, key=b"z" * 32),
    }
    for case, kw in refusals.items():
        with pytest.raises(LinkRefused) as refused:
            verify(**{"key": KEY, "now": NOW, **kw})
        assert (refused.value.code, refused.value.http_status) == ("link_invalid", 403), case
    with pytest.raises(LinkRefused) as late:
        verify(PATH, **link, key=KEY, now=NOW + LINK_TTL_S + 1)
    assert late.value.code == "link_expired" and "已过期" in late.value.message


def test_the_key_comes_from_the_setting_or_a_file_and_never_defaults_in_production(monkeypatch, tmp_path):
    monkeypatch.delenv("KCZG_LINK_KEY", raising=False)
    monkeypatch.delenv("KCZG_ENV", raising=False)
    assert link_key() == DEV_LINK_KEY
    monkeypatch.setenv("KCZG_LINK_KEY", "s" * 40)
    assert link_key() == b"s" * 40
    secret = tmp_path / "link.key"
    secret.write_text("f" * 48 + "\n")
    monkeypatch.setenv("KCZG_LINK_KEY", str(secret))
    assert link_key() == b"f" * 48
    monkeypatch.setenv("KCZG_LINK_KEY", "short")
    with pytest.raises(RuntimeError, match="at least 32"):
        link_key()
    monkeypatch.delenv("KCZG_LINK_KEY")
    monkeypatch.setenv("KCZG_ENV", "production")
    with pytest.raises(RuntimeError, match="KCZG_LINK_KEY is not set"):
        link_key()


def test_the_dossier_is_read_by_the_secretariat_the_bodies_the_seated_experts_and_the_unit():
    facts = DossierFacts("unit-a", frozenset({"body-1", "body-2"}), frozenset({"e01"}))
    who = lambda role, org, sub="p": Identity(role=role, org=org, sub=sub)  # noqa: E731
    readers = {
        who("secretariat", "kczg_secretariat"): True,
        who("review_body", "body-2"): True,          # a joint target: either body
        who("review_body", "body-3"): False,
        who("expert", "body-1", "e01"): True,
        who("expert", "body-1", "e02"): False,       # not seated (or in conflict: not in `seated`)
        who("expert", "body-3", "e01"): False,       # the same id in another body's roster
        who("unit", "unit-a"): True,
        who("unit", "unit-b"): False,
        who("applicant", "unit-a"): False,
    }
    assert {w: reads_dossier(w, facts) for w in readers} == readers
