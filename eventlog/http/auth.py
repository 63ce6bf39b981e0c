"""Bearer-token verification (PyJWT) and the FastAPI dependencies every HTTP service uses.

Tokens are signed by the public platform with RS256 or EdDSA; only the algorithm families of the
configured public keys are accepted (never HS*, so a public key can never double as an HMAC
secret). Settings: KCZG_JWT_PUBLIC_KEY (a PEM, a path to a file of one or more PEMs, a directory
of *.pem, or several of these separated by commas; default outside production: the development key
`kczg token issue` creates under .stack/keys/), KCZG_JWT_ISSUER, KCZG_JWT_AUDIENCE.

Key rotation: during a rollover name both keys (`old.pem,new.pem`, or put both in the directory);
a token verifies if any key of its algorithm's family accepts its signature. Once every token
signed by the old key has expired, remove it.
"""

from __future__ import annotations

import os
import re
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from contracts.errors import DomainError, Forbidden
from contracts.identity import ROLE_NAMES, Identity

from eventlog.settings import is_production

DEV_KEYS_DIR = Path(__file__).resolve().parents[1] / ".stack" / "keys"
DEV_PUBLIC_KEY = DEV_KEYS_DIR / "jwt-ed25519.pub.pem"
DEFAULT_ISSUER = "https://ranking.kczg.cloud"
DEFAULT_AUDIENCE = "kczg-rankings"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    http_status = 401


class AuthNotConfigured(DomainError):
    code = "auth_not_configured"
    http_status = 503


_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----.+?-----END \1-----", re.S)


def load_public_key(value: str):
    """A PEM given inline or as a path (the first key, when it holds several)."""
    return load_public_keys(value)[0]


def load_public_keys(value: str) -> list:
    """Every public key `value` names: inline PEMs, files of one or more PEMs, directories of *.pem
    (in name order), separated by commas. Raises ValueError if it names none."""
    keys = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        if "-----BEGIN" in part:
            texts = [part]
        elif (path := Path(part)).is_dir():
            texts = [f.read_text() for f in sorted(path.glob("*.pem"))]
        else:
            texts = [path.read_text()]
        for text in texts:
            keys += [load_pem_public_key(block.group(0).encode()) for block in _PEM_BLOCK.finditer(text)]
    if not keys:
        raise ValueError(f"no public key in {value[:200]!r}")
    return keys


def _algorithm_of(key) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "EdDSA"
    raise ValueError("KCZG_JWT_PUBLIC_KEY must name RSA or Ed25519 public keys")


class TokenVerifier:
    """Checks signature, issuer, audience and expiry; caches verified tokens until they expire. Several
    keys (a rollover): a token's signature is tried against each key of its algorithm's family."""

    def __init__(self, public_keys, issuer: str, audience: str, leeway_s: int = 0, cache_size: int = 50_000):
        keys = list(public_keys) if isinstance(public_keys, Sequence) else [public_keys]
        self.keys_by_algorithm: dict[str, list] = {}
        for key in keys:
            self.keys_by_algorithm.setdefault(_algorithm_of(key), []).append(key)
        if not self.keys_by_algorithm:
            raise ValueError("no public key to verify tokens with")
        self.algorithms = sorted(self.keys_by_algorithm)
        self.issuer, self.audience = issuer, audience
        self.leeway_s = leeway_s
        self._cache: OrderedDict[str, tuple[Identity, float]] = OrderedDict()
        self._cache_size = cache_size

    def verify(self, token: str) -> Identity:
        now = time.time()
        hit = self._cache.get(token)
        if hit is not None and now < hit[1]:
            return hit[0]
        identity, expires = self._decode(token)
        self._cache[token] = (identity, expires)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return identity

    def _claims(self, token: str) -> dict:
        """The claims of the first key of the token's algorithm family whose signature check passes; the
        claim checks (expiry, issuer, audience) are then that key's answer."""
        alg = jwt.get_unverified_header(token).get("alg")
        keys = self.keys_by_algorithm.get(alg) if isinstance(alg, str) else None
        if not keys:
            raise jwt.InvalidAlgorithmError(f"algorithm {alg!r} not accepted")
        for key in keys[:-1]:
            try:
                return self._decode_with(token, key, alg)
            except jwt.InvalidSignatureError:
                continue  # signed by another key of the rollover
        return self._decode_with(token, keys[-1], alg)

    def _decode_with(self, token: str, key, alg: str) -> dict:
        return jwt.decode(token, key, algorithms=[alg], audience=self.audience, issuer=self.issuer,
                          leeway=self.leeway_s, options={"require": ["exp", "iss", "aud", "sub"]})

    def _decode(self, token: str) -> tuple[Identity, float]:
        try:
            claims = self._claims(token)
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("登录凭证已过期，请重新登录。", code="token_expired") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated("登录凭证不是签发给本平台的。", code="token_wrong_audience") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated("登录凭证的签发方不受信任。", code="token_wrong_issuer") from None
        except jwt.InvalidTokenError:  # bad signature, malformed, wrong algorithm, missing claims
            raise Unauthenticated("登录凭证无效（签名或格式不正确）。", code="invalid_token") from None
        try:
            identity = Identity.model_validate(claims)
        except ValidationError:
            raise Unauthenticated("登录凭证缺少角色或所属单位信息。", code="invalid_token_claims") from None
        return identity, float(claims["exp"]) + self.leeway_s


