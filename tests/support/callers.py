"""Every kind of caller the platform meets, as the Authorization header it sends: nobody, three bad
tokens (each claiming the secretariat, the most powerful role, so only the token's flaw can refuse it),
and each role — the "own" kinds acting for the organisation the route's resource belongs to."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kczg.token_cli import mint
from tests.support.intake import Keys
from tests.support.world import ECO, MATERIALS, World

BAD_TOKENS = ("forged", "expired", "wrong_audience")
CALLERS = ("anonymous", *BAD_TOKENS, "applicant", "applicant_other", "unit_own", "unit_other", "body_own", "body_other",
           "expert_assigned", "expert_unassigned", "expert_conflicted", "secretariat", "requester", "requester_other")
# The 401 each kind without a valid token gets.
UNAUTHENTICATED = {"anonymous": "missing_token", "forged": "invalid_token", "expired": "token_expired",
                   "wrong_audience": "token_wrong_audience"}
SECRETARIAT = ("secretariat", "kczg_secretariat")


def other_key_pem() -> bytes:
    """A private key the services do not trust (a forger's)."""
    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def identities(world: World) -> dict[str, tuple[str, str, str | None]]:
    """(role, org, sub) of each kind with a valid token, by default: the resources are unit-a's, acme's,
    MATERIALS' (target T1) and, for the experts, relative to nomination_a."""
    expert = lambda kind: ("expert", MATERIALS, world.experts[kind])  # noqa: E731
    return {"applicant": ("applicant", "acme", None), "applicant_other": ("applicant", "globex", None),
            "unit_own": ("unit", "unit-a", None), "unit_other": ("unit", "unit-b", None),
            "body_own": ("review_body", MATERIALS, None), "body_other": ("review_body", ECO, None),
            "expert_assigned": expert("assigned"), "expert_unassigned": expert("unassigned"),
            "expert_conflicted": expert("conflicted"), "secretariat": (*SECRETARIAT, None),
            # organisations asking to be introduced to a listed entry (资源对接); park-a's requests are the world's
            "requester": ("requester", "park-a", None), "requester_other": ("requester", "park-b", None)}


class Callers:
    """The Authorization header of each kind; tokens are minted once (the verifier caches good ones)."""

    def __init__(self, keys: Keys, world: World) -> None:
        self.keys, self.world = keys, world
        self._tokens: dict[tuple, str] = {}
        self._bad = {"forged": mint(other_key_pem(), role=SECRETARIAT[0], org=SECRETARIAT[1]),
                     "expired": keys.token(*SECRETARIAT, ttl_s=-60),
                     "wrong_audience": keys.token(*SECRETARIAT, audience="someone-else")}

    def headers(self, kind: str, owners: dict[str, str] | None = None) -> dict[str, str]:
        """`owners` names the organisation an own/other kind acts for where a route's resource is not the
        default one (e.g. {"body_own": CLEAN} on the joint target)."""
        if kind == "anonymous":
            return {}
        if kind in self._bad:
            return {"Authorization": f"Bearer {self._bad[kind]}"}
        role, org, sub = identities(self.world)[kind]
        org = (owners or {}).get(kind, org)
        key = (role, org, sub)
        if key not in self._tokens:
            self._tokens[key] = self.keys.token(role, org, **({"sub": sub} if sub else {}))
        return {"Authorization": f"Bearer {self._tokens[key]}"}
