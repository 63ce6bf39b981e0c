"""Who sees and changes what in the intake, pure. Another organisation's nomination or application is
answered as absent (404), never as forbidden: nobody learns that it exists."""

from __future__ import annotations

from contracts.errors import Conflict, NotFound
from contracts.identity import Identity

from .model import ApplicationState, NominationState

NOMINATOR_ROLES = ("unit", "review_body")  # a unit, or the review body of a separately organised list
READER_ROLES = ("unit", "review_body", "secretariat")


def nomination_not_found() -> NotFound:
    return NotFound("未找到该推荐。", code="nomination_not_found")


def application_not_found() -> NotFound:
    return NotFound("未找到该申报。", code="application_not_found")


def own_nomination(state: NominationState | None, by: Identity) -> NominationState:
    """The nominating unit's (or review body's) own nomination, still standing."""
    if state is None or state.unit_id != by.org:
        raise nomination_not_found()
    if state.withdrawn:
        raise Conflict("该推荐已撤回，不能再修改或撤回。", code="already_withdrawn")
    return state


def sees_nomination(who: Identity, unit_id: str) -> bool:
    return who.role == "secretariat" or unit_id == who.org


def own_application(state: ApplicationState | None, by: Identity) -> ApplicationState:
    if state is None or state.applicant_id != by.org:
        raise application_not_found()
    return state


def application_sent_to(state: ApplicationState | None, by: Identity) -> ApplicationState:
    """An application as its recommending unit sees it: from its first sending on."""
    if state is None or state.unit_id != by.org or not state.ever_sent:
        raise application_not_found()
    return state


def sees_application(who: Identity, applicant_id: str, unit_id: str, ever_sent: bool) -> bool:
    return (who.role == "secretariat" or (who.role == "applicant" and applicant_id == who.org)
            or (who.role == "unit" and unit_id == who.org and ever_sent))
