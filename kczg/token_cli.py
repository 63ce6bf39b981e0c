"""`kczg token issue --role unit --org unit-001`: development JWTs signed with a local Ed25519 key.

The key pair is created under .stack/keys/ on first use; services read its public half by default
(eventlog/http/auth.py), so a local stack accepts these tokens with no further setting. With `--login`
the token comes as a link that logs its holder into the workbench pages (eventlog/pages/login.py; a
development convenience: production services refuse tokens in links).
"""

from __future__ import annotations

import os
import time
import uuid
from urllib.parse import urlencode
from pathlib import Path

import jwt
import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from contracts.identity import ROLES
from eventlog.http.auth import DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEV_KEYS_DIR
from eventlog.http.page_session import PAGES

app = typer.Typer(no_args_is_help=True)
PRIVATE_NAME, PUBLIC_NAME = "jwt-ed25519.pem", "jwt-ed25519.pub.pem"


def ensure_key_pair(keys_dir: Path = DEV_KEYS_DIR) -> tuple[Path, Path]:
    """The development key pair (private, public), created if missing."""
    private, public = keys_dir / PRIVATE_NAME, keys_dir / PUBLIC_NAME
    if not private.exists():
        keys_dir.mkdir(parents=True, exist_ok=True)
        key = ed25519.Ed25519PrivateKey.generate()
        private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        os.chmod(private, 0o600)
        public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


def mint(private_pem: bytes, *, role: str, org: str, sub: str | None = None, ttl_s: int = 3600,
         issuer: str = DEFAULT_ISSUER, audience: str = DEFAULT_AUDIENCE, now: float | None = None) -> str:
    """A signed token (EdDSA for Ed25519 keys, RS256 for RSA keys)."""
    key = serialization.load_pem_private_key(private_pem, password=None)
    algorithm = "EdDSA" if isinstance(key, ed25519.Ed25519PrivateKey) else "RS256"
    issued = int(now if now is not None else time.time())
    claims = {"sub": sub or f"{org}:dev", "role": role, "org": org, "iss": issuer, "aud": audience,
              "iat": issued, "exp": issued + ttl_s, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, key, algorithm=algorithm)


@app.command("issue")
def issue(role: str = typer.Option(..., help=f"one of: {', '.join(ROLES)}"),
          org: str = typer.Option(..., help="organisation the caller acts for, e.g. unit-001"),
          sub: str = typer.Option(None, help="account id (default: ORG:dev)"),
          ttl: int = typer.Option(3600, help="seconds until expiry"),
          keys_dir: Path = typer.Option(DEV_KEYS_DIR, help="where the development key pair lives"),
          login: bool = typer.Option(False, "--login", help="print a link that logs in to the workbench pages"),
          base: str = typer.Option("http://127.0.0.1:8003", help="with --login: the service serving the pages "
                                                                 "(review: 8003)")) -> None:
    """Print a development token for ROLE acting for ORG (with --login: a link that logs in with it)."""
    if role not in ROLES:
        raise typer.BadParameter(f"unknown role {role!r}; choose from {', '.join(ROLES)}")
    private, _ = ensure_key_pair(keys_dir)
    token = mint(private.read_bytes(), role=role, org=org, sub=sub, ttl_s=ttl,
                 issuer=os.environ.get("KCZG_JWT_ISSUER", DEFAULT_ISSUER),
                 audience=os.environ.get("KCZG_JWT_AUDIENCE", DEFAULT_AUDIENCE))
    typer.echo(login_link(base, token) if login else token)


def login_link(base: str, token: str) -> str:
    """The development link that exchanges `token` for the pages' session cookie."""
    return f"{base.rstrip('/')}{PAGES}/login?{urlencode({'token': token})}"


@app.command("public-key")
def public_key(keys_dir: Path = typer.Option(DEV_KEYS_DIR)) -> None:
    """Print the path of the development public key (for KCZG_JWT_PUBLIC_KEY)."""
    typer.echo(str(ensure_key_pair(keys_dir)[1]))
