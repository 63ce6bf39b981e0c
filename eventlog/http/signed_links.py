"""Short-lived signed links, the way object stores hand out reads: one service decides who may read a
file another service holds, and hands that person a link the holder checks without asking anyone.

The review knows who may read a nomination's dossier (its target's bodies, its seated experts); the
intake holds the bytes. The review signs the file's path, an expiry and the reader with a key both
services are given (KCZG_LINK_KEY); the intake serves the path to whoever brings a valid signature before
the expiry. No call between the services, nothing stored: a link is worth one file for a few minutes.
Expiry is wall-clock time, like a JWT's `exp`, not the campaign clock a demo may move.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from pathlib import Path

from contracts.errors import DomainError
from eventlog.settings import is_production

LINK_TTL_S = 300
# Development only (production refuses to start without KCZG_LINK_KEY: eventlog/production.py).
DEV_LINK_KEY = b"kczg-development-link-key: never in production"


class LinkRefused(DomainError):
    code = "link_invalid"
    http_status = 403


def link_key() -> bytes:
    """KCZG_LINK_KEY: the secret itself (at least 32 characters) or the path of a file holding it."""
    source = os.environ.get("KCZG_LINK_KEY", "").strip()
    if not source:
        if is_production():
            raise RuntimeError("KCZG_LINK_KEY is not set")
        return DEV_LINK_KEY
    path = Path(source)
    secret = path.read_bytes().strip() if len(source) < 4096 and path.is_file() else source.encode()
    if len(secret) < 32:
        raise RuntimeError("KCZG_LINK_KEY must hold at least 32 characters of secret")
    return secret


def _signature(key: bytes, path: str, expires: int, reader: str) -> str:
    return hmac.new(key, f"{path}\n{expires}\n{reader}".encode(), hashlib.sha256).hexdigest()


def sign(path: str, reader: str, *, key: bytes | None = None, now: float | None = None,
         ttl_s: int = LINK_TTL_S) -> dict[str, str]:
    """The query a link to `path` carries for `reader` (who it was handed to: logged by the holder)."""
    expires = int((time.time() if now is None else now) + ttl_s)
    return {"expires": str(expires), "reader": reader,
            "signature": _signature(key or link_key(), path, expires, reader)}


def verify(path: str, expires: str, reader: str, signature: str, *, key: bytes | None = None,
           now: float | None = None) -> str:
    """The reader a valid, unexpired link to `path` was handed to; else LinkRefused."""
    try:
        at = int(expires)
    except ValueError:
        raise LinkRefused("链接无效：请回到工作台重新打开附件。") from None
    good = _signature(key or link_key(), path, at, reader)
    if not hmac.compare_digest(good, signature):
        raise LinkRefused("链接无效：请回到工作台重新打开附件。")
    if at < (time.time() if now is None else now):
        raise LinkRefused("链接已过期：请回到工作台重新打开附件。", code="link_expired")
    return reader
