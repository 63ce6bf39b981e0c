"""Who is the recommending unit (推荐单位) of a separately organised list's entries: the list's own review
body, which takes its nominations itself (intake: a separately organised list's nominations are entered by
its body, under the body's code). Its name is the campaign's, so the views name it as they name a
registered unit, and every release file, page and ranking shows that name, never the code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.campaign import Campaign, CampaignFileError, campaign_from_dict


def nominating_bodies(campaign: Campaign) -> tuple[tuple[str, str], ...]:
    """(body code, body name) of every body that reviews a separately organised list, in the campaign's order."""
    separate = {lst.code for lst in campaign.lists if lst.separately_organised}
    return tuple((body.code, body.name) for body in campaign.bodies
                 if any(a.list_code in separate for a in body.lists))


def nominating_bodies_of(definition: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The same, from a CampaignOpened definition; one that does not validate names none (the campaign book
    ignores it too)."""
    try:
        return nominating_bodies(campaign_from_dict(dict(definition)))
    except CampaignFileError:
        return ()
