"""One-click unsubscribe (RFC 8058), pure: which kinds are optional (reminders and news a person may decline)
and which are duty mail (receipts, outcomes, returns, assignments, deadlines missed: never switched off); the
token that proves an unsubscribe request came from the message sent to that recipient."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

OPTIONAL_KINDS = frozenset({"collection_deadline", "expert_reminder", "released", "package_sent"})


def is_optional(kind: str) -> bool:
    return kind in OPTIONAL_KINDS


def unsubscribe_token(secret: bytes, recipient: str, kind: str) -> str:
    return hmac.new(secret, f"{recipient}\x1f{kind}".encode(), hashlib.sha256).hexdigest()[:32]


def token_matches(secret: bytes, recipient: str, kind: str, token: str) -> bool:
    return hmac.compare_digest(unsubscribe_token(secret, recipient, kind), token)


def unsubscribe_url(base: str, secret: bytes, recipient: str, kind: str) -> str:
    """Where the message's List-Unsubscribe points: the notifier's POST route, naming recipient, kind and token."""
    query = urlencode({"recipient": recipient, "kind": kind, "token": unsubscribe_token(secret, recipient, kind)})
    return f"{base.rstrip('/')}/v1/notify/unsubscribe?{query}"
