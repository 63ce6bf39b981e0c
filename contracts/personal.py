"""Personal data of natural persons on the log, sealed per person (crypto-shredding).

A personal field travels as a `Sealed` envelope: the person's id in clear, the text encrypted with that
person's own AES-GCM key (eventlog/privacy holds the keys). Destroying the key erases the person from every
reader at once while the log itself stays immutable; a reader then shows ERASED. Organisation names are
public by nature and stay in clear.
"""

from __future__ import annotations

from typing import Annotated, Literal, Protocol
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

# What every view, page, export and replay shows for a field whose person was erased (or whose key expired).
ERASED = "已删除"

# Why a person's data is held: each purpose has its retention in the campaign file (Campaign.retention).
Purpose = Literal["objector", "expert", "match_contact", "applicant"]
PersonId = Annotated[str, Field(min_length=1, max_length=160, pattern=r"^[a-z_]+:[A-Za-z0-9_.:-]+$")]


class Sealed(BaseModel):
    """A personal field encrypted with its person's key: `nonce` and `ct` (ciphertext with the GCM tag) in
    base64. `clear`: only on events upcast from a schema before sealing, whose text the log holds in clear
    (an erasure still stops every reader from showing it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pid: PersonId
    nonce: str = Field(default="", max_length=32)
    ct: str = Field(default="", max_length=2000)
    clear: str | None = Field(default=None, max_length=400)


class Sealer(Protocol):
    """Seals a text for a person; the write step hands one, holding that person's key, to the pure decide."""

    def seal(self, pid: str, text: str) -> Sealed: ...


def objector_id(objection_id: UUID) -> str:
    """An objector is known only by the objection filed: one person record per objection."""
    return f"objector:{objection_id}"


def applicant_contact_id(application_id: UUID) -> str:
    """An applicant's contact person is known by the application: one person record per application."""
    return f"applicant:{application_id}"


def expert_id(campaign: str, expert: str) -> str:
    """An expert of a campaign's rosters: one key however many plans name them."""
    return f"expert:{campaign}:{expert}"


def match_contact_id(match_id: UUID, side: str) -> str:
    """One side's contact on a matching request (资源对接): `side` is "requester" or "holder"."""
    return f"match_contact:{match_id}:{side}"


def purpose_of(pid: str) -> str:
    return pid.split(":", 1)[0]
