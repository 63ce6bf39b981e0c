"""JWT key rotation (eventlog/http/auth.py): during a rollover KCZG_JWT_PUBLIC_KEY names several public keys —
separated by commas, a directory of *.pem, or one file holding several — and a token signed by any of
them verifies; one signed by a key not named does not."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from eventlog.http.auth import Unauthenticated, load_public_keys, verifier_from_env
from kczg.token_cli import mint


def _private(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _public(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture
def keys(tmp_path):
    """The old key, the new one, and a third nobody configured; the old and new public halves as files."""
    old, new, third = (ed25519.Ed25519PrivateKey.generate() for _ in range(3))
    (tmp_path / "keys").mkdir()
    for name, key in (("2022-old.pem", old), ("2023-new.pem", new)):
        (tmp_path / "keys" / name).write_bytes(_public(key))
    (tmp_path / "keys" / "README.txt").write_text("not a key: only *.pem counts")
    return old, new, third, tmp_path / "keys"


def _verify(private_key, **kw):
    return verifier_from_env().verify(mint(_private(private_key), role="unit", org="unit-001", **kw))


@pytest.mark.parametrize("form", ["comma", "directory", "one_file", "inline"])
def test_tokens_of_the_old_and_the_new_key_verify_a_third_keys_do_not(keys, form, monkeypatch):
    old, new, third, folder = keys
    source = {"comma": f"{folder / '2022-old.pem'}, {folder / '2023-new.pem'}",
              "directory": str(folder),
              "one_file": str(_joined(folder)),
              "inline": ",".join((folder / n).read_text() for n in ("2022-old.pem", "2023-new.pem"))}[form]
    monkeypatch.setenv("KCZG_JWT_PUBLIC_KEY", source)
    assert len(load_public_keys(source)) == 2
    assert _verify(old).org == _verify(new).org == "unit-001"
    with pytest.raises(Unauthenticated) as refused:
        _verify(third)
    assert refused.value.code == "invalid_token"


def _joined(folder):
    both = folder.parent / "both.pem"
    both.write_text((folder / "2022-old.pem").read_text() + (folder / "2023-new.pem").read_text())
    return both


def test_the_key_that_signed_a_token_answers_for_its_claims(keys, monkeypatch):
    old, new, _, folder = keys
    monkeypatch.setenv("KCZG_JWT_PUBLIC_KEY", str(folder))
    # Signed by the second key tried, but expired: the answer is "expired", not "invalid signature".
    with pytest.raises(Unauthenticated) as refused:
        _verify(new, ttl_s=1, now=time.time() - 10)
    assert refused.value.code == "token_expired"


def test_an_rsa_and_an_ed25519_key_side_by_side_each_verify_only_their_own_algorithm(keys, monkeypatch, tmp_path):
    old, _, _, folder = keys
    legacy = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_file = tmp_path / "legacy-rsa.pem"
    rsa_file.write_bytes(_public(legacy))
    monkeypatch.setenv("KCZG_JWT_PUBLIC_KEY", f"{rsa_file},{folder / '2022-old.pem'}")
    assert verifier_from_env().algorithms == ["EdDSA", "RS256"]
    assert _verify(legacy).org == _verify(old).org == "unit-001"
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Unauthenticated):
        _verify(stranger)


def test_a_setting_that_names_no_key_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no public key"):
        load_public_keys(str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="no public key"):
        load_public_keys(" , ")
