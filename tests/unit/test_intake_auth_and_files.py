"""Token verification (RS256 and EdDSA, never HS*), and attachment type detection by content."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import time
import zipfile

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from contracts.errors import DomainError
from eventlog.http.auth import (
    DEFAULT_AUDIENCE,
    DEFAULT_ISSUER,
    TokenVerifier,
    Unauthenticated,
    load_public_key,
)
from kczg.token_cli import mint
from services.intake.attachments import DOCX, PDF, PNG, XLSX, check_upload, sniff


def _pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.mark.parametrize("key", [ed25519.Ed25519PrivateKey.generate(),
                                 rsa.generate_private_key(public_exponent=65537, key_size=2048)])
def test_eddsa_and_rs256_tokens_verify(key):
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    verifier = TokenVerifier(load_public_key(pub.decode()), DEFAULT_ISSUER, DEFAULT_AUDIENCE)
    identity = verifier.verify(mint(_pem(key), role="unit", org="unit-001"))
    assert (identity.role, identity.org) == ("unit", "unit-001")


def test_hmac_with_the_public_key_as_secret_is_refused():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    claims = {"sub": "x", "role": "secretariat", "org": "x", "iss": DEFAULT_ISSUER, "aud": DEFAULT_AUDIENCE,
              "exp": int(time.time()) + 60}
    # PyJWT refuses to sign this itself; an attacker would not ask it
    head = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    mac = base64.urlsafe_b64encode(hmac.new(pub, head + b"." + body, hashlib.sha256).digest()).rstrip(b"=")
    forged = (head + b"." + body + b"." + mac).decode()
    verifier = TokenVerifier(key.public_key(), DEFAULT_ISSUER, DEFAULT_AUDIENCE)
    with pytest.raises(Unauthenticated) as refused:
        verifier.verify(forged)
    assert refused.value.code == "invalid_token"


def test_a_cached_token_still_expires():
    key = ed25519.Ed25519PrivateKey.generate()
    verifier = TokenVerifier(key.public_key(), DEFAULT_ISSUER, DEFAULT_AUDIENCE)
    token = mint(_pem(key), role="unit", org="u", ttl_s=1)
    verifier.verify(token)
    time.sleep(1.1)
    with pytest.raises(Unauthenticated):
        verifier.verify(token)


def _zip(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in names:
            z.writestr(n, "x")
    return buf.getvalue()


def test_type_comes_from_content_and_spoofs_are_refused():
    assert sniff(b"%PDF-1.4") == PDF and sniff(b"\x89PNG\r\n\x1a\n..") == PNG
    assert sniff(_zip("[Content_Types].xml", "word/document.xml")) == DOCX
    assert sniff(_zip("[Content_Types].xml", "xl/workbook.xml")) == XLSX
    assert sniff(_zip("readme.txt")) is None and sniff(b"MZ\x90") is None
    ref = check_upload("../../etc/报告.PDF", "application/pdf", b"%PDF-1.4 x", 1000)
    assert ref.name == "报告.PDF" and ref.media_type == PDF and len(ref.sha256) == 64
    for name, declared, data, code in (("a.pdf", "", b"\x89PNG\r\n\x1a\nxx", "media_type_mismatch"),
                                       ("a", "image/png", b"%PDF-1.4", "media_type_mismatch"),
                                       ("a.exe", "", b"%PDF-1.4", "media_type_mismatch"),
                                       ("a.pdf", "", b"MZ", "unsupported_media_type")):
        with pytest.raises(DomainError) as refused:
            check_upload(name, declared, data, 1000)
        assert refused.value.code == code
    with pytest.raises(DomainError) as big:
        check_upload("a.pdf", "", b"%PDF-" + b"0" * 2000, 1000)
    assert big.value.http_status == 413
