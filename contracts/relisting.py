"""Cross-campaign rule: an item listed in an earlier campaign is not nominated again, when the
campaign says so (rules.previously_listed_not_renominable, with rules.previously_listed_reason).

Decided from the log. `ListedRegistry` folds ListPublished (what was listed), NominationSubmitted /
NominationAmended (the forms, for credit codes) and CampaignOpened (campaign titles, for messages).
The registry is an accumulator (`apply` mutates) because it folds every nomination of every year.
It serves tools and tests; the intake keeps the same facts in its PostgreSQL views (a national
platform's every year would not fit in memory) and asks `refuse_if_listed` with what it found.

Identity of an item — one normalised key, scoped by list code (an enterprise on 新锐企业榜 may
still appear on 融通创新组织榜):
- lists whose nominee is an enterprise or organisation (ORGANISATION_LISTS), when the form has a
  unified social credit code: "credit:" + the code (NFKC, upper-case, whitespace removed) — a renamed
  enterprise is still the same enterprise;
- otherwise: "title:" + the title, NFKC, case-folded, with whitespace, punctuation and symbols
  removed ("“科创”-A 1" and "科创A1" are the same item).
Keys are resolved when asked, not when folded, so any interleaving of the three topics gives the
same answer once the same events are in.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from contracts.campaign.model import Campaign
from contracts.errors import DomainError
from contracts.events import CampaignOpened, Event, ListPublished, NominationAmended, NominationSubmitted

ORGANISATION_LISTS = frozenset({"emerging_enterprise", "integrated_innovation_org"})
CREDIT_CODE_FIELD = "credit_code"


def normalise_title(title: str) -> str:
    text = unicodedata.normalize("NFKC", title).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PSZC")


def identity_key(list_code: str, form: Mapping[str, Any] | None, title: str) -> str:
    code = (form or {}).get(CREDIT_CODE_FIELD) if list_code in ORGANISATION_LISTS else None
    if isinstance(code, str) and code.strip():
        return "credit:" + "".join(unicodedata.normalize("NFKC", code).upper().split())
    return "title:" + normalise_title(title)


@dataclass(frozen=True)
class Listing:
    campaign: str
    list_code: str
    nomination_id: UUID
    title: str
    unit_id: str
    published_at: datetime


class ListedRegistry:
    def __init__(self) -> None:
        self._forms: dict[UUID, tuple[int, Mapping[str, Any]]] = {}  # nomination -> (revision, form)
        self._published: dict[tuple[str, str], tuple[Listing, ...]] = {}  # (campaign, list) -> the latest list
        self.campaign_titles: dict[str, str] = {}

    @classmethod
    def from_events(cls, events: Any) -> ListedRegistry:
        registry = cls()
        for event in events:
            registry.apply(event)
        return registry

    def apply(self, event: Event) -> None:
        if isinstance(event, (NominationSubmitted, NominationAmended)) and event.list_code in ORGANISATION_LISTS:
            known = self._forms.get(event.nomination_id)
            if known is None or event.revision >= known[0]:
                self._forms[event.nomination_id] = (event.revision, event.form)
        elif isinstance(event, ListPublished):
            # A list published again for the same campaign replaces the earlier one (a correction).
            self._published[(event.campaign, event.list_code)] = tuple(
                Listing(event.campaign, event.list_code, e.nomination_id, e.title, e.unit_id, event.published_at)
                for e in event.entries)
        elif isinstance(event, CampaignOpened):
            self.campaign_titles.setdefault(event.campaign, str(event.definition.get("title", event.campaign)))

    def key_of(self, listing: Listing) -> str:
        form = self._forms.get(listing.nomination_id, (0, None))[1]
        return listing_key(credit_key(listing.list_code, form), listing.title)

    def listings(self, list_code: str, key: str) -> list[Listing]:
        """Every listing of `list_code` whose item has identity `key`, in publication order."""
        found = [item for (_, code), items in self._published.items() if code == list_code
                 for item in items if self.key_of(item) == key]
        return sorted(found, key=lambda item: (item.published_at, item.campaign))


class PreviouslyListed(DomainError):
    code = "previously_listed"


def credit_key(list_code: str, form: Mapping[str, Any] | None) -> str | None:
    """The item's credit-code identity, if its list names an organisation and the form carries a code."""
    key = identity_key(list_code, form, "")
    return key if key.startswith("credit:") else None


def listing_key(credit: str | None, listed_title: str) -> str:
    """A listing's identity: its nomination's credit key when the form had one, else the listed title's."""
    return credit or "title:" + normalise_title(listed_title)


def check_renominable(campaign: Campaign, registry: ListedRegistry, list_code: str,
                      form: Mapping[str, Any] | None, title: str, at: datetime | None = None) -> None:
    """Raise PreviouslyListed if the campaign forbids re-nomination and this item was listed earlier.

    Only other campaigns' listings count, and with `at` (pass the nomination's occurred_at) only those
    published by then, so a rebuild decides as the live run did.
    """
    if not campaign.rules.previously_listed_not_renominable:
        return
    key = identity_key(list_code, form, title)
    earlier = [item for item in registry.listings(list_code, key)
               if item.campaign != campaign.code and (at is None or item.published_at <= at)]
    refuse_if_listed(campaign, earlier, key, registry.campaign_titles)


def refuse_if_listed(campaign: Campaign, earlier: Sequence[Listing], key: str,
                     campaign_titles: Mapping[str, str]) -> None:
    """The rule itself, over the earlier campaigns' listings of the same item (however they were found):
    the first of them is named in the refusal."""
    if not campaign.rules.previously_listed_not_renominable or not earlier:
        return
    first = earlier[0]
    campaign_title = campaign_titles.get(first.campaign, first.campaign)
    list_name = campaign.ranking_list(first.list_code).name
    what = f"“{first.title}”" + ("（统一社会信用代码相同）" if key.startswith("credit:") else "")
    raise PreviouslyListed(
        f"{what}已入选{campaign_title}（{first.campaign}）{list_name}，不能再次推荐："
        f"{campaign.rules.previously_listed_reason}（previously listed）",
        field=f"form.{CREDIT_CODE_FIELD}" if key.startswith("credit:") else "title")
