"""AES-GCM over one person's key; the person's id is the associated data, so a field cannot be moved to another."""

from __future__ import annotations

import base64
import hmac
from collections.abc import Iterable, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contracts.personal import ERASED, Sealed


class KeySealer:
    """Seals for the people whose keys it holds (the write step fetched them, in its transaction)."""

    def __init__(self, keys: Mapping[str, bytes]) -> None:
        self._keys = keys

    def seal(self, pid: str, text: str) -> Sealed:
        # The nonce is derived from the text (synthetic, as in SIV): a nonce repeats only with the same text,
        # which GCM tolerates, so the same field sealed twice is the same envelope — a re-filed roster compares
        # equal, and a retried command decides the same event. It reveals only that two texts of one person match.
        key = self._keys[pid]
        nonce = hmac.digest(key, pid.encode() + b"\0" + text.encode(), "sha256")[:12]
        ct = AESGCM(key).encrypt(nonce, text.encode(), pid.encode())
        return Sealed(pid=pid, nonce=base64.b64encode(nonce).decode(), ct=base64.b64encode(ct).decode())


def reveal(sealed: Sealed, keys: Mapping[str, bytes | None]) -> str:
    """The clear text, or ERASED when the person's key is gone (erased, expired, or never held here)."""
    key = keys.get(sealed.pid)
    if key is None:
        # a legacy clear field is shown only while its person is not erased (an erasure leaves a tombstone, None)
        return sealed.clear if sealed.clear is not None and sealed.pid not in keys else ERASED
    if sealed.clear is not None:
        return sealed.clear
    try:
        return AESGCM(key).decrypt(base64.b64decode(sealed.nonce), base64.b64decode(sealed.ct),
                                   sealed.pid.encode()).decode()
    except (InvalidTag, ValueError):
        return ERASED


def reveal_many(texts: Iterable[Sealed], keys: Mapping[str, bytes | None]) -> list[str]:
    return [reveal(s, keys) for s in texts]
