"""Who is calling: the claims of a bearer token issued by the public platform.

Every service reads the same claims: `sub` (the person's account), `role`, and `org` (the
organisation the caller acts for: an applicant organisation, a recommending unit, a review
body code, the secretariat). Verification lives in eventlog/http/auth.py; this is only the shape.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.events import Actor

Role = Literal["applicant", "unit", "review_body", "expert", "secretariat", "requester"]
# requester: an organisation asking, after the release, to be introduced to a listed entry (资源对接)
ROLES: tuple[Role, ...] = ("applicant", "unit", "review_body", "expert", "secretariat", "requester")

ROLE_NAMES: dict[str, str] = {
    "applicant": "申报单位/申报人",
    "unit": "推荐单位",
    "review_body": "评审机构",
    "expert": "评审专家",
    "secretariat": "秘书处",
    "requester": "对接需求方",
}


class Identity(BaseModel):
    """The verified caller. `org` scopes everything the caller may see and change."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sub: str = Field(min_length=1, max_length=128)
    role: Role
    org: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")

    def actor(self) -> Actor:
        """The actor recorded on events this caller causes: the organisation and the person (`sub`) acting for it."""
        return Actor(role=self.role, id=self.org, person=self.sub)