def verifier_from_env() -> TokenVerifier | None:
    """The configured verifier, or None when no public key is configured (every call then gets 503).
    The development key is a fallback outside production only."""
    source = os.environ.get("KCZG_JWT_PUBLIC_KEY", "").strip()
    if not source and not is_production() and DEV_PUBLIC_KEY.exists():
        source = str(DEV_PUBLIC_KEY)
    if not source:
        return None
    return TokenVerifier(load_public_keys(source), os.environ.get("KCZG_JWT_ISSUER", DEFAULT_ISSUER),
                         os.environ.get("KCZG_JWT_AUDIENCE", DEFAULT_AUDIENCE),
                         leeway_s=int(os.environ.get("KCZG_JWT_LEEWAY_S", "0")))


bearer_scheme = HTTPBearer(auto_error=False, description="公共平台签发的 JWT（RS256 或 EdDSA）")


def verifier_of(request: Request) -> TokenVerifier | None:
    """The service's verifier (eventlog/http/front_door.py ServiceState: from the environment on first use)."""
    return request.app.state.service.verifier


def identify(verifier: TokenVerifier | None, authorization: str | None) -> Identity:
    """The caller a request's Authorization header names (`Bearer <token>`, scheme in any case), verified;
    else Unauthenticated. The one reading of the header, for the FastAPI dependency and any fast path."""
    if verifier is None:
        raise AuthNotConfigured("服务未配置身份验证公钥（KCZG_JWT_PUBLIC_KEY）。")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("请先登录：请求须携带 Authorization: Bearer 登录凭证。", code="missing_token")
    return verifier.verify(token)


def authorise(identity: Identity, roles: tuple[str, ...]) -> Identity:
    """`identity` if it holds one of `roles`, else a Forbidden naming who may."""
    if identity.role not in roles:
        allowed = "、".join(ROLE_NAMES.get(r, r) for r in roles)
        raise Forbidden(f"该操作仅限{allowed}。", code="role_not_allowed")
    return identity


async def current_identity(request: Request,
                           _documented: HTTPAuthorizationCredentials | None = Depends(bearer_scheme)) -> Identity:
    """FastAPI dependency: the verified caller, or a 401 problem (async: no thread hop per request).
    The HTTPBearer dependency only documents the scheme in OpenAPI; `identify` reads the header."""
    return identify(verifier_of(request), request.headers.get("authorization"))


def requires(*roles: str):
    """FastAPI dependency factory: the caller, who must hold one of `roles`, else a 403 problem."""
    async def dependency(identity: Identity = Depends(current_identity)) -> Identity:
        return authorise(identity, roles)

    return dependency
